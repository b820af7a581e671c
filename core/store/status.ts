import type { Statement } from 'better-sqlite3';
import type { Db } from './index.ts';

/**
 * Status lists and their entries (migration 2). Plain row access; the rules (allocation, what a
 * revocation may undo, signing) live in core/status. `next_index` counts allocated entries:
 * indexes are assigned at random positions, so it is not the next index itself.
 */

export type StatusListPurpose = 'revocation' | 'suspension';

export interface StatusListRow {
  id: string;
  issuerId: string;
  purpose: StatusListPurpose;
  size: number;
  allocated: number;
  bits: Uint8Array;
  updatedAt: string;
}

interface Row {
  id: string;
  issuer_id: string;
  purpose: StatusListPurpose;
  size: number;
  next_index: number;
  bits: Buffer;
  updated_at: string;
}

// Allocation runs these per credential (batches: thousands): compile once per connection.
const statements = new WeakMap<Db, Map<string, Statement>>();
function stmt(db: Db, sql: string): Statement {
  let m = statements.get(db);
  if (!m) statements.set(db, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare(sql)));
  return st;
}

const fromRow = (r: Row): StatusListRow => ({
  id: r.id,
  issuerId: r.issuer_id,
  purpose: r.purpose,
  size: r.size,
  allocated: r.next_index,
  bits: new Uint8Array(r.bits),
  updatedAt: r.updated_at,
});

/** undefined: no such issuer; null: the issuer has no status list URL. */
export function getStatusListBaseUrl(db: Db, issuerId: string): string | null | undefined {
  const r = db.prepare('SELECT status_list_base_url AS url FROM issuers WHERE id = ?').get(issuerId) as { url: string | null } | undefined;
  return r === undefined ? undefined : r.url;
}

export function updateStatusListBaseUrl(db: Db, issuerId: string, url: string | null): void {
  db.prepare('UPDATE issuers SET status_list_base_url = ?, updated_at = ? WHERE id = ?').run(url, new Date().toISOString(), issuerId);
}

export function getStatusList(db: Db, id: string): StatusListRow | undefined {
  const r = db.prepare('SELECT * FROM status_lists WHERE id = ?').get(id) as Row | undefined;
  return r && fromRow(r);
}

export function listStatusLists(db: Db, issuerId: string, purpose?: StatusListPurpose): StatusListRow[] {
  const rows = purpose
    ? db.prepare('SELECT * FROM status_lists WHERE issuer_id = ? AND purpose = ? ORDER BY rowid').all(issuerId, purpose)
    : db.prepare('SELECT * FROM status_lists WHERE issuer_id = ? ORDER BY rowid').all(issuerId);
  return (rows as Row[]).map(fromRow);
}

/** The newest list of this issuer and purpose under `urlPrefix` holding fewer than `capacity` entries. */
export function openStatusList(db: Db, issuerId: string, purpose: StatusListPurpose, urlPrefix: string, capacity: number): StatusListRow | undefined {
  const r = stmt(
    db,
    `SELECT * FROM status_lists WHERE issuer_id = ? AND purpose = ? AND substr(id, 1, length(?)) = ? AND next_index < ?
     ORDER BY rowid DESC LIMIT 1`,
  ).get(issuerId, purpose, urlPrefix, urlPrefix, capacity) as Row | undefined;
  return r && fromRow(r);
}

export function countStatusLists(db: Db, issuerId: string, purpose: StatusListPurpose): number {
  return (db.prepare('SELECT count(*) AS n FROM status_lists WHERE issuer_id = ? AND purpose = ?').get(issuerId, purpose) as { n: number }).n;
}

export function statusListExists(db: Db, id: string): boolean {
  return db.prepare('SELECT 1 FROM status_lists WHERE id = ?').get(id) !== undefined;
}

export function insertStatusList(db: Db, l: { id: string; issuerId: string; purpose: StatusListPurpose; bits: Uint8Array }): void {
  db.prepare('INSERT INTO status_lists (id, issuer_id, purpose, size, next_index, bits, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)').run(
    l.id,
    l.issuerId,
    l.purpose,
    l.bits.length * 8,
    Buffer.from(l.bits),
    new Date().toISOString(),
  );
}

export function updateStatusListBits(db: Db, id: string, bits: Uint8Array): void {
  db.prepare('UPDATE status_lists SET bits = ?, updated_at = ? WHERE id = ?').run(Buffer.from(bits), new Date().toISOString(), id);
}

export interface StatusEntryRow {
  listId: string;
  index: number;
  credentialId: string;
  issuerId: string;
  purpose: StatusListPurpose;
}

/** The entry a credential already holds for this issuer and purpose, if any. */
export function findStatusEntry(db: Db, credentialId: string, issuerId: string, purpose: StatusListPurpose): StatusEntryRow | undefined {
  return stmt(
    db,
    `SELECT e.list_id AS listId, e.status_index AS "index", e.credential_id AS credentialId, l.issuer_id AS issuerId, l.purpose AS purpose
     FROM status_entries e JOIN status_lists l ON l.id = e.list_id
     WHERE e.credential_id = ? AND l.issuer_id = ? AND l.purpose = ?
     ORDER BY l.rowid LIMIT 1`,
  ).get(credentialId, issuerId, purpose) as StatusEntryRow | undefined;
}

export function statusEntriesOfCredential(db: Db, credentialId: string): StatusEntryRow[] {
  return db
    .prepare(
      `SELECT e.list_id AS listId, e.status_index AS "index", e.credential_id AS credentialId, l.issuer_id AS issuerId, l.purpose AS purpose
       FROM status_entries e JOIN status_lists l ON l.id = e.list_id
       WHERE e.credential_id = ? ORDER BY l.rowid`,
    )
    .all(credentialId) as StatusEntryRow[];
}

export function isStatusIndexTaken(db: Db, listId: string, index: number): boolean {
  return stmt(db, 'SELECT 1 FROM status_entries WHERE list_id = ? AND status_index = ?').get(listId, index) !== undefined;
}

/**
 * The smallest free index at or after `from` (below `size`), or undefined. Walks the primary key
 * from `from` and stops at the first gap, so it costs the length of one run of taken indexes.
 */
export function nextFreeStatusIndex(db: Db, listId: string, from: number, size: number): number | undefined {
  if (from >= size) return undefined;
  if (!isStatusIndexTaken(db, listId, from)) return from;
  const r = stmt(
    db,
    `SELECT e.status_index + 1 AS free FROM status_entries e
     WHERE e.list_id = ? AND e.status_index >= ? AND e.status_index + 1 < ?
       AND NOT EXISTS (SELECT 1 FROM status_entries f WHERE f.list_id = e.list_id AND f.status_index = e.status_index + 1)
     ORDER BY e.status_index LIMIT 1`,
  ).get(listId, from, size) as { free: number } | undefined;
  return r?.free;
}

/** Records an entry; the primary key (list, index) makes a second use of an index fail loudly. */
export function insertStatusEntry(db: Db, listId: string, index: number, credentialId: string): void {
  stmt(db, 'INSERT INTO status_entries (list_id, status_index, credential_id) VALUES (?, ?, ?)').run(listId, index, credentialId);
  stmt(db, 'UPDATE status_lists SET next_index = next_index + 1, updated_at = ? WHERE id = ?').run(new Date().toISOString(), listId);
}

export function countStatusEntries(db: Db, listId: string): number {
  return (db.prepare('SELECT count(*) AS n FROM status_entries WHERE list_id = ?').get(listId) as { n: number }).n;
}

/** Issuer and state of the stored rows with this credential id (a re-issue may keep the id, spec-digest §12). */
export function credentialStates(db: Db, credentialId: string): Array<{ issuerId: string; status: 'active' | 'revoked' | 'suspended' }> {
  return db.prepare('SELECT DISTINCT issuer_id AS issuerId, status FROM credentials WHERE credential_id = ?').all(credentialId) as Array<{
    issuerId: string;
    status: 'active' | 'revoked' | 'suspended';
  }>;
}

export function updateCredentialState(db: Db, credentialId: string, status: 'active' | 'revoked' | 'suspended'): void {
  db.prepare('UPDATE credentials SET status = ? WHERE credential_id = ?').run(status, credentialId);
}
