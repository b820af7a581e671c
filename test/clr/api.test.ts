/**
 * The frameworks and CLR entries of the Studio API contract, called as the shells call them
 * (callStudio with JSON-safe arguments, files as base64, the batch as a job with events).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callStudio, type StudioHost } from '../../core/api/contract.ts';
import { JobRunner, type StudioEvent } from '../../core/api/wire.ts';
import { unbake } from '../../core/bake/index.ts';
import { describeVerdict, verifyCredential } from '../../core/verify/index.ts';
import { studioWithIssuer } from '../issue/helpers.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
let host: StudioHost;
let issuerId: string;
const events: StudioEvent[] = [];

beforeAll(async () => {
  const w = await studioWithIssuer('clr-api', { name: 'Acme Academy' });
  issuerId = w.issuerId;
  host = { studio: w.studio, jobs: new JobRunner((e) => events.push(e)), canSwitchWorkspace: false };
});
afterAll(() => host.studio.close());

async function call<T = unknown>(method: string, args: unknown): Promise<T> {
  const r = await callStudio(host, method, args);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe('frameworks through the contract', () => {
  it('designs, searches, aligns and exports', async () => {
    const f = await call<{ id: string }>('createFramework', { title: 'Cooking', creator: 'Chef School' });
    const knife = await call<{ id: string }>('addFrameworkItem', { frameworkId: f.id, code: 'K1', statement: 'Knife skills' });
    await call('addFrameworkItem', { frameworkId: f.id, code: 'K1.1', statement: 'Julienne vegetables', parentId: knife.id });
    const sauce = await call<{ id: string }>('addFrameworkItem', { frameworkId: f.id, code: 'S1', statement: 'Mother sauces', position: 0 });
    const moved = await call<{ items: Array<{ code: string; depth: number }> }>('moveFrameworkItem', { frameworkId: f.id, itemId: sauce.id, parentId: knife.id });
    expect(moved.items.map((i) => `${i.depth}${i.code}`)).toEqual(['0K1', '1K1.1', '1S1']);
    const hits = await call<Array<{ item: { code: string }; alignment: Record<string, unknown> }>>('searchFrameworkItems', { query: 'julienne' });
    expect(hits.map((h) => h.alignment)).toEqual([expect.objectContaining({ targetCode: 'K1.1', targetFramework: 'Cooking', targetType: 'CFItem' })]);
    const saved = await call<{ achievement: { achievementType: string } }>('createCompetencyAchievement', { frameworkId: f.id, itemId: 'K1.1', issuer: issuerId });
    expect(saved.achievement.achievementType).toBe('Competency');
    const file = await call<{ name: string; base64: string }>('exportFramework', { id: f.id });
    expect(file.name).toBe('Cooking.case.json');
    const pkg = JSON.parse(Buffer.from(file.base64, 'base64').toString('utf8')) as { CFItems: unknown[] };
    expect(pkg.CFItems).toHaveLength(3);
    // Bad arguments are named.
    expect(await callStudio(host, 'moveFrameworkItem', { frameworkId: f.id, itemId: knife.id, position: -1 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await callStudio(host, 'importFramework', { file: { name: 'x.csv', base64: b64('code,label\n') } })).toMatchObject({ ok: false, error: { message: expect.stringContaining('no statement column') } });
  });
});

describe('CLR through the contract', () => {
  it('checks associations live, signs a record, exports it baked, and runs a roster as a job', async () => {
    const ids: string[] = [];
    for (const a of ['one', 'two']) {
      const achievement = { id: `https://acme.example/a/${a}`, name: `Module ${a}`, description: 'A module.', criteria: { narrative: 'Done.' } };
      ids.push((await call<{ credentialId: string }>('issueCredential', { issuer: issuerId, achievement, recipient: 'lin@example.org', name: 'Lin' })).credentialId);
    }
    expect((await call<unknown[]>('learnerCredentials', { recipient: 'LIN@example.org' })).length).toBe(2);
    const credentials = ids.map((credentialId) => ({ kind: 'stored', credentialId }));
    const program = { id: 'https://acme.example/p/cert', name: 'Certificate', description: 'Both modules.', criteria: { narrative: 'All modules.' } };
    const checked = await call<{ achievements: Array<{ id: string; grouping: boolean }>; issues: Array<{ code: string }> }>('checkClrAssociations', {
      credentials,
      achievements: [program],
      associations: [
        { sourceId: 'https://acme.example/a/one', associationType: 'isChildOf', targetId: program.id },
        { sourceId: program.id, associationType: 'isChildOf', targetId: 'https://acme.example/a/one' },
        { sourceId: 'https://acme.example/a/two', associationType: 'precedes', targetId: 'urn:nothing' },
      ],
    });
    expect(checked.achievements.map((a) => a.grouping)).toEqual([false, false, true]);
    expect(checked.issues.map((i) => i.code).sort()).toEqual(['contradiction', 'dangling']);
    expect(await callStudio(host, 'createClr', { issuer: issuerId, recipient: 'lin@example.org', credentials, associations: [{ sourceId: 'a', associationType: 'isSiblingOf', targetId: 'b' }] })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: expect.stringContaining('associationType') },
    });
    const made = await call<{ credentialId: string; clr: { name: string }; report: { verdict: string } }>('createClr', {
      issuer: issuerId,
      recipient: 'lin@example.org',
      learnerName: 'Lin',
      credentials,
      achievements: [program],
      associations: [{ sourceId: 'https://acme.example/a/one', associationType: 'isChildOf', targetId: program.id }],
    });
    expect(made.clr.name).toBe('Comprehensive Learner Record of Lin');
    expect(made.report.verdict).toBe('valid');
    expect(await call<unknown[]>('listClrs', {})).toHaveLength(1);
    // In the credentials list it reads as a learner record (it awards no single achievement).
    const page = await call<{ rows: Array<{ credentialId: string; record: string | null; achievement: unknown; learnerName: string | null }> }>('listCredentials', { query: 'lin@' });
    expect(page.rows.find((r) => r.credentialId === made.credentialId)).toMatchObject({ record: 'Comprehensive Learner Record of Lin', achievement: null, learnerName: 'Lin' });
    expect(page.rows.filter((r) => r.record === null)).toHaveLength(2);
    const svg = await call<{ name: string; base64: string; mediaType: string }>('exportClr', { credentialId: made.credentialId, format: 'svg' });
    expect(svg.mediaType).toBe('image/svg+xml');
    const bytes = Buffer.from(svg.base64, 'base64');
    expect(unbake(bytes).kind).toBe('clr2');
    expect(describeVerdict(await verifyCredential(bytes))).toBe('valid');

    const { jobId } = await call<{ jobId: string }>('runClrBatch', { issuer: issuerId, roster: { file: { name: 'r.csv', base64: b64('Name,Email\nLin,lin@example.org\nMo,mo@example.org\n') } }, name: 'Record of {name}' });
    const end = await new Promise<StudioEvent>((resolve) => {
      const t = setInterval(() => {
        const e = events.find((x) => 'jobId' in x && x.jobId === jobId && x.type !== 'progress');
        if (e) clearInterval(t), resolve(e);
      }, 20);
    });
    expect(end).toMatchObject({ type: 'done', result: { created: 1, skipped: 1, total: 2 } });
    expect(events.filter((e) => 'jobId' in e && e.jobId === jobId && e.type === 'progress').length).toBeGreaterThan(0);
  });
});
