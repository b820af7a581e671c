import type { Statement } from 'better-sqlite3';
import type { Db } from './index.ts';

/** Recipients (migration 2): one row per learner as a roster named them. */

export interface RecipientInput {
  name?: string | undefined;
  /** As written. */
  email?: string | undefined;
  /** Lowercased, for matching. */
  emailKey?: string | undefined;
  did?: string | undefined;
  learnerId?: string | undefined;
}

export interface RecipientRecord extends RecipientInput {
  rowid: number;
  createdAt: string;
}

const statements = new WeakMap<Db, Statement<unknown[]>>();

export function insertRecipient(db: Db, r: RecipientInput): number {
  let stmt = statements.get(db);
  if (!stmt) {
    stmt = db.prepare('INSERT INTO recipients (name, email, email_key, did, learner_id, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    statements.set(db, stmt);
  }
  const info = stmt.run(r.name ?? null, r.email ?? null, r.emailKey ?? null, r.did ?? null, r.learnerId ?? null, new Date().toISOString());
  return Number(info.lastInsertRowid);
}

export function getRecipient(db: Db, rowid: number): RecipientRecord | undefined {
  const r = db.prepare('SELECT * FROM recipients WHERE rowid_pk = ?').get(rowid) as
    | { rowid_pk: number; name: string | null; email: string | null; email_key: string | null; did: string | null; learner_id: string | null; created_at: string }
    | undefined;
  if (!r) return undefined;
  const out: RecipientRecord = { rowid: r.rowid_pk, createdAt: r.created_at };
  if (r.name !== null) out.name = r.name;
  if (r.email !== null) out.email = r.email;
  if (r.email_key !== null) out.emailKey = r.email_key;
  if (r.did !== null) out.did = r.did;
  if (r.learner_id !== null) out.learnerId = r.learner_id;
  return out;
}
