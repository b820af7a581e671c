// Fixing a roster inside the studio: the UI's table of bad rows edits a value or leaves a row out,
// and the roster is written again as UTF-8 CSV for the next check. Editing the file rather than
// patching rows in memory keeps one truth: what is checked, prepared and hashed for the batch is
// exactly the roster the user sees.
import Papa from 'papaparse';
import { LaurelError } from '../util/errors.ts';
import { parseRoster } from './csv.ts';
import { decodeRoster } from './decode.ts';

export interface RosterEdit {
  /** The physical line where the record starts (what the problem report names). */
  line: number;
  /** The column (header name) to change. */
  column?: string;
  value?: string;
  /** Leave the whole row out. */
  remove?: boolean;
}

/**
 * The roster with these edits applied, as UTF-8 CSV (header first, same delimiter, CRLF line
 * breaks as spreadsheets write them). Blank lines are dropped, so line numbers after the edit are
 * those of the new file, which the next check reports.
 */
export function applyRosterEdits(bytes: Uint8Array, edits: readonly RosterEdit[], options: { encoding?: string } = {}): Uint8Array {
  const decoded = decodeRoster(bytes, options.encoding ? { encoding: options.encoding } : {});
  const parsed = parseRoster(decoded.text);
  const byLine = new Map(parsed.records.map((r) => [r.line, r]));
  const removed = new Set<number>();
  for (const e of edits) {
    const record = byLine.get(e.line);
    if (!record) throw new LaurelError('INVALID_INPUT', `The roster has no row starting on line ${e.line}; check it again and edit the row shown.`);
    if (e.remove) {
      removed.add(e.line);
      continue;
    }
    if (e.column === undefined || e.value === undefined) throw new LaurelError('INVALID_INPUT', `Edit of line ${e.line}: say which column and the new value.`);
    const index = parsed.headers.indexOf(e.column);
    if (index < 0) throw new LaurelError('INVALID_INPUT', `The roster has no column '${e.column}'.`);
    while (record.values.length <= index) record.values.push('');
    record.values[index] = e.value.replace(/\r\n?/g, '\n');
  }
  const data = parsed.records.filter((r) => !removed.has(r.line)).map((r) => r.values);
  const csv = Papa.unparse({ fields: parsed.headers, data }, { delimiter: parsed.delimiter, newline: '\r\n', quotes: false });
  return new TextEncoder().encode(csv + '\r\n');
}
