// Row checks before anything is signed: a signed credential can't be corrected, so every row
// either comes out good and normalised or carries at least one problem with its line number.
import { LaurelError } from '../util/errors.ts';
import { repairDoubleEncoding } from './decode.ts';
import { FIELD_LABELS } from './mapping.ts';
import {
  ROSTER_FIELDS,
  type IdentityField,
  type ParsedRoster,
  type RosterCheck,
  type RosterField,
  type RosterMapping,
  type RosterProblem,
  type RosterRecord,
  type RosterRow,
} from './types.ts';
import { checkDate, checkEmail, checkHttpUrl, checkNumber, checkSubjectId, dayOf, quote } from './validate.ts';

export interface CheckOptions {
  /** Which value identifies each learner (and must be present and unique). */
  identity: IdentityField;
  /**
   * Text that looks double-encoded ("ZoÃ«") in a name, result or narrative: an error by default,
   * because it would be signed as written; 'warning' lets the row through.
   */
  doubleEncoding?: 'error' | 'warning';
}

const TEXT_FIELDS: readonly RosterField[] = ['name', 'givenName', 'familyName', 'resultValue', 'narrative'];

// Per-check state, passed to module-level helpers so the row loop allocates little (100k rows).
interface Ctx {
  headers: string[];
  col: Record<RosterField, number>;
  problems: RosterProblem[];
  errors: number; // errors on the current record
}

function cellOf(ctx: Ctx, rec: RosterRecord, field: RosterField): string {
  const i = ctx.col[field];
  return i < 0 ? '' : (rec.values[i] ?? '').trim();
}

function report(ctx: Ctx, rec: RosterRecord, field: RosterField | undefined, value: string | undefined, reason: string, severity: 'error' | 'warning'): void {
  const p: RosterProblem = { line: rec.line, row: rec.row, reason, severity };
  if (field) {
    const i = ctx.col[field];
    p.field = field;
    if (i >= 0) {
      p.column = ctx.headers[i]!;
      p.line = lineOfField(rec, i);
    }
  }
  if (value !== undefined) p.value = value;
  ctx.problems.push(p);
  if (severity === 'error') ctx.errors++;
}

export function checkRoster(parsed: ParsedRoster, mapping: RosterMapping, options: CheckOptions): RosterCheck {
  const { identity } = options;
  const doubleEncoding = options.doubleEncoding ?? 'error';
  const columns = resolveMapping(parsed, mapping, identity);
  const col = Object.fromEntries(ROSTER_FIELDS.map((f) => [f, columns.get(f) ?? -1])) as Record<RosterField, number>;
  const ctx: Ctx = { headers: parsed.headers, col, problems: [...parsed.problems], errors: 0 };
  const decimalComma = parsed.delimiter === ';';
  const rows: RosterRow[] = [];
  // First record holding each key; the shown value is read back from it only when reporting.
  const firstSeen = { email: new Map<string, RosterRecord>(), learnerId: new Map<string, RosterRecord>(), did: new Map<string, RosterRecord>() };
  const width = parsed.headers.length;
  const hasName = col.name >= 0 || col.givenName >= 0 || col.familyName >= 0;
  const textFields = TEXT_FIELDS.filter((f) => col[f] >= 0);
  let rejected = 0;

  const dup = (rec: RosterRecord, kind: 'email' | 'learnerId' | 'did', key: string | undefined, shown: string | undefined): void => {
    if (key === undefined || shown === undefined) return;
    const map = firstSeen[kind];
    const seen = map.get(key);
    if (!seen) {
      map.set(key, rec);
      return;
    }
    const before = cellOf(ctx, seen, kind);
    let how = '';
    if (before !== shown) how = before.toLowerCase() === shown.toLowerCase() ? ' (differs only in case)' : ` (written ${quote(before)} there)`;
    // The later line is reported and names the earlier one.
    report(ctx, rec, kind, shown, `duplicate learner: same ${FIELD_LABELS[kind]} as line ${lineOfField(seen, ctx.col[kind])}${how}`, 'error');
  };

  for (const rec of parsed.records) {
    ctx.errors = 0;
    if (rec.quoteErrors) {
      // The values after a broken quote are not what the person wrote; checking them only adds noise.
      for (const q of rec.quoteErrors) report(ctx, rec, undefined, undefined, q, 'error');
      rejected++;
      continue;
    }
    if (rec.values.length > width) {
      if (rec.values.slice(width).some((v) => v.trim() !== '')) {
        report(ctx, rec, undefined, undefined, `line has ${plural(rec.values.length, 'value')} but the header has ${width} columns; a value that contains '${delimName(parsed.delimiter)}' must be in quotes`, 'error');
      }
    } else if (rec.values.length < width) {
      const missing = [...columns.values()].filter((i) => i >= rec.values.length).map((i) => `'${parsed.headers[i]}'`);
      report(
        ctx, rec, undefined, undefined,
        `line has ${plural(rec.values.length, 'value')} but the header has ${width} columns` + (missing.length ? ` (no value for ${missing.join(', ')})` : ''),
        missing.length > 0 ? 'error' : 'warning',
      );
    }

    const row: RosterRow = { line: rec.line, endLine: rec.endLine, row: rec.row };

    // Names: a full name, or one composed from given + family name.
    if (hasName) {
      const name = cellOf(ctx, rec, 'name');
      const given = cellOf(ctx, rec, 'givenName');
      const family = cellOf(ctx, rec, 'familyName');
      if (given) row.givenName = tidyName(given);
      if (family) row.familyName = tidyName(family);
      if (name) row.name = tidyName(name);
      else if (row.givenName || row.familyName) row.name = row.givenName && row.familyName ? `${row.givenName} ${row.familyName}` : (row.givenName ?? row.familyName)!;
      else report(ctx, rec, col.name >= 0 ? 'name' : col.givenName >= 0 ? 'givenName' : 'familyName', '', 'missing name', 'error');
    }

    // Identity and the other ids, each validated wherever it is mapped.
    const email = cellOf(ctx, rec, 'email');
    if (email) {
      const r = checkEmail(email);
      if (r.ok) {
        row.email = email;
        row.emailKey = r.value;
      } else report(ctx, rec, 'email', email, r.reason, 'error');
    }
    const did = cellOf(ctx, rec, 'did');
    let didKey: string | undefined;
    if (did) {
      const r = checkSubjectId(did);
      if (r.ok) {
        row.did = did;
        didKey = r.value;
      } else report(ctx, rec, 'did', did, r.reason, 'error');
    }
    const learnerId = cellOf(ctx, rec, 'learnerId');
    if (learnerId) {
      if (CONTROL.test(learnerId)) report(ctx, rec, 'learnerId', learnerId, `learner id contains control characters: ${quote(learnerId)}`, 'error');
      else row.learnerId = learnerId;
    }
    if (!cellOf(ctx, rec, identity)) report(ctx, rec, identity, '', `missing ${FIELD_LABELS[identity]}`, 'error');
    dup(rec, 'email', row.emailKey, row.email);
    dup(rec, 'learnerId', row.learnerId, row.learnerId);
    dup(rec, 'did', didKey, row.did);

    // Optional per-learner values.
    const result = cellOf(ctx, rec, 'resultValue');
    if (result) row.resultValue = result;
    const narrative = cellOf(ctx, rec, 'narrative');
    if (narrative) row.narrative = narrative;
    const evidence = cellOf(ctx, rec, 'evidenceUrl');
    if (evidence) {
      const r = checkHttpUrl(evidence, 'evidence URL');
      if (r.ok) row.evidenceUrl = r.value;
      else report(ctx, rec, 'evidenceUrl', evidence, r.reason, 'error');
    }
    const credits = cellOf(ctx, rec, 'creditsEarned');
    if (credits) {
      const r = checkNumber(credits, 'credits earned', decimalComma);
      if (r.ok) row.creditsEarned = r.value;
      else report(ctx, rec, 'creditsEarned', credits, r.reason, 'error');
    }
    for (const field of DATE_FIELDS) {
      const v = cellOf(ctx, rec, field);
      if (!v) continue;
      const r = checkDate(v, FIELD_LABELS[field]);
      if (r.ok) row[field] = r.value;
      else report(ctx, rec, field, v, r.reason, 'error');
    }
    if (row.activityStartDate && row.activityEndDate && dayOf(row.activityEndDate) < dayOf(row.activityStartDate)) {
      report(
        ctx, rec, 'activityEndDate', cellOf(ctx, rec, 'activityEndDate'),
        `activity end date ${row.activityEndDate} is before the start date ${row.activityStartDate}`, 'error',
      );
    }

    // Control characters and mojibake in text that would be signed as written.
    for (const field of textFields) {
      const v = cellOf(ctx, rec, field);
      if (!v) continue;
      if (TEXT_CONTROL.test(v)) {
        report(ctx, rec, field, v, `${FIELD_LABELS[field]} contains control characters: ${quote(v)}`, 'error');
        continue;
      }
      const fixed = repairDoubleEncoding(v);
      if (fixed !== undefined) {
        report(ctx, rec, field, v, `${FIELD_LABELS[field]} looks double-encoded: ${quote(v)} was probably ${quote(fixed)}; fix the file's encoding`, doubleEncoding);
      }
    }

    if (ctx.errors === 0) rows.push(row);
    else rejected++;
  }

  const problems = ctx.problems.sort((a, b) => a.line - b.line || a.row - b.row);
  let errorCount = 0;
  for (const p of problems) if (p.severity === 'error') errorCount++;
  return {
    rows,
    problems,
    stats: {
      records: parsed.records.length,
      good: rows.length,
      rejected,
      errors: errorCount,
      warnings: problems.length - errorCount,
      blankLines: parsed.blankLines,
      delimiter: parsed.delimiter,
    },
  };
}

const DATE_FIELDS = ['activityStartDate', 'activityEndDate'] as const;
const CONTROL = /\p{Cc}/u;
// Tabs and line breaks are fine in text (names are tidied, narratives keep them); other C0/C1 controls are not.
// eslint-disable-next-line no-control-regex
const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Field → column index; a mapping that can't be used is a setup error, not a row problem. */
function resolveMapping(parsed: ParsedRoster, mapping: RosterMapping, identity: IdentityField): Map<RosterField, number> {
  const errors: string[] = [];
  const columns = new Map<RosterField, number>();
  const list = parsed.headers.filter((h) => h !== '').map((h) => `'${h}'`).join(', ');
  for (const field of ROSTER_FIELDS) {
    const column = mapping[field];
    if (column === undefined) continue;
    const hits = parsed.headers.flatMap((h, i) => (h === column.trim() ? [i] : []));
    if (hits.length === 0) errors.push(`${field} is mapped to '${column}', but the file has no such column; columns are: ${list}`);
    else if (hits.length > 1) errors.push(`${field} is mapped to '${column}', which appears ${hits.length} times in the header; rename one in the file`);
    else columns.set(field, hits[0]!);
  }
  for (const key of Object.keys(mapping)) {
    if (!(ROSTER_FIELDS as readonly string[]).includes(key)) errors.push(`unknown field '${key}'; fields are: ${ROSTER_FIELDS.join(', ')}`);
  }
  if (!columns.has(identity) && mapping[identity] === undefined) {
    errors.push(
      `no column is mapped to ${identity}, which identifies each learner; map one with --map ${identity}=<column> ` +
        `(columns are: ${list}), or choose another identity (email, did, learnerId)`,
    );
  }
  if (errors.length > 0) throw new LaurelError('INVALID_INPUT', errors.join('\n'), { details: { errors } });
  return columns;
}

/** Physical line of a value: a record spanning lines moves later values down by the breaks before them. */
function lineOfField(rec: RosterRecord, index: number): number {
  if (rec.endLine === rec.line) return rec.line;
  let line = rec.line;
  for (let i = 0; i < index && i < rec.values.length; i++) {
    const v = rec.values[i]!;
    for (let j = v.indexOf('\n'); j !== -1; j = v.indexOf('\n', j + 1)) line++;
  }
  return line;
}

/** Names from spreadsheets: one line, single spaces, composed accents (macOS writes NFD). */
function tidyName(v: string): string {
  const one = /\s\s|[^\S ]/.test(v) ? v.replace(/\s+/g, ' ') : v;
  return ASCII.test(one) ? one : one.normalize('NFC');
}
const ASCII = /^[\x20-\x7e]*$/;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function delimName(d: string): string {
  return d === '\t' ? 'tab' : d;
}

// ---------- reporting ----------

export interface FormatOptions {
  /** Most line groups to print; the rest are counted (default 200). */
  max?: number;
}

/**
 * Problems as text for the CLI, one group per line number:
 *   line 7: invalid email 'bob@'
 *   line 14 (spreadsheet row 12):
 *     - missing email
 *     - warning: …
 */
export function formatProblems(problems: readonly RosterProblem[], options: FormatOptions = {}): string[] {
  const max = options.max ?? 200;
  const groups = new Map<number, RosterProblem[]>();
  for (const p of [...problems].sort((a, b) => a.line - b.line || a.row - b.row)) {
    const g = groups.get(p.line);
    if (g) g.push(p);
    else groups.set(p.line, [p]);
  }
  const out: string[] = [];
  let shown = 0;
  for (const [line, list] of groups) {
    if (shown === max) break;
    shown++;
    const rows = [...new Set(list.map((p) => p.row))];
    const where = `line ${line}` + (rows.length === 1 && rows[0] !== line ? ` (spreadsheet row ${rows[0]})` : '');
    const text = (p: RosterProblem): string => (p.severity === 'warning' ? `warning: ${p.reason}` : p.reason);
    if (list.length === 1) out.push(`${where}: ${text(list[0]!)}`);
    else {
      out.push(`${where}:`);
      for (const p of list) out.push(`  - ${text(p)}`);
    }
  }
  if (groups.size > shown) out.push(`… and ${groups.size - shown} more line${groups.size - shown === 1 ? '' : 's'} with problems`);
  return out;
}

/** One sentence for the end of a check: "97 of 100 learners are ready; 3 rows have problems (4 errors, 1 warning)." */
export function formatSummary(check: RosterCheck): string {
  const s = check.stats;
  const plural = (n: number, w: string): string => `${n.toLocaleString('en')} ${w}${n === 1 ? '' : 's'}`;
  let text = `${s.good.toLocaleString('en')} of ${plural(s.records, 'learner')} ${s.good === 1 ? 'is' : 'are'} ready`;
  if (s.rejected > 0) text += `; ${plural(s.rejected, 'row')} ${s.rejected === 1 ? 'has' : 'have'} problems`;
  if (s.errors > 0 || s.warnings > 0) text += ` (${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')})`;
  return text + '.';
}
