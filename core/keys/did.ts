import { atomicWrite } from '../util/fs.ts';
import { isIP } from 'node:net';
import path from 'node:path';
import { base64urlDecode, base64urlEncode } from '../util/encoding.ts';
import { LaurelError } from '../util/errors.ts';
import { publicKeyFromJwk, publicKeyFromMultibase } from './algorithms.ts';
import type { Jwk, KeyAlgorithm, PublicKeyInfo } from './types.ts';

/**
 * Issuer identifiers: did:key, did:web (with the did.json the user hosts), an HTTPS issuer id with
 * a `#z…` key fragment, and did:jwk. The verification method's controller is always the issuer id.
 */

export const DID_CONTEXT = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';
/** Defines `JsonWebKey`/`publicKeyJwk`; added to a did.json only when it lists a JWK. */
export const JWK_CONTEXT = 'https://w3id.org/security/jwk/v1';

/** How a credential names its signer: the issuer id, the key's id, and the key's controller (= issuer id). */
export interface IssuerIdentity {
  issuerId: string;
  verificationMethod: string;
  controller: string;
}

/** The public parts a did.json needs (a PublicKeyInfo fits). */
export interface PublicKeyParts {
  algorithm: KeyAlgorithm;
  publicKeyMultibase: string;
  publicKeyJwk: Jwk;
}

export interface VerificationMethodEntry {
  id: string;
  type: 'Multikey' | 'JsonWebKey';
  controller: string;
  publicKeyMultibase?: string;
  publicKeyJwk?: Jwk;
}

export interface DidDocument {
  '@context': string[];
  id: string;
  verificationMethod: VerificationMethodEntry[];
  assertionMethod: string[];
  authentication?: string[];
  [extra: string]: unknown;
}

// ---------------------------------------------------------------- did:key

export function didKeyFromPublicKey(publicKey: Pick<PublicKeyInfo, 'publicKeyMultibase'>): string {
  return `did:key:${publicKey.publicKeyMultibase}`;
}

/** did:key issuer: `did:key:z…` with verification method `did:key:z…#z…`. */
export function didKeyIssuer(publicKey: Pick<PublicKeyInfo, 'publicKeyMultibase'>): IssuerIdentity {
  const did = didKeyFromPublicKey(publicKey);
  return { issuerId: did, verificationMethod: `${did}#${publicKey.publicKeyMultibase}`, controller: did };
}

/** Splits `did:key:z…[#z…]` and decodes the key. Throws INVALID_INPUT / NOT_FOUND. */
export function parseDidKey(didUrl: string): { did: string; publicKey: PublicKeyInfo; verificationMethod: string } {
  const [did, fragment, ...rest] = didUrl.split('#');
  if (!did || !did.startsWith('did:key:') || rest.length > 0) throw new LaurelError('INVALID_INPUT', `'${short(didUrl)}' is not a did:key.`);
  const msid = did.slice('did:key:'.length);
  const publicKey = publicKeyFromMultibase(msid);
  if (fragment !== undefined && fragment !== msid) {
    throw new LaurelError('NOT_FOUND', `A did:key document has a single key, '#${short(msid)}'; '#${short(fragment)}' does not exist.`);
  }
  return { did, publicKey, verificationMethod: `${did}#${msid}` };
}

/** The DID document a did:key expands to (locally, no network): one Multikey. */
export function didKeyDocument(did: string): DidDocument {
  // Parsing validates the key; the document repeats the identifier as the key.
  const { did: id, verificationMethod } = parseDidKey(did.split('#')[0]!);
  const vm: VerificationMethodEntry = { id: verificationMethod, type: 'Multikey', controller: id, publicKeyMultibase: id.slice('did:key:'.length) };
  return {
    '@context': [DID_CONTEXT, MULTIKEY_CONTEXT],
    id,
    verificationMethod: [vm],
    authentication: [verificationMethod],
    assertionMethod: [verificationMethod],
    capabilityDelegation: [verificationMethod],
    capabilityInvocation: [verificationMethod],
  };
}

// ---------------------------------------------------------------- HTTPS issuer id

/**
 * An issuer that hosts its own Profile: verification method `<issuerId>#<publicKeyMultibase>`.
 * Verifiers take the fragment as the key and fetch nothing. http:// is allowed only for loopback
 * hosts (local test servers).
 */
export function httpsIssuer(issuerId: string, publicKey: Pick<PublicKeyInfo, 'publicKeyMultibase'>): IssuerIdentity {
  let url: URL;
  try {
    url = new URL(issuerId);
  } catch {
    throw new LaurelError('INVALID_INPUT', `The issuer id '${short(issuerId)}' is not a URL.`);
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.startsWith('127.');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new LaurelError('INVALID_INPUT', `The issuer id '${short(issuerId)}' must be an https:// URL.`);
  }
  if (url.hash || issuerId.includes('#')) throw new LaurelError('INVALID_INPUT', `The issuer id '${short(issuerId)}' must not contain a '#' fragment; the key fragment is added to it.`);
  return { issuerId, verificationMethod: `${issuerId}#${publicKey.publicKeyMultibase}`, controller: issuerId };
}

// ---------------------------------------------------------------- did:jwk

export function didJwkFromPublicKey(publicKey: Pick<PublicKeyInfo, 'publicKeyJwk'>): string {
  return `did:jwk:${base64urlEncode(JSON.stringify(publicKey.publicKeyJwk))}`;
}

/** Decodes `did:jwk:…[#0]`. The only verification method is `#0`. */
export function parseDidJwk(didUrl: string): { did: string; publicKey: PublicKeyInfo; verificationMethod: string } {
  const [did, fragment, ...rest] = didUrl.split('#');
  if (!did || !did.startsWith('did:jwk:') || rest.length > 0) throw new LaurelError('INVALID_INPUT', `'${short(didUrl)}' is not a did:jwk.`);
  let jwk: unknown;
  try {
    jwk = JSON.parse(Buffer.from(base64urlDecode(did.slice('did:jwk:'.length))).toString('utf8'));
  } catch {
    throw new LaurelError('INVALID_INPUT', `'${short(didUrl)}' is not a valid did:jwk (the identifier must be a base64url JSON JWK).`);
  }
  const publicKey = publicKeyFromJwk(jwk);
  if (fragment !== undefined && fragment !== '0') throw new LaurelError('NOT_FOUND', `A did:jwk has a single key, '#0'; '#${short(fragment)}' does not exist.`);
  return { did, publicKey, verificationMethod: `${did}#0` };
}

// ---------------------------------------------------------------- did:web

export interface DidWebParts {
  /** Lower-case host name (punycode for IDNs). */
  host: string;
  port?: number;
  /** Path segments, decoded. Empty for a bare host. */
  path: string[];
}

/**
 * Turns `https://example.com[:8443][/issuers/1]` (or a bare host name) into
 * `did:web:example.com[%3A8443][:issuers:1]`. A trailing `/did.json` or `/.well-known/did.json` is
 * dropped so the hosting URL can be pasted back.
 */
export function didWebFromUrl(input: string): string {
  const text = input.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new LaurelError('INVALID_INPUT', `'${short(input)}' is not a web address for a did:web.`);
  }
  if (url.protocol !== 'https:') throw new LaurelError('INVALID_INPUT', `did:web addresses are always https; got '${short(input)}'.`);
  if (url.search || url.hash || url.username || url.password) {
    throw new LaurelError('INVALID_INPUT', `A did:web address can't have a query, fragment or user name: '${short(input)}'.`);
  }
  let segments = url.pathname.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
  if (segments.at(-1) === 'did.json') segments = segments.slice(0, -1);
  if (segments.length === 1 && segments[0] === '.well-known') segments = [];
  const parts: DidWebParts = { host: url.hostname, path: segments.map((s) => decodeURIComponent(s)) };
  if (url.port) parts.port = Number(url.port);
  return formatDidWeb(parts);
}

export function formatDidWeb(parts: DidWebParts): string {
  checkHost(parts.host);
  if (parts.port !== undefined && (!Number.isInteger(parts.port) || parts.port < 1 || parts.port > 65535)) {
    throw new LaurelError('INVALID_INPUT', `'${parts.port}' is not a port number.`);
  }
  for (const s of parts.path) {
    if (!s || s === '.' || s === '..' || s.includes('/')) throw new LaurelError('INVALID_INPUT', `'${short(s)}' can't be a did:web path segment.`);
  }
  const host = parts.host.toLowerCase() + (parts.port !== undefined ? `%3A${parts.port}` : '');
  // encodeURIComponent also encodes ':' inside a segment, which would otherwise split it.
  return ['did:web', host, ...parts.path.map((s) => encodeURIComponent(s))].join(':');
}

/** Parses `did:web:host[%3Aport][:path…]` (no fragment). */
export function parseDidWeb(did: string): DidWebParts {
  if (typeof did !== 'string' || !did.startsWith('did:web:') || did.includes('#') || did.includes('?') || did.includes('/')) {
    throw new LaurelError('INVALID_INPUT', `'${short(did)}' is not a did:web (expected did:web:<host>[:<path>…]).`);
  }
  const [hostPart, ...pathParts] = did.slice('did:web:'.length).split(':');
  const m = /^([^%]+)(?:%3[aA](\d{1,5}))?$/.exec(hostPart ?? '');
  if (!m) throw new LaurelError('INVALID_INPUT', `'${short(did)}' has no valid host (a port is written %3A<port>).`);
  let decoded: string[];
  try {
    decoded = pathParts.map((s) => decodeURIComponent(s));
  } catch {
    throw new LaurelError('INVALID_INPUT', `'${short(did)}' has a badly percent-encoded path.`);
  }
  const parts: DidWebParts = { host: m[1]!.toLowerCase(), path: decoded };
  if (m[2]) parts.port = Number(m[2]);
  // Round-trip through the formatter so the same rules apply both ways.
  formatDidWeb(parts);
  return parts;
}

/** The https URL the did.json must be served from: /.well-known/did.json for a bare host, else /<path>/did.json. */
export function didWebDocumentUrl(did: string): string {
  const parts = parseDidWeb(did);
  const authority = parts.host + (parts.port !== undefined ? `:${parts.port}` : '');
  const pathname = parts.path.length === 0 ? '/.well-known' : '/' + parts.path.map((s) => encodeURIComponent(s)).join('/');
  return `https://${authority}${pathname}/did.json`;
}

export function didWebVerificationMethod(did: string, keyIndex = 1): string {
  parseDidWeb(did);
  if (!Number.isInteger(keyIndex) || keyIndex < 1) throw new LaurelError('INVALID_INPUT', `A did:web key number must be 1 or more (got ${keyIndex}).`);
  return `${did}#key-${keyIndex}`;
}

/** did:web issuer: the DID, its `#key-N` verification method, and where the did.json must be hosted. */
export function didWebIssuer(did: string, keyIndex = 1): IssuerIdentity & { documentUrl: string } {
  return { issuerId: did, verificationMethod: didWebVerificationMethod(did, keyIndex), controller: did, documentUrl: didWebDocumentUrl(did) };
}

export interface DidWebKey {
  /** N in `#key-N`. Keep numbers stable: old credentials name their key by it. */
  keyIndex: number;
  publicKey: PublicKeyParts;
}

/**
 * The did.json for a did:web issuer. List every key that signed credentials still in circulation
 * (key history), not only the current one: a key missing here makes its credentials unverifiable.
 * Drop a key only when it must stop verifying (compromise). Each key is a `Multikey` (`#key-N`);
 * P-256 and RSA keys, which sign VC-JWTs, also get a `JsonWebKey` entry (`#key-N-jwk`).
 */
export function buildDidWebDocument(did: string, keys: DidWebKey[]): DidDocument {
  parseDidWeb(did);
  if (keys.length === 0) throw new LaurelError('INVALID_INPUT', 'A did.json needs at least one key.');
  const seen = new Set<number>();
  const verificationMethod: VerificationMethodEntry[] = [];
  for (const k of keys) {
    if (seen.has(k.keyIndex)) throw new LaurelError('INVALID_INPUT', `Key number ${k.keyIndex} appears twice in the did.json key list.`);
    seen.add(k.keyIndex);
    // Re-derive from the multibase so a mismatched or private JWK can't slip into the document.
    const pk = publicKeyFromMultibase(k.publicKey.publicKeyMultibase);
    const id = didWebVerificationMethod(did, k.keyIndex);
    verificationMethod.push({ id, type: 'Multikey', controller: did, publicKeyMultibase: pk.publicKeyMultibase });
    if (pk.algorithm !== 'Ed25519') verificationMethod.push({ id: `${id}-jwk`, type: 'JsonWebKey', controller: did, publicKeyJwk: pk.publicKeyJwk });
  }
  const hasJwk = verificationMethod.some((v) => v.type === 'JsonWebKey');
  const ids = verificationMethod.map((v) => v.id);
  return {
    '@context': hasJwk ? [DID_CONTEXT, MULTIKEY_CONTEXT, JWK_CONTEXT] : [DID_CONTEXT, MULTIKEY_CONTEXT],
    id: did,
    verificationMethod,
    // Every listed key may assert credentials: that is what keeps old credentials verifying.
    assertionMethod: ids,
  };
}

export function serializeDidDocument(doc: DidDocument): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Writes the did.json to a local file (atomically) for the user to upload to `didWebDocumentUrl(did)`. */
export async function writeDidWebDocument(filePath: string, did: string, keys: DidWebKey[]): Promise<{ path: string; hostAt: string; document: DidDocument }> {
  const document = buildDidWebDocument(did, keys);
  const target = path.resolve(filePath);
  await atomicWrite(target, serializeDidDocument(document), 0o644);
  return { path: target, hostAt: didWebDocumentUrl(did), document };
}

function checkHost(host: string): void {
  const h = host.replace(/^\[|\]$/g, '');
  if (isIP(h)) throw new LaurelError('INVALID_INPUT', `did:web needs a domain name, not an IP address ('${h}').`);
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(h)) {
    throw new LaurelError('INVALID_INPUT', `'${short(h)}' is not a valid domain name for did:web.`);
  }
}

function short(text: string): string {
  const t = String(text);
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}
