import { createHash } from 'node:crypto';
import type { Db } from './index.ts';

/**
 * Achievements (migration 2), versioned: a version that has issued credentials, or that a batch
 * is about to issue, is frozen; a change to it is saved as the next version. Credentials and
 * batches point at the version (rowid) they award.
 */

export interface AchievementVersion {
  rowid: number;
  achievementId: string;
  version: number;
  /** The built Achievement as stored. */
  achievement: Record<string, unknown>;
  json: string;
  sha256: string;
  createdAt: string;
}

interface Row {
  rowid_pk: number;
  achievement_id: string;
  version: number;
  json: string;
  sha256: string;
  created_at: string;
}

const fromRow = (r: Row): AchievementVersion => ({
  rowid: r.rowid_pk,
  achievementId: r.achievement_id,
  version: r.version,
  achievement: JSON.parse(r.json) as Record<string, unknown>,
  json: r.json,
  sha256: r.sha256,
  createdAt: r.created_at,
});

export function achievementSha256(json: string): string {
  return createHash('sha256').update(json, 'utf8').digest('hex');
}

export function getAchievementVersion(db: Db, rowid: number): AchievementVersion | undefined {
  const r = db.prepare('SELECT * FROM achievements WHERE rowid_pk = ?').get(rowid) as Row | undefined;
  return r && fromRow(r);
}

/** The newest version of an achievement, by its id. */
export function getLatestAchievement(db: Db, achievementId: string): AchievementVersion | undefined {
  const r = db.prepare('SELECT * FROM achievements WHERE achievement_id = ? ORDER BY version DESC LIMIT 1').get(achievementId) as Row | undefined;
  return r && fromRow(r);
}

export function listAchievementVersions(db: Db, achievementId: string): AchievementVersion[] {
  return (db.prepare('SELECT * FROM achievements WHERE achievement_id = ? ORDER BY version').all(achievementId) as Row[]).map(fromRow);
}

/** Whether anything was issued from, or is being issued from, this version. */
export function achievementVersionInUse(db: Db, rowid: number): boolean {
  return (
    db.prepare('SELECT 1 FROM credentials WHERE achievement_rowid = ? LIMIT 1').get(rowid) !== undefined ||
    db.prepare('SELECT 1 FROM batches WHERE achievement_rowid = ? LIMIT 1').get(rowid) !== undefined
  );
}

/**
 * Saves a built achievement and returns the version that holds exactly this content:
 * - an existing version with the same bytes is reused (editing a file back to an earlier state
 *   finds that earlier version again);
 * - otherwise, if the newest version is unused, it is updated in place;
 * - otherwise a new version is added.
 * Run inside a transaction when the caller goes on to use the version.
 */
export function saveAchievementVersion(db: Db, achievement: Record<string, unknown>): AchievementVersion & { created: boolean } {
  const achievementId = achievement.id;
  if (typeof achievementId !== 'string' || !achievementId) throw new Error('saveAchievementVersion: the achievement has no id');
  const json = JSON.stringify(achievement);
  const sha256 = achievementSha256(json);
  const same = db.prepare('SELECT * FROM achievements WHERE achievement_id = ? AND sha256 = ? ORDER BY version DESC LIMIT 1').get(achievementId, sha256) as Row | undefined;
  if (same) return { ...fromRow(same), created: false };
  const latest = getLatestAchievement(db, achievementId);
  const createdAt = new Date().toISOString();
  if (latest && !achievementVersionInUse(db, latest.rowid)) {
    db.prepare('UPDATE achievements SET json = ?, sha256 = ?, created_at = ? WHERE rowid_pk = ?').run(json, sha256, createdAt, latest.rowid);
    return { ...latest, achievement, json, sha256, createdAt, created: false };
  }
  const version = (latest?.version ?? 0) + 1;
  const info = db.prepare('INSERT INTO achievements (achievement_id, version, json, sha256, created_at) VALUES (?, ?, ?, ?, ?)').run(achievementId, version, json, sha256, createdAt);
  return { rowid: Number(info.lastInsertRowid), achievementId, version, achievement, json, sha256, createdAt, created: true };
}
