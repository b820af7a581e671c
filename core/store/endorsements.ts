// Endorsements received for our achievements and issuer profiles (migration 6), and the record
// of OB 2.0 badges upgraded to OB 3.0 credentials.
import { createHash } from 'node:crypto';
import type { Db } from './index.ts';

export type EndorsedKind = 'achievement' | 'profile';

export interface ReceivedEndorsement {
  rowId: number;
  targetKind: EndorsedKind;
  targetId: string;
  endorsementId: string;
  endorserId: string;
  endorserName: string | null;
  format: 'json' | 'jwt';
  /** The signed bytes, verbatim: JSON text or a compact JWS. */
  body: string;
  sha256: string;
  comment: string | null;
  validUntil: string | null;
  verifiedAt: string;
  detachedAt: string | null;
  createdAt: string;
}

interface Row {
  rowid_pk: number;
  target_kind: EndorsedKind;
  target_id: string;
  endorsement_id: string;
  endorser_id: string;
  endorser_name: string | null;
  format: 'json' | 'jwt';
  body: Buffer;
  sha256: string;
  comment: string | null;
  valid_until: string | null;
  verified_at: string;
  detached_at: string | null;
  created_at: string;
}

const fromRow = (r: Row): ReceivedEndorsement => ({
  rowId: r.rowid_pk,
  targetKind: r.target_kind,
  targetId: r.target_id,
  endorsementId: r.endorsement_id,
  endorserId: r.endorser_id,
  endorserName: r.endorser_name,
  format: r.format,
  body: r.body.toString('utf8'),
  sha256: r.sha256,
  comment: r.comment,
  validUntil: r.valid_until,
  verifiedAt: r.verified_at,
  detachedAt: r.detached_at,
  createdAt: r.created_at,
});

export function insertReceivedEndorsement(
  db: Db,
  e: { targetKind: EndorsedKind; targetId: string; endorsementId: string; endorserId: string; endorserName?: string; format: 'json' | 'jwt'; body: string; comment?: string; validUntil?: string; verifiedAt: string },
): ReceivedEndorsement {
  const bytes = Buffer.from(e.body, 'utf8');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const now = new Date().toISOString();
  const info = db
    .prepare(
      `INSERT INTO received_endorsements (target_kind, target_id, endorsement_id, endorser_id, endorser_name, format, body, sha256, comment, valid_until, verified_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(e.targetKind, e.targetId, e.endorsementId, e.endorserId, e.endorserName ?? null, e.format, bytes, sha256, e.comment ?? null, e.validUntil ?? null, e.verifiedAt, now);
  return getReceivedEndorsement(db, Number(info.lastInsertRowid))!;
}

export function getReceivedEndorsement(db: Db, rowId: number): ReceivedEndorsement | undefined {
  const r = db.prepare('SELECT * FROM received_endorsements WHERE rowid_pk = ?').get(rowId) as Row | undefined;
  return r ? fromRow(r) : undefined;
}

/** The row for this endorsement of this target in this form, attached or not. */
export function findReceivedEndorsement(db: Db, kind: EndorsedKind, targetId: string, endorsementId: string, format: 'json' | 'jwt'): ReceivedEndorsement | undefined {
  const r = db
    .prepare('SELECT * FROM received_endorsements WHERE target_kind = ? AND target_id = ? AND endorsement_id = ? AND format = ?')
    .get(kind, targetId, endorsementId, format) as Row | undefined;
  return r ? fromRow(r) : undefined;
}

/** Endorsements of one target (attached only, unless `all`), oldest first. */
export function listReceivedEndorsements(db: Db, filter: { kind?: EndorsedKind; targetId?: string; all?: boolean } = {}): ReceivedEndorsement[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.kind) where.push('target_kind = ?'), params.push(filter.kind);
  if (filter.targetId) where.push('target_id = ?'), params.push(filter.targetId);
  if (!filter.all) where.push('detached_at IS NULL');
  const sql = `SELECT * FROM received_endorsements ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY rowid_pk`;
  return (db.prepare(sql).all(...params) as Row[]).map(fromRow);
}

export function setEndorsementDetached(db: Db, rowId: number, detached: boolean): void {
  db.prepare('UPDATE received_endorsements SET detached_at = ? WHERE rowid_pk = ?').run(detached ? new Date().toISOString() : null, rowId);
}

export interface Ob2UpgradeRecord {
  rowId: number;
  credentialRowid: number;
  assertionId: string;
  badgeClassId: string | null;
  originalIssuer: string | null;
  verification: 'hosted' | 'signed' | 'unchecked';
  original: string;
  createdAt: string;
}

export function insertOb2Upgrade(
  db: Db,
  u: { credentialRowid: number; assertionId: string; badgeClassId?: string; originalIssuer?: string; verification: Ob2UpgradeRecord['verification']; original: string },
): number {
  const info = db
    .prepare('INSERT INTO ob2_upgrades (credential_rowid, assertion_id, badge_class_id, original_issuer, verification, original, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(u.credentialRowid, u.assertionId, u.badgeClassId ?? null, u.originalIssuer ?? null, u.verification, Buffer.from(u.original, 'utf8'), new Date().toISOString());
  return Number(info.lastInsertRowid);
}

/** Earlier upgrades of the same OB 2.0 assertion, newest first. */
export function listOb2Upgrades(db: Db, assertionId?: string): Ob2UpgradeRecord[] {
  const rows = (assertionId
    ? db.prepare('SELECT * FROM ob2_upgrades WHERE assertion_id = ? ORDER BY rowid_pk DESC').all(assertionId)
    : db.prepare('SELECT * FROM ob2_upgrades ORDER BY rowid_pk DESC').all()) as Array<{
    rowid_pk: number;
    credential_rowid: number;
    assertion_id: string;
    badge_class_id: string | null;
    original_issuer: string | null;
    verification: Ob2UpgradeRecord['verification'];
    original: Buffer;
    created_at: string;
  }>;
  return rows.map((r) => ({
    rowId: r.rowid_pk,
    credentialRowid: r.credential_rowid,
    assertionId: r.assertion_id,
    badgeClassId: r.badge_class_id,
    originalIssuer: r.original_issuer,
    verification: r.verification,
    original: r.original.toString('utf8'),
    createdAt: r.created_at,
  }));
}
