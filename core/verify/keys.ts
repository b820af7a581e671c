import {
  createKeyResolver,
  didWebDocumentUrl,
  keyFromDidDocument,
  parseDidKey,
  parseDidWeb,
  publicKeyFromJwk,
  type DocumentFetcher,
} from '../keys/index.ts';
import type { KeyResolver, PublicKeyInfo, ResolvedKey } from '../keys/types.ts';
import { LaurelError, isLaurelError } from '../util/errors.ts';
import { copyNote, type RemoteDocument, type RemoteSource } from './remote.ts';

/**
 * Key resolution for the verifier, one per credential (binding a key fetched from an https URL
 * depends on the issuer). Offline forms (did:key, did:jwk, `<issuer id>#z…`) go to core/keys'
 * resolver; did:web documents, https controller documents, JWKs and JWK Sets come through the
 * RemoteSource (network when online, else the saved copy). What each resolution involved is kept
 * in `notes` so the report can say "checked with a copy fetched on …".
 */

export interface VerifierKeys {
  resolveKey: KeyResolver;
  /** Per verification method (or JWK URL): how its key was found, when it involved a remote document. */
  notes: Map<string, string>;
}

const offline = createKeyResolver();

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function splitFragment(url: string): [string, string | undefined] {
  const i = url.indexOf('#');
  return i < 0 ? [url, undefined] : [url.slice(0, i), url.slice(i + 1)];
}

/** Host (with port) of an issuer id whose web authority could also publish its keys. */
function issuerAuthority(issuerId: string | undefined): { scheme: string; host: string } | undefined {
  if (!issuerId) return undefined;
  if (issuerId.startsWith('did:web:')) {
    try {
      const p = parseDidWeb(issuerId.split('#')[0]!);
      return { scheme: 'https:', host: p.host + (p.port !== undefined ? `:${p.port}` : '') };
    } catch {
      return undefined;
    }
  }
  try {
    const u = new URL(issuerId);
    return u.protocol === 'https:' || u.protocol === 'http:' ? { scheme: u.protocol, host: u.host } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Who controls a JWK published at `keyUrl`. The impl guide's provenance rules: the JWK's own
 * `iss` member when present (multi-tenant hosts), else the issuer if the key is published on the
 * issuer's own web authority (same scheme, host and port), else that origin (which binds to nobody).
 */
export function jwkUrlController(keyUrl: string, jwk: Record<string, unknown>, issuerId: string | undefined): string {
  if (typeof jwk.iss === 'string' && jwk.iss) return jwk.iss;
  const url = new URL(keyUrl);
  const authority = issuerAuthority(issuerId);
  if (issuerId && authority && authority.scheme === url.protocol && authority.host === url.host) return issuerId;
  return url.origin;
}

function fromJwk(jwk: unknown, where: string): PublicKeyInfo {
  try {
    return publicKeyFromJwk(jwk);
  } catch (e) {
    throw new LaurelError(isLaurelError(e) && e.code === 'UNSUPPORTED' ? 'UNSUPPORTED' : 'VALIDATION', `the key at ${where} is not a usable public key: ${(e as Error).message}`);
  }
}

/** Picks the JWK a kid names from a JWK Set: by `kid` equal to the whole URL or to its fragment. */
function fromJwks(set: Record<string, unknown>, kid: string, base: string, fragment: string | undefined): Record<string, unknown> | undefined {
  const keys = Array.isArray(set.keys) ? set.keys.filter(isObject) : [];
  return keys.find((k) => typeof k.kid === 'string' && (k.kid === kid || (fragment !== undefined && (k.kid === fragment || k.kid === `#${fragment}` || `${base}#${k.kid}` === kid))));
}

/** keyFromDidDocument, with "the document no longer lists this key" judged by where the copy came from. */
function keyFromDocument(json: unknown, doc: RemoteDocument, vm: string, subject: string): PublicKeyInfo {
  try {
    return keyFromDidDocument(json, vm, subject);
  } catch (e) {
    if (isLaurelError(e) && e.code === 'NOT_FOUND') {
      if (doc.fromCache) {
        // An old copy can predate a newly added key: say so, don't condemn.
        throw new LaurelError('NETWORK_REFUSED', `the saved copy of ${doc.url} (fetched on ${doc.fetchedAt.slice(0, 10)}) does not list the key ${vm}; it may have been added since: verify online to fetch the current document`);
      }
      throw new LaurelError('VALIDATION', `the issuer's current document at ${doc.url} no longer lists the key ${vm} that signed this: the issuer has withdrawn that key (rotated it or revoked it)`);
    }
    throw e;
  }
}

export function createVerifierKeys(remote: RemoteSource, issuerId: string | undefined, legacyFetchDocument?: DocumentFetcher): VerifierKeys {
  const notes = new Map<string, string>();
  const legacy = legacyFetchDocument ? createKeyResolver({ fetchDocument: legacyFetchDocument }) : undefined;
  const note = (vm: string, doc: RemoteDocument) => {
    const n = copyNote(doc);
    if (n) notes.set(vm, n);
  };

  const resolveKey: KeyResolver = async (vm: string): Promise<ResolvedKey> => {
    if (typeof vm !== 'string' || !vm) return offline(vm);
    const [base, fragment] = splitFragment(vm);
    const remoteForm = vm.startsWith('did:web:') || (/^https?:\/\//i.test(vm) && !(fragment && /^z[1-9A-HJ-NP-Za-km-z]+$/.test(fragment)));
    if (!remoteForm) return offline(vm);
    if (legacy) return legacy(vm);

    if (vm.startsWith('did:web:')) {
      if (!fragment) throw new LaurelError('INVALID_INPUT', `'${vm}' names no key: a did:web verification method needs a '#<key id>' fragment.`);
      parseDidWeb(base);
      const { json, doc } = await remote.getJson(didWebDocumentUrl(base));
      const publicKey = keyFromDocument(json, doc, vm, base);
      note(vm, doc);
      return { verificationMethod: vm, controller: base, publicKey, source: 'did:web', ...(doc.fromCache ? { cachedAt: doc.fetchedAt } : {}) };
    }

    // An https URL: a JWK, a JWK Set, or a controller document listing the key.
    const { json, doc } = await remote.getJson(base);
    let publicKey: PublicKeyInfo;
    let controller: string;
    let source: string;
    if (isObject(json) && typeof json.kty === 'string') {
      publicKey = fromJwk(json, base);
      controller = jwkUrlController(base, json, issuerId);
      source = 'jwk-url';
    } else if (isObject(json) && Array.isArray(json.keys)) {
      const jwk = fromJwks(json, vm, base, fragment);
      if (!jwk) {
        const why = `the key set at ${base} has no key with kid ${JSON.stringify(fragment ?? vm)}`;
        throw doc.fromCache ? new LaurelError('NETWORK_REFUSED', `${why} in the copy fetched on ${doc.fetchedAt.slice(0, 10)}; verify online to fetch the current set`) : new LaurelError('VALIDATION', `${why}: the issuer does not (or no longer) publish that key`);
      }
      publicKey = fromJwk(jwk, `${base} (kid ${String(jwk.kid)})`);
      controller = jwkUrlController(base, jwk, issuerId);
      source = 'jwks-url';
    } else {
      publicKey = keyFromDocument(json, doc, vm, base);
      controller = base;
      source = 'controller-document';
    }
    note(vm, doc);
    return { verificationMethod: vm, controller, publicKey, source, ...(doc.fromCache ? { cachedAt: doc.fetchedAt } : {}) };
  };
  return { resolveKey, notes };
}

function sameKey(a: PublicKeyInfo, b: PublicKeyInfo): boolean {
  return a.keyObject.equals(b.keyObject);
}

export interface ProvenanceResult {
  status: 'passed' | 'failed' | 'unknown';
  reason: string;
}

/**
 * For a VC-JWT that carries its key inline (`jwk` header): is that key the issuer's? did:key —
 * the DID is the key; did:web — the DID document lists it for assertion; an https issuer — its
 * authority's `/.well-known/jwks.json` holds it (the impl guide's provenance rule).
 */
export async function inlineJwkProvenance(jwk: unknown, issuerId: string | undefined, remote: RemoteSource): Promise<ProvenanceResult> {
  let key: PublicKeyInfo;
  try {
    key = publicKeyFromJwk(jwk);
  } catch (e) {
    return { status: 'failed', reason: `the header jwk is not a usable public key: ${(e as Error).message}` };
  }
  if (!issuerId) return { status: 'failed', reason: 'the credential has no issuer id to bind the key to' };
  const unreachable = (e: unknown): ProvenanceResult => ({
    status: isLaurelError(e) && (e.code === 'NETWORK_REFUSED' || e.code === 'NOT_FOUND') ? 'unknown' : 'failed',
    reason: `could not check that the inline key belongs to the issuer: ${(e as Error).message}`,
  });
  try {
    if (issuerId.startsWith('did:key:')) {
      const { publicKey } = parseDidKey(issuerId);
      return sameKey(publicKey, key)
        ? { status: 'passed', reason: `the inline jwk is the key of the issuer ${issuerId}` }
        : { status: 'failed', reason: `the signing key is not bound to the issuer: the inline jwk is not the key of ${issuerId}` };
    }
    if (issuerId.startsWith('did:web:')) {
      const { json, doc } = await remote.getJson(didWebDocumentUrl(issuerId));
      const ids = isObject(json) && Array.isArray(json.verificationMethod) ? json.verificationMethod.filter(isObject).map((v) => v.id).filter((x): x is string => typeof x === 'string') : [];
      for (const id of ids) {
        const full = id.startsWith('#') ? issuerId + id : id;
        try {
          if (sameKey(keyFromDidDocument(json, full, issuerId), key)) {
            const n = copyNote(doc);
            return { status: 'passed', reason: `the inline jwk is ${full}, listed for assertion in the issuer's DID document${n ? `; ${n}` : ''}` };
          }
        } catch {
          // not an assertion key of this issuer: keep looking
        }
      }
      return doc.fromCache
        ? { status: 'unknown', reason: `the saved copy of the issuer's DID document (fetched on ${doc.fetchedAt.slice(0, 10)}) does not list the inline jwk; verify online to check the current one` }
        : { status: 'failed', reason: `the signing key is not bound to the issuer: the inline jwk is not an assertion key in ${doc.url}` };
    }
    const authority = issuerAuthority(issuerId);
    if (!authority) return { status: 'unknown', reason: `the JWT carries its key inline (jwk), and nothing shows that key belongs to ${issuerId}` };
    const jwksUrl = `${authority.scheme}//${authority.host}/.well-known/jwks.json`;
    const { json, doc } = await remote.getJson(jwksUrl);
    const keys = isObject(json) && Array.isArray(json.keys) ? json.keys.filter(isObject) : [];
    const match = keys.find((k) => {
      try {
        return sameKey(publicKeyFromJwk(k), key);
      } catch {
        return false;
      }
    });
    if (match && (typeof match.iss !== 'string' || match.iss === issuerId)) {
      const n = copyNote(doc);
      return { status: 'passed', reason: `the inline jwk is published in the issuer's key set ${jwksUrl}${n ? `; ${n}` : ''}` };
    }
    if (match) return { status: 'failed', reason: `the signing key is not bound to the issuer: ${jwksUrl} lists it for ${String(match.iss)}, not ${issuerId}` };
    return doc.fromCache
      ? { status: 'unknown', reason: `the saved copy of ${jwksUrl} (fetched on ${doc.fetchedAt.slice(0, 10)}) does not list the inline jwk; verify online to check the current set` }
      : { status: 'failed', reason: `the signing key is not bound to the issuer: the inline jwk is not in the issuer's key set ${jwksUrl}` };
  } catch (e) {
    return unreachable(e);
  }
}
