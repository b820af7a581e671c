// A simple CSV of competencies → a framework. One row per competency; the tree comes from a
// parent column holding the parent's code. Read with the roster reader (encodings, delimiters,
// quoted line breaks, line numbers), so problems are reported by line.
import { randomUUID } from 'node:crypto';
import { decodeRoster, parseRoster } from '../import/index.ts';
import { insertFramework, insertFrameworkItem, type Db, type FrameworkItemRecord, type FrameworkRecord } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import { checkUrl, getFramework, MAX_ITEMS, nodeUri, type Framework } from './tree.ts';

const COLUMNS = {
  code: ['code', 'humancodingscheme', 'id', 'competency code', 'competency id'],
  statement: ['statement', 'fullstatement', 'competency', 'name', 'title', 'skill'],
  description: ['description', 'notes', 'note'],
  type: ['type', 'cfitemtype', 'item type'],
  language: ['language', 'lang'],
  parent: ['parent', 'parent code', 'parentcode', 'parent id', 'ischildof'],
} as const;

type Column = keyof typeof COLUMNS;

export const FRAMEWORK_CSV_HELP =
  'columns (header names, any order): statement (required), code, description, type, language, parent (the code of the parent competency; empty for a top-level one)';

export interface CsvImportOptions {
  title: string;
  creator?: string;
  language?: string;
  version?: string;
  baseUrl?: string;
  /** AlignmentTargetType for alignments to its items: CFItem (default), or ceasn:Competency / CTDL for CTDL sources. */
  targetType?: string;
  encoding?: string;
}

export function importFrameworkCsv(db: Db, bytes: Uint8Array, options: CsvImportOptions): Framework {
  if (!options.title?.trim()) throw new LaurelError('INVALID_INPUT', 'A framework imported from CSV needs a title.');
  const decoded = decodeRoster(bytes, options.encoding ? { encoding: options.encoding } : {});
  const parsed = parseRoster(decoded.text, { maxRows: MAX_ITEMS });
  const norm = (h: string) => h.trim().toLowerCase().replace(/[_-]+/g, ' ');
  const index = {} as Record<Column, number>;
  for (const col of Object.keys(COLUMNS) as Column[]) {
    index[col] = parsed.headers.findIndex((h) => (COLUMNS[col] as readonly string[]).includes(norm(h)));
  }
  if (index.statement < 0) {
    throw new LaurelError('INVALID_INPUT', `The CSV has no statement column (headers: ${parsed.headers.join(', ') || 'none'}). Expected ${FRAMEWORK_CSV_HELP}.`);
  }
  if (index.parent >= 0 && index.code < 0) throw new LaurelError('INVALID_INPUT', 'The CSV has a parent column but no code column: parents are named by their code.');
  const now = new Date().toISOString();
  const id = randomUUID();
  const extra: Record<string, unknown> = {};
  if (options.baseUrl) extra.baseUrl = checkUrl(options.baseUrl.trim(), 'baseUrl');
  if (options.targetType) extra.targetType = options.targetType;
  const record: FrameworkRecord = {
    id,
    uri: '',
    title: options.title.trim(),
    creator: options.creator?.trim() || 'Laurel Studio',
    description: null,
    language: options.language?.trim() || null,
    version: options.version?.trim() || null,
    source: 'csv',
    extra,
    createdAt: now,
    updatedAt: now,
  };
  record.uri = nodeUri(record, 'document', id);
  const cell = (values: string[], col: Column) => (index[col] >= 0 ? (values[index[col]] ?? '').trim() : '');
  const byCode = new Map<string, { item: FrameworkItemRecord; line: number }>();
  const rows: Array<{ item: FrameworkItemRecord; parentCode: string; line: number }> = [];
  for (const r of parsed.records) {
    const statement = cell(r.values, 'statement');
    if (!statement) throw new LaurelError('INVALID_INPUT', `Line ${r.line}: the statement is empty.`);
    const code = cell(r.values, 'code');
    const itemId = randomUUID();
    const item: FrameworkItemRecord = {
      frameworkId: id,
      id: itemId,
      uri: nodeUri(record, 'item', itemId),
      parentId: null,
      position: 0,
      code: code || null,
      statement,
      description: cell(r.values, 'description') || null,
      itemType: cell(r.values, 'type') || null,
      language: cell(r.values, 'language') || null,
      childAssocId: randomUUID(),
      extra: {},
      updatedAt: now,
    };
    if (code) {
      const dup = byCode.get(code);
      if (dup) throw new LaurelError('INVALID_INPUT', `Line ${r.line}: the code "${code}" is already used on line ${dup.line}.`);
      byCode.set(code, { item, line: r.line });
    }
    rows.push({ item, parentCode: cell(r.values, 'parent'), line: r.line });
  }
  if (!rows.length) throw new LaurelError('INVALID_INPUT', 'The CSV has no competencies (only a header).');
  const counts = new Map<string | null, number>();
  for (const r of rows) {
    if (r.parentCode) {
      const parent = byCode.get(r.parentCode);
      if (!parent) throw new LaurelError('INVALID_INPUT', `Line ${r.line}: the parent "${r.parentCode}" is not the code of any competency in the file.`);
      if (parent.item === r.item) throw new LaurelError('INVALID_INPUT', `Line ${r.line}: "${r.parentCode}" names itself as its parent.`);
      r.item.parentId = parent.item.id;
    }
    const n = counts.get(r.item.parentId) ?? 0;
    r.item.position = n;
    counts.set(r.item.parentId, n + 1);
  }
  const parentOf = new Map(rows.map((r) => [r.item.id, r.item.parentId]));
  for (const r of rows) {
    const seen = new Set<string>();
    for (let p: string | null | undefined = r.item.id; p; p = parentOf.get(p)) {
      if (seen.has(p)) throw new LaurelError('INVALID_INPUT', `Line ${r.line}: the parent column makes a loop through "${r.item.code}", so it has no place in the tree.`);
      seen.add(p);
    }
  }
  db.transaction(() => {
    insertFramework(db, record);
    for (const r of rows) insertFrameworkItem(db, r.item);
  })();
  return getFramework(db, id);
}
