import { randomUUID } from 'node:crypto';
import type { Db } from './index.ts';

/**
 * Air-gapped signing (migration 7): the signing requests a preparer wrote and a signer opened,
 * the batch's signing state, and the workspace's own settings (its id, air-gapped mode).
 */

export type SigningRole = 'preparer' | 'signer';
export type SigningRequestState = 'awaiting-signature' | 'superseded' | 'signed' | 'imported' | 'reviewed' | 'approved' | 'rejected';
/** A batch signed on another machine: where it stands. */
export type BatchSigning = 'prepared' | 'awaiting-signature' | 'signed' | 'imported';

export interface SigningRequestRecord {
  requestId: string;
  role: SigningRole;
  batchId: string | null;
  issuerId: string;
  digest: string;
  state: SigningRequestState;
  preparer: string;
  achievementId: string | null;
  achievementSha256: string | null;
  achievementVersion: number | null;
  count: number;
  body: Buffer;
  bundleId: string | null;
  bundleSha256: string | null;
  bundle: Buffer | null;
  note: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  request_id: string;
  role: SigningRole;
  batch_id: string | null;
  issuer_id: string;
  digest: string;
  state: SigningRequestState;
  preparer: string;
  achievement_id: string | null;
  achievement_sha256: string | null;
  achievement_version: number | null;
  count: number;
  body: Buffer;
  bundle_id: string | null;
  bundle_sha256: string | null;
  bundle: Buffer | null;
  note: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): SigningRequestRecord => ({
  requestId: r.request_id,
  role: r.role,
  batchId: r.batch_id,
  issuerId: r.issuer_id,
  digest: r.digest,
  state: r.state,
  preparer: r.preparer,
  achievementId: r.achievement_id,
  achievementSha256: r.achievement_sha256,
  achievementVersion: r.achievement_version,
  count: r.count,
  body: r.body,
  bundleId: r.bundle_id,
  bundleSha256: r.bundle_sha256,
  bundle: r.bundle,
  note: r.note,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function insertSigningRequest(
  db: Db,
  r: Omit<SigningRequestRecord, 'createdAt' | 'updatedAt' | 'bundleId' | 'bundleSha256' | 'bundle' | 'note'> & { note?: string | null },
): SigningRequestRecord {
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO signing_requests (request_id, role, batch_id, issuer_id, digest, state, preparer, achievement_id, achievement_sha256,
       achievement_version, count, body, note, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(r.requestId, r.role, r.batchId, r.issuerId, r.digest, r.state, r.preparer, r.achievementId, r.achievementSha256, r.achievementVersion, r.count, r.body, r.note ?? null, now, now);
  return { ...r, note: r.note ?? null, bundleId: null, bundleSha256: null, bundle: null, createdAt: now, updatedAt: now };
}

export function getSigningRequest(db: Db, requestId: string, role: SigningRole): SigningRequestRecord | undefined {
  const r = db.prepare('SELECT * FROM signing_requests WHERE request_id = ? AND role = ?').get(requestId, role) as Row | undefined;
  return r && fromRow(r);
}

/** Requests of one role, newest first (without the request bodies' parsing: callers read `body` when needed). */
export function listSigningRequests(db: Db, role: SigningRole, opts: { batchId?: string; limit?: number } = {}): SigningRequestRecord[] {
  const rows = opts.batchId
    ? db.prepare('SELECT * FROM signing_requests WHERE role = ? AND batch_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(role, opts.batchId, opts.limit ?? 200)
    : db.prepare('SELECT * FROM signing_requests WHERE role = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(role, opts.limit ?? 200);
  return (rows as Row[]).map(fromRow);
}

/** The newest request (signer side) from this preparer for this achievement, other than `exceptRequestId`. */
export function lastRequestFrom(db: Db, preparer: string, achievementId: string, exceptRequestId: string): SigningRequestRecord | undefined {
  const r = db
    .prepare(
      `SELECT * FROM signing_requests WHERE role = 'signer' AND preparer = ? AND achievement_id = ? AND request_id <> ?
       ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    )
    .get(preparer, achievementId, exceptRequestId) as Row | undefined;
  return r && fromRow(r);
}

export function updateSigningRequest(
  db: Db,
  requestId: string,
  role: SigningRole,
  change: { state: SigningRequestState; bundleId?: string; bundleSha256?: string; bundle?: Uint8Array; note?: string },
): void {
  db.prepare(
    `UPDATE signing_requests SET state = ?, bundle_id = COALESCE(?, bundle_id), bundle_sha256 = COALESCE(?, bundle_sha256),
       bundle = COALESCE(?, bundle), note = COALESCE(?, note), updated_at = ? WHERE request_id = ? AND role = ?`,
  ).run(change.state, change.bundleId ?? null, change.bundleSha256 ?? null, change.bundle ? Buffer.from(change.bundle) : null, change.note ?? null, new Date().toISOString(), requestId, role);
}

export function setBatchSigning(db: Db, batchId: string, signing: BatchSigning | null): void {
  db.prepare('UPDATE batches SET signing = ?, updated_at = ? WHERE id = ?').run(signing, new Date().toISOString(), batchId);
}

export function getBatchSigning(db: Db, batchId: string): BatchSigning | null {
  const r = db.prepare('SELECT signing FROM batches WHERE id = ?').get(batchId) as { signing: BatchSigning | null } | undefined;
  return r?.signing ?? null;
}

// ---------------------------------------------------------------- workspace settings

export function getWorkspaceSetting(db: Db, key: string): string | undefined {
  const r = db.prepare('SELECT value FROM workspace_settings WHERE key = ?').get(key) as { value: string } | undefined;
  return r?.value;
}

export function setWorkspaceSetting(db: Db, key: string, value: string): void {
  db.prepare(
    'INSERT INTO workspace_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  ).run(key, value, new Date().toISOString());
}

/** This workspace's own id (made once): names the preparer in its signing requests. */
export function workspaceId(db: Db): string {
  const found = getWorkspaceSetting(db, 'workspace.id');
  if (found) return found;
  const id = `urn:uuid:${randomUUID()}`;
  db.prepare('INSERT OR IGNORE INTO workspace_settings (key, value, updated_at) VALUES (?, ?, ?)').run('workspace.id', id, new Date().toISOString());
  return getWorkspaceSetting(db, 'workspace.id')!;
}

export const AIR_GAPPED_SETTING = 'network.airGapped';

export function isWorkspaceAirGapped(db: Db): boolean {
  return getWorkspaceSetting(db, AIR_GAPPED_SETTING) === 'on';
}

/**
 * Air-gapped mode of the workspace in `dir`, for commands that open no Studio (laurel verify):
 * read without creating or migrating anything; a missing or older workspace is not air-gapped.
 */
export async function workspaceDirAirGapped(dir: string): Promise<boolean> {
  const { existsSync } = await import('node:fs');
  const path = await import('node:path');
  const { WORKSPACE_FILE, openWorkspaceDb } = await import('./index.ts');
  if (!existsSync(path.join(dir, WORKSPACE_FILE))) return false;
  let db: Db | undefined;
  try {
    db = openWorkspaceDb(dir, { readonly: true });
    return isWorkspaceAirGapped(db);
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

/** A request's record without its file bodies: what lists show. */
export type SigningRequestSummary = Omit<SigningRequestRecord, 'body' | 'bundle' | 'role' | 'bundleSha256' | 'achievementSha256'>;

export function summarizeSigningRequest(r: SigningRequestRecord): SigningRequestSummary {
  const { body: _b, bundle: _u, role: _r, bundleSha256: _s, achievementSha256: _a, ...rest } = r;
  return rest;
}
