import { createHash } from 'node:crypto';
import jsonld from 'jsonld';
import ContextResolver from 'jsonld/lib/ContextResolver.js';
import { documentLoader, type DocumentLoader, type LoaderMode } from '../jsonld/index.ts';
import { isLaurelError } from '../util/errors.ts';
import { concatBytes } from '../util/encoding.ts';
import { contextsOf, isObject, withoutProof, type JsonObject } from './credential.ts';

/**
 * The transformation and hashing steps shared by every RDFC-based suite we support
 * (eddsa-rdfc-2022, its old name eddsa-2022, ecdsa-rdfc-2019 with P-256, Ed25519Signature2020):
 * canonicalize the proof options and the document with RDFC-1.0, then
 * hashData = SHA-256(canon(proof options)) || SHA-256(canon(document)).
 */

export const ED25519_2020_CONTEXT = 'https://w3id.org/security/suites/ed25519-2020/v1';

export interface ProofCanonicalForms {
  /** N-Quads of the proof options (the proof without proofValue, with the @context it is read in). */
  proofCanon: string;
  /** N-Quads of the document without its `proof`. */
  documentCanon: string;
}

export interface ProofHashes {
  proofHash: Uint8Array;
  documentHash: Uint8Array;
  /** proofHash || documentHash: the bytes that are signed. */
  hashData: Uint8Array;
}

/** A small LRU with the get/set jsonld's ContextResolver expects. Bounded: inline contexts are cached too. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): this {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
    return this;
  }
}

interface ModeState {
  loader: DocumentLoader;
  cache: Lru<unknown>;
}

/*
 * One loader and one processed-context cache per mode, for the life of the process: the bundle is
 * read and checked once, and each bundled context is processed once (this halves canonicalization
 * time). Separate per mode on purpose: 'sign' and 'verify' map the same OB 3.0.3 URL to different
 * bytes, and jsonld's own global cache is keyed by URL alone, so it must never see both. The loader
 * tags documents 'static', which is what lets jsonld keep them in the cache we pass.
 */
const modes = new Map<LoaderMode, ModeState>();
function stateFor(mode: LoaderMode): ModeState {
  let s = modes.get(mode);
  if (!s) {
    const base = documentLoader(mode);
    const loader: DocumentLoader = async (url) => ({ ...(await base(url)), tag: 'static' });
    s = { loader, cache: new Lru(100) };
    modes.set(mode, s);
  }
  return s;
}

/** RDFC-1.0 canonical N-Quads, in safe mode, never touching the network. */
export function canonize(input: JsonObject, mode: LoaderMode): Promise<string> {
  const { loader, cache } = stateFor(mode);
  return jsonld.canonize(input, {
    documentLoader: loader,
    contextResolver: new ContextResolver({ sharedCache: cache }),
    safe: true, // a term the contexts don't define would otherwise be silently left unsigned
    base: null, // never resolve relative IRIs against anything
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
  });
}

/** JSON-LD expansion with the same safe-mode options, loader and context cache as canonize. */
export function expand(input: JsonObject, mode: LoaderMode): Promise<unknown[]> {
  const { loader, cache } = stateFor(mode);
  return jsonld.expand(input, { documentLoader: loader, contextResolver: new ContextResolver({ sharedCache: cache }), safe: true, base: null });
}

/** canonize for a document that is already in expanded form (see expansion-cache.ts). */
export function canonizeExpanded(expanded: unknown[], mode: LoaderMode): Promise<string> {
  const { loader, cache } = stateFor(mode);
  return jsonld.canonize(expanded, {
    documentLoader: loader,
    contextResolver: new ContextResolver({ sharedCache: cache }),
    safe: true,
    base: null,
    skipExpansion: true,
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
  });
}

export function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest());
}

/**
 * The proof options as they are canonicalized: the proof without proofValue, read in the context
 * the suite prescribes.
 * - Data Integrity (eddsa-rdfc-2022, ecdsa-rdfc-2019): the document's @context. (If the proof
 *   carries its own @context, the caller has already checked the document's starts with it, and
 *   uses it for both, as VC-DI-EdDSA's verify algorithm says.)
 * - Ed25519Signature2020: jsonld-signatures uses the document's @context too, and only matches
 *   documents that include the suite context. We append the suite context when the document lacks
 *   it, because otherwise the term `Ed25519Signature2020` is undefined and safe mode refuses it.
 */
export function proofOptionsOf(proof: JsonObject, context: unknown): JsonObject {
  const { proofValue: _v, jws: _j, signatureValue: _s, '@context': _c, ...rest } = proof;
  let ctx = context;
  if (rest.type === 'Ed25519Signature2020') {
    const list = Array.isArray(context) ? context : [context];
    if (!list.includes(ED25519_2020_CONTEXT)) ctx = [...list, ED25519_2020_CONTEXT];
  }
  return { '@context': ctx, ...rest };
}

/**
 * Canonical forms of a proof's options and of the document, as signed.
 * `credential` may still carry its `proof` (it is removed); `proof` may carry a proofValue (ignored).
 */
export async function canonicalizeForProof(
  credential: JsonObject,
  proof: JsonObject,
  options: { mode?: LoaderMode } = {},
): Promise<ProofCanonicalForms> {
  const mode = options.mode ?? 'sign';
  const document = withoutProof(credential);
  const context = isObject(proof) && proof['@context'] !== undefined ? proof['@context'] : document['@context'];
  const doc = context === document['@context'] || proof.type === 'Ed25519Signature2020' ? document : { ...document, '@context': context };
  const [proofCanon, documentCanon] = await Promise.all([
    canonize(proofOptionsOf(proof, context), mode),
    canonize(doc, mode),
  ]);
  return { proofCanon, documentCanon };
}

export function hashForProof(canon: ProofCanonicalForms): ProofHashes {
  const proofHash = sha256(canon.proofCanon);
  const documentHash = sha256(canon.documentCanon);
  return { proofHash, documentHash, hashData: concatBytes(proofHash, documentHash) };
}

/** Does `doc`'s @context start with every entry of `prefix`, in order? */
export function contextStartsWith(doc: JsonObject, prefix: unknown): boolean {
  const full = contextsOf(doc);
  const head = Array.isArray(prefix) ? prefix : [prefix];
  if (head.length > full.length) return false;
  return head.every((c, i) => JSON.stringify(c) === JSON.stringify(full[i]));
}

export interface JsonLdProblem {
  /** 'unknown-context': a context outside the bundle (we never fetch). 'invalid': anything else. */
  kind: 'unknown-context' | 'invalid';
  reason: string;
}

/** Turns a jsonld.js error into plain words. */
export function describeJsonLdError(e: unknown): JsonLdProblem {
  const err = e as { name?: string; message?: string; details?: Record<string, unknown> };
  const details = err?.details ?? {};
  const cause = details.cause;
  if (err?.name === 'jsonld.InvalidUrl' || (isLaurelError(cause) && cause.code === 'NETWORK_REFUSED')) {
    const url = typeof details.url === 'string' ? details.url : '(unnamed)';
    return {
      kind: 'unknown-context',
      reason: `the JSON-LD context ${url} is not in Laurel Studio's pinned bundle, and contexts are never fetched from the network`,
    };
  }
  if (err?.name === 'jsonld.ValidationError') {
    const event = (details.event ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
    const d = event.details ?? {};
    switch (event.code) {
      case 'invalid property':
        return { kind: 'invalid', reason: `the property "${String(d.property)}" is not defined by the credential's @context` };
      case 'relative @type reference':
        return { kind: 'invalid', reason: `the type "${String(d.type)}" is not defined by the credential's @context` };
      case 'relative @id reference':
        return { kind: 'invalid', reason: `the id "${String(d.id)}" is not an absolute IRI` };
      case 'relative object reference':
        return { kind: 'invalid', reason: `the value "${String(d.object)}" is used as an IRI but is not absolute` };
      default:
        return { kind: 'invalid', reason: `JSON-LD safe mode refused the document: ${event.message ?? err.message ?? 'unknown problem'}` };
    }
  }
  const term = typeof details.term === 'string' ? ` (term "${details.term}")` : '';
  return { kind: 'invalid', reason: `the document is not valid JSON-LD: ${err?.message ?? String(e)}${term}` };
}
