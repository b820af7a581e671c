import type { Statement } from 'better-sqlite3';
import type { Db } from './index.ts';

/**
 * Batches and their items (migrations 2 and 3). An item's credential id is assigned when the
 * batch is prepared, so a resumed batch signs the same credential ids; the states only move
 * forward: pending → signed → exported (or skipped / failed).
 */

export type BatchState = 'prepared' | 'running' | 'paused' | 'cancelled' | 'completed' | 'failed';
export type BatchItemState = 'pending' | 'signed' | 'exported' | 'skipped' | 'failed';

export interface BatchRecord {
  id: string;
  issuerId: string;
  achievementRowid: number;
  state: BatchState;
  options: Record<string, unknown>;
  rosterSha256: string | null;
  total: number;
  createdAt: string;
  updatedAt: string;
}

export interface BatchItemFile {
  file: string;
  format: string;
  sha256: string;
  bytes: number;
}

export interface BatchItemRecord {
  batchId: string;
  seq: number;
  line: number | null;
  recipientRowid: number | null;
  row: Record<string, unknown>;
  credentialId: string;
  state: BatchItemState;
  credentialRowid: number | null;
  error: string | null;
  files: BatchItemFile[] | null;
}

interface BatchRow {
  id: string;
  issuer_id: string;
  achievement_rowid: number;
  state: BatchState;
  options_json: string;
  roster_sha256: string | null;
  total: number;
  created_at: string;
  updated_at: string;
}

interface ItemRow {
  batch_id: string;
  seq: number;
  line: number | null;
  recipient_rowid: number | null;
  row_json: string;
  credential_id: string;
  state: BatchItemState;
  credential_rowid: number | null;
  error: string | null;
  files_json: string | null;
}

const batchFromRow = (r: BatchRow): BatchRecord => ({
  id: r.id,
  issuerId: r.issuer_id,
  achievementRowid: r.achievement_rowid,
  state: r.state,
  options: JSON.parse(r.options_json) as Record<string, unknown>,
  rosterSha256: r.roster_sha256,
  total: r.total,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const itemFromRow = (r: ItemRow): BatchItemRecord => ({
  batchId: r.batch_id,
  seq: r.seq,
  line: r.line,
  recipientRowid: r.recipient_rowid,
  row: JSON.parse(r.row_json) as Record<string, unknown>,
  credentialId: r.credential_id,
  state: r.state,
  credentialRowid: r.credential_rowid,
  error: r.error,
  files: r.files_json ? (JSON.parse(r.files_json) as BatchItemFile[]) : null,
});

// Hot statements (one run per item) are compiled once per connection.
const cache = new WeakMap<Db, Map<string, Statement<unknown[]>>>();
function stmt(db: Db, sql: string): Statement<unknown[]> {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

export function insertBatch(db: Db, b: Omit<BatchRecord, 'createdAt' | 'updatedAt'> & { createdAt?: string }): BatchRecord {
  const now = b.createdAt ?? new Date().toISOString();
  db.prepare(
    `INSERT INTO batches (id, issuer_id, achievement_rowid, state, options_json, roster_sha256, total, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(b.id, b.issuerId, b.achievementRowid, b.state, JSON.stringify(b.options), b.rosterSha256, b.total, now, now);
  return { ...b, createdAt: now, updatedAt: now };
}

export function getBatch(db: Db, id: string): BatchRecord | undefined {
  const r = db.prepare('SELECT * FROM batches WHERE id = ?').get(id) as BatchRow | undefined;
  return r && batchFromRow(r);
}

/** The batch prepared from these roster bytes with these options (`options.key`), if any. */
export function findBatchByKey(db: Db, rosterSha256: string, key: string): BatchRecord | undefined {
  const r = db
    .prepare(`SELECT * FROM batches WHERE roster_sha256 = ? AND json_extract(options_json, '$.key') = ? ORDER BY created_at DESC LIMIT 1`)
    .get(rosterSha256, key) as BatchRow | undefined;
  return r && batchFromRow(r);
}

export function listBatches(db: Db, opts: { issuerId?: string; limit?: number } = {}): BatchRecord[] {
  const rows = opts.issuerId
    ? db.prepare('SELECT * FROM batches WHERE issuer_id = ? ORDER BY created_at DESC LIMIT ?').all(opts.issuerId, opts.limit ?? 100)
    : db.prepare('SELECT * FROM batches ORDER BY created_at DESC LIMIT ?').all(opts.limit ?? 100);
  return (rows as BatchRow[]).map(batchFromRow);
}

export function setBatchState(db: Db, id: string, state: BatchState): void {
  db.prepare('UPDATE batches SET state = ?, updated_at = ? WHERE id = ?').run(state, new Date().toISOString(), id);
}

export function setBatchOptions(db: Db, id: string, options: Record<string, unknown>): void {
  db.prepare('UPDATE batches SET options_json = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(options), new Date().toISOString(), id);
}

export function insertBatchItem(
  db: Db,
  item: { batchId: string; seq: number; line: number | null; recipientRowid: number | null; row: Record<string, unknown>; credentialId: string; state: 'pending' | 'skipped'; error?: string | null },
): void {
  stmt(
    db,
    `INSERT INTO batch_items (batch_id, seq, line, recipient_rowid, row_json, credential_id, state, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(item.batchId, item.seq, item.line, item.recipientRowid, JSON.stringify(item.row), item.credentialId, item.state, item.error ?? null);
}

export function getBatchItem(db: Db, batchId: string, seq: number): BatchItemRecord | undefined {
  const r = stmt(db, 'SELECT * FROM batch_items WHERE batch_id = ? AND seq = ?').get(batchId, seq) as ItemRow | undefined;
  return r && itemFromRow(r);
}

/** Items in the given states, in roster order. */
export function listBatchItems(db: Db, batchId: string, states?: readonly BatchItemState[]): BatchItemRecord[] {
  const rows = states
    ? db.prepare(`SELECT * FROM batch_items WHERE batch_id = ? AND state IN (${states.map(() => '?').join(', ')}) ORDER BY seq`).all(batchId, ...states)
    : db.prepare('SELECT * FROM batch_items WHERE batch_id = ? ORDER BY seq').all(batchId);
  return (rows as ItemRow[]).map(itemFromRow);
}

export type BatchCounts = Record<BatchItemState, number>;

export function countBatchItems(db: Db, batchId: string): BatchCounts {
  const counts: BatchCounts = { pending: 0, signed: 0, exported: 0, skipped: 0, failed: 0 };
  const rows = db.prepare('SELECT state, count(*) AS n FROM batch_items WHERE batch_id = ? GROUP BY state').all(batchId) as Array<{ state: BatchItemState; n: number }>;
  for (const r of rows) counts[r.state] = r.n;
  return counts;
}

/** pending → signed; refuses to move an item that is not pending (a second signing). */
export function markBatchItemSigned(db: Db, batchId: string, seq: number, credentialRowid: number): void {
  const info = stmt(db, `UPDATE batch_items SET state = 'signed', credential_rowid = ?, error = NULL WHERE batch_id = ? AND seq = ? AND state = 'pending'`).run(
    credentialRowid,
    batchId,
    seq,
  );
  if (info.changes !== 1) throw new Error(`batch ${batchId} item ${seq} is not pending; it can't be signed again`);
}

/** signed/exported → exported, with what was written. */
export function markBatchItemExported(db: Db, batchId: string, seq: number, files: readonly BatchItemFile[]): void {
  stmt(db, `UPDATE batch_items SET state = 'exported', files_json = ? WHERE batch_id = ? AND seq = ? AND state IN ('signed', 'exported')`).run(
    JSON.stringify(files),
    batchId,
    seq,
  );
}

export function markBatchItemFailed(db: Db, batchId: string, seq: number, error: string): void {
  stmt(db, `UPDATE batch_items SET state = 'failed', error = ? WHERE batch_id = ? AND seq = ? AND state = 'pending'`).run(error, batchId, seq);
}

/** failed → pending, so a resume tries them again. */
export function retryFailedBatchItems(db: Db, batchId: string): number {
  return db.prepare(`UPDATE batch_items SET state = 'pending', error = NULL WHERE batch_id = ? AND state = 'failed'`).run(batchId).changes;
}

/** Stored credential rows of a batch item, keyed by format. */
export function batchItemCredentials(db: Db, batchId: string, credentialId: string): Array<{ rowId: number; format: 'json' | 'jwt'; body: Buffer; sha256: string }> {
  return (
    stmt(db, 'SELECT rowid_pk, format, body, sha256 FROM credentials WHERE batch_id = ? AND credential_id = ? ORDER BY rowid_pk').all(batchId, credentialId) as Array<{
      rowid_pk: number;
      format: 'json' | 'jwt';
      body: Buffer;
      sha256: string;
    }>
  ).map((r) => ({ rowId: r.rowid_pk, format: r.format, body: r.body, sha256: r.sha256 }));
}
