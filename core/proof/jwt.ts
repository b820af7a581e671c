import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { CONTEXTS } from '../jsonld/index.ts';
import type { Jwk, KeyResolver, ResolvedKey, Signer } from '../keys/types.ts';
import { LaurelError, isLaurelError } from '../util/errors.ts';
import { base64urlDecode, base64urlEncode } from '../util/encoding.ts';
import { asArray, contextsOf, isObject, issuerIdOf, subjectIdsOf, toNumericDate, type JsonObject } from './credential.ts';

/**
 * VC-JWT as OB 3.0 / CLR 2.0 define it (spec-digest §6.1, §11.4): the credential JSON itself is the
 * payload, plus iss/jti/sub/nbf/exp; header only alg, kid or jwk, and optionally typ "JWT".
 */

export type JwtAlg = 'ES256' | 'RS256' | 'EdDSA';

export interface SignJwtOptions {
  /** Add `typ: "JWT"` to the header. Default: no typ. */
  typ?: boolean;
  /** Ed25519 keys sign EdDSA JWTs only when this is set: 1EdTech's validator accepts RS256/ES256 only. */
  allowEdDSA?: boolean;
  /** 'kid' (default): header names signer.verificationMethod. 'jwk': header carries the public JWK. */
  header?: 'kid' | 'jwk';
}

const ALLOWED_HEADER = new Set(['alg', 'kid', 'jwk', 'typ']);
const PUBLIC_JWK_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const CLAIMS = ['iss', 'jti', 'sub', 'nbf', 'exp'] as const;
const REGISTERED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);

function algFor(signer: Signer, options: SignJwtOptions): JwtAlg {
  switch (signer.algorithm) {
    case 'P-256':
      return 'ES256';
    case 'RSA-2048':
      return 'RS256';
    case 'Ed25519':
      if (options.allowEdDSA) return 'EdDSA';
      throw new LaurelError(
        'UNSUPPORTED',
        "An Ed25519 key would sign an EdDSA JWT, which 1EdTech's validator rejects (it accepts RS256 and ES256 only). Use a P-256 or RSA key for VC-JWT, or pass allowEdDSA to sign EdDSA anyway.",
      );
    default:
      throw new LaurelError('UNSUPPORTED', `Unknown key algorithm ${String(signer.algorithm)}.`);
  }
}

function publicJwk(jwk: Jwk): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of PUBLIC_JWK_MEMBERS) {
    const v = jwk[m];
    if (typeof v === 'string') out[m] = v;
  }
  return out;
}

/** Checks a raw JWS signature with node:crypto (self-check after signing). */
function signatureMatches(alg: JwtAlg, key: KeyObject, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    if (alg === 'EdDSA') return cryptoVerify(null, data, key, sig);
    if (alg === 'ES256') return cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    return cryptoVerify('sha256', data, key, sig);
  } catch {
    return false;
  }
}

/** The registered claims a credential maps to (spec-digest §6.1). Throws when a required one is missing. */
export function claimsForCredential(credential: JsonObject): { iss: string; jti: string; sub?: string; nbf: number; exp?: number } {
  const iss = issuerIdOf(credential);
  if (!iss) throw new LaurelError('INVALID_INPUT', 'Cannot sign a VC-JWT: the credential has no issuer id (iss is required).');
  if (typeof credential.id !== 'string' || !credential.id) {
    throw new LaurelError('INVALID_INPUT', 'Cannot sign a VC-JWT: the credential has no id (jti is required).');
  }
  if (typeof credential.validFrom !== 'string') {
    const hint = credential.issuanceDate !== undefined ? ' It has issuanceDate: Laurel Studio issues VC Data Model 2.0 credentials (validFrom) only.' : '';
    throw new LaurelError('INVALID_INPUT', `Cannot sign a VC-JWT: the credential has no validFrom (nbf is required).${hint}`);
  }
  const nbf = toNumericDate(credential.validFrom);
  if (nbf === undefined) throw new LaurelError('INVALID_INPUT', `Cannot sign a VC-JWT: validFrom "${credential.validFrom}" is not a date-time.`);
  let exp: number | undefined;
  if (credential.validUntil !== undefined) {
    exp = typeof credential.validUntil === 'string' ? toNumericDate(credential.validUntil) : undefined;
    if (exp === undefined) throw new LaurelError('INVALID_INPUT', `Cannot sign a VC-JWT: validUntil ${JSON.stringify(credential.validUntil)} is not a date-time.`);
  }
  const { subjects, ids } = subjectIdsOf(credential);
  if (subjects > 1) throw new LaurelError('INVALID_INPUT', 'Cannot sign a VC-JWT: the credential has several subjects, and a JWT has one sub.');
  // sub only when the subject has an id: a subject known only by `identifier` has nothing to put there.
  const sub = ids[0];
  return { iss, jti: credential.id, ...(sub !== undefined ? { sub } : {}), nbf, ...(exp !== undefined ? { exp } : {}) };
}

/**
 * Signs the credential as a compact JWS (VC-JWT). The payload is the credential exactly as given,
 * including any embedded proof (the spec: add the embedded proof first, then wrap), plus the claims.
 * Built by hand so only the Signer (never the private key) is needed.
 */
export async function signJwt(credential: JsonObject, signer: Signer, options: SignJwtOptions = {}): Promise<string> {
  if (!isObject(credential)) throw new LaurelError('INVALID_INPUT', 'Only a JSON object can be signed.');
  const first = contextsOf(credential)[0];
  if (first === CONTEXTS.VC_V1) {
    throw new LaurelError('INVALID_INPUT', 'Laurel Studio signs VC Data Model 2.0 credentials only; this one uses the 1.1 context.');
  }
  const alg = algFor(signer, options);
  const claims = claimsForCredential(credential);
  for (const c of CLAIMS) {
    if (credential[c] !== undefined && credential[c] !== claims[c]) {
      throw new LaurelError('INVALID_INPUT', `The credential already has a top-level "${c}" (${JSON.stringify(credential[c])}) that differs from the value the JWT needs (${JSON.stringify(claims[c])}).`);
    }
  }
  const header: Record<string, unknown> = { alg };
  if (options.typ) header.typ = 'JWT';
  if (options.header === 'jwk') header.jwk = publicJwk(signer.publicKey.publicKeyJwk);
  else header.kid = signer.verificationMethod;

  const signingInput = `${base64urlEncode(JSON.stringify(header))}.${base64urlEncode(JSON.stringify({ ...credential, ...claims }))}`;
  const data = new TextEncoder().encode(signingInput);
  const signature = await signer.sign(data);
  if (!signatureMatches(alg, signer.publicKey.keyObject, data, signature)) {
    throw new LaurelError('VALIDATION', `The signer for ${signer.verificationMethod} produced a ${alg} signature its own public key does not verify; nothing was signed.`);
  }
  return `${signingInput}.${base64urlEncode(signature)}`;
}

export type JwtCheckId =
  | 'format'
  | 'header'
  | 'context'
  | 'key'
  | 'signature'
  | 'key-binding'
  | 'iss'
  | 'jti'
  | 'sub'
  | 'nbf'
  | 'exp';

export interface JwtCheck {
  id: JwtCheckId;
  status: 'passed' | 'failed' | 'unknown';
  reason: string;
  /** Passed, but something a careful issuer would not do (e.g. no sub although the subject has an id). */
  warning?: true;
}

export interface JwtVerification {
  /** 'passed' only when every check passed (warnings allowed); 'failed' if any failed; else 'unknown'. */
  status: 'passed' | 'failed' | 'unknown';
  /** The credential: the payload (VC-DM 2.0) or its `vc` claim (VC-DM 1.1), with 1.1 fields restored from claims. */
  credential: JsonObject | null;
  header: JsonObject | null;
  /** The whole decoded payload. */
  claims: JsonObject | null;
  checks: JwtCheck[];
  /** Controller of the resolved `kid` key. */
  controller?: string;
}

export interface VerifyJwtOptions {
  /** If given, iss must equal it (in addition to equalling the credential's issuer id). */
  expectedIssuer?: string;
}

function decodeJsonPart(part: string): JsonObject | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(part));
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function summarize(checks: JwtCheck[]): JwtVerification['status'] {
  if (checks.some((c) => c.status === 'failed')) return 'failed';
  if (checks.some((c) => c.status === 'unknown')) return 'unknown';
  return 'passed';
}

function sameJwkKey(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return PUBLIC_JWK_MEMBERS.every((m) => a[m] === b[m]);
}

/**
 * Verifies a VC-JWT: strict parsing, header rules, signature (jose), key binding and every claim
 * against the credential. Never throws for a bad JWT; every finding is a check.
 * Time validity (validFrom reached, validUntil not passed) is the credential verifier's job, not this.
 */
export async function verifyJwt(jws: string, resolveKey: KeyResolver, options: VerifyJwtOptions = {}): Promise<JwtVerification> {
  const checks: JwtCheck[] = [];
  const add = (id: JwtCheckId, status: JwtCheck['status'], reason: string, warning?: boolean) => {
    checks.push(warning ? { id, status, reason, warning: true } : { id, status, reason });
  };
  const done = (credential: JsonObject | null, header: JsonObject | null, claims: JsonObject | null, controller?: string): JwtVerification => ({
    status: summarize(checks),
    credential,
    header,
    claims,
    checks,
    ...(controller !== undefined ? { controller } : {}),
  });

  // 1. Strict parsing.
  const text = typeof jws === 'string' ? jws.trim() : '';
  const parts = text.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || !parts[0] || !parts[1] || !parts[2]) {
    add('format', 'failed', 'not a compact JWS: expected three non-empty base64url parts separated by dots');
    return done(null, null, null);
  }
  const header = decodeJsonPart(parts[0]!);
  const payload = decodeJsonPart(parts[1]!);
  if (!header || !payload) {
    add('format', 'failed', `the ${header ? 'payload' : 'header'} is not a base64url-encoded JSON object`);
    return done(null, header ?? null, payload ?? null);
  }
  add('format', 'passed', 'compact JWS with a JSON header and payload');

  // 2. Header rules.
  const problems: string[] = [];
  const extra = Object.keys(header).filter((k) => !ALLOWED_HEADER.has(k));
  if (extra.length) problems.push(`header parameters not allowed by the spec: ${extra.join(', ')}`);
  if (header.typ !== undefined && header.typ !== 'JWT') problems.push(`typ is ${JSON.stringify(header.typ)}; it may only be "JWT"`);
  const alg = header.alg;
  if (alg !== 'RS256' && alg !== 'ES256' && alg !== 'EdDSA') problems.push(`alg ${JSON.stringify(alg ?? null)} is not supported (RS256, ES256, EdDSA)`);
  const hasKid = typeof header.kid === 'string' && header.kid !== '';
  const hasJwk = header.jwk !== undefined;
  if (!hasKid && !hasJwk) problems.push('the header has neither kid nor jwk, so there is no key to verify with');
  if (header.kid !== undefined && !hasKid) problems.push('kid is not a non-empty string');
  if (hasJwk && !isObject(header.jwk)) problems.push('jwk is not a JSON object');
  if (isObject(header.jwk)) {
    const priv = PRIVATE_JWK_MEMBERS.filter((m) => (header.jwk as JsonObject)[m] !== undefined);
    if (priv.length) problems.push(`the jwk carries private key material (${priv.join(', ')}); refusing it`);
  }
  if (problems.length) add('header', 'failed', problems.join('; '));
  else if (alg === 'EdDSA') add('header', 'passed', "header is valid; note that alg EdDSA is rejected by 1EdTech's validator (RS256/ES256 only)", true);
  else add('header', 'passed', `alg ${String(alg)}, key by ${hasKid ? 'kid' : 'jwk'}${header.typ ? ', typ JWT' : ''}`);

  // 3. The credential: VC-DM 2.0 payload, or the VC-DM 1.1 `vc` claim.
  const isV1 = payload.vc !== undefined;
  let credential: JsonObject | null = null;
  if (isV1) {
    if (!isObject(payload.vc)) {
      add('context', 'failed', 'the vc claim is not a JSON object');
    } else {
      credential = structuredClone(payload.vc);
      restoreV1Fields(credential, payload);
      const first = contextsOf(credential)[0];
      if (first === CONTEXTS.VC_V1) add('context', 'passed', 'VC Data Model 1.1 credential in a vc claim');
      else add('context', 'failed', `a vc claim holds a VC Data Model 1.1 credential, but its first @context is ${JSON.stringify(first ?? null)}, not ${CONTEXTS.VC_V1}`);
    }
  } else {
    // The credential is the payload minus the JWT's registered claims: an embedded proof inside was
    // made over the credential without them, and callers verify that proof next.
    credential = Object.fromEntries(Object.entries(payload).filter(([k]) => !REGISTERED_CLAIMS.has(k)));
    const first = contextsOf(payload)[0];
    if (first === CONTEXTS.VC_V2) add('context', 'passed', 'VC Data Model 2.0 credential as the payload');
    else if (first === CONTEXTS.VC_V1) add('context', 'failed', `a VC Data Model 1.1 credential (${CONTEXTS.VC_V1}) must be in a vc claim`);
    else add('context', 'failed', `the payload's first @context is ${JSON.stringify(first ?? null)}, not ${CONTEXTS.VC_V2}`);
  }

  // 4. Key: from kid (resolver) or the inline jwk.
  let key: KeyObject | Awaited<ReturnType<typeof jose.importJWK>> | undefined;
  let resolved: ResolvedKey | undefined;
  const usableAlg = alg === 'RS256' || alg === 'ES256' || alg === 'EdDSA' ? alg : undefined;
  if (hasKid) {
    try {
      resolved = await resolveKey(header.kid as string);
      key = resolved.publicKey.keyObject;
      if (isObject(header.jwk) && !sameJwkKey(header.jwk, resolved.publicKey.publicKeyJwk)) {
        add('key', 'failed', `the header's jwk is not the key that kid ${String(header.kid)} names`);
        key = undefined;
      } else {
        add('key', 'passed', `resolved ${String(header.kid)} (${resolved.source})`);
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (isLaurelError(e) && (e.code === 'NETWORK_REFUSED' || e.code === 'NOT_FOUND')) add('key', 'unknown', `could not fetch the issuer's key: ${message}`);
      else if (isLaurelError(e) && e.code === 'UNSUPPORTED') add('key', 'unknown', `could not check the key: ${message}`);
      else add('key', 'failed', `the kid could not be resolved: ${message}`);
    }
  } else if (isObject(header.jwk) && usableAlg && !checks.some((c) => c.id === 'header' && c.status === 'failed')) {
    try {
      key = await jose.importJWK(header.jwk as jose.JWK, usableAlg);
      add('key', 'passed', 'public key taken from the header jwk');
    } catch (e) {
      add('key', 'failed', `the header jwk is not a usable ${usableAlg} public key: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    add('key', 'failed', 'no usable key in the header');
  }

  // 5. Signature, with jose (an independent implementation from the one that signed).
  if (key && usableAlg) {
    try {
      await jose.compactVerify(text, key, { algorithms: [usableAlg] });
      add('signature', 'passed', `valid ${usableAlg} signature`);
    } catch (e) {
      if (e instanceof jose.errors.JWSSignatureVerificationFailed) add('signature', 'failed', 'the signature does not match: the JWT was changed after signing, or another key signed it');
      else add('signature', 'failed', `the signature could not be verified: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    add('signature', checks.some((c) => c.id === 'key' && c.status === 'unknown') ? 'unknown' : 'failed', 'the signature was not checked: no usable key');
  }

  const issuerId = credential ? issuerIdOf(credential) : undefined;
  // 6. Key binding: the kid's controller is the issuer.
  if (resolved) {
    if (!issuerId) add('key-binding', 'failed', 'the credential has no issuer id to bind the key to');
    else if (resolved.controller === issuerId) add('key-binding', 'passed', `${String(header.kid)} is a key of the issuer ${issuerId}`);
    else add('key-binding', 'failed', `the signing key is not bound to the issuer: ${String(header.kid)} is controlled by ${resolved.controller}, not ${issuerId}`);
  } else if (isObject(header.jwk) && key) {
    if (issuerId?.startsWith('did:jwk:')) {
      const didJwk = decodeJsonPart(issuerId.slice('did:jwk:'.length).split('#')[0]!);
      if (didJwk && sameJwkKey(didJwk, header.jwk)) add('key-binding', 'passed', `the jwk is the key of the issuer ${issuerId}`);
      else add('key-binding', 'failed', `the signing key is not bound to the issuer: the jwk is not the key in ${issuerId}`);
    } else {
      add('key-binding', 'unknown', "the JWT carries its key inline (jwk); nothing offline shows that key belongs to the issuer (publish it in the issuer's /.well-known/jwks.json and use kid)");
    }
  } else {
    add('key-binding', checks.some((c) => c.id === 'key' && c.status === 'unknown') ? 'unknown' : 'failed', 'no key, so no key binding');
  }

  // 7. Claims against the credential.
  if (!credential) return done(null, header, payload, resolved?.controller);
  checkClaims(payload, credential, isV1, options, add);
  return done(credential, header, payload, resolved?.controller);
}

function checkClaims(
  payload: JsonObject,
  credential: JsonObject,
  isV1: boolean,
  options: VerifyJwtOptions,
  add: (id: JwtCheckId, status: JwtCheck['status'], reason: string, warning?: boolean) => void,
): void {
  const { iss, jti, sub, nbf, exp } = payload;

  // iss == issuer id
  const issuerId = issuerIdOf(credential);
  if (typeof iss !== 'string') add('iss', 'failed', 'the iss claim is missing or not a string');
  else {
    if (issuerId !== iss) add('iss', 'failed', `iss is ${iss} but the credential's issuer is ${issuerId ?? '(none)'}`);
    else if (options.expectedIssuer !== undefined && iss !== options.expectedIssuer) add('iss', 'failed', `iss is ${iss}, expected ${options.expectedIssuer}`);
    else add('iss', 'passed', `iss equals the issuer id ${iss}`);
  }

  // jti == id
  if (typeof jti !== 'string') add('jti', 'failed', 'the jti claim is missing or not a string');
  else {
    if (credential.id !== jti) add('jti', 'failed', `jti is ${jti} but the credential id is ${JSON.stringify(credential.id ?? null)}`);
    else add('jti', 'passed', `jti equals the credential id ${jti}`);
  }

  // sub == credentialSubject.id
  const { ids } = subjectIdsOf(credential);
  if (sub === undefined) {
    if (ids.length) add('sub', 'passed', `the sub claim is missing although the subject has the id ${ids[0]}; the spec requires sub then`, true);
    else add('sub', 'passed', 'no sub claim, and the subject has no id (it is identified another way)');
  } else if (typeof sub !== 'string') add('sub', 'failed', 'the sub claim is not a string');
  else if (ids.includes(sub)) add('sub', 'passed', `sub equals credentialSubject.id ${sub}`);
  else add('sub', 'failed', `sub is ${sub} but credentialSubject.id is ${ids.length ? ids.join(', ') : '(none)'}`);

  // nbf == validFrom (issuanceDate in 1.1), as instants at second precision
  const fromField = isV1 ? 'issuanceDate' : credential.validFrom !== undefined ? 'validFrom' : 'issuanceDate';
  if (typeof nbf !== 'number' || !Number.isFinite(nbf)) add('nbf', 'failed', 'the nbf claim is missing or not a NumericDate');
  else {
    const from = credential[fromField];
    const fromSeconds = typeof from === 'string' ? toNumericDate(from) : undefined;
    if (fromSeconds === undefined) add('nbf', 'failed', `the credential's ${fromField} is missing or not a date-time`);
    else if (fromSeconds !== Math.floor(nbf)) add('nbf', 'failed', `nbf is ${isoOf(nbf)} but ${fromField} is ${String(from)}`);
    else add('nbf', 'passed', `nbf equals ${fromField} ${String(from)}`);
  }

  // exp == validUntil (expirationDate in 1.1)
  const untilField = isV1 ? 'expirationDate' : 'validUntil';
  const until = credential[untilField];
  if (exp === undefined) {
    if (until === undefined) add('exp', 'passed', `no exp and no ${untilField}`);
    else add('exp', 'failed', `the credential has ${untilField} ${String(until)} but the JWT has no exp claim`);
  } else if (typeof exp !== 'number' || !Number.isFinite(exp)) add('exp', 'failed', 'the exp claim is not a NumericDate');
  else if (until === undefined) add('exp', 'failed', `the JWT has exp ${isoOf(exp)} but the credential has no ${untilField}`);
  else {
    const untilSeconds = typeof until === 'string' ? toNumericDate(until) : undefined;
    if (untilSeconds === undefined) add('exp', 'failed', `the credential's ${untilField} is not a date-time`);
    else if (untilSeconds !== Math.floor(exp)) add('exp', 'failed', `exp is ${isoOf(exp)} but ${untilField} is ${String(until)}`);
    else add('exp', 'passed', `exp equals ${untilField} ${String(until)}`);
  }
}

/**
 * VC-JWT 1.1 lets the registered claims stand for credential properties the vc claim leaves out
 * (iss → issuer, jti → id, sub → credentialSubject.id, nbf → issuanceDate, exp → expirationDate).
 * Fill those in before any check, so key binding and the claim checks see the whole credential.
 */
function restoreV1Fields(credential: JsonObject, payload: JsonObject): void {
  const { iss, jti, sub, nbf, exp } = payload;
  if (credential.issuer === undefined && typeof iss === 'string') credential.issuer = iss;
  if (credential.id === undefined && typeof jti === 'string') credential.id = jti;
  const subjects = asArray(credential.credentialSubject as unknown);
  if (typeof sub === 'string' && subjects.length === 1 && isObject(subjects[0]) && subjects[0].id === undefined) subjects[0].id = sub;
  if (credential.issuanceDate === undefined && typeof nbf === 'number' && Number.isFinite(nbf)) credential.issuanceDate = isoOf(nbf);
  if (credential.expirationDate === undefined && typeof exp === 'number' && Number.isFinite(exp)) credential.expirationDate = isoOf(exp);
}

function isoOf(numericDate: number): string {
  const d = new Date(Math.floor(numericDate) * 1000);
  return Number.isNaN(d.getTime()) ? String(numericDate) : d.toISOString().replace(/\.000Z$/, 'Z');
}
