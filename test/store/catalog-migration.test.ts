/**
 * Migration 8 (credentials list at 100,000 rows): a workspace written at schema 7 with credentials
 * in it opens, gets each credential's learner name and first-form flag filled (VC-JWT names decoded
 * from the payload), and the list still finds single-issued credentials by learner name.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Studio } from '../../core/api/studio.ts';
import { WORKSPACE_FILE } from '../../core/store/index.ts';

const achievement = { id: 'https://example.org/achievements/sql', type: ['Achievement'], name: 'Intro to SQL', description: 'Writes SQL queries.', criteria: { narrative: 'Passed the quiz.' } };

describe('migration 8: credentials list columns and indexes', () => {
  it('upgrades a version-7 workspace with credentials; search finds single-issued ones by learner name', async () => {
    const dir = mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), 'laurel-migration8-'));
    const open = () =>
      Studio.open({ workspace: path.join(dir, 'ws'), keystore: `file:${path.join(dir, 'keys.laurel')}`, passphrase: 'migration-8-test', scrypt: { N: 2 ** 12, r: 8, p: 1 }, face: 'test' });
    let studio = open();
    const issuer = (await studio.createIssuer({ name: 'Example Training Ltd', key: 'P-256' })).id;
    const json = await studio.issueCredential({ issuer, achievement, recipient: 'ana@example.org', name: 'Ana Silva' });
    const jwt = await studio.issueCredential({ issuer, achievement, recipient: 'bo@example.org', name: 'Bo Zhang', format: 'jwt' });
    studio.close();

    // Take the file back to schema 7 exactly as migrations 1–7 left it, with a second form stored
    // under the JSON credential's id (as a batch stores JSON and VC-JWT forms).
    const db = new Database(path.join(dir, 'ws', WORKSPACE_FILE));
    for (const index of ['credentials_list', 'credentials_list_status', 'credentials_batch', 'credentials_achievement', 'credentials_reissue_of']) db.exec(`DROP INDEX ${index}`);
    db.exec('ALTER TABLE credentials DROP COLUMN learner_name; ALTER TABLE credentials DROP COLUMN listed');
    db.prepare(
      `INSERT INTO credentials (credential_id, issuer_id, recipient, format, body, sha256, created_at, achievement_rowid)
       SELECT credential_id, issuer_id, recipient, 'jwt', (SELECT body FROM credentials WHERE credential_id = ?), sha256, created_at, achievement_rowid FROM credentials WHERE credential_id = ?`,
    ).run(jwt.credentialId, json.credentialId);
    db.pragma('user_version = 7');
    expect(db.prepare('SELECT count(*) AS n FROM credentials').get()).toEqual({ n: 3 });
    db.close();

    studio = open();
    try {
      expect(studio.db.pragma('user_version', { simple: true })).toBe(8);
      const stored = studio.db.prepare('SELECT credential_id AS id, format, learner_name AS name, listed FROM credentials ORDER BY rowid_pk').all();
      expect(stored).toEqual([
        { id: json.credentialId, format: 'json', name: 'Ana Silva', listed: 1 },
        { id: jwt.credentialId, format: 'jwt', name: 'Bo Zhang', listed: 1 },
        { id: json.credentialId, format: 'jwt', name: 'Bo Zhang', listed: 0 },
      ]);
      const indexes = (studio.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'credentials'").all() as Array<{ name: string }>).map((r) => r.name);
      expect(indexes).toEqual(expect.arrayContaining(['credentials_list', 'credentials_list_status', 'credentials_batch', 'credentials_achievement', 'credentials_reissue_of']));

      // One row per credential id; names found case-insensitively, a JWT's as well as a JSON's.
      expect(studio.listCredentials().total).toBe(2);
      const ana = studio.listCredentials({ query: 'ana sil' });
      expect(ana.rows.map((r) => [r.credentialId, r.learnerName, r.formats])).toEqual([[json.credentialId, 'Ana Silva', ['json', 'jwt']]]);
      const bo = studio.listCredentials({ query: 'zhang' });
      expect(bo.rows.map((r) => [r.credentialId, r.learnerName])).toEqual([[jwt.credentialId, 'Bo Zhang']]);
      expect(studio.listCredentials({ query: 'Nobody Here' }).total).toBe(0);

      // Credentials issued after the upgrade get the columns on insert.
      const later = await studio.issueCredential({ issuer, achievement, recipient: 'cy@example.org', name: 'Cy Okafor', format: 'jwt' });
      expect(studio.listCredentials({ query: 'okafor' }).rows.map((r) => r.credentialId)).toEqual([later.credentialId]);
      expect(studio.credentialFacets().counts).toMatchObject({ all: 3, active: 3 });
      expect(studio.listCredentials({ offset: 2, limit: 1 }).rows.map((r) => r.credentialId)).toEqual([json.credentialId]);
      // The list's page and search read indexes, not the table's stored bodies.
      const plan = studio.db.prepare("EXPLAIN QUERY PLAN SELECT c.rowid_pk FROM credentials c WHERE c.listed = 1 AND (c.recipient LIKE '%x%' OR c.learner_name LIKE '%x%') ORDER BY c.rowid_pk DESC").all() as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join('\n')).toContain('COVERING INDEX credentials_list');
    } finally {
      studio.close();
    }
  });
});
