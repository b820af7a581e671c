import { CONTEXTS, type LoaderMode } from '../jsonld/index.ts';
import { describeIdentityHashProblem } from './identity.ts';
import { extensionTypesUsed, OB_CONTEXT_PATTERN } from './rules.ts';
import { schemaIssues } from './schemas.ts';
import { checkTerms } from './terms.ts';
import { childPath, describeDateTimeProblem, isObject, listAt, typesOf } from './util.ts';
import type { ValidationIssue, ValidationResult } from './validate.ts';

/**
 * CLR 2.0 ClrCredential validation for the verifier: the official ClrCredential schema (JSON-LD
 * build; no strict build is public), the rules it can't express (context order, ClrSubject names
 * its learner, extension types need extensions.json), and the pinned contexts' term check. The
 * inner credentials are validated again on their own by whoever verifies them.
 */

export const CLR_CONTEXT_PATTERN = /^https:\/\/purl\.imsglobal\.org\/spec\/clr\/v2p0\/context(-2\.\d\.\d)?\.json$/;

export interface ValidateClrOptions {
  /** The pinned context copies the term check uses ('verify' by default here); false skips it. */
  terms?: LoaderMode | false;
}

function rule(issues: ValidationIssue[], path: string, message: string, severity: 'error' | 'warning' = 'error'): void {
  issues.push({ path, message, source: 'rule', severity });
}

function contextRules(doc: Record<string, unknown>, issues: ValidationIssue[]): void {
  const ctx = doc['@context'];
  if (!Array.isArray(ctx)) {
    rule(issues, '$.@context', `@context must be an array: "${CONTEXTS.VC_V2}", then the CLR context "${CONTEXTS.CLR_201}", then the OB context "${CONTEXTS.OB_303}".`);
    return;
  }
  if (ctx[0] !== CONTEXTS.VC_V2 && ctx[0] !== CONTEXTS.VC_V1) rule(issues, "$['@context'][0]", `the first @context must be "${CONTEXTS.VC_V2}" (order matters).`);
  if (typeof ctx[1] !== 'string' || !CLR_CONTEXT_PATTERN.test(ctx[1])) rule(issues, "$['@context'][1]", `the second @context must be the CLR 2.0 context "${CONTEXTS.CLR_201}".`);
  if (typeof ctx[2] !== 'string' || !OB_CONTEXT_PATTERN.test(ctx[2])) rule(issues, "$['@context'][2]", `the third @context must be the Open Badges context "${CONTEXTS.OB_303}".`);
  const used: Array<{ type: string; path: string }> = [];
  extensionTypesUsed(doc, '$', true, used);
  if (used.length > 0 && !ctx.includes(CONTEXTS.OB_EXTENSIONS)) {
    rule(issues, "$['@context']", `${[...new Set(used.map((u) => u.type))].join(', ')} is used (at ${used[0]!.path}) but @context lacks "${CONTEXTS.OB_EXTENSIONS}", the only context that defines the 1EdTech* types.`);
  }
}

function subjectRules(doc: Record<string, unknown>, issues: ValidationIssue[]): void {
  const s = doc.credentialSubject;
  if (!isObject(s)) return; // the schema says what is missing
  const path = '$.credentialSubject';
  const ids = listAt(s.identifier, childPath(path, 'identifier'));
  if (!(typeof s.id === 'string' && s.id.trim()) && ids.length === 0) {
    rule(issues, path, "the ClrSubject names no learner: it needs an id (the learner's DID or URL) or at least one identifier.");
  }
  for (const i of ids) {
    if (!isObject(i.value) || i.value.hashed !== true) continue;
    const problem = describeIdentityHashProblem(i.value.identityHash);
    if (problem) rule(issues, childPath(i.path, 'identityHash'), problem);
  }
  const achievementIds = new Set(listAt(s.achievement, '').map((a) => (isObject(a.value) ? a.value.id : undefined)).filter((x): x is string => typeof x === 'string'));
  for (const vc of listAt(s.verifiableCredential, '')) {
    const inner = isObject(vc.value) && isObject(vc.value.credentialSubject) ? vc.value.credentialSubject.achievement : undefined;
    if (isObject(inner) && typeof inner.id === 'string') achievementIds.add(inner.id);
  }
  // Associations link achievements, not credentials (spec-digest §4.3, §16.15).
  for (const a of listAt(s.association, childPath(path, 'association'))) {
    if (!isObject(a.value)) continue;
    for (const end of ['sourceId', 'targetId'] as const) {
      const id = a.value[end];
      if (typeof id === 'string' && achievementIds.size > 0 && !achievementIds.has(id)) {
        rule(issues, childPath(a.path, end), `${end} "${id}" is not the id of an achievement in this CLR; associations link achievement ids, not credential ids.`, 'warning');
      }
    }
  }
}

function dateRules(doc: Record<string, unknown>, issues: ValidationIssue[]): void {
  for (const key of ['validFrom', 'validUntil', 'awardedDate']) {
    if (doc[key] === undefined) continue;
    const problem = describeDateTimeProblem(doc[key]);
    if (problem) rule(issues, childPath('$', key), `${key} ${problem}`);
  }
}

/** Validates a ClrCredential; same result shape as validateCredential. */
export function validateClrCredential(json: unknown, options: ValidateClrOptions = {}): ValidationResult {
  if (!isObject(json)) {
    return { valid: false, issues: [{ path: '$', message: 'a credential must be a JSON object.', source: 'rule', severity: 'error' }] };
  }
  const issues: ValidationIssue[] = [];
  contextRules(json, issues);
  if (!typesOf(json).includes('ClrCredential')) rule(issues, '$.type', 'type must include "ClrCredential".');
  subjectRules(json, issues);
  dateRules(json, issues);
  const termMode = options.terms ?? 'verify';
  if (termMode !== false) for (const t of checkTerms(json, termMode)) issues.push({ path: t.path, message: t.message, source: 'rule', severity: t.severity });
  const ruled = new Set(issues.filter((i) => i.severity === 'error').map((i) => i.path));
  for (const i of schemaIssues(json, 'clr', 'json-ld')) {
    if (ruled.has(i.path)) continue; // the rule's message says it better
    issues.push({ path: i.path, message: i.message, source: 'schema:json-ld', severity: 'error' });
  }
  issues.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return { valid: !issues.some((i) => i.severity === 'error'), issues };
}
