import type { LoaderMode } from '../jsonld/index.ts';
import { LaurelError } from '../util/errors.ts';
import { checkRules, type CredentialKind, type RuleIssue } from './rules.ts';
import { schemaIssues, type SchemaIssue } from './schemas.ts';
import { checkTerms } from './terms.ts';
import { isObject, typesOf } from './util.ts';

export type { CredentialKind };

export interface ValidationIssue {
  /** JSON path, e.g. `$.credentialSubject.achievement.criteria`. */
  path: string;
  /** What is wrong and what to do. */
  message: string;
  /**
   * 'schema:json-ld': the JSON-LD build rejects it (the strict build usually does too);
   * 'schema:formal': only the strict 2024 build rejects it; 'rule': a spec rule schemas can't say.
   */
  source: 'schema:json-ld' | 'schema:formal' | 'rule';
  severity: 'error' | 'warning';
}

export interface ValidationResult {
  valid: boolean;
  issues: ValidationIssue[];
}

export interface ValidateOptions {
  /** Default: from `type` (EndorsementCredential → endorsement; a bare Profile → profile; else achievement). */
  kind?: CredentialKind;
  /**
   * Which pinned context copies the undefined-term check uses: 'sign' (default; what we sign
   * with) or 'verify' (adds terms fixed upstream later, e.g. endorsementJwt); false skips it.
   */
  terms?: LoaderMode | false;
}

export function detectKind(json: unknown): CredentialKind {
  const types = typesOf(json);
  if (types.includes('EndorsementCredential')) return 'endorsement';
  if (types.includes('Profile') && !types.includes('VerifiableCredential')) return 'profile';
  return 'achievement';
}

function covered(issue: SchemaIssue, rules: readonly RuleIssue[]): boolean {
  return rules.some((r) => {
    if (r.severity !== 'error' || !r.covers) return false;
    if (issue.path === r.path) return true;
    return r.covers === 'subtree' && (issue.path.startsWith(`${r.path}.`) || issue.path.startsWith(`${r.path}[`));
  });
}

/**
 * Validates a credential (or a bare Profile) against both official schema builds, the spec
 * rules the schemas can't express, and the pinned contexts' term definitions.
 */
export function validateCredential(json: unknown, options: ValidateOptions = {}): ValidationResult {
  if (!isObject(json)) {
    return { valid: false, issues: [{ path: '$', message: 'a credential must be a JSON object.', source: 'rule', severity: 'error' }] };
  }
  const kind = options.kind ?? detectKind(json);
  const rules = checkRules(json, kind);
  const termMode = options.terms ?? 'sign';
  // A Profile from the API may come without @context (plain JSON): there are no terms to check.
  if (termMode !== false && json['@context'] !== undefined) rules.push(...checkTerms(json, termMode));

  const issues: ValidationIssue[] = rules.map((r) => ({ path: r.path, message: r.message, source: 'rule', severity: r.severity }));
  const jsonLd = schemaIssues(json, kind, 'json-ld');
  const formal = schemaIssues(json, kind, 'formal');
  const jsonLdKeys = new Set(jsonLd.map((i) => `${i.path}\u0000${i.message}`));
  for (const i of jsonLd) if (!covered(i, rules)) issues.push({ path: i.path, message: i.message, source: 'schema:json-ld', severity: 'error' });
  for (const i of formal) {
    // Reported once when both builds agree; 'schema:formal' marks what only the strict build rejects.
    if (jsonLdKeys.has(`${i.path}\u0000${i.message}`) || covered(i, rules)) continue;
    issues.push({ path: i.path, message: i.message, source: 'schema:formal', severity: 'error' });
  }
  const seen = new Set<string>();
  const unique = issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Errors first; within a severity, the order found (rules, then schemas), which follows the document.
  unique.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return { valid: !unique.some((i) => i.severity === 'error'), issues: unique };
}

/** One line per issue, for messages and logs. */
export function formatIssues(issues: readonly ValidationIssue[], max = 3): string {
  const shown = issues.slice(0, max).map((i) => `${i.path}: ${i.message}${i.source === 'schema:formal' ? ' [strict schema]' : ''}`);
  if (issues.length > max) shown.push(`…and ${issues.length - max} more`);
  return shown.join('\n');
}

/** Throws LaurelError('VALIDATION') naming the first errors; all issues are in `details`. */
export function assertValid(json: unknown, options: ValidateOptions = {}): void {
  const result = validateCredential(json, options);
  if (result.valid) return;
  const errors = result.issues.filter((i) => i.severity === 'error');
  const what = options.kind ?? (isObject(json) ? detectKind(json) : 'achievement');
  throw new LaurelError(
    'VALIDATION',
    `The ${what === 'profile' ? 'profile' : `${what} credential`} is not valid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${formatIssues(errors)}`,
    { details: result.issues },
  );
}
