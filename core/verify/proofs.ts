import { createDocumentCanonicalizer, verifyDataIntegrity, verifyJwt, type JsonObject, type JwtCheck, type JwtVerification, type ProofVerificationResult } from '../proof/index.ts';
import { issuerIdOf } from '../proof/credential.ts';
import { isLaurelError } from '../util/errors.ts';
import { asArray, check, isObject } from './checks.ts';
import { verifyEcdsaSd2023 } from './ecdsa-sd.ts';
import { inlineJwkProvenance, type VerifierKeys } from './keys.ts';
import type { RemoteSource } from './remote.ts';
import type { Check } from './report.ts';

/** The signature checks: embedded Data Integrity proofs, and VC-JWT. One valid proof suffices. */

export interface ProofOutcome {
  proof: Check;
  binding: Check;
  /** VC-JWT only. */
  claims?: Check;
  /** The signature checked out and the key is the issuer's: the refresh service may be asked. */
  trusted: boolean;
}

/** Same mapping as core/proof's: "could not fetch" is unknown, a key that proves wrong is failed. */
function resolutionFailure(e: unknown): { status: 'failed' | 'unknown'; reason: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (isLaurelError(e) && (e.code === 'NETWORK_REFUSED' || e.code === 'NOT_FOUND')) return { status: 'unknown', reason: `could not fetch the issuer's key: ${message}` };
  if (isLaurelError(e) && e.code === 'UNSUPPORTED') return { status: 'unknown', reason: `could not check the key: ${message}` };
  return { status: 'failed', reason: `the verification method could not be used: ${message}` };
}

/** Plain words for the suites we know by name but can't check. */
function explainUnknown(r: ProofVerificationResult): ProofVerificationResult {
  if (r.status === 'unknown' && r.cryptosuite === 'eddsa-rdf-2022') {
    return { ...r, reason: 'the cryptosuite "eddsa-rdf-2022" does not exist (a misspelling of eddsa-rdfc-2022 found in the spec\'s sample proofs), so this proof cannot be checked' };
  }
  return r;
}

function withNote(reason: string, keys: VerifierKeys, vm: string | null | undefined): string {
  const note = vm ? keys.notes.get(vm) : undefined;
  return note ? `${reason}; ${note}` : reason;
}

/*
 * One process-wide canonicalizer that reuses JSON-LD expansion across documents of one structure
 * (core/proof/expansion-cache.ts: output identical to ordinary RDFC, checked on the first document
 * of each structure and every 64th after). Verifying a batch of one issuer's credentials then
 * costs about a third; a lone credential costs one extra expansion the first time its shape is seen.
 */
let shared: ((document: JsonObject) => Promise<string>) | undefined;
function reusingCanonicalizer(): (document: JsonObject) => Promise<string> {
  shared ??= createDocumentCanonicalizer('verify').canonicalize;
  return shared;
}

export async function checkEmbeddedProofs(credential: JsonObject, keys: VerifierKeys, reuseExpansion = true): Promise<ProofOutcome> {
  let results = await verifyDataIntegrity(credential, keys.resolveKey, reuseExpansion ? { canonicalizeDocument: reusingCanonicalizer() } : {});
  const proofs = asArray(credential.proof);
  // verifyDataIntegrity leaves ecdsa-sd-2023 'unknown'; the verifier checks derived proofs itself.
  results = await Promise.all(
    results.map((r) => {
      const p = proofs[r.proofIndex];
      if (r.cryptosuite === 'ecdsa-sd-2023' && r.status === 'unknown' && isObject(p)) {
        return verifyEcdsaSd2023(credential, p, r.proofIndex, keys.resolveKey, issuerIdOf(credential), resolutionFailure);
      }
      return explainUnknown(r);
    }),
  );
  if (!results.length) {
    return {
      proof: check('proof', 'failed', 'no proof: this credential is not signed, so nothing shows who issued it or that it is unchanged'),
      binding: check('key-binding', 'unknown', 'there is no signature, so no signing key to check'),
      trusted: false,
    };
  }
  const good = results.find((r) => r.status === 'passed');
  const others = results.filter((r) => r !== good).map((r) => `proof ${r.proofIndex + 1} (${r.cryptosuite ?? r.type}): ${r.status === 'unknown' ? 'not checked' : r.status}, ${r.reason}`);
  const note = others.length ? `; also ${others.join('; ')}` : '';
  if (good) {
    return {
      // One valid proof suffices; others that could not be checked are reported, not fatal.
      proof: check('proof', 'passed', withNote(`${good.reason}${note}`, keys, good.verificationMethod), others.length ? { warning: true, details: results } : { details: results }),
      binding: check('key-binding', 'passed', `${good.verificationMethod} is controlled by the issuer ${good.controller}`),
      trusted: true,
    };
  }
  const unbound = results.find((r) => r.keyBound === false);
  const failed = results.find((r) => r.status === 'failed');
  if (unbound) {
    return {
      proof: check('proof', 'passed', withNote(`the signature is intact (${unbound.cryptosuite ?? unbound.type} by ${unbound.verificationMethod})`, keys, unbound.verificationMethod), { details: results }),
      binding: check('key-binding', 'failed', unbound.reason),
      trusted: false,
    };
  }
  if (failed) {
    return {
      proof: check('proof', 'failed', results.map((r) => r.reason).join('; '), { details: results }),
      binding: check('key-binding', 'unknown', 'the signature did not verify, so the key was not checked against the issuer'),
      trusted: false,
    };
  }
  return {
    proof: check('proof', 'unknown', results.map((r) => r.reason).join('; '), { details: results }),
    binding: check('key-binding', 'unknown', 'the signature could not be checked, so neither could its key'),
    trusted: false,
  };
}

function mergeJwt(jwtChecks: JwtCheck[]): { proof: Check; binding: Check; claims: Check } {
  const pick = (...ids: JwtCheck['id'][]) => jwtChecks.filter((c) => ids.includes(c.id));
  const merge = (id: Check['id'], list: JwtCheck[], okReason: string): Check => {
    const failed = list.find((c) => c.status === 'failed');
    if (failed) return check(id, 'failed', failed.reason);
    const unknown = list.find((c) => c.status === 'unknown');
    if (unknown) return check(id, 'unknown', unknown.reason);
    if (!list.length) return check(id, 'unknown', 'not checked: an earlier problem stopped verification');
    const warnings = list.filter((c) => c.warning);
    return warnings.length ? check(id, 'passed', warnings.map((w) => w.reason).join('; '), { warning: true }) : check(id, 'passed', okReason);
  };
  return {
    proof: merge('proof', pick('header', 'key', 'signature'), pick('signature')[0]?.reason ?? 'valid JWT signature'),
    binding: merge('key-binding', pick('key-binding'), pick('key-binding')[0]?.reason ?? 'the key belongs to the issuer'),
    claims: merge('jwt-claims', pick('iss', 'jti', 'sub', 'nbf', 'exp'), 'iss, jti, sub, nbf and exp match the credential'),
  };
}

export interface JwtOutcome extends ProofOutcome {
  jwt: JwtVerification;
}

export async function checkJwtProof(jws: string, keys: VerifierKeys, remote: RemoteSource, reuseExpansion = true): Promise<JwtOutcome> {
  const jwt = await verifyJwt(jws, keys.resolveKey);
  const checks = [...jwt.checks];
  const at = checks.findIndex((c) => c.id === 'key-binding');
  const header = jwt.header ?? {};
  // An inline jwk proves nothing by itself; look for it where the issuer publishes its keys.
  if (at >= 0 && checks[at]!.status === 'unknown' && isObject(header.jwk) && jwt.credential && checks.some((c) => c.id === 'signature' && c.status === 'passed')) {
    const p = await inlineJwkProvenance(header.jwk, issuerIdOf(jwt.credential), remote);
    checks[at] = { id: 'key-binding', status: p.status, reason: p.reason };
  }
  const merged = mergeJwt(checks);
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  if (merged.proof.status === 'passed' && kid) merged.proof.reason = withNote(merged.proof.reason, keys, kid);
  let proof = merged.proof;
  // A VC-JWT may wrap a credential that also carries an embedded proof (the spec's order: embed, then wrap).
  if (jwt.credential && jwt.credential.proof !== undefined && proof.status !== 'failed') {
    const embedded = await checkEmbeddedProofs(jwt.credential, keys, reuseExpansion);
    const said = embedded.proof.status === 'passed' && embedded.binding.status === 'passed' ? 'also carries a valid embedded proof' : `also carries an embedded proof that did not check out (${embedded.proof.reason})`;
    proof = { ...proof, reason: `${proof.reason}; the credential ${said}`, ...(embedded.trusted ? {} : { warning: true }) };
  }
  const trusted = proof.status === 'passed' && merged.binding.status === 'passed' && merged.claims.status !== 'failed';
  return { proof, binding: merged.binding, claims: merged.claims, trusted, jwt };
}
