import os from 'node:os';
import type { Db } from './index.ts';

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  sha256: string | null;
  details: Record<string, unknown> | null;
}

export function actorName(face: string): string {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // some sandboxes have no passwd entry
  }
  return `${user}@${os.hostname()} (${face})`;
}

export function appendAudit(
  db: Db,
  e: { actor: string; action: string; subject?: string; sha256?: string; details?: Record<string, unknown> },
): void {
  db.prepare('INSERT INTO audit_log (at, actor, action, subject, sha256, details) VALUES (?, ?, ?, ?, ?, ?)').run(
    new Date().toISOString(),
    e.actor,
    e.action,
    e.subject ?? null,
    e.sha256 ?? null,
    e.details ? JSON.stringify(e.details) : null,
  );
}

export function listAudit(db: Db, limit = 100): AuditEntry[] {
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?').all(limit) as Array<
    Omit<AuditEntry, 'details'> & { details: string | null }
  >;
  return rows.map((r) => ({ ...r, details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null }));
}
