/**
 * The verify corpus is built here, in code, at test time: keys, issuers of every identifier form,
 * credentials signed with each supported suite and form, and loopback HTTP servers standing in for
 * issuers' web hosts. Nothing binary is committed.
 */
import { createHash, createHmac, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildDidWebDocument, publicKeyInfo, signBytes, type DidWebKey } from '../../core/keys/index.ts';
import type { KeyAlgorithm, Signer } from '../../core/keys/types.ts';
import { createFetcher } from '../../core/net/index.ts';
import { canonize, sha256 } from '../../core/proof/canonicalize.ts';
import type { JsonObject } from '../../core/proof/index.ts';
import type { GetFetcher } from '../../core/verify/index.ts';
import { concatBytes, multibaseDecode } from '../../core/util/encoding.ts';

export const NOW = new Date('2026-06-01T00:00:00Z');
export const VC2 = 'https://www.w3.org/ns/credentials/v2';
export const VC1 = 'https://www.w3.org/2018/credentials/v1';
export const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const OB_EXT = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';
export const CLR = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';

export function scratchDir(prefix = 'laurel-verify-'): string {
  return mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), prefix));
}

export interface TestIssuer {
  id: string;
  name: string;
  signer: Signer;
  privateKey: KeyObject;
}

function newPrivateKey(algorithm: KeyAlgorithm): KeyObject {
  if (algorithm === 'Ed25519') return generateKeyPairSync('ed25519').privateKey;
  if (algorithm === 'P-256') return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

/** A signer for any verification method (core/keys' createSigner insists on `<controller>#…`, which a JWK URL isn't). */
export function signerOf(privateKey: KeyObject, verificationMethod: string, controller: string): Signer {
  const publicKey = publicKeyInfo(privateKey);
  return { algorithm: publicKey.algorithm, verificationMethod, controller, publicKey, sign: (data) => signBytes(privateKey, publicKey.algorithm, data) };
}

export type IssuerStyle =
  | { kind: 'did:key' }
  | { kind: 'fragment'; id: string }
  | { kind: 'did:web'; did: string; keyIndex?: number }
  /** The key is published at `keyUrl` (a JWK, or a JWK Set when `kid` is set), for the issuer `id`. */
  | { kind: 'key-url'; id: string; keyUrl: string; kid?: string };

export function makeIssuer(algorithm: KeyAlgorithm, style: IssuerStyle, name = 'Test Issuer', privateKey = newPrivateKey(algorithm)): TestIssuer {
  const pk = publicKeyInfo(privateKey);
  let id: string;
  let vm: string;
  switch (style.kind) {
    case 'did:key':
      id = `did:key:${pk.publicKeyMultibase}`;
      vm = `${id}#${pk.publicKeyMultibase}`;
      break;
    case 'fragment':
      id = style.id;
      vm = `${id}#${pk.publicKeyMultibase}`;
      break;
    case 'did:web':
      id = style.did;
      vm = `${id}#key-${style.keyIndex ?? 1}`;
      break;
    case 'key-url':
      id = style.id;
      vm = style.kid ? `${style.keyUrl}#${style.kid}` : style.keyUrl;
      break;
  }
  return { id, name, privateKey, signer: signerOf(privateKey, vm, id) };
}

/** The public JWK of an issuer, as a key URL or a JWK Set would publish it. */
export function publicJwk(issuer: TestIssuer, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(issuer.signer.publicKey.publicKeyJwk as Record<string, string>), ...extra };
}

export function didDocument(did: string, keys: Array<{ keyIndex: number; issuer: TestIssuer }>): unknown {
  const list: DidWebKey[] = keys.map((k) => ({ keyIndex: k.keyIndex, publicKey: k.issuer.signer.publicKey }));
  return buildDidWebDocument(did, list);
}

let serial = 0;
export interface BadgeOptions {
  issuerName?: string;
  subject?: JsonObject;
  achievement?: JsonObject;
  context?: unknown[];
  [extra: string]: unknown;
}

/** An OB 3.0 OpenBadgeCredential (VC 2.0) from the issuer, with display fields a verifier summarizes. */
export function badge(issuer: TestIssuer | string, options: BadgeOptions = {}): JsonObject {
  const { issuerName, subject, achievement, context, ...rest } = options;
  const issuerId = typeof issuer === 'string' ? issuer : issuer.id;
  const name = issuerName ?? (typeof issuer === 'string' ? 'Test Issuer' : issuer.name);
  serial++;
  return {
    '@context': context ?? [VC2, OB],
    id: `urn:uuid:00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: issuerId, type: ['Profile'], name, image: { id: 'https://badges.example.org/logo.png', type: 'Image' } },
    validFrom: '2026-01-15T10:00:00Z',
    name: 'Teamwork Badge',
    credentialSubject: {
      id: 'did:example:learner-1',
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://badges.example.org/achievements/teamwork',
        type: ['Achievement'],
        name: 'Teamwork',
        description: 'Collaborates within a group.',
        criteria: { narrative: 'Nominated by peers.' },
        image: { id: 'https://badges.example.org/teamwork.png', type: 'Image' },
        ...achievement,
      },
      ...subject,
    },
    ...rest,
  };
}

// ------------------------------------------------------------------ loopback "web hosts"

export interface Host {
  origin: string;
  /** path → [content-type, body]; paths are `/<host><pathname>` for mapped https URLs. */
  routes: Map<string, [string, string | Uint8Array]>;
  hits: string[];
  close(): Promise<void>;
}

/** A static server on 127.0.0.1. */
export async function serve(): Promise<Host> {
  const routes = new Map<string, [string, string | Uint8Array]>();
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    hits.push(url);
    const hit = routes.get(url);
    if (!hit) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (hit[0] === 'redirect') {
      res.writeHead(302, { location: String(hit[1]) }).end();
      return;
    }
    res.writeHead(200, { 'content-type': hit[0] }).end(hit[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, routes, hits, close: () => new Promise((r) => server.close(() => r())) };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Publishes JSON at an https URL (as the host maps it). */
export function publish(host: Host, httpsUrl: string, body: unknown, type = 'application/json'): void {
  const u = new URL(httpsUrl);
  host.routes.set(`/${u.host}${u.pathname}`, [type, typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)]);
}

/**
 * The production fetcher (core/net: limits, redirects, loopback-only http) behind a test-only map:
 * https://<host>/<path> is served by the loopback server at /<host>/<path>, as a hosts file would.
 * http://127.0.0.1 URLs go through unchanged.
 */
export function loopbackFetcher(host: Host, limits = { timeoutMs: 3000 }): GetFetcher {
  const net = createFetcher(limits);
  return {
    async get(url, options) {
      const u = new URL(url);
      const mapped = u.protocol === 'https:' ? `${host.origin}/${u.host}${u.pathname}${u.search}` : url;
      const res = await net.get(mapped, options);
      return { ...res, url };
    },
  };
}

// ------------------------------------------------------------------ ecdsa-sd-2023 (test-only issuer + holder)

function cborHead(major: number, n: number): Uint8Array {
  if (n < 24) return new Uint8Array([(major << 5) | n]);
  if (n < 256) return new Uint8Array([(major << 5) | 24, n]);
  if (n < 65536) return new Uint8Array([(major << 5) | 25, n >> 8, n & 0xff]);
  return new Uint8Array([(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

function cbor(v: unknown): Uint8Array {
  if (typeof v === 'number') return cborHead(0, v);
  if (v instanceof Uint8Array) return concatBytes(cborHead(2, v.length), v);
  if (Array.isArray(v)) return concatBytes(cborHead(4, v.length), ...v.map(cbor));
  if (v instanceof Map) return concatBytes(cborHead(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)]));
  throw new Error('cbor: unsupported value');
}

/**
 * A derived ecdsa-sd-2023 proof over the whole document, made the way VC-DI-ECDSA describes (base
 * signature by the issuer over proofHash || ephemeral key || hash of the mandatory statements; the
 * ephemeral key signs each disclosed statement; blank nodes relabelled by HMAC). `mandatory`
 * picks which canonical statements are mandatory. Test-only: the studio never issues this suite.
 */
export async function deriveEcdsaSd(credential: JsonObject, issuer: TestIssuer, mandatory: (line: string, index: number) => boolean = (_l, i) => i % 2 === 0): Promise<JsonObject> {
  const proof: JsonObject = { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-sd-2023', created: '2026-02-01T00:00:00Z', verificationMethod: issuer.signer.verificationMethod, proofPurpose: 'assertionMethod' };
  const proofHash = sha256(await canonize({ ...proof, '@context': credential['@context'] }, 'verify'));
  const hmacKey = createHash('sha256').update('test hmac key').digest();
  const canon = await canonize(credential, 'verify');
  const labels = new Map<number, Uint8Array>();
  const lines = canon
    .split('\n')
    .filter(Boolean)
    .map(
      (l) =>
        l.replace(/_:c14n(\d+)/g, (_m, n: string) => {
          const mac = new Uint8Array(createHmac('sha256', hmacKey).update(`c14n${n}`).digest());
          labels.set(Number(n), mac);
          return `_:u${Buffer.from(mac).toString('base64url')}`;
        }) + '\n',
    )
    .sort();
  const indexes = lines.map((l, i) => (mandatory(l, i) ? i : -1)).filter((i) => i >= 0);
  const ephemeral = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ephemeralMultikey = multibaseDecode(publicKeyInfo(ephemeral.publicKey).publicKeyMultibase);
  const sigs = lines.filter((_, i) => !indexes.includes(i)).map((l) => new Uint8Array(cryptoSign('sha256', Buffer.from(l), { key: ephemeral.privateKey, dsaEncoding: 'ieee-p1363' })));
  const mandatoryHash = sha256(lines.filter((_, i) => indexes.includes(i)).join(''));
  const baseSignature = await issuer.signer.sign(concatBytes(proofHash, ephemeralMultikey, mandatoryHash));
  const value = concatBytes(new Uint8Array([0xd9, 0x5d, 0x01]), cbor([baseSignature, ephemeralMultikey, sigs, labels, indexes]));
  return { ...credential, proof: { ...proof, proofValue: `u${Buffer.from(value).toString('base64url')}` } };
}

/** Changes one character of a string value at a path (a tampering that keeps the JSON valid). */
export function tamper<T extends JsonObject>(doc: T, mutate: (d: JsonObject) => void): T {
  const copy = structuredClone(doc);
  mutate(copy);
  return copy;
}
