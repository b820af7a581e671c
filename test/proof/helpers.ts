/**
 * Test-only Signers and KeyResolvers built straight on node:crypto, so the proof tests don't depend
 * on core/keys (written in parallel). Multikey encodings follow W3C Multikey / did:key.
 */
import { ECDH, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { Jwk, KeyAlgorithm, ResolvedKey, Signer, KeyResolver } from '../../core/keys/types.ts';
import { LaurelError } from '../../core/util/errors.ts';
import { base64urlDecode, base64urlEncode, concatBytes, multibaseDecode, multibaseEncode } from '../../core/util/encoding.ts';

const ED25519_PREFIX = new Uint8Array([0xed, 0x01]);
const P256_PREFIX = new Uint8Array([0x80, 0x24]); // varint(0x1200) p256-pub

export type VmStyle = 'did:key' | 'issuer-fragment';

export interface TestKey {
  signer: Signer;
  privateKey: KeyObject;
  resolved: ResolvedKey;
}

function jwkOf(key: KeyObject): Jwk {
  return key.export({ format: 'jwk' }) as Jwk;
}

function multikeyOf(algorithm: KeyAlgorithm, publicKey: KeyObject): string {
  const jwk = jwkOf(publicKey);
  if (algorithm === 'Ed25519') return multibaseEncode(concatBytes(ED25519_PREFIX, base64urlDecode(jwk.x as string)));
  if (algorithm === 'P-256') {
    const x = base64urlDecode(jwk.x as string);
    const y = base64urlDecode(jwk.y as string);
    const compressed = concatBytes(new Uint8Array([(y[31]! & 1) === 1 ? 0x03 : 0x02]), x);
    return multibaseEncode(concatBytes(P256_PREFIX, compressed));
  }
  // RSA has no did:key form we use; any stable label will do for tests.
  return 'zRSA' + base64urlEncode(base64urlDecode(jwk.n as string).slice(0, 12));
}

/** Decodes a Multikey (Ed25519 z6Mk…, P-256 zDn…) into a public KeyObject. */
export function publicKeyFromMultikey(multibase: string): { algorithm: KeyAlgorithm; keyObject: KeyObject } {
  const bytes = multibaseDecode(multibase);
  if (bytes[0] === 0xed && bytes[1] === 0x01 && bytes.length === 34) {
    return { algorithm: 'Ed25519', keyObject: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(bytes.slice(2)) }, format: 'jwk' }) };
  }
  if (bytes[0] === 0x80 && bytes[1] === 0x24 && bytes.length === 35) {
    const uncompressed = ECDH.convertKey(Buffer.from(bytes.slice(2)), 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
    const x = base64urlEncode(uncompressed.subarray(1, 33));
    const y = base64urlEncode(uncompressed.subarray(33, 65));
    return { algorithm: 'P-256', keyObject: createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' }) };
  }
  throw new LaurelError('UNSUPPORTED', `not an Ed25519 or P-256 multikey: ${multibase.slice(0, 8)}…`);
}

function signerFor(algorithm: KeyAlgorithm, privateKey: KeyObject, verificationMethod: string, controller: string): TestKey {
  const publicKeyObject = createPublicKey(privateKey);
  const publicKey = {
    algorithm,
    publicKeyMultibase: multikeyOf(algorithm, publicKeyObject),
    publicKeyJwk: jwkOf(publicKeyObject),
    keyObject: publicKeyObject,
  };
  const signer: Signer = {
    algorithm,
    verificationMethod,
    controller,
    publicKey,
    async sign(data: Uint8Array) {
      if (algorithm === 'Ed25519') return new Uint8Array(cryptoSign(null, data, privateKey));
      if (algorithm === 'P-256') return new Uint8Array(cryptoSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
      return new Uint8Array(cryptoSign('sha256', data, privateKey));
    },
  };
  return { signer, privateKey, resolved: { verificationMethod, controller, publicKey, source: 'test' } };
}

function newPrivateKey(algorithm: KeyAlgorithm): KeyObject {
  if (algorithm === 'Ed25519') return generateKeyPairSync('ed25519').privateKey;
  if (algorithm === 'P-256') return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

/**
 * A fresh key. 'did:key' style: issuer = did:key:<mb>, vm = did#mb. 'issuer-fragment': vm = issuerId#mb.
 * RSA keys get vm = issuerId#rsa-1 (resolvable only through `registry`).
 */
export function makeKey(algorithm: KeyAlgorithm, style: VmStyle = 'did:key', issuerId = 'https://example.edu/issuers/565049'): TestKey {
  const privateKey = newPrivateKey(algorithm);
  const mb = multikeyOf(algorithm, createPublicKey(privateKey));
  if (algorithm === 'RSA-2048') return signerFor(algorithm, privateKey, `${issuerId}#rsa-1`, issuerId);
  if (style === 'did:key') {
    const did = `did:key:${mb}`;
    return signerFor(algorithm, privateKey, `${did}#${mb}`, did);
  }
  return signerFor(algorithm, privateKey, `${issuerId}#${mb}`, issuerId);
}

/** The spec test vector key (Ed25519 from its 32-byte seed). */
export function keyFromEd25519Seed(seedHex: string, verificationMethod: string, controller: string): TestKey {
  const seed = Buffer.from(seedHex, 'hex');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return signerFor('Ed25519', createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), verificationMethod, controller);
}

/**
 * Resolves did:key:<mb>#<mb> and <https id>#<multikey> by decoding the multikey (no network), plus
 * anything in `registry` (RSA keys, or keys with a deliberately wrong controller).
 * Unknown ids throw NOT_FOUND, like a resolver that could not fetch.
 */
export function makeResolver(registry: ResolvedKey[] = [], calls: string[] = []): KeyResolver {
  const byId = new Map(registry.map((r) => [r.verificationMethod, r]));
  return async (vm: string) => {
    calls.push(vm);
    const known = byId.get(vm);
    if (known) return known;
    const hash = vm.indexOf('#');
    const base = hash >= 0 ? vm.slice(0, hash) : vm;
    const fragment = hash >= 0 ? vm.slice(hash + 1) : '';
    if (base.startsWith('did:key:')) {
      const mb = base.slice('did:key:'.length);
      if (fragment && fragment !== mb) throw new LaurelError('INVALID_INPUT', `did:key fragment ${fragment} is not the key ${mb}`);
      const { algorithm, keyObject } = publicKeyFromMultikey(mb);
      return { verificationMethod: vm, controller: base, publicKey: { algorithm, publicKeyMultibase: mb, publicKeyJwk: jwkOf(keyObject), keyObject }, source: 'did:key' };
    }
    if (/^https:\/\//.test(base) && /^z(6Mk|Dn)/.test(fragment)) {
      const { algorithm, keyObject } = publicKeyFromMultikey(fragment);
      return { verificationMethod: vm, controller: base, publicKey: { algorithm, publicKeyMultibase: fragment, publicKeyJwk: jwkOf(keyObject), keyObject }, source: 'issuer-fragment' };
    }
    throw new LaurelError('NOT_FOUND', `test resolver: nothing known about ${vm}`);
  };
}

/** A small OB 3.0 AchievementCredential (VC-DM 2.0) for the given issuer. */
export function sampleCredential(issuerId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
    id: 'urn:uuid:8f1c2b1e-2f57-4c38-9a7e-3b0f0c1d2e3f',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: issuerId, type: ['Profile'], name: 'Laurel Test College' },
    validFrom: '2026-01-15T10:00:00Z',
    name: 'Teamwork Badge',
    credentialSubject: {
      id: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://example.edu/achievements/teamwork',
        type: ['Achievement'],
        name: 'Teamwork',
        description: 'Collaborates within a group.',
        criteria: { narrative: 'Nominated by peers.' },
      },
    },
    ...overrides,
  };
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}
