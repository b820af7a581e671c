import { base58btcDecode } from '../util/encoding.ts';
import { LaurelError, isLaurelError } from '../util/errors.ts';
import { publicKeyFromJwk, publicKeyFromMultibase, publicKeyInfo } from './algorithms.ts';
import { didJwkFromPublicKey, didWebDocumentUrl, parseDidJwk, parseDidKey, parseDidWeb } from './did.ts';
import type { KeyResolver, PublicKeyInfo, ResolvedKey } from './types.ts';
import { createPublicKey } from 'node:crypto';

/**
 * Fetches a DID document or controller document by https URL. Injected by the caller: this module
 * never touches the network. It may return the parsed JSON, or `{ document, cachedAt }` when it
 * answered from a cache (the verifier reports the date).
 */
export type DocumentFetcher = (url: string) => Promise<unknown>;

export interface KeyResolverOptions {
  /** Without it, did:web and https controller documents throw NETWORK_REFUSED ("could not check"). */
  fetchDocument?: DocumentFetcher;
}

/**
 * A KeyResolver for verification. Offline: did:key (Ed25519, P-256, RSA), did:jwk, and
 * `<issuer-url>#z…` (the fragment *is* the key; controller = the part before '#'). Online only
 * through `fetchDocument`: did:web and https controller documents.
 */
export function createKeyResolver(options: KeyResolverOptions = {}): KeyResolver {
  return async (verificationMethod: string): Promise<ResolvedKey> => {
    if (typeof verificationMethod !== 'string' || !verificationMethod) {
      throw new LaurelError('INVALID_INPUT', 'A verification method id must be a non-empty string.');
    }
    if (verificationMethod.startsWith('did:key:')) {
      const r = parseDidKey(verificationMethod);
      return { verificationMethod: r.verificationMethod, controller: r.did, publicKey: r.publicKey, source: 'did:key' };
    }
    if (verificationMethod.startsWith('did:jwk:')) {
      const r = parseDidJwk(verificationMethod);
      return { verificationMethod: r.verificationMethod, controller: r.did, publicKey: r.publicKey, source: 'did:jwk' };
    }
    if (verificationMethod.startsWith('did:web:')) {
      const [did, fragment] = splitFragment(verificationMethod);
      if (!fragment) throw new LaurelError('INVALID_INPUT', `'${short(verificationMethod)}' names no key: a did:web verification method needs a '#<key id>' fragment.`);
      parseDidWeb(did);
      const fetched = await fetchOrRefuse(options.fetchDocument, didWebDocumentUrl(did), verificationMethod);
      const publicKey = keyFromDidDocument(fetched.document, verificationMethod, did);
      return withCache({ verificationMethod, controller: did, publicKey, source: 'did:web' }, fetched.cachedAt);
    }
    if (/^https?:\/\//i.test(verificationMethod)) {
      const [base, fragment] = splitFragment(verificationMethod);
      if (fragment && /^z[1-9A-HJ-NP-Za-km-z]+$/.test(fragment)) {
        // The OB 3.0 validator's rule: the fragment is the key, nothing is fetched.
        return { verificationMethod, controller: base, publicKey: publicKeyFromMultibase(fragment), source: 'issuer-fragment' };
      }
      const fetched = await fetchOrRefuse(options.fetchDocument, base, verificationMethod);
      const publicKey = keyFromDidDocument(fetched.document, verificationMethod, base);
      return withCache({ verificationMethod, controller: base, publicKey, source: 'controller-document' }, fetched.cachedAt);
    }
    if (verificationMethod.startsWith('did:')) {
      const method = verificationMethod.split(':')[1];
      throw new LaurelError('UNSUPPORTED', `DID method 'did:${method}' is not supported; supported are did:key, did:jwk and did:web.`);
    }
    throw new LaurelError('UNSUPPORTED', `'${short(verificationMethod)}' is neither a DID URL nor an https URL, so its key can't be found.`);
  };
}

/**
 * For a VC-JWT carrying its key inline (`jwk` header). Refuses a JWK with private members. An
 * inline key proves nothing about who owns it, so the controller is the key itself (its did:jwk):
 * a binding check against an issuer URL fails unless the verifier establishes provenance another
 * way (e.g. the issuer's jwks.json).
 */
export function resolveJwkHeader(jwk: unknown): ResolvedKey {
  const publicKey = publicKeyFromJwk(jwk);
  const did = didJwkFromPublicKey(publicKey);
  return { verificationMethod: `${did}#0`, controller: did, publicKey, source: 'jwk' };
}

/**
 * Finds `verificationMethod` in a DID document / controller document whose id must be `subject`.
 * Checks that the key's controller is the subject and that the key may assert credentials.
 * Accepts Multikey (also the validator's `MultiKey` spelling), JsonWebKey / JsonWebKey2020,
 * Ed25519VerificationKey2020 (multibase) and Ed25519VerificationKey2018 (base58).
 */
export function keyFromDidDocument(document: unknown, verificationMethod: string, subject: string): PublicKeyInfo {
  const where = `the document for ${short(subject)}`;
  if (!isObject(document)) throw new LaurelError('VALIDATION', `${cap(where)} is not a JSON object.`);
  if (document.id !== subject) {
    throw new LaurelError('VALIDATION', `${cap(where)} has id ${JSON.stringify(short(String(document.id)))}, not ${JSON.stringify(subject)}; it is not this issuer's document.`);
  }
  const matches = (entry: unknown): boolean => typeof entry === 'string' && absolute(entry, subject) === verificationMethod;
  const candidates: unknown[] = [];
  for (const prop of ['verificationMethod', 'assertionMethod', 'publicKey']) {
    const list = document[prop];
    if (Array.isArray(list)) candidates.push(...list.filter((e) => isObject(e) && matches(e.id)));
  }
  const vm = candidates[0];
  if (!isObject(vm)) throw new LaurelError('NOT_FOUND', `${cap(where)} does not list the key ${short(verificationMethod)} (removed, or never published).`);
  const controller = typeof vm.controller === 'string' ? absolute(vm.controller, subject) : undefined;
  if (controller !== subject) {
    throw new LaurelError('VALIDATION', `The key ${short(verificationMethod)} is controlled by ${JSON.stringify(controller ?? null)}, not by ${subject}.`);
  }
  const assertion = document.assertionMethod;
  const authorised = Array.isArray(assertion) && assertion.some((e) => matches(e) || (isObject(e) && matches(e.id)));
  if (!authorised) {
    throw new LaurelError('VALIDATION', `The key ${short(verificationMethod)} is not listed under assertionMethod in ${where}, so it may not sign credentials.`);
  }
  return keyMaterial(vm, verificationMethod);
}

function keyMaterial(vm: Record<string, unknown>, id: string): PublicKeyInfo {
  const type = vm.type;
  if ((type === 'Multikey' || type === 'MultiKey' || type === 'Ed25519VerificationKey2020') && typeof vm.publicKeyMultibase === 'string') {
    const pk = publicKeyFromMultibase(vm.publicKeyMultibase);
    if (type === 'Ed25519VerificationKey2020' && pk.algorithm !== 'Ed25519') throw new LaurelError('VALIDATION', `${short(id)} is typed Ed25519VerificationKey2020 but holds a ${pk.algorithm} key.`);
    return pk;
  }
  if ((type === 'JsonWebKey' || type === 'JsonWebKey2020') && vm.publicKeyJwk !== undefined) return publicKeyFromJwk(vm.publicKeyJwk);
  if (type === 'Ed25519VerificationKey2018' && typeof vm.publicKeyBase58 === 'string') {
    let raw: Uint8Array;
    try {
      raw = base58btcDecode(vm.publicKeyBase58);
    } catch (cause) {
      throw new LaurelError('INVALID_INPUT', `${short(id)} has an invalid publicKeyBase58.`, { cause });
    }
    if (raw.length !== 32) throw new LaurelError('INVALID_INPUT', `${short(id)} has a publicKeyBase58 that is not a 32-byte Ed25519 key.`);
    return publicKeyInfo(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' }));
  }
  throw new LaurelError('UNSUPPORTED', `${short(id)} is a ${JSON.stringify(type)} without supported key material (publicKeyMultibase or publicKeyJwk).`);
}

async function fetchOrRefuse(fetcher: DocumentFetcher | undefined, url: string, vm: string): Promise<{ document: unknown; cachedAt?: string }> {
  if (!fetcher) {
    throw new LaurelError('NETWORK_REFUSED', `Checking ${short(vm)} needs ${url}, and fetching it is not allowed here (offline); the key could not be checked.`, {
      details: { url },
    });
  }
  let result: unknown;
  try {
    result = await fetcher(url);
  } catch (cause) {
    if (isLaurelError(cause)) throw cause;
    throw new LaurelError('NOT_FOUND', `Could not fetch ${url} to check ${short(vm)}: ${(cause as Error)?.message ?? String(cause)}`, { cause, details: { url } });
  }
  if (isObject(result) && 'document' in result && !('id' in result)) {
    return { document: result.document, ...(typeof result.cachedAt === 'string' ? { cachedAt: result.cachedAt } : {}) };
  }
  return { document: result };
}

function withCache(key: ResolvedKey, cachedAt: string | undefined): ResolvedKey {
  return cachedAt ? { ...key, cachedAt } : key;
}

function splitFragment(url: string): [string, string | undefined] {
  const i = url.indexOf('#');
  return i < 0 ? [url, undefined] : [url.slice(0, i), url.slice(i + 1)];
}

/** Resolves a relative `#frag` id against the document id. */
function absolute(id: string, subject: string): string {
  return id.startsWith('#') ? subject + id : id;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function short(text: string): string {
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
