// Text → header + records, each record with the physical line it came from. Line numbers are
// what makes an error list usable ("line 14"), and a quoted value holding line breaks makes the
// record index drift from the line number, so they are computed from papaparse's cursor.
import Papa from 'papaparse';
import { LaurelError } from '../util/errors.ts';
import type { ParsedRoster, RosterDelimiter, RosterProblem, RosterRecord } from './types.ts';

export const ROSTER_MAX_ROWS = 200_000;
export const ROSTER_MAX_CHARS = 50 * 1024 * 1024;

export interface ParseOptions {
  /** Force a delimiter instead of sniffing one. */
  delimiter?: RosterDelimiter;
  /** Cap on data rows (default 200,000). */
  maxRows?: number;
  /** Cap on text length in characters (default 50 M). */
  maxChars?: number;
}

const CANDIDATES: readonly RosterDelimiter[] = [',', ';', '\t'];

export function parseRoster(text: string, options: ParseOptions = {}): ParsedRoster {
  const maxRows = options.maxRows ?? ROSTER_MAX_ROWS;
  const maxChars = options.maxChars ?? ROSTER_MAX_CHARS;
  if (text.length > maxChars) {
    throw new LaurelError(
      'INVALID_INPUT',
      `The roster is too large (${text.length.toLocaleString('en')} characters; the limit is ${maxChars.toLocaleString('en')}). Split it into smaller files.`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // One line-break form: editors count CRLF, LF and a lone CR each as one line break, and so
  // does this, so offsets map to the line numbers a person sees. Breaks inside quoted values
  // become LF, which is what the credential text should hold anyway.
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');

  const delimiter = options.delimiter ?? sniffDelimiter(text);

  let headers: string[] | undefined;
  let headerLine = 0;
  let headerRow = 0;
  const records: RosterRecord[] = [];
  const problems: RosterProblem[] = [];
  let blankLines = 0;
  let ordinal = 0; // spreadsheet row of the current record
  let prevCursor = 0;
  let tooMany = false;

  // Incremental newline counter: offsets only grow, so the whole file is scanned once.
  let scanPos = 0;
  let scanLine = 1;
  const lineAt = (offset: number): number => {
    for (let i = text.indexOf('\n', scanPos); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
      scanLine++;
      scanPos = i + 1;
    }
    if (offset > scanPos) scanPos = offset;
    return scanLine;
  };

  Papa.parse<string[]>(text, {
    delimiter,
    newline: '\n',
    quoteChar: '"',
    skipEmptyLines: false, // blank lines are counted here so rows and lines stay right
    step(result, parser) {
      const start = prevCursor;
      const end = result.meta.cursor;
      prevCursor = end;
      const values = result.data;
      // The empty record papaparse reports after a final line break is not a line.
      if (start >= text.length) return;
      ordinal++;
      const line = lineAt(start);
      const endLine = lineAt(end) - (text.charCodeAt(end - 1) === 10 ? 1 : 0);
      const quoteErrors = describeQuoteErrors(result.errors, line, endLine);
      if (isBlank(values) && !quoteErrors) {
        blankLines++;
        return;
      }
      if (!headers) {
        headers = values.map((h) => h.trim());
        headerLine = line;
        headerRow = ordinal;
        for (const q of quoteErrors ?? []) problems.push({ line, row: ordinal, reason: `header: ${q}`, severity: 'error' });
        return;
      }
      if (records.length >= maxRows) {
        tooMany = true;
        parser.abort();
        return;
      }
      const record: RosterRecord = { line, endLine, row: ordinal, values };
      if (quoteErrors) record.quoteErrors = quoteErrors;
      records.push(record);
    },
  });

  if (tooMany) {
    throw new LaurelError(
      'INVALID_INPUT',
      `The roster has more than ${maxRows.toLocaleString('en')} rows, the most one import takes. Split it into smaller files.`,
      { details: { limit: maxRows } },
    );
  }
  if (!headers) {
    throw new LaurelError('INVALID_INPUT', 'The roster is empty: no header row and no learners.');
  }
  problems.push(...headerProblems(headers, headerLine, headerRow, records));
  return { headers, headerLine, headerRow, delimiter, records, problems, blankLines };
}

/** Picks the delimiter that gives the header at least two columns and the most rows of the same width. */
export function sniffDelimiter(text: string): RosterDelimiter {
  const sample = text.slice(0, 64 * 1024);
  let best: RosterDelimiter = ',';
  let bestScore = [-1, 0];
  for (const d of CANDIDATES) {
    const rows = Papa.parse<string[]>(sample, { delimiter: d, newline: '\n', preview: 21, skipEmptyLines: 'greedy' }).data;
    const width = rows[0]?.length ?? 0;
    if (width < 2) continue;
    let same = 0;
    for (let i = 1; i < rows.length; i++) if (rows[i]!.length === width) same++;
    if (same > bestScore[0]! || (same === bestScore[0] && width > bestScore[1]!)) {
      best = d;
      bestScore = [same, width];
    }
  }
  return best;
}

function isBlank(values: string[]): boolean {
  for (const v of values) if (v.trim() !== '') return false;
  return true;
}

function describeQuoteErrors(errors: Papa.ParseError[], line: number, endLine: number): string[] | undefined {
  if (errors.length === 0) return undefined;
  const out = new Set<string>();
  for (const e of errors) {
    if (e.code === 'MissingQuotes') {
      out.add(
        endLine > line
          ? `a quoted value starting on line ${line} is never closed, so lines ${line}–${endLine} were read as one value`
          : `a quoted value on line ${line} is never closed`,
      );
    } else if (e.code === 'InvalidQuotes') {
      out.add(`a closing quote (") is followed by other text; put the whole value in quotes and double any quote inside it ("")`);
    } else {
      out.add(e.message);
    }
  }
  return [...out];
}

function headerProblems(headers: string[], headerLine: number, headerRow: number, records: RosterRecord[]): RosterProblem[] {
  const problems: RosterProblem[] = [];
  const seen = new Map<string, number[]>();
  headers.forEach((h, i) => {
    if (h === '') return;
    const key = h.toLowerCase();
    seen.set(key, [...(seen.get(key) ?? []), i]);
  });
  for (const idx of seen.values()) {
    if (idx.length < 2) continue;
    const names = idx.map((i) => `'${headers[i]}'`);
    const same = new Set(idx.map((i) => headers[i])).size === 1;
    problems.push({
      line: headerLine,
      row: headerRow,
      column: headers[idx[0]!],
      reason: `column name ${same ? names[0] : names.join(' and ')} appears ${idx.length} times (columns ${idx.map((i) => i + 1).join(', ')}); rename one to use it`,
      severity: 'warning',
    });
  }
  const nameless = headers.flatMap((h, i) => (h === '' ? [i] : []));
  if (nameless.length > 0) {
    const withValues = nameless.filter((i) => records.some((r) => (r.values[i] ?? '').trim() !== ''));
    const cols = nameless.map((i) => i + 1).join(', ');
    const reason =
      withValues.length > 0
        ? `column${nameless.length > 1 ? 's' : ''} ${cols} ha${nameless.length > 1 ? 've' : 's'} no name in the header; ` +
          `values in column${withValues.length > 1 ? 's' : ''} ${withValues.map((i) => i + 1).join(', ')} are ignored`
        : `column${nameless.length > 1 ? 's' : ''} ${cols} ha${nameless.length > 1 ? 've' : 's'} no name in the header (and no values); ignored`;
    problems.push({ line: headerLine, row: headerRow, reason, severity: 'warning' });
  }
  return problems;
}
