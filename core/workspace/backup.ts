// Workspace backup and restore. The backup is SQLite's online backup of the open database (pages
// copied while it stays usable, consistent at one instant), so it needs no pause and no lock on
// the app. Keys are NOT in it: they live in the key store, with a backup of their own.
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MIGRATIONS, WORKSPACE_FILE, type Db } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';

export const BACKUP_DIR = 'backups';

export interface WorkspaceBackup {
  /** The backup file in the workspace's backups folder. */
  file: string;
  name: string;
  size: number;
  createdAt: string;
}

const stamp = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');

/** Copies the open database into `<workspace>/backups/<prefix>-<time>.sqlite`. */
export async function backupWorkspaceDb(db: Db, workspaceDir: string, prefix = 'workspace'): Promise<WorkspaceBackup> {
  const dir = path.join(workspaceDir, BACKUP_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const createdAt = new Date();
  let name = `${prefix}-${stamp(createdAt)}.sqlite`;
  if (existsSync(path.join(dir, name))) name = `${prefix}-${stamp(createdAt)}-${randomBytes(3).toString('hex')}.sqlite`;
  const file = path.join(dir, name);
  await db.backup(file);
  return { file, name, size: statSync(file).size, createdAt: createdAt.toISOString() };
}

export function listWorkspaceBackups(workspaceDir: string): WorkspaceBackup[] {
  const dir = path.join(workspaceDir, BACKUP_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.sqlite') && !n.startsWith('.'))
    .map((name) => {
      const s = statSync(path.join(dir, name));
      return { file: path.join(dir, name), name, size: s.size, createdAt: s.mtime.toISOString() };
    })
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** What a backup holds, read without changing it; refuses anything but a Laurel workspace database. */
export function inspectBackupFile(file: string): { issuers: number; credentials: number; schema: number } {
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    throw new LaurelError('INVALID_INPUT', 'That file is not a workspace backup: it is not an SQLite database.');
  }
  try {
    let schema: number;
    try {
      schema = db.pragma('user_version', { simple: true }) as number;
    } catch {
      throw new LaurelError('INVALID_INPUT', 'That file is not a workspace backup: it is not an SQLite database.');
    }
    const latest = MIGRATIONS.at(-1)!.version;
    if (schema > latest) throw new LaurelError('UNSUPPORTED', `That backup was written by a newer Laurel Studio (schema ${schema}; this version knows ${latest}). Update Laurel Studio to restore it.`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name));
    if (schema < 1 || !tables.has('issuers') || !tables.has('credentials') || !tables.has('audit_log')) {
      throw new LaurelError('INVALID_INPUT', 'That file is an SQLite database, but not a Laurel Studio workspace backup.');
    }
    const check = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    if (check.length !== 1 || check[0] !== 'ok') throw new LaurelError('VALIDATION', `The backup is damaged (SQLite integrity check: ${check.slice(0, 3).join('; ')}).`);
    const count = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { issuers: count('issuers'), credentials: count('credentials'), schema };
  } finally {
    db.close();
  }
}

/** Writes uploaded backup bytes to a temporary file in the backups folder and checks it. */
export function stageBackupBytes(workspaceDir: string, bytes: Uint8Array): { file: string; info: ReturnType<typeof inspectBackupFile> } {
  const dir = path.join(workspaceDir, BACKUP_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `.incoming-${randomBytes(6).toString('hex')}.sqlite`);
  writeFileSync(file, bytes, { mode: 0o600 });
  try {
    return { file, info: inspectBackupFile(file) };
  } catch (e) {
    rmSync(file, { force: true });
    throw e;
  }
}

/**
 * Puts a checked backup file in place of the workspace database. The caller has closed the
 * database (and made a safety copy of it first); the WAL files of the old database go with it.
 */
export function replaceWorkspaceDb(workspaceDir: string, backupFile: string): void {
  const target = path.join(workspaceDir, WORKSPACE_FILE);
  for (const suffix of ['-wal', '-shm']) rmSync(target + suffix, { force: true });
  const tmp = path.join(workspaceDir, `.${WORKSPACE_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  copyFileSync(backupFile, tmp);
  // rename is atomic: the workspace holds the old database or the restored one, never half.
  renameSync(tmp, target);
}
