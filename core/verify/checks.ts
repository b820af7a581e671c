import { CONTEXTS } from '../jsonld/index.ts';
import { CLR_CONTEXT_PATTERN, OB_CONTEXT_PATTERN, checkTerms, validateClrCredential, validateCredential, type ValidationIssue, type ValidationResult } from '../model/index.ts';
import type { JsonObject } from '../proof/index.ts';
import { decodeBitstring, getBit, MIN_BITSTRING_BITS } from '../status/bitstring.ts';
import { isLaurelError } from '../util/errors.ts';
import type { Check, CheckCode, CheckId, CheckStatus, CredentialRoute } from './report.ts';

/** The per-credential checks that need no key and no network: format, schema, dates. */

// OB 3.0.0's other URL: the same document as …/context.json (the manifest maps both to one file).
const OB_CONTEXT_ALIAS = 'https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld';
const isObContext = (x: unknown): boolean => typeof x === 'string' && (OB_CONTEXT_PATTERN.test(x) || x === OB_CONTEXT_ALIAS);


const LABELS: Record<CheckId, string> = {
  parse: 'Readable credential',
  'context-type': 'Open Badges 3.0 format',
  schema: 'Matches the official schema',
  proof: 'Signature',
  'key-binding': "Signed with the issuer's key",
  'valid-from': 'Already valid',
  'valid-until': 'Not expired',
  'jwt-claims': 'JWT claims match the credential',
  status: 'Revocation status',
  refresh: 'Newer version',
  recipient: 'Issued to this person',
  endorsements: 'Endorsements',
  'inner-credentials': 'Credentials in this record',
};

const FORMAT_LABEL: Partial<Record<CredentialRoute, string>> = { clr2: 'CLR 2.0 format', 'status-list': 'Status list format' };

export function check(id: CheckId, status: CheckStatus, reason: string, extra: Partial<Check> = {}): Check {
  return { id, label: LABELS[id], status, reason, ...extra };
}

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const strings = (v: unknown): string[] => asArray(v).filter((t): t is string => typeof t === 'string');

export function isVc11(c: JsonObject): boolean {
  return asArray(c['@context'])[0] === CONTEXTS.VC_V1;
}

export function checkContextAndType(c: JsonObject, kind: CredentialRoute): Check {
  const ctx = asArray(c['@context']);
  const types = strings(c.type);
  const label = FORMAT_LABEL[kind] ? { label: FORMAT_LABEL[kind] } : {};
  const fail = (reason: string) => check('context-type', 'failed', reason, label);
  if (ctx[0] !== CONTEXTS.VC_V2 && ctx[0] !== CONTEXTS.VC_V1) {
    return fail(`the first @context must be the W3C credentials context (${CONTEXTS.VC_V2}); found ${JSON.stringify(ctx[0] ?? null)}`);
  }
  if (!types.includes('VerifiableCredential')) return fail('type does not include VerifiableCredential');
  const dm = ctx[0] === CONTEXTS.VC_V1 ? 'VC Data Model 1.1' : 'VC Data Model 2.0';
  const obAt = ctx.findIndex(isObContext);
  const obVersion = obAt >= 0 ? /context-(3\.\d\.\d)\.json$/.exec(String(ctx[obAt]))?.[1] ?? '3.0.0' : undefined;
  switch (kind) {
    case 'status-list':
      return check('context-type', 'passed', `a W3C Bitstring Status List credential in ${dm}: the list an issuer publishes to revoke or suspend its credentials`, label);
    case 'clr2': {
      if (typeof ctx[1] !== 'string' || !CLR_CONTEXT_PATTERN.test(ctx[1])) return fail(`the second @context must be the CLR 2.0 context (${CONTEXTS.CLR_201}); found ${JSON.stringify(ctx[1] ?? null)}`);
      if (obAt < 0) return fail(`the Open Badges 3.0 context (${CONTEXTS.OB_303}) is missing from @context; a CLR needs it for its achievements`);
      return check('context-type', 'passed', `a ClrCredential (CLR 2.0) in ${dm}, with the Open Badges ${obVersion} context`, label);
    }
    default: {
      if (obAt < 0) return fail('the Open Badges 3.0 context (https://purl.imsglobal.org/spec/ob/v3p0/context-3.x.y.json) is missing from @context');
      const name = types.find((t) => ['OpenBadgeCredential', 'AchievementCredential', 'EndorsementCredential'].includes(t));
      return check('context-type', 'passed', `an ${name} in ${dm} with the Open Badges ${obVersion} context`, label);
    }
  }
}

const fmt = (is: ValidationIssue[]): string =>
  is
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ') + (is.length > 5 ? `; …and ${is.length - 5} more` : '');

/**
 * A VC-DM 1.1 credential seen as 2.0 for the schema: the official 1.1-compatible ("any…") schemas
 * are not published anywhere we could get them, and they differ from the 2.0 ones only in the VC
 * envelope (first context, issuanceDate/expirationDate). So the OB parts are checked against the
 * 2.0 schema with the envelope mapped; the terms are checked on the original.
 */
function v2View(c: JsonObject): JsonObject {
  const { issuanceDate, expirationDate, issued: _issued, ...rest } = c;
  const view: JsonObject = { ...rest, '@context': [CONTEXTS.VC_V2, ...asArray(c['@context']).slice(1)] };
  if (issuanceDate !== undefined) view.validFrom = issuanceDate;
  if (expirationDate !== undefined) view.validUntil = expirationDate;
  return view;
}

function schemaCheckOf(result: ValidationResult, okReason: string, note?: string): Check {
  const errors = result.issues.filter((i) => i.severity === 'error' && i.source !== 'schema:formal');
  // The strict build rejects JSON-LD compaction (a lone proof object, say) that verifiers must accept.
  const strictOnly = result.issues.filter((i) => i.severity === 'error' && i.source === 'schema:formal');
  const warnings = result.issues.filter((i) => i.severity === 'warning');
  if (errors.length) return check('schema', 'failed', `the credential does not have the shape the spec requires: ${fmt(errors)}`, { details: result.issues });
  const notes = [...strictOnly, ...warnings];
  if (notes.length || note) {
    const parts = [note, notes.length ? `notes: ${fmt(notes)}` : undefined].filter(Boolean).join('; ');
    return check('schema', 'passed', `${okReason}, with ${parts}`, { warning: true, details: result.issues });
  }
  return check('schema', 'passed', okReason);
}

export function checkSchema(c: JsonObject, kind: CredentialRoute): Check {
  const v11 = isVc11(c);
  const v11Note = v11
    ? 'a VC Data Model 1.1 credential: the official 1.1-compatible schemas are not published, so its Open Badges parts were checked against the 2.0 schema (issuanceDate read as validFrom, expirationDate as validUntil)'
    : undefined;
  if (kind === 'status-list') return checkStatusListShape(c);
  if (kind === 'clr2') {
    const result = validateClrCredential(v11 ? v2View(c) : c, { terms: false });
    addTermIssues(result, c);
    return schemaCheckOf(result, 'valid against the official CLR 2.0 ClrCredential schema and the spec rules', v11Note);
  }
  // The schema's @context pattern predates the alias; read it as the URL of the same document.
  const aliased = asArray(c['@context']).includes(OB_CONTEXT_ALIAS);
  const seen = aliased ? { ...c, '@context': asArray(c['@context']).map((x) => (x === OB_CONTEXT_ALIAS ? CONTEXTS.OB_300 : x)) } : c;
  const aliasNote = aliased ? `the OB 3.0.0 context is named by its alias ${OB_CONTEXT_ALIAS}, read as ${CONTEXTS.OB_300} (the same document)` : undefined;
  const result = validateCredential(v11 ? v2View(seen) : seen, { terms: false });
  addTermIssues(result, c);
  const note = [v11Note, aliasNote].filter(Boolean).join('; ') || undefined;
  return schemaCheckOf(result, v11 ? 'valid against the official schema and the spec rules' : 'valid against both official schema builds and the spec rules', note);
}

/** The undefined-term check on the credential as given (with the copies of the contexts verifiers use). */
function addTermIssues(result: ValidationResult, original: JsonObject): void {
  for (const t of checkTerms(original, 'verify')) {
    // A proof's terms are its suite's business: an unknown suite may bring its own context, and
    // a proof is not part of what it signs. Only the credential's own terms count here.
    if (t.path === '$.proof' || t.path.startsWith('$.proof.') || t.path.startsWith('$.proof[')) continue;
    result.issues.push({ path: t.path, message: t.message, source: 'rule', severity: t.severity });
  }
  result.issues.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  result.valid = !result.issues.some((i) => i.severity === 'error');
}

/** A status list credential has no OB schema; its own shape is what the status check relies on. */
function checkStatusListShape(c: JsonObject): Check {
  const label = { label: 'Well-formed status list' };
  const subject = asArray(c.credentialSubject).find(isObject);
  if (!subject) return check('schema', 'failed', 'the status list has no credentialSubject', label);
  if (subject.type !== 'BitstringStatusList' && !strings(subject.type).includes('BitstringStatusList')) {
    return check('schema', 'failed', `the credentialSubject is not a BitstringStatusList (type ${JSON.stringify(subject.type ?? null)})`, label);
  }
  const purposes = strings(subject.statusPurpose);
  if (!purposes.length) return check('schema', 'failed', 'the list says nothing about its purpose (statusPurpose is missing)', label);
  let bits: Uint8Array;
  try {
    bits = decodeBitstring(subject.encodedList as string);
  } catch (e) {
    return check('schema', 'failed', `the list cannot be read: ${isLaurelError(e) ? e.message : String(e)}`, label);
  }
  const entries = bits.length * 8;
  let set = 0;
  for (let i = 0; i < entries; i++) if (getBit(bits, i)) set++;
  const details = { purpose: purposes.join(', '), entries, set };
  if (entries < MIN_BITSTRING_BITS) {
    return check('schema', 'failed', `the list has ${entries} entries, fewer than the ${MIN_BITSTRING_BITS} the spec requires (so that one entry can't be traced to one person)`, { ...label, details });
  }
  return check('schema', 'passed', `a ${purposes.join(' and ')} list with ${entries.toLocaleString('en-US')} entries, ${set} of them set`, { ...label, details });
}

export function parseInstant(v: unknown): number | undefined {
  if (typeof v !== 'string' || !/T.*(Z|[+-]\d{2}:?\d{2})$/i.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** validFrom / validUntil (issuanceDate / expirationDate in VC 1.1), compared as instants: zones honoured. */
export function checkDates(c: JsonObject, now: Date): Check[] {
  const v1 = isVc11(c);
  const fromKey = v1 ? 'issuanceDate' : 'validFrom';
  const untilKey = v1 ? 'expirationDate' : 'validUntil';
  const out: Check[] = [];
  const coded = (id: CheckId, reason: string, code: CheckCode) => check(id, 'failed', reason, { code });
  const from = c[fromKey];
  const fromT = parseInstant(from);
  if (from === undefined) out.push(check('valid-from', 'failed', `the credential has no ${fromKey}, so it is not known from when it is valid`));
  else if (fromT === undefined) out.push(check('valid-from', 'failed', `${fromKey} ${JSON.stringify(from)} is not a date and time with a time zone`));
  else if (fromT > now.getTime()) out.push(coded('valid-from', `not valid yet: it becomes valid on ${String(from)}`, 'not-yet-valid'));
  else out.push(check('valid-from', 'passed', `valid since ${String(from)}`));
  const until = c[untilKey];
  const untilT = parseInstant(until);
  if (until === undefined) out.push(check('valid-until', 'passed', 'the credential has no expiry date'));
  else if (untilT === undefined) out.push(check('valid-until', 'failed', `${untilKey} ${JSON.stringify(until)} is not a date and time with a time zone`));
  else if (fromT !== undefined && untilT <= fromT) out.push(check('valid-until', 'failed', `the expiry date ${String(until)} is not after the start date ${String(from)}`));
  else if (untilT < now.getTime()) out.push(coded('valid-until', `expired on ${String(until)}`, 'expired'));
  else out.push(check('valid-until', 'passed', `valid until ${String(until)}`));
  return out;
}
