import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './index.ts';

export interface StoredCredential {
  rowId: number;
  credentialId: string;
  issuerId: string;
  recipient: string;
  format: 'json' | 'jwt';
  body: string;
  sha256: string;
  reissueOf: number | null;
  createdAt: string;
  /** The batch that issued it, if any. */
  batchId?: string | null;
  /** The achievement version it awards, when known. */
  achievementRowid?: number | null;
}

interface Row {
  rowid_pk: number;
  credential_id: string;
  issuer_id: string;
  recipient: string;
  format: 'json' | 'jwt';
  body: Buffer;
  sha256: string;
  reissue_of: number | null;
  created_at: string;
  batch_id: string | null;
  achievement_rowid: number | null;
}

const fromRow = (r: Row): StoredCredential => ({
  rowId: r.rowid_pk,
  credentialId: r.credential_id,
  issuerId: r.issuer_id,
  recipient: r.recipient,
  format: r.format,
  body: r.body.toString('utf8'),
  sha256: r.sha256,
  reissueOf: r.reissue_of,
  createdAt: r.created_at,
  batchId: r.batch_id,
  achievementRowid: r.achievement_rowid,
});

/** The learner's name in a stored form (credentialSubject.name; a VC-JWT's from its payload), or null. */
export function subjectNameOf(body: string, format: 'json' | 'jwt'): string | null {
  let credential: { credentialSubject?: unknown } | null;
  try {
    credential = format === 'json' ? JSON.parse(body) : JSON.parse(Buffer.from(body.trim().split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const s = credential?.credentialSubject;
  const subject = (Array.isArray(s) ? s[0] : s) as Record<string, unknown> | undefined;
  return typeof subject?.name === 'string' ? subject.name : null;
}

// Batches insert thousands of rows: compile the statement once per connection.
// learner_name and listed (migration 8) are what the Credentials list searches and pages on.

const insertStatements = new WeakMap<Db, Statement<unknown[]>>();

/** The one place that writes signed credentials: the bytes go in verbatim. */
export function insertCredential(
  db: Db,
  c: {
    credentialId: string;
    issuerId: string;
    recipient: string;
    format: 'json' | 'jwt';
    body: string;
    reissueOf?: number | null;
    batchId?: string | null;
    achievementRowid?: number | null;
  },
): StoredCredential {
  const bytes = Buffer.from(c.body, 'utf8');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const createdAt = new Date().toISOString();
  let stmt = insertStatements.get(db);
  if (!stmt) {
    stmt = db.prepare(
      `INSERT INTO credentials (credential_id, issuer_id, recipient, format, body, sha256, reissue_of, created_at, batch_id, achievement_rowid, learner_name, listed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NOT EXISTS (SELECT 1 FROM credentials WHERE credential_id = ?))`,
    );
    insertStatements.set(db, stmt);
  }
  const info = stmt.run(c.credentialId, c.issuerId, c.recipient, c.format, bytes, sha256, c.reissueOf ?? null, createdAt, c.batchId ?? null, c.achievementRowid ?? null, subjectNameOf(c.body, c.format), c.credentialId);
  return {
    rowId: Number(info.lastInsertRowid),
    ...c,
    reissueOf: c.reissueOf ?? null,
    batchId: c.batchId ?? null,
    achievementRowid: c.achievementRowid ?? null,
    sha256,
    createdAt,
  };
}

export function getCredentialsById(db: Db, credentialId: string): StoredCredential[] {
  return (db.prepare('SELECT * FROM credentials WHERE credential_id = ? ORDER BY rowid_pk').all(credentialId) as Row[]).map(fromRow);
}

export function listCredentials(db: Db, opts: { issuerId?: string; limit?: number } = {}): StoredCredential[] {
  const rows = opts.issuerId
    ? db.prepare('SELECT * FROM credentials WHERE issuer_id = ? ORDER BY rowid_pk DESC LIMIT ?').all(opts.issuerId, opts.limit ?? 1000)
    : db.prepare('SELECT * FROM credentials ORDER BY rowid_pk DESC LIMIT ?').all(opts.limit ?? 1000);
  return (rows as Row[]).map(fromRow);
}
