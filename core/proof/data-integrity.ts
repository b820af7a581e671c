import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { assertContextsIntact } from '../jsonld/index.ts';
import type { KeyResolver, ResolvedKey, Signer } from '../keys/types.ts';
import { LaurelError, isLaurelError } from '../util/errors.ts';
import { concatBytes, multibaseDecode, multibaseEncode } from '../util/encoding.ts';
import {
  canonicalizeForProof,
  canonize,
  contextStartsWith,
  describeJsonLdError,
  hashForProof,
  proofOptionsOf,
  sha256,
  type ProofCanonicalForms,
} from './canonicalize.ts';
import { asArray, isDateTimeStamp, isObject, issuerIdOf, nowSeconds, withoutProof, type JsonObject } from './credential.ts';
import { createDocumentCanonicalizer } from './expansion-cache.ts';

/** Cryptosuites we sign with. */
export type SigningCryptosuite = 'eddsa-rdfc-2022' | 'ecdsa-rdfc-2019';

export interface SignDataIntegrityOptions {
  /** XML Schema dateTime with zone; defaults to now, second precision, UTC. */
  created?: string;
  /** Must agree with the key: Ed25519 → eddsa-rdfc-2022, P-256 → ecdsa-rdfc-2019. */
  cryptosuite?: SigningCryptosuite;
}

export type ProofStatus = 'passed' | 'failed' | 'unknown';

export interface ProofVerificationResult {
  /** Position in the credential's proof set (0 for a lone proof object). */
  proofIndex: number;
  /** proof.type as written ('DataIntegrityProof', 'Ed25519Signature2020', …), or '' if absent. */
  type: string;
  /** proof.cryptosuite; null for suites without one (Ed25519Signature2020). */
  cryptosuite: string | null;
  verificationMethod: string | null;
  status: ProofStatus;
  /** Plain words: why it passed, failed, or could not be checked. */
  reason: string;
  /** The controller of the resolved key, when resolution succeeded. */
  controller?: string;
  /** Set once the signature checked out: whether the key's controller is the expected issuer. */
  keyBound?: boolean;
}

export interface VerifyDataIntegrityOptions {
  /** Who must control the key. Defaults to the credential's issuer id (issuer or issuer.id). */
  expectedController?: string;
  /**
   * Canonicalizes the document (the credential without `proof`) in 'verify' mode. Default: ordinary
   * RDFC-1.0. A verifier of many credentials passes createDocumentCanonicalizer('verify'): the same
   * output, with JSON-LD expansion reused across documents of one structure.
   */
  canonicalizeDocument?: (document: JsonObject) => Promise<string>;
}

export type Suite = 'eddsa' | 'ecdsa-p256';

/** What each supported proof (type, cryptosuite) means. */
function suiteOf(type: string, cryptosuite: string | null): { suite: Suite } | { unknown: string } {
  if (type === 'DataIntegrityProof') {
    switch (cryptosuite) {
      case 'eddsa-rdfc-2022':
      // The 2022-2023 drafts of VC-DI-EdDSA called this suite `eddsa-2022`; it was renamed in 2023 when
      // the JCS variant arrived (naming convention <alg>-<canon>-<year>). Same RDFC transform, same
      // SHA-256(proof)||SHA-256(document) hash, same Ed25519 signature: only the name differs.
      case 'eddsa-2022':
        return { suite: 'eddsa' };
      case 'ecdsa-rdfc-2019':
        return { suite: 'ecdsa-p256' };
      case 'ecdsa-sd-2023':
        return { unknown: 'the cryptosuite ecdsa-sd-2023 (selective disclosure) is not supported yet' };
      case null:
        return { unknown: 'the DataIntegrityProof has no cryptosuite' };
      default:
        return { unknown: `the cryptosuite ${cryptosuite} is not supported` };
    }
  }
  // Legacy suite: same RDFC transform and hash construction, Ed25519 signature, multibase proofValue.
  if (type === 'Ed25519Signature2020') return { suite: 'eddsa' };
  return { unknown: type ? `the proof type ${type} is not supported` : 'the proof has no type' };
}

function keyKind(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ec') return `EC ${key.asymmetricKeyDetails?.namedCurve ?? '?'}`;
  return key.asymmetricKeyType ?? key.type;
}

function keyFitsSuite(key: KeyObject, suite: Suite): boolean {
  if (key.type !== 'public' && key.type !== 'private') return false;
  if (suite === 'eddsa') return key.asymmetricKeyType === 'ed25519';
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/** Internal (exported for the W3C ECDSA vector test): the signature step of each suite. */
export function checkSignature(suite: Suite, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  if (suite === 'eddsa') return cryptoVerify(null, data, key, signature);
  // ECDSA over hashData with SHA-256 (ECDSA hashes its input), r||s encoding.
  return cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
}

function suiteForSigner(signer: Pick<Signer, 'algorithm'>, requested?: SigningCryptosuite): SigningCryptosuite {
  switch (signer.algorithm) {
    case 'Ed25519':
      if (requested && requested !== 'eddsa-rdfc-2022') {
        throw new LaurelError('INVALID_INPUT', `An Ed25519 key signs with eddsa-rdfc-2022, not ${requested}.`);
      }
      return 'eddsa-rdfc-2022';
    case 'P-256':
      if (requested && requested !== 'ecdsa-rdfc-2019') {
        throw new LaurelError('INVALID_INPUT', `A P-256 key signs with ecdsa-rdfc-2019, not ${requested}.`);
      }
      return 'ecdsa-rdfc-2019';
    case 'RSA-2048':
      throw new LaurelError(
        'UNSUPPORTED',
        'RSA keys sign VC-JWT only: no Data Integrity cryptosuite uses RSA. Use an Ed25519 key (eddsa-rdfc-2022, the suite 1EdTech certifies) for an embedded proof, or sign this credential as a VC-JWT (RS256).',
      );
    default:
      throw new LaurelError('UNSUPPORTED', `Unknown key algorithm ${String(signer.algorithm)}.`);
  }
}

function existingProofs(credential: JsonObject): JsonObject[] {
  const p = credential.proof;
  if (p === undefined) return [];
  const list = asArray(p as unknown);
  if (!list.every(isObject)) {
    throw new LaurelError('INVALID_INPUT', 'The credential has a `proof` that is not an object or an array of objects.');
  }
  return list as JsonObject[];
}

/** What signing needs to know about the key, without the key: safe to hand to a worker thread. */
export interface ProofKeyInfo {
  algorithm: Signer['algorithm'];
  verificationMethod: string;
}

/**
 * A proof ready to be signed: the proof options (no proofValue yet) and the bytes to sign,
 * hashData = SHA-256(canon(proof options)) || SHA-256(canon(document)).
 */
export interface PreparedProof {
  proof: JsonObject;
  hashData: Uint8Array;
}

function newProofOptions(credential: JsonObject, key: ProofKeyInfo, options: SignDataIntegrityOptions): JsonObject {
  if (!isObject(credential)) throw new LaurelError('INVALID_INPUT', 'Only a JSON object can be signed.');
  if (credential['@context'] === undefined) {
    throw new LaurelError('INVALID_INPUT', 'The credential has no @context, so it cannot be signed as JSON-LD.');
  }
  const cryptosuite = suiteForSigner(key, options.cryptosuite);
  const created = options.created ?? nowSeconds();
  if (!isDateTimeStamp(created)) {
    throw new LaurelError('INVALID_INPUT', `The proof date "${created}" is not a date-time with a time zone (e.g. 2026-01-31T12:00:00Z).`);
  }
  existingProofs(credential); // refuse a malformed proof before doing any work
  // Key order as in the spec's test vectors.
  return { type: 'DataIntegrityProof', created, verificationMethod: key.verificationMethod, cryptosuite, proofPurpose: 'assertionMethod' };
}

function cannotSign(e: unknown): LaurelError {
  if (isLaurelError(e)) return e;
  const problem = describeJsonLdError(e);
  return new LaurelError(
    problem.kind === 'unknown-context' ? 'NETWORK_REFUSED' : 'VALIDATION',
    `Cannot sign: ${problem.reason}. Safe-mode JSON-LD processing refuses anything a verifier would read differently.`,
    { cause: e },
  );
}

async function prepareProof(credential: JsonObject, key: ProofKeyInfo, options: SignDataIntegrityOptions): Promise<PreparedProof> {
  const proof = newProofOptions(credential, key, options);
  let canon: ProofCanonicalForms;
  try {
    canon = await canonicalizeForProof(credential, proof, { mode: 'sign' });
  } catch (e) {
    throw cannotSign(e);
  }
  return { proof, hashData: hashForProof(canon).hashData };
}

/**
 * The key holder's half of signing: signs hashData, checks the signature against the signer's own
 * public key, and returns a copy of the credential with the proof appended to its proof set.
 */
export async function completeDataIntegrityProof(credential: JsonObject, prepared: PreparedProof, signer: Signer): Promise<JsonObject> {
  const { proof, hashData } = prepared;
  if (proof.verificationMethod !== signer.verificationMethod) {
    throw new LaurelError('INVALID_INPUT', `The proof was prepared for ${String(proof.verificationMethod)}, not for the signer ${signer.verificationMethod}.`);
  }
  const cryptosuite = suiteForSigner(signer, proof.cryptosuite as SigningCryptosuite);
  const signature = await signer.sign(hashData);
  // Check our own output: a signer returning DER instead of r||s, or the wrong key, must not slip out.
  const suite: Suite = cryptosuite === 'eddsa-rdfc-2022' ? 'eddsa' : 'ecdsa-p256';
  if (!checkSignature(suite, signer.publicKey.keyObject, hashData, signature)) {
    throw new LaurelError(
      'VALIDATION',
      `The signer for ${signer.verificationMethod} produced a signature its own public key does not verify (${signature.length} bytes); nothing was signed.`,
    );
  }
  return { ...credential, proof: [...existingProofs(credential), { ...proof, proofValue: multibaseEncode(signature) }] };
}

async function signPrepared(credential: JsonObject, signer: Signer, options: SignDataIntegrityOptions): Promise<JsonObject> {
  return completeDataIntegrityProof(credential, await prepareProof(credential, signer, options), signer);
}

/**
 * For batches, the half of signing that needs no private key and holds nearly all the CPU cost
 * (RDFC canonicalization): run it in worker threads and sign the 64-byte result on the thread
 * that holds the key (completeDataIntegrityProof). Checks the context bundle once. With a fixed
 * `created`, the proof options are canonicalized once per @context rather than once per credential.
 */
export function createProofPreparer(
  key: ProofKeyInfo,
  defaults: SignDataIntegrityOptions = {},
  options: { reuseExpansion?: boolean } = {},
): (credential: JsonObject, options?: SignDataIntegrityOptions) => Promise<PreparedProof> {
  assertContextsIntact();
  suiteForSigner(key, defaults.cryptosuite); // fail early on an RSA key
  const proofHashes = new Map<string, Uint8Array>();
  // Many documents of one structure: expand once per structure (expansion-cache.ts).
  const documents = options.reuseExpansion ? createDocumentCanonicalizer('sign') : undefined;
  return async (credential, options = {}) => {
    const merged = { ...defaults, ...options };
    if (merged.created === undefined) return prepareProof(credential, key, merged);
    const proof = newProofOptions(credential, key, merged);
    const document = withoutProof(credential);
    const cacheKey = JSON.stringify([document['@context'], proof]);
    try {
      let proofHash = proofHashes.get(cacheKey);
      const documentCanon = documents ? documents.canonicalize(document) : canonize(document, 'sign');
      if (!proofHash) {
        proofHash = sha256(await canonize(proofOptionsOf(proof, document['@context']), 'sign'));
        if (proofHashes.size < 16) proofHashes.set(cacheKey, proofHash);
      }
      return { proof, hashData: concatBytes(proofHash, sha256(await documentCanon)) };
    } catch (e) {
      throw cannotSign(e);
    }
  };
}

/**
 * Adds a Data Integrity proof (eddsa-rdfc-2022 for Ed25519, ecdsa-rdfc-2019 for P-256) to a copy of
 * the credential. Existing proofs are kept (a lone proof object becomes an array); the new proof
 * signs the document without any of them (a proof set, not a chain). Refuses a modified context bundle.
 */
export async function signDataIntegrity(
  credential: JsonObject,
  signer: Signer,
  options: SignDataIntegrityOptions = {},
): Promise<JsonObject> {
  assertContextsIntact();
  return signPrepared(credential, signer, options);
}

/**
 * For batches: checks the context bundle once (about 0.7 ms: it re-hashes every bundled file), then
 * signs many credentials with the same signer.
 */
export function createDataIntegritySigner(
  signer: Signer,
  defaults: SignDataIntegrityOptions = {},
): (credential: JsonObject, options?: SignDataIntegrityOptions) => Promise<JsonObject> {
  assertContextsIntact();
  suiteForSigner(signer, defaults.cryptosuite); // fail early on an RSA key
  return (credential, options = {}) => signPrepared(credential, signer, { ...defaults, ...options });
}

function resolutionFailure(e: unknown): { status: ProofStatus; reason: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (isLaurelError(e) && (e.code === 'NETWORK_REFUSED' || e.code === 'NOT_FOUND')) {
    return { status: 'unknown', reason: `could not fetch the issuer's key: ${message}` };
  }
  // A key kind we can't resolve (e.g. another DID method) says nothing about the credential.
  if (isLaurelError(e) && e.code === 'UNSUPPORTED') return { status: 'unknown', reason: `could not check the key: ${message}` };
  return { status: 'failed', reason: `the verification method could not be used: ${message}` };
}

/*
 * Proof options repeat across credentials (one batch: same context, key, suite and often the same
 * `created`), and expanding them costs as much as a third of a verification. Memoized on the exact
 * input, so a hit returns what canonicalization of that very input returned: nothing is assumed.
 */
const proofCanonCache = new Map<string, Promise<string>>();
function canonizeProofOptions(options: JsonObject): Promise<string> {
  const key = JSON.stringify(options);
  let hit = proofCanonCache.get(key);
  if (hit) {
    proofCanonCache.delete(key); // keep recently used entries last
    proofCanonCache.set(key, hit);
    return hit;
  }
  hit = canonize(options, 'verify');
  proofCanonCache.set(key, hit);
  hit.catch(() => proofCanonCache.delete(key)); // failures are not remembered
  if (proofCanonCache.size > 64) proofCanonCache.delete(proofCanonCache.keys().next().value as string);
  return hit;
}

/**
 * Verifies every embedded proof. Never throws for a bad credential: each proof gets a result.
 * An unsupported proof is 'unknown', not fatal; whether one passing proof is enough is the caller's call.
 */
export async function verifyDataIntegrity(
  credential: JsonObject,
  resolveKey: KeyResolver,
  options: VerifyDataIntegrityOptions = {},
): Promise<ProofVerificationResult[]> {
  if (!isObject(credential)) return [];
  const proofs = asArray(credential.proof as unknown);
  const expectedController = options.expectedController ?? issuerIdOf(credential);
  // Every proof of a proof set signs the same document, so canonicalize it once per context.
  const documentCanon = new Map<string, Promise<string>>();
  const results: ProofVerificationResult[] = [];
  for (let i = 0; i < proofs.length; i++) {
    results.push(await verifyOne(credential, proofs[i], i, resolveKey, expectedController, documentCanon, options.canonicalizeDocument));
  }
  return results;
}

async function verifyOne(
  credential: JsonObject,
  proof: unknown,
  proofIndex: number,
  resolveKey: KeyResolver,
  expectedController: string | undefined,
  docCache: Map<string, Promise<string>>,
  canonicalizeDocument: (document: JsonObject) => Promise<string> = (d) => canonize(d, 'verify'),
): Promise<ProofVerificationResult> {
  if (!isObject(proof)) {
    return { proofIndex, type: '', cryptosuite: null, verificationMethod: null, status: 'failed', reason: 'the proof is not a JSON object' };
  }
  const type = typeof proof.type === 'string' ? proof.type : '';
  const cryptosuite = typeof proof.cryptosuite === 'string' ? proof.cryptosuite : null;
  const vmRaw = isObject(proof.verificationMethod) ? proof.verificationMethod.id : proof.verificationMethod;
  const verificationMethod = typeof vmRaw === 'string' ? vmRaw : null;
  const base = { proofIndex, type, cryptosuite, verificationMethod };
  const fail = (reason: string): ProofVerificationResult => ({ ...base, status: 'failed', reason });

  const kind = suiteOf(type, cryptosuite);
  if ('unknown' in kind) return { ...base, status: 'unknown', reason: kind.unknown };
  const { suite } = kind;

  if (proof.previousProof !== undefined) {
    return { ...base, status: 'unknown', reason: 'proof chains (previousProof) are not supported' };
  }
  if (proof.proofPurpose !== 'assertionMethod') {
    return fail(`the proof purpose is ${JSON.stringify(proof.proofPurpose ?? null)}; a credential proof must be "assertionMethod"`);
  }
  if (!verificationMethod) return fail('the proof names no verificationMethod');
  if (proof.created !== undefined && !isDateTimeStamp(proof.created)) {
    return fail(`the proof's created date ${JSON.stringify(proof.created)} is not a date-time with a time zone`);
  }
  if (proof.expires !== undefined) {
    if (!isDateTimeStamp(proof.expires)) return fail(`the proof's expires date ${JSON.stringify(proof.expires)} is not a date-time`);
    if (Date.parse(proof.expires) < Date.now()) return fail(`the proof expired on ${proof.expires}`);
  }
  if (typeof proof.proofValue !== 'string' || !proof.proofValue.startsWith('z')) {
    return fail('the proofValue is missing or not multibase base58btc (it must start with "z")');
  }
  let signature: Uint8Array;
  try {
    signature = multibaseDecode(proof.proofValue);
  } catch {
    return fail('the proofValue is not valid base58btc');
  }
  if (proof['@context'] !== undefined && !contextStartsWith(credential, proof['@context'])) {
    return fail("the proof's own @context is not the start of the credential's @context");
  }

  // Transform and hash (offline; the verify-mode bundle).
  let hashData: Uint8Array;
  try {
    const { proof: _p, ...document } = credential;
    // A proof's own @context (checked above to be a prefix) replaces the document's for both
    // canonicalizations (VC-DI-EdDSA verify); the legacy suite reads only its proof options in it.
    const ctx = proof['@context'] !== undefined ? proof['@context'] : document['@context'];
    const docCtx = type === 'Ed25519Signature2020' ? document['@context'] : ctx;
    const key = JSON.stringify(docCtx) ?? '';
    let docCanon = docCache.get(key);
    if (!docCanon) {
      docCanon = canonicalizeDocument(docCtx === document['@context'] ? document : { ...document, '@context': docCtx });
      docCanon.catch(() => undefined); // awaited below; avoid an unhandled rejection if the proof side fails first
      docCache.set(key, docCanon);
    }
    const [proofCanon, documentCanon] = await Promise.all([canonizeProofOptions(proofOptionsOf(proof, ctx)), docCanon]);
    hashData = hashForProof({ proofCanon, documentCanon }).hashData;
  } catch (e) {
    const problem = describeJsonLdError(e);
    if (problem.kind === 'unknown-context') return { ...base, status: 'unknown', reason: `could not check the proof: ${problem.reason}` };
    return fail(`the credential cannot be canonicalized: ${problem.reason}`);
  }

  let resolved: ResolvedKey;
  try {
    resolved = await resolveKey(verificationMethod);
  } catch (e) {
    return { ...base, ...resolutionFailure(e) };
  }
  const withController = { ...base, controller: resolved.controller };
  const keyObject = resolved.publicKey?.keyObject;
  if (!keyObject) return { ...withController, status: 'failed', reason: 'the resolved verification method has no public key' };
  if (!keyFitsSuite(keyObject, suite)) {
    const need = suite === 'eddsa' ? 'an Ed25519 key' : 'a P-256 key';
    const name = cryptosuite ?? type;
    return { ...withController, status: 'failed', reason: `${name} needs ${need}, but ${verificationMethod} is ${keyKind(keyObject)}` };
  }
  let valid: boolean;
  try {
    valid = checkSignature(suite, keyObject, hashData, signature);
  } catch {
    valid = false; // e.g. a malformed key: treat like a wrong signature
  }
  if (!valid) {
    return { ...withController, status: 'failed', reason: 'the signature does not match: the credential or its proof was changed after signing, or another key signed it' };
  }
  if (!expectedController) {
    return { ...withController, status: 'failed', reason: 'the credential has no issuer id to bind the signing key to' };
  }
  if (resolved.controller !== expectedController) {
    return {
      ...withController,
      status: 'failed',
      keyBound: false,
      reason: `the signing key is not bound to the issuer: ${verificationMethod} is controlled by ${resolved.controller}, not ${expectedController}`,
    };
  }
  return { ...withController, status: 'passed', keyBound: true, reason: `valid ${cryptosuite ?? type} signature by ${verificationMethod}, a key of ${expectedController}` };
}
