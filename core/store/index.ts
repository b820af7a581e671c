import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { LaurelError } from '../util/errors.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

export type Db = Database.Database;

export const WORKSPACE_FILE = 'workspace.sqlite';

/**
 * The platform's user-data folder, the same one Electron's app.getPath('userData') gives for
 * "Laurel Studio", so the CLI and the desktop app share a default workspace.
 */
export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Laurel Studio');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Laurel Studio');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'Laurel Studio');
}

export function resolveWorkspaceDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return path.resolve(explicit);
  if (env.LAUREL_WORKSPACE) return path.resolve(env.LAUREL_WORKSPACE);
  return path.join(defaultUserDataDir(env), 'workspace');
}

function applyMigrations(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new LaurelError(
      'UNSUPPORTED',
      `This workspace was written by a newer Laurel Studio (schema ${current}; this version knows ${latest}). Update Laurel Studio to open it.`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      m.run?.(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

export interface OpenOptions {
  readonly?: boolean;
}

/** Opens (creating if needed) the workspace database in `dir`, migrated to the latest schema. */
export function openWorkspaceDb(dir: string, options: OpenOptions = {}): Db {
  if (!options.readonly) mkdirSync(dir, { recursive: true });
  const file = path.join(dir, WORKSPACE_FILE);
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (cause) {
    throw new LaurelError('NOT_FOUND', `Cannot open the workspace database ${file}: ${(cause as Error).message}`, { cause });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) applyMigrations(db, MIGRATIONS);
  return db;
}

/** `PRAGMA integrity_check`: 'ok' or the problems SQLite lists. */
export function integrityCheck(db: Db): string[] {
  return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
}

export { MIGRATIONS };
export * from './issuers.ts';
export * from './credentials.ts';
export * from './audit.ts';
export * from './achievements.ts';
export * from './recipients.ts';
export * from './batches.ts';
export * from './hosts.ts';
export * from './frameworks.ts';
export * from './clrs.ts';
export * from './endorsements.ts';
export * from './signing.ts';
