import { unbake } from '../bake/index.ts';
import { createKeyResolver, type DocumentFetcher } from '../keys/index.ts';
import type { KeyResolver } from '../keys/types.ts';
import { validateCredential, type ValidationIssue } from '../model/index.ts';
import { verifyDataIntegrity, verifyJwt, type JsonObject, type JwtCheck } from '../proof/index.ts';
import { CONTEXTS } from '../jsonld/index.ts';
import { checkStatus, type StatusListFetcher, type StatusListLookup } from '../status/index.ts';
import { isLaurelError } from '../util/errors.ts';
import { verdictOf, type Check, type CheckStatus, type CredentialSummary, type VerificationReport } from './report.ts';

export * from './report.ts';

export interface VerifyOptions {
  /** The instant the dates are checked against (default: now). */
  now?: Date;
  /** Overrides key resolution (tests, caches). Default: offline resolver (+ fetchDocument if given). */
  resolveKey?: KeyResolver;
  /** Fetches did:web / https key documents when online. Without it those keys are "could not check". */
  fetchDocument?: DocumentFetcher;
  /** Fetches a status list by URL when online. Without it (and without a local copy) status is "could not check". */
  fetchStatusList?: StatusListFetcher;
  /** Status lists the user has as files, by list URL (their `id`); used before fetching. */
  statusListFiles?: StatusListLookup;
}

const OB_CONTEXT = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d\.\d)?\.json$/;
const OB_CONTEXT_ALIAS = 'https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld';
const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;
const CREDENTIAL_TYPES = ['OpenBadgeCredential', 'AchievementCredential', 'EndorsementCredential'];

const LABELS: Record<Check['id'], string> = {
  parse: 'Readable credential',
  'context-type': 'Open Badges 3.0 format',
  schema: 'Matches the official schema',
  proof: 'Signature',
  'key-binding': "Signed with the issuer's key",
  'valid-from': 'Already valid',
  'valid-until': 'Not expired',
  'jwt-claims': 'JWT claims match the credential',
  status: 'Revocation status',
};

function check(id: Check['id'], status: CheckStatus, reason: string, extra: Partial<Check> = {}): Check {
  return { id, label: LABELS[id], status, reason, ...extra };
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

type Parsed =
  | { ok: true; format: 'json'; credential: JsonObject; container?: string }
  | { ok: true; format: 'jwt'; jws: string; container?: string }
  | { ok: false; reason: string };

/** Works out what the input is before any JSON-LD processing. */
export function parseInput(input: Uint8Array | string): Parsed {
  let text: string;
  let container: string | undefined;
  if (typeof input === 'string') {
    text = input;
  } else {
    const isPng = input.length >= 8 && input[0] === 0x89 && input[1] === 0x50 && input[2] === 0x4e && input[3] === 0x47;
    const head = new TextDecoder('utf-8').decode(input.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart();
    if (isPng || head.startsWith('<')) {
      try {
        const baked = unbake(input);
        if (baked.kind === 'ob2') {
          return { ok: false, reason: 'this is an Open Badges 2.0 badge; Laurel Studio verifies Open Badges 3.0 credentials (2.0 badges can be upgraded in a later version)' };
        }
        text = baked.text;
        container = baked.container === 'png' ? 'baked PNG' : 'baked SVG';
      } catch (e) {
        return { ok: false, reason: isLaurelError(e) ? e.message : `the image could not be read: ${(e as Error).message}` };
      }
    } else {
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(input);
      } catch {
        return { ok: false, reason: 'the file is not UTF-8 text, a PNG or an SVG' };
      }
    }
  }
  text = text.replace(/^\uFEFF/, '').trim();
  if (JWS.test(text)) return { ok: true, format: 'jwt', jws: text, ...(container ? { container } : {}) };
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return { ok: false, reason: `the JSON is malformed: ${(e as Error).message}` };
    }
    if (!isObject(json)) return { ok: false, reason: 'the JSON is not an object' };
    return { ok: true, format: 'json', credential: json, ...(container ? { container } : {}) };
  }
  return { ok: false, reason: 'not a credential: expected JSON, a compact JWS (VC-JWT), or a baked PNG/SVG badge' };
}

function checkContextAndType(c: JsonObject): Check {
  const ctx = asArray(c['@context']);
  const types = asArray(c.type).filter((t): t is string => typeof t === 'string');
  if (ctx[0] !== CONTEXTS.VC_V2 && ctx[0] !== CONTEXTS.VC_V1) {
    return check('context-type', 'failed', `the first @context must be the W3C credentials context (${CONTEXTS.VC_V2}); found ${JSON.stringify(ctx[0] ?? null)}`);
  }
  if (!ctx.some((x) => typeof x === 'string' && (OB_CONTEXT.test(x) || x === OB_CONTEXT_ALIAS))) {
    return check('context-type', 'failed', 'the Open Badges 3.0 context (https://purl.imsglobal.org/spec/ob/v3p0/context-3.x.y.json) is missing from @context');
  }
  if (!types.includes('VerifiableCredential')) return check('context-type', 'failed', 'type does not include VerifiableCredential');
  const kind = types.find((t) => CREDENTIAL_TYPES.includes(t));
  if (!kind) return check('context-type', 'failed', `type names no Open Badges credential type (one of ${CREDENTIAL_TYPES.join(', ')}); found ${types.join(', ') || 'none'}`);
  const dm = ctx[0] === CONTEXTS.VC_V1 ? 'VC Data Model 1.1' : 'VC Data Model 2.0';
  return check('context-type', 'passed', `an ${kind} in ${dm} with the Open Badges 3.0 context`);
}

function checkSchema(c: JsonObject): Check {
  const isV1 = asArray(c['@context'])[0] === CONTEXTS.VC_V1;
  if (isV1) {
    // The official schemas describe VC-DM 2.0; the 1.1-compatible "any…" schemas are not published.
    return check('schema', 'unknown', 'this is a VC Data Model 1.1 credential, and the official 1.1-compatible schemas are not available to check it against');
  }
  const result = validateCredential(c, { terms: 'verify' });
  const errors = result.issues.filter((i) => i.severity === 'error' && i.source !== 'schema:formal');
  // The strict build rejects JSON-LD compaction (a lone proof object, say) that verifiers must accept.
  const strictOnly = result.issues.filter((i) => i.severity === 'error' && i.source === 'schema:formal');
  const warnings = result.issues.filter((i) => i.severity === 'warning');
  const fmt = (is: ValidationIssue[]) => is.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ') + (is.length > 5 ? `; …and ${is.length - 5} more` : '');
  if (errors.length) return check('schema', 'failed', fmt(errors), { details: result.issues });
  if (strictOnly.length || warnings.length) {
    return check('schema', 'passed', `valid against the official schema, with notes: ${fmt([...strictOnly, ...warnings])}`, { warning: true, details: result.issues });
  }
  return check('schema', 'passed', 'valid against both official schema builds and the spec rules');
}

function parseInstant(v: unknown): number | undefined {
  if (typeof v !== 'string' || !/T.*(Z|[+-]\d{2}:?\d{2})$/i.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function checkDates(c: JsonObject, now: Date): Check[] {
  const v1 = asArray(c['@context'])[0] === CONTEXTS.VC_V1;
  const fromKey = v1 ? 'issuanceDate' : 'validFrom';
  const untilKey = v1 ? 'expirationDate' : 'validUntil';
  const out: Check[] = [];
  const from = c[fromKey];
  const fromT = parseInstant(from);
  if (from === undefined) out.push(check('valid-from', 'failed', `the credential has no ${fromKey}`));
  else if (fromT === undefined) out.push(check('valid-from', 'failed', `${fromKey} ${JSON.stringify(from)} is not a date-time with a time zone`));
  else if (fromT > now.getTime()) out.push(check('valid-from', 'failed', `not valid yet: valid from ${String(from)}`));
  else out.push(check('valid-from', 'passed', `valid since ${String(from)}`));
  const until = c[untilKey];
  const untilT = parseInstant(until);
  if (until === undefined) out.push(check('valid-until', 'passed', 'the credential has no expiry date'));
  else if (untilT === undefined) out.push(check('valid-until', 'failed', `${untilKey} ${JSON.stringify(until)} is not a date-time with a time zone`));
  else if (fromT !== undefined && untilT <= fromT) out.push(check('valid-until', 'failed', `${untilKey} ${String(until)} is not after ${fromKey} ${String(from)}`));
  else if (untilT < now.getTime()) out.push(check('valid-until', 'failed', `expired on ${String(until)}`));
  else out.push(check('valid-until', 'passed', `valid until ${String(until)}`));
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function imageOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v)) return str(v.id);
  return undefined;
}

export function summarize(c: JsonObject): CredentialSummary {
  const issuer = c.issuer;
  const subject = isObject(c.credentialSubject) ? c.credentialSubject : undefined;
  const achievement = subject && isObject(subject.achievement) ? subject.achievement : undefined;
  const types = asArray(c.type).filter((t): t is string => typeof t === 'string');
  let recipient: string | undefined = subject ? str(subject.id) : undefined;
  if (!recipient && subject) {
    const ids = asArray(subject.identifier).filter(isObject);
    const first = ids[0];
    if (first) recipient = first.hashed === true ? `${str(first.identityType) ?? 'identifier'} (hashed)` : `${str(first.identityHash) ?? ''} (${str(first.identityType) ?? 'identifier'})`;
  }
  const out: CredentialSummary = {};
  const set = <K extends keyof CredentialSummary>(k: K, v: CredentialSummary[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('kind', types.find((t) => t !== 'VerifiableCredential'));
  set('id', str(c.id));
  set('issuerId', typeof issuer === 'string' ? issuer : isObject(issuer) ? str(issuer.id) : undefined);
  set('issuerName', isObject(issuer) ? str(issuer.name) : undefined);
  set('achievementName', achievement ? str(achievement.name) : str(c.name));
  set('achievementDescription', achievement ? str(achievement.description) : str(c.description));
  set('recipient', subject && str(subject.name) ? `${str(subject.name)}${recipient ? ` — ${recipient}` : ''}` : recipient);
  set('validFrom', str(c.validFrom) ?? str(c.issuanceDate));
  set('validUntil', str(c.validUntil) ?? str(c.expirationDate));
  set('image', imageOf(achievement?.image) ?? imageOf(c.image));
  return out;
}

function fromJwtChecks(jwtChecks: JwtCheck[]): { proof: Check; binding: Check; claims: Check } {
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
    binding: merge('key-binding', pick('key-binding'), pick('key-binding')[0]?.reason ?? "the key belongs to the issuer"),
    claims: merge('jwt-claims', pick('iss', 'jti', 'sub', 'nbf', 'exp'), 'iss, jti, sub, nbf and exp match the credential'),
  };
}

/** Verifies one credential (JSON, VC-JWT, or a baked PNG/SVG) and reports every check. */
export async function verifyCredential(input: Uint8Array | string, options: VerifyOptions = {}): Promise<VerificationReport> {
  const now = options.now ?? new Date();
  const resolveKey = options.resolveKey ?? createKeyResolver(options.fetchDocument ? { fetchDocument: options.fetchDocument } : {});
  const parsed = parseInput(input);
  const verifiedAt = now.toISOString();
  if (!parsed.ok) {
    return { verdict: 'invalid', format: 'unknown', checks: [check('parse', 'failed', parsed.reason)], summary: {}, verifiedAt };
  }
  const checks: Check[] = [];
  let credential: JsonObject;
  if (parsed.format === 'jwt') {
    const jwt = await verifyJwt(parsed.jws, resolveKey);
    if (!jwt.credential) {
      const why = jwt.checks.find((c) => c.status === 'failed')?.reason ?? 'the JWT payload is not a credential';
      return { verdict: 'invalid', format: 'jwt', checks: [check('parse', 'failed', why)], summary: {}, verifiedAt };
    }
    credential = jwt.credential;
    checks.push(check('parse', 'passed', `a VC-JWT${parsed.container ? ` in a ${parsed.container}` : ''}`));
    checks.push(checkContextAndType(credential));
    checks.push(checkSchema(credential));
    const { proof, binding, claims } = fromJwtChecks(jwt.checks);
    checks.push(proof, binding, claims);
  } else {
    credential = parsed.credential;
    checks.push(check('parse', 'passed', `a JSON credential${parsed.container ? ` in a ${parsed.container}` : ''}`));
    checks.push(checkContextAndType(credential));
    checks.push(checkSchema(credential));
    const results = await verifyDataIntegrity(credential, resolveKey);
    if (!results.length) {
      checks.push(check('proof', 'failed', 'no proof: this credential is not signed'));
      checks.push(check('key-binding', 'unknown', 'there is no signature, so no signing key to check'));
    } else {
      // One valid proof suffices; others that could not be checked are reported, not fatal.
      const good = results.find((r) => r.status === 'passed');
      const others = results.filter((r) => r !== good).map((r) => `proof ${r.proofIndex + 1} (${r.cryptosuite ?? r.type}): ${r.status}, ${r.reason}`);
      const note = others.length ? `; also ${others.join('; ')}` : '';
      if (good) {
        checks.push(check('proof', 'passed', `${good.reason}${note}`, others.length ? { warning: true, details: results } : { details: results }));
        checks.push(check('key-binding', 'passed', `${good.verificationMethod} is controlled by the issuer ${good.controller}`));
      } else {
        const signedButUnbound = results.find((r) => r.keyBound === false);
        const failed = results.find((r) => r.status === 'failed');
        if (signedButUnbound) {
          checks.push(check('proof', 'passed', `the signature is intact (${signedButUnbound.cryptosuite ?? signedButUnbound.type} by ${signedButUnbound.verificationMethod})`, { details: results }));
          checks.push(check('key-binding', 'failed', signedButUnbound.reason));
        } else if (failed) {
          checks.push(check('proof', 'failed', results.map((r) => r.reason).join('; '), { details: results }));
          checks.push(check('key-binding', 'unknown', 'the signature did not verify, so the key was not checked against the issuer'));
        } else {
          checks.push(check('proof', 'unknown', results.map((r) => r.reason).join('; '), { details: results }));
          checks.push(check('key-binding', 'unknown', 'the signature could not be checked, so neither could its key'));
        }
      }
    }
  }
  checks.push(...checkDates(credential, now));
  const status = await checkStatus(credential, {
    now,
    resolveKey,
    ...(options.fetchStatusList ? { fetchList: options.fetchStatusList } : {}),
    ...(options.statusListFiles ? { localFiles: options.statusListFiles } : {}),
  });
  // details: one result per credentialStatus entry; `set` says revoked/suspended as opposed to an unusable list.
  checks.push(check('status', status.status, status.reason, status.entries.length ? { details: status.entries } : {}));
  return {
    verdict: verdictOf(checks),
    format: parsed.format,
    checks,
    summary: summarize(credential),
    credential,
    verifiedAt,
  };
}
