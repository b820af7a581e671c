import type { Db } from './index.ts';

/**
 * CLR 2.0 records (migration 5): the signed ClrCredential is a row of `credentials` like any
 * other; `clrs` says what it bundles, so the studio can list records without parsing them.
 */

export interface ClrInnerRef {
  id: string | null;
  issuer: string | null;
  issuerName: string | null;
  achievementId: string | null;
  name: string | null;
}

export interface ClrRecord {
  credentialRowid: number;
  credentialId: string;
  name: string;
  learner: string;
  partial: boolean;
  credentials: number;
  achievements: number;
  associations: number;
  inner: ClrInnerRef[];
  batchId: string | null;
  createdAt: string;
}

interface Row {
  credential_rowid: number;
  credential_id: string;
  name: string;
  learner: string;
  partial: number;
  credentials: number;
  achievements: number;
  associations: number;
  inner_json: string;
  batch_id: string | null;
  created_at: string;
}

const fromRow = (r: Row): ClrRecord => ({
  credentialRowid: r.credential_rowid,
  credentialId: r.credential_id,
  name: r.name,
  learner: r.learner,
  partial: r.partial === 1,
  credentials: r.credentials,
  achievements: r.achievements,
  associations: r.associations,
  inner: JSON.parse(r.inner_json) as ClrInnerRef[],
  batchId: r.batch_id,
  createdAt: r.created_at,
});

export function insertClr(db: Db, c: ClrRecord): void {
  db.prepare(
    `INSERT INTO clrs (credential_rowid, credential_id, name, learner, partial, credentials, achievements, associations, inner_json, batch_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(c.credentialRowid, c.credentialId, c.name, c.learner, c.partial ? 1 : 0, c.credentials, c.achievements, c.associations, JSON.stringify(c.inner), c.batchId, c.createdAt);
}

export function listClrRows(db: Db, options: { learner?: string; batchId?: string; limit?: number } = {}): ClrRecord[] {
  const rows = db
    .prepare(
      `SELECT * FROM clrs WHERE (? IS NULL OR learner = ? COLLATE NOCASE) AND (? IS NULL OR batch_id = ?) ORDER BY credential_rowid DESC LIMIT ?`,
    )
    .all(options.learner ?? null, options.learner ?? null, options.batchId ?? null, options.batchId ?? null, options.limit ?? 500) as Row[];
  return rows.map(fromRow);
}

export function getClrRow(db: Db, credentialId: string): ClrRecord | undefined {
  const r = db.prepare('SELECT * FROM clrs WHERE credential_id = ?').get(credentialId) as Row | undefined;
  return r && fromRow(r);
}
