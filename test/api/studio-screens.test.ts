/**
 * The Studio API methods the studio's screens use, through callStudio as both shells call it:
 * the designer's checks and versions, a roster with a bad row fixed in place, the preview, a batch
 * as a job with rate and time left, the credentials list and detail, revoke and verify against
 * the workspace's own lists, export again, re-issue, workspace backup and restore.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callStudio, type StudioHost } from '../../core/api/contract.ts';
import { Studio } from '../../core/api/studio.ts';
import { JobRunner, type JobEvent, type StudioEvent } from '../../core/api/wire.ts';

let host: StudioHost;
const events: StudioEvent[] = [];
let issuerId = '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(method: string, args?: unknown): Promise<any> {
  const r = await callStudio(host, method, args);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { wire: r.error });
  return r.value;
}
async function fails(method: string, args?: unknown) {
  const r = await callStudio(host, method, args);
  expect(r.ok).toBe(false);
  return (r as { error: { code: string; message: string; details?: unknown } }).error;
}
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  const dir = mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), 'laurel-screens-'));
  const studio = Studio.open({ workspace: path.join(dir, 'ws'), keystore: `file:${path.join(dir, 'keys.laurel')}`, passphrase: 'screens-test-passphrase', face: 'test' });
  host = { studio, jobs: new JobRunner((e) => events.push(e)), canSwitchWorkspace: false };
  issuerId = (await studio.createIssuer({ name: 'Acme Training' })).id;
  await call('setStatusListUrl', { issuer: issuerId, url: 'https://acme.example/status' });
});

afterAll(() => host?.studio.close());

describe('the studio screens through the contract', () => {
  it('finds every problem of a designer draft at its field, and saves versions with a note', async () => {
    const check = await call('checkAchievement', {
      achievement: {
        name: '',
        description: 'd',
        criteria: { narrative: '' },
        achievementType: 'course',
        alignment: [{ targetName: 'SQL', targetUrl: 'not a url' }],
        resultDescription: [{ name: 'Level', resultType: 'RubricCriterionLevel', rubricCriterionLevel: [{ name: '' }, { name: 'Good' }] }],
      },
    });
    expect(check.ok).toBe(false);
    expect(check.issues.map((i: { path: string }) => i.path)).toEqual(['$.name', '$.criteria', '$.achievementType', '$.alignment[0].targetUrl', '$.resultDescription[0].rubricCriterionLevel[0].name']);
    expect(check.issues[2].message).toContain('write "Course"');

    const draft = { name: 'Intro to SQL', description: 'SQL basics', criteria: { narrative: 'Pass the **quiz**' }, achievementType: 'Course', tag: ['sql', ''] };
    const first = await call('saveAchievement', { achievement: draft });
    expect(first.outcome).toBe('created');
    expect(first.id).toMatch(/^urn:uuid:/);
    const again = await call('saveAchievement', { achievement: { ...first.achievement, description: 'SQL: SELECT and JOIN' } });
    expect(again).toMatchObject({ outcome: 'updated', version: 1 });
    const bad = await fails('saveAchievement', { achievement: { ...first.achievement, name: '' } });
    expect(bad.code).toBe('VALIDATION');
    expect((bad.details as { issues: Array<{ path: string }> }).issues[0]!.path).toBe('$.name');
  });

  it('roster: encoding asked with a guess, a bad row fixed in place, preview, batch job, list, revoke, verify, export, re-issue', async () => {
    const latin = Buffer.from('Name,Email\nZo\xeb,zoe@example.org\n', 'latin1');
    const enc = await fails('inspectRoster', { roster: { file: { name: 'l.csv', base64: latin.toString('base64') } } });
    expect(enc.code).toBe('ENCODING_REQUIRED');
    expect((enc.details as { guess: string }).guess).toBe('windows-1252');
    const decoded = await call('inspectRoster', { roster: { file: { name: 'l.csv', base64: latin.toString('base64') }, encoding: 'windows-1252' } });
    expect(decoded.sample[0].name).toBe('Zoë');

    const achievement = (await call('listAchievements'))[0];
    const file = { name: 'roster.csv', base64: b64('Full name,E-Mail\nAna Silva,ana@example.org\nBob Stone,bob@\nCara Diaz,cara@example.org\n') };
    const inspected = await call('inspectRoster', { roster: { file } });
    expect(inspected.guess.mapping).toEqual({ name: 'Full name', email: 'E-Mail' });
    expect(inspected.problems).toMatchObject([{ line: 3, column: 'E-Mail', value: 'bob@', severity: 'error' }]);
    const fixed = await call('editRoster', { roster: { file }, edits: [{ line: 3, column: 'E-Mail', value: 'bob@example.org' }] });
    expect(fixed.inspection.stats).toMatchObject({ good: 3, rejected: 0 });

    const preview = await call('previewCredential', { issuer: issuerId, achievement: { kind: 'stored', id: achievement.id }, roster: { file: fixed.file } });
    expect(preview.credential.credentialSubject.name).toBe('Ana Silva');
    expect(preview.credential.proof).toBeUndefined();

    const prepared = await call('prepareBatch', { issuer: issuerId, achievement: { kind: 'stored', id: achievement.id }, roster: { file: fixed.file }, formats: ['json', 'png'] });
    expect(prepared.status).toBe('new');
    expect(prepared.batch.outDir.startsWith(path.join(host.studio.workspaceDir, 'exports'))).toBe(true);
    const { jobId } = await call('runBatch', { batchId: prepared.batch.id });
    await expect.poll(() => events.some((e) => (e as JobEvent).jobId === jobId && (e as JobEvent).type === 'done'), { timeout: 20_000 }).toBe(true);
    const progress = events.filter((e): e is Extract<JobEvent, { type: 'progress' }> => (e as JobEvent).jobId === jobId && (e as JobEvent).type === 'progress');
    expect(progress.at(-1)).toMatchObject({ done: 3, total: 3, detail: { exported: 3 } });
    expect(progress.at(-1)!.detail).toHaveProperty('ratePerSec');

    const files = await call('batchFiles', { batchId: prepared.batch.id });
    expect(files.files.map((f: { file: string }) => f.file)).toEqual(['Ana Silva.json', 'Ana Silva.png', 'Bob Stone.json', 'Bob Stone.png', 'Cara Diaz.json', 'Cara Diaz.png', 'manifest.json', 'summary.csv']);
    const png = await call('readBatchFile', { batchId: prepared.batch.id, name: 'Bob Stone.png' });
    expect((await fails('readBatchFile', { batchId: prepared.batch.id, name: '../workspace.sqlite' })).code).toBe('NOT_FOUND');

    const page = await call('listCredentials', { query: 'bob', limit: 10 });
    expect(page.total).toBe(1);
    expect(page.rows[0]).toMatchObject({ learnerName: 'Bob Stone', recipient: 'bob@example.org', status: 'active', batchId: prepared.batch.id, achievement: { name: 'Intro to SQL', version: 1 } });
    const id = page.rows[0].credentialId;
    expect((await call('listCredentials', { batch: prepared.batch.id })).total).toBe(3);
    const detail = await call('getCredential', { credentialId: id });
    expect(detail.actions.revoke.allowed).toBe(true);
    expect(detail.actions.suspend).toMatchObject({ allowed: false });
    expect(detail.actions.suspend.why).toContain('one status entry');
    expect((await fails('suspendCredential', { credentialId: id })).code).toBe('UNSUPPORTED');

    const before = await call('verify', { file: { name: png.name, base64: png.base64 }, statusLists: 'workspace' });
    expect(before.verdict).toBe('valid');
    await call('revokeCredential', { credentialId: id, reason: 'issued by mistake' });
    const after = await call('verify', { file: { name: png.name, base64: png.base64 }, statusLists: 'workspace' });
    expect(after.checks.find((c: { id: string }) => c.id === 'status')).toMatchObject({ status: 'failed', code: 'revoked' });
    expect(after.statusSource.workspaceLists).toHaveLength(1);
    // Offline and without a list, the status is "could not check", never "not revoked".
    const plain = await call('verify', { file: { name: png.name, base64: png.base64 } });
    expect(plain.checks.find((c: { id: string }) => c.id === 'status').status).toBe('unknown');
    // The exported list file makes the same verdict anywhere.
    const exported = await call('exportStatusLists', { issuer: issuerId });
    const withFile = await call('verify', { file: { name: png.name, base64: png.base64 }, statusListFiles: [exported.lists[0].file] });
    expect(withFile.checks.find((c: { id: string }) => c.id === 'status')).toMatchObject({ status: 'failed', code: 'revoked' });
    expect((await call('listCredentials', { status: 'revoked' })).total).toBe(1);

    const svg = await call('exportCredential', { credentialId: id, format: 'svg' });
    expect(svg.name).toBe('Bob Stone - Intro to SQL.svg');
    expect((await fails('exportCredential', { credentialId: id, format: 'jwt' })).message).toContain('signed as JSON only');
    const re = await call('reissueCredential', { credentialId: id, name: 'Robert Stone' });
    expect(re.replaces).toBe(id);
    expect((await call('getCredential', { credentialId: id })).replacedBy).toEqual([re.credentialId]);
    expect((await call('listCredentials', { query: 'Robert' })).rows[0].replaces).toBe(id);
  }, 60_000);

  it('backs up the workspace and restores it, keeping a copy of what it replaced', async () => {
    const backup = await call('backupWorkspace');
    expect(backup.file.name).toMatch(/^workspace-.*\.sqlite$/);
    await host.studio.createIssuer({ name: 'Made after the backup' });
    const restored = await call('restoreWorkspace', { file: backup.file });
    expect(restored.safetyCopy).toMatch(/^before-restore-/);
    expect((await call('listIssuers')).map((i: { name: string }) => i.name)).toEqual(['Acme Training']);
    expect((await call('listWorkspaceBackups')).length).toBe(2);
    const notDb = await fails('restoreWorkspace', { file: { name: 'x.sqlite', base64: b64('hello') } });
    expect(notDb.message).toContain('not a workspace backup');
  });
});
