/**
 * `laurel host add|connect|list|disconnect` and `laurel publish`, run as a user runs them (child
 * processes with the network guard; loopback only), against the test host. The consent page is
 * approved over HTTP from the address `host connect` prints.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Studio } from '../../core/api/index.ts';
import { laurel, scratch, ROOT } from '../cli/helpers.ts';
import { startTestHost, type TestHost } from '../host/server.ts';
import { ACHIEVEMENT, KEYRING, approveOverHttp, freePort, roster } from './helpers.ts';

const dir = scratch('laurel-publish-cli-');
const env: Record<string, string> = { LAUREL_WORKSPACE: path.join(dir, 'ws') };
let host: TestHost;
let ids: string[] = [];
let batchId = '';
let slowBatchId = '';

beforeAll(async () => {
  host = await startTestHost({ name: 'CLI Wallet' });
  env.LAUREL_CALLBACK_PORT = String(await freePort());
  if (!KEYRING) return;
  // The issuer and its credentials, made in-process in the same workspace (keys in the keychain).
  const studio = Studio.open({ workspace: env.LAUREL_WORKSPACE!, keystore: 'keychain', face: 'test' });
  try {
    const issuer = await studio.createIssuer({ name: 'Acme Training', url: 'https://acme.example' });
    for (const who of ['ada@example.org', 'grace@example.org']) ids.push((await studio.issueCredential({ issuer: issuer.id, achievement: ACHIEVEMENT, recipient: who })).credentialId);
    const prepared = await studio.prepareBatch({ issuer: issuer.id, roster: { bytes: roster(3), name: 'r.csv' }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out'), formats: ['json'] });
    await studio.runBatch(prepared.batch.id, { progressIntervalMs: 0 });
    batchId = prepared.batch.id;
    const slow = await studio.prepareBatch({ issuer: issuer.id, roster: { bytes: roster(4, 'Name,Email,Score', (i) => `Slow ${i},slow.${i}@example.org,70`), name: 's.csv' }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out-slow'), formats: ['json'] });
    await studio.runBatch(slow.batch.id, { progressIntervalMs: 0 });
    slowBatchId = slow.batch.id;
  } finally {
    studio.close();
  }
});

afterAll(() => host?.close());

/** `laurel host connect`: waits for the printed consent address, approves it, then for the exit. */
function connect(name: string): Promise<{ code: number; stdout: string; stderr: string; approved: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'laurel.mjs'), 'host', 'connect', name], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: `--import=${path.join(ROOT, 'test', 'setup', 'no-network.mjs')}`, ...env },
    });
    let stdout = '';
    let stderr = '';
    let approved = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)/.exec(stderr);
      if (m && !approved) {
        approved = m[1]!;
        approveOverHttp(approved).catch(reject);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, approved }));
    child.stdin.end();
  });
}

describe.runIf(KEYRING)('laurel host … and laurel publish', () => {
  it('adds a host, showing its name, terms and privacy before anything is registered', async () => {
    const r = await laurel(['host', 'add', host.url], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cli-wallet: CLI Wallet');
    expect(r.stdout).toContain(`terms:    ${host.url}/terms`);
    expect(r.stdout).toContain(`privacy:  ${host.url}/privacy`);
    expect(r.stdout).toContain('laurel host connect cli-wallet');
    expect(r.network).toEqual([]);
    expect(host.clients.size).toBe(0);
    const bad = await laurel(['host', 'add', 'http://wallet.example'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^laurel: /);
  });

  it('connects: prints the consent address, waits on the loopback port, keeps the secrets in the keychain', async () => {
    const r = await connect('cli-wallet');
    expect(r.stderr).toContain('Open this address in your browser');
    expect(r.code, r.stderr).toBe(0);
    expect(new URL(r.approved).searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${env.LAUREL_CALLBACK_PORT}/callback`);
    expect(r.stdout).toContain('Connected to CLI Wallet.');
    expect(r.stdout).toContain('OS keychain');
    const list = await laurel(['host', 'list', '--json'], { env });
    expect(list.code).toBe(0);
    const [view] = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(view).toMatchObject({ name: 'cli-wallet', connected: true, state: 'connected', canPublish: { ob: true, clr: true } });
    expect(view!.secretsKept).toMatch(/OS keychain/);
    const human = await laurel(['host', 'list'], { env });
    expect(human.stdout).toMatch(/status:\s+connected, access until \d{4}-/);
    expect(human.stdout).toContain('granted:  https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert');
  });

  it('publishes credentials by id and a whole batch, reading them back; again sends nothing', async () => {
    const one = await laurel(['publish', '--host', 'cli-wallet', ...ids], { env });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('cli-wallet: 2 published (of 2)');
    const batch = await laurel(['publish', '--host', 'cli-wallet', '--batch', batchId, '--json'], { env });
    expect(batch.code, batch.stderr).toBe(0);
    const summary = JSON.parse(batch.stdout) as { published: number; total: number; items: Array<{ outcome: string; httpStatus: number }> };
    expect(summary).toMatchObject({ published: 3, total: 3 });
    expect(host.store.ob.credentials.map((c) => c.credential.id)).toEqual(expect.arrayContaining(ids));
    expect(host.store.ob.credentials).toHaveLength(5);
    const again = await laurel(['publish', '--host', 'cli-wallet', ...ids], { env });
    expect(again.stdout).toContain('2 already there');
    expect(host.upserts).toHaveLength(5);
    const list = await laurel(['host', 'list'], { env });
    expect(list.stdout).toContain('holds:    5 credential(s)');
  });

  it('sends the issuer profile (putProfile)', async () => {
    const r = await laurel(['host', 'push-profile', 'cli-wallet', '--issuer', 'Acme Training'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Profile sent to cli-wallet (updated, HTTP 200).');
    expect(host.store.ob.profile).toMatchObject({ type: ['Profile'], name: 'Acme Training' });
    const again = await laurel(['host', 'push-profile', 'cli-wallet', '--issuer', 'Acme Training', '--json'], { env });
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'unchanged', httpStatus: 304 });
    const bad = await laurel(['host', 'push-profile', 'cli-wallet', '--issuer', 'Acme Training', '--api', 'xyz'], { env });
    expect(bad.stderr).toContain('--api must be ob or clr');
  });

  it('Ctrl-C stops after the current credential (exit 130); the same command resumes without sending anything twice', async () => {
    host.behaviour.delayMs = 700;
    const before = host.store.ob.credentials.length;
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'laurel.mjs'), 'publish', '--host', 'cli-wallet', '--batch', slowBatchId], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: `--import=${path.join(ROOT, 'test', 'setup', 'no-network.mjs')}`, ...env },
    });
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!interrupted && /Sending: /.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('Stopped. Run the same command again to send the rest.');
    expect(host.store.ob.credentials.length - before).toBeLessThan(4);
    host.behaviour.delayMs = 0;
    await new Promise((r) => setTimeout(r, 800)); // what was in flight lands
    const again = await laurel(['publish', '--host', 'cli-wallet', '--batch', slowBatchId, '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ total: 4, failed: 0 });
    expect(host.store.ob.credentials.length - before).toBe(4);
    const created = host.upserts.filter((u) => u.status === 201).map((u) => u.key);
    expect(new Set(created).size).toBe(created.length); // nothing created twice
  });

  it('explains wrong use and unknown things', async () => {
    const none = await laurel(['publish', '--host', 'cli-wallet'], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Which credentials?');
    const both = await laurel(['publish', '--host', 'cli-wallet', '--batch', batchId, ids[0]!], { env });
    expect(both.stderr).toContain('not both');
    const unknownHost = await laurel(['publish', '--host', 'nowhere', ids[0]!], { env });
    expect(unknownHost.stderr).toContain("No host 'nowhere' in this workspace. Known hosts: cli-wallet.");
    const unknownId = await laurel(['publish', '--host', 'cli-wallet', 'urn:uuid:00000000-0000-4000-8000-000000000000'], { env });
    expect(unknownId.stderr).toContain('Not in this workspace: urn:uuid:00000000-0000-4000-8000-000000000000');
    const help = await laurel(['publish', '--help'], { env });
    expect(help.stdout).toContain('laurel publish --host <name> --batch <batch id>');
  });

  it('disconnects (tokens revoked at the host); publishing then asks to connect again', async () => {
    expect(host.liveTokens().access).toBeGreaterThan(0);
    const r = await laurel(['host', 'disconnect', 'cli-wallet'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('its tokens were revoked at the host');
    expect(host.liveTokens()).toEqual({ access: 0, refresh: 0 });
    const p = await laurel(['publish', '--host', 'cli-wallet', ids[0]!], { env });
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('laurel host connect cli-wallet');
  });
});
