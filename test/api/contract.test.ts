/**
 * The Studio API contract: argument validation at the boundary (every bad argument named), the
 * dispatcher both shells use (errors as { code, message }, JSON-safe results), jobs and their
 * events, and the contract's own helpers against a real workspace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, SHELL_ARGS, SHELL_METHODS, STUDIO_METHODS, callStudio, type StudioHost } from '../../core/api/contract.ts';
import { Studio } from '../../core/api/studio.ts';
import { MAX_FILE_BYTES, v } from '../../core/api/validate.ts';
import { JobRunner, toWireError, type StudioEvent } from '../../core/api/wire.ts';
import { LaurelError } from '../../core/util/errors.ts';

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');

describe('validators', () => {
  it('name the argument and say what is wrong', () => {
    expect(() => v.string({ min: 1 })('', 'createIssuer.name')).toThrow('createIssuer.name: must not be empty.');
    expect(() => v.string()(42, 'x.y')).toThrow('x.y: expected text, got a number.');
    expect(() => v.literal('json', 'jwt')('xml', 'issue.format')).toThrow('issue.format: must be one of "json", "jwt".');
    expect(() => v.integer({ min: 1, max: 5 })(9, 'n')).toThrow('n: must be between 1 and 5.');
    expect(() => v.array(v.string(), { max: 2 })(['a', 'b', 'c'], 'list')).toThrow('list: must have at most 2 entries.');
    expect(() => v.array(v.string())(['a', 3], 'list')).toThrow('list[1]: expected text');
  });

  it('refuse unknown keys and non-plain objects', () => {
    const shape = v.object({ a: v.string(), b: v.optional(v.boolean()) });
    expect(shape({ a: 'x' }, 'm')).toEqual({ a: 'x' });
    expect(() => shape({ a: 'x', c: 1 }, 'm')).toThrow('m.c: is not a known argument.');
    expect(() => shape({ b: true }, 'm')).toThrow('m.a: expected text, got a undefined.');
    expect(() => shape([], 'm')).toThrow('m: expected an object, got a list.');
    expect(() => shape(new Date(), 'm')).toThrow('m: expected an object');
    // A key named like a prototype member is an unknown argument, not a lookup.
    expect(() => shape(JSON.parse('{"a":"x","__proto__":{"polluted":true}}'), 'm')).toThrow('m.__proto__: is not a known argument.');
  });

  it('tell union variants apart by their tag', () => {
    const id = v.union('method', { key: v.object({ method: v.literal('key') }), url: v.object({ method: v.literal('url'), id: v.string({ min: 1 }) }) });
    expect(id({ method: 'url', id: 'https://a.example' }, 'id')).toEqual({ method: 'url', id: 'https://a.example' });
    expect(() => id({ method: 'web' }, 'id')).toThrow('id.method: must be one of "key", "url".');
    expect(() => id({ method: 'url' }, 'id')).toThrow('id.id: expected text');
  });

  it('decode base64 within limits and check JSON for size and depth', () => {
    expect(v.base64()(b64('hello'), 'f')).toEqual(new Uint8Array(Buffer.from('hello')));
    expect(() => v.base64()('not base64!', 'f')).toThrow('f: is not base64.');
    expect(() => v.base64({ maxBytes: 4 })(b64('hello'), 'f')).toThrow('f: is larger than 4 bytes.');
    let deep: unknown = 'leaf';
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(() => v.json()(deep, 'a')).toThrow('a: is nested more than 64 levels deep.');
    expect(() => v.json()(undefined, 'a')).toThrow('a: is missing.');
    expect(v.json()({ ok: [1, 'two', null] }, 'a')).toEqual({ ok: [1, 'two', null] });
  });
});

describe('the contract', () => {
  it('lists the methods the Studio has now, plus read-only helpers and job control', () => {
    expect(STUDIO_METHODS).toEqual(Object.keys(CONTRACT));
    for (const m of ['workspaceInfo', 'listIssuers', 'findIssuer', 'createIssuer', 'issueCredential', 'backupKeys', 'restoreKeys', 'verify', 'cancelJob']) {
      expect(STUDIO_METHODS).toContain(m);
    }
    expect(SHELL_METHODS).toEqual(['pickFile', 'saveFile', 'chooseWorkspace', 'showFolder']);
    // Shell and core methods never share a name (the preload exposes both on window.studio).
    expect(STUDIO_METHODS.filter((m) => (SHELL_METHODS as readonly string[]).includes(m))).toEqual([]);
    expect(() => SHELL_ARGS.pickFile({ extensions: ['.json'] }, 'pickFile')).toThrow('pickFile.extensions[0]: must be a file extension without the dot.');
  });

  it('turns errors into { code, message }: a LaurelError as it is, anything else as INTERNAL without details', () => {
    expect(toWireError(new LaurelError('CONFLICT', 'Already there.'))).toEqual({ code: 'CONFLICT', message: 'Already there.' });
    const bug = toWireError(new TypeError("Cannot read properties of undefined (reading 'secretKey') at /home/x/core/keys.ts:12"));
    expect(bug.code).toBe('INTERNAL');
    expect(bug.message).not.toMatch(/secretKey|core\/keys/);
    expect(Object.keys(bug).sort()).toEqual(['code', 'message']);
  });
});

describe('callStudio against a real workspace', () => {
  let scratch: string;
  let studio: Studio;
  let host: StudioHost;
  const events: StudioEvent[] = [];

  beforeAll(() => {
    scratch = mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), 'contract-'));
    studio = Studio.open({ workspace: path.join(scratch, 'ws'), keystore: `file:${path.join(scratch, 'keys.laurel')}`, passphrase: 'contract-test', face: 'test' });
    host = { studio, jobs: new JobRunner((e) => events.push(e)), canSwitchWorkspace: false };
  });

  afterAll(() => {
    studio.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses unknown methods and bad arguments before the core sees them', async () => {
    expect(await callStudio(host, 'close', {})).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'There is no Studio method "close".' } });
    expect(await callStudio(host, 'constructor', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await callStudio(host, 'createIssuer', { name: 'Acme', email: 'not-an-email' })).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'createIssuer.email: must be an e-mail address.' },
    });
    expect(await callStudio(host, 'createIssuer', { name: 'Acme', id: { method: 'url', id: 'http://acme.example' } })).toMatchObject({
      ok: false,
      error: { message: 'createIssuer.id.id: must be an https:// address.' },
    });
    expect(await callStudio(host, 'issueCredential', { issuer: 'x', achievement: {}, recipient: 'a@b.example', format: 'pdf' })).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('issueCredential.format') },
    });
    expect(await callStudio(host, 'verify', {})).toMatchObject({ ok: false, error: { message: 'verify: give either file or text.' } });
    expect(await callStudio(host, 'workspaceInfo', 'all')).toMatchObject({ ok: false, error: { message: 'workspaceInfo: expected an object, got text.' } });
  });

  it('reports workspace facts without secrets', async () => {
    const r = await callStudio(host, 'workspaceInfo', undefined);
    expect(r).toEqual({
      ok: true,
      value: { path: path.join(scratch, 'ws'), keystore: { kind: 'file', location: `the encrypted key file ${path.join(scratch, 'keys.laurel')}` }, issuers: 0, credentials: 0, canSwitchWorkspace: false, airGapped: false, canOpenFolders: false },
    });
  });

  it('checks and sanitises an issuer image at the boundary', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8" onload="alert(1)"><script>alert(2)</script><rect width="8" height="8"/></svg>';
    const checked = await callStudio(host, 'checkImage', { file: { name: 'logo.svg', base64: b64(svg) } });
    expect(checked.ok).toBe(true);
    const value = (checked as { value: { dataUri: string; removed: string[]; width: number } }).value;
    expect(value.width).toBe(8);
    expect(value.removed.join(' ')).toMatch(/script/);
    expect(Buffer.from(value.dataUri.split(',')[1]!, 'base64').toString()).not.toMatch(/script|onload/);

    const notImage = await callStudio(host, 'checkImage', { file: { name: 'x.png', base64: b64('plain text') } });
    expect(notImage).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^checkImage\.file: /) } });

    // createIssuer sanitises a data: URI it is given directly, too.
    const created = await callStudio(host, 'createIssuer', { name: 'Acme Training', image: `data:image/svg+xml;base64,${b64(svg)}` });
    expect(created.ok).toBe(true);
    const issuer = (created as { value: { id: string; profile: { image: { id: string } } } }).value;
    expect(Buffer.from(issuer.profile.image.id.split(',')[1]!, 'base64').toString()).not.toMatch(/script|onload/);
    const found = await callStudio(host, 'findIssuer', { issuer: 'acme training' });
    expect(found).toMatchObject({ ok: true, value: { id: issuer.id, name: 'Acme Training' } });
    // What the renderer gets never includes where in the key store the key is.
    expect(JSON.stringify(found)).not.toContain('issuer-key:');
  });

  it('issues, lists recent achievements, backs up and restores keys as files', async () => {
    const achievement = { id: 'https://acme.example/a/sql', type: ['Achievement'], name: 'Intro to SQL', description: 'Queries.', criteria: { narrative: 'Passed.' } };
    const issued = await callStudio(host, 'issueCredential', { issuer: 'Acme Training', achievement, recipient: 'jane@example.org', name: 'Jane' });
    expect(issued).toMatchObject({ ok: true, value: { format: 'json', body: expect.stringContaining('"proof"') } });
    const recent = await callStudio(host, 'recentAchievements', {});
    expect(recent).toMatchObject({ ok: true, value: [{ id: 'https://acme.example/a/sql', name: 'Intro to SQL', issued: 1 }] });

    const verified = await callStudio(host, 'verify', { file: { name: 'c.json', base64: b64((issued as { value: { body: string } }).value.body) } });
    expect(verified).toMatchObject({ ok: true, value: { verdict: 'valid' } });

    const backup = await callStudio(host, 'backupKeys', { passphrase: 'a long backup passphrase' });
    expect(backup).toMatchObject({ ok: true, value: { file: { name: expect.stringMatching(/^laurel-keys-\d{4}-\d{2}-\d{2}\.laurel$/), base64: expect.any(String) } } });
    const file = (backup as { value: { file: { name: string; base64: string } } }).value.file;
    const wrong = await callStudio(host, 'restoreKeys', { file: { name: file.name, base64: file.base64 }, passphrase: 'not it' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'BAD_PASSPHRASE' } });
    const restored = await callStudio(host, 'restoreKeys', { file: { name: file.name, base64: file.base64 }, passphrase: 'a long backup passphrase' });
    expect(restored).toEqual({ ok: true, value: { imported: 0, replaced: 0, unchanged: 1 } });
  }, 60_000);

  it('refuses files over the limit', async () => {
    const big = 'A'.repeat(Math.ceil(MAX_FILE_BYTES / 3) * 4 + 8);
    expect(await callStudio(host, 'verify', { file: { name: 'big.json', base64: big } })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('verify.file.base64') } });
  });

  it('hides internal errors from the UI and hands them to the shell log', async () => {
    const logged: unknown[] = [];
    const broken: StudioHost = { ...host, studio: { ...studio, listIssuers: () => { throw new TypeError('internal detail /srv/secret'); } } as unknown as Studio };
    const r = await callStudio(broken, 'listIssuers', {}, (e) => logged.push(e));
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(r)).not.toContain('/srv/secret');
    expect(logged).toHaveLength(1);
  });
});

describe('jobs', () => {
  const nextTick = () => new Promise((r) => setTimeout(r, 5));

  it('return an id at once, then report progress and the result as events', async () => {
    const events: StudioEvent[] = [];
    const jobs = new JobRunner((e) => events.push(e));
    const { jobId } = jobs.start(async (job) => {
      for (let i = 1; i <= 5; i++) job.progress(i, 5);
      return { signed: 5 };
    });
    expect(events).toEqual([]);
    while (!events.some((e) => 'jobId' in e && e.type === 'done')) await nextTick();
    // Throttled: the first and the last progress events, then done.
    expect(events).toEqual([
      { jobId, type: 'progress', done: 1, total: 5 },
      { jobId, type: 'progress', done: 5, total: 5 },
      { jobId, type: 'done', result: { signed: 5 } },
    ]);
    expect(jobs.active).toBe(0);
  });

  it('can be cancelled, and report failures as wire errors', async () => {
    const events: StudioEvent[] = [];
    const logged: unknown[] = [];
    const jobs = new JobRunner((e) => events.push(e), (e) => logged.push(e));
    const long = jobs.start(
      (job) =>
        new Promise((_resolve, reject) => {
          job.signal.addEventListener('abort', () => reject(new LaurelError('CANCELLED', 'stopped')));
        }),
    );
    await nextTick();
    expect(jobs.cancel(long.jobId)).toBe(true);
    expect(jobs.cancel('no-such-job')).toBe(false);
    const failing = jobs.start(async () => {
      throw new LaurelError('VALIDATION', 'Row 3 has no e-mail address.');
    });
    const buggy = jobs.start(async () => {
      throw new Error('stack-y internals');
    });
    while (events.length < 3) await nextTick();
    expect(events).toContainEqual({ jobId: long.jobId, type: 'cancelled' });
    expect(events).toContainEqual({ jobId: failing.jobId, type: 'failed', error: { code: 'VALIDATION', message: 'Row 3 has no e-mail address.' } });
    expect(events).toContainEqual({ jobId: buggy.jobId, type: 'failed', error: { code: 'INTERNAL', message: expect.not.stringContaining('stack-y') } });
    expect(logged).toHaveLength(1);
  });

  it('cancelJob is a contract method', async () => {
    const jobs = new JobRunner(() => undefined);
    const host = { studio: undefined as unknown as Studio, jobs, canSwitchWorkspace: false };
    expect(await callStudio(host, 'cancelJob', { jobId: 'nope' })).toEqual({ ok: true, value: { cancelled: false } });
  });
});
