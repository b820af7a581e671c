/**
 * The CLI path, as a user runs it (child processes, an encrypted key file, the network guard):
 * set a status list URL, issue, revoke, export the list, verify against the list file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ACHIEVEMENT, PASSPHRASE, laurel, scratchDir, type RunResult } from './helpers.ts';

describe('laurel revoke / status-list export / verify --status-list', () => {
  const dir = scratchDir('laurel-status-cli-');
  const env = { LAUREL_WORKSPACE: path.join(dir, 'ws'), LAUREL_KEYSTORE: `file:${path.join(dir, 'keys.laurel')}`, LAUREL_KEY_PASSPHRASE: PASSPHRASE };
  const file = (name: string) => path.join(dir, name);
  const idOf = (name: string) => (JSON.parse(readFileSync(file(name), 'utf8')) as { id: string }).id;
  const runs: RunResult[] = [];
  const run = async (args: string[]) => {
    const r = await laurel(args, env);
    runs.push(r);
    return r;
  };
  let issuerId = '';
  let listFile = '';

  beforeAll(async () => {
    writeFileSync(file('achievement.json'), JSON.stringify(ACHIEVEMENT));
    const created = await run(['issuer', 'create', '--name', 'Acme Training', '--json']);
    expect(created.code, created.stderr).toBe(0);
    issuerId = JSON.parse(created.stdout).id;
    const issue = (out: string) => run(['issue', '--issuer', issuerId, '--achievement', file('achievement.json'), '--recipient', 'ada@example.org', '--out', file(out)]);
    expect((await issue('before.json')).code).toBe(0);

    const set = await run(['issuer', 'set-status-url', '--issuer', 'Acme Training', '--url', 'https://badges.acme.example/status/']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('will be hosted under https://badges.acme.example/status/');
    expect((await Promise.all([issue('revoked.json'), issue('fine.json')])).map((r) => r.code)).toEqual([0, 0]);

    const revoked = await run(['revoke', idOf('revoked.json'), '--reason', 'issued in error']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Revoked ${idOf('revoked.json')}.`);
    expect(revoked.stdout).toContain('laurel status-list export');

    const exported = await run(['status-list', 'export', '--issuer', issuerId, '--out', file('published'), '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    const [list] = JSON.parse(exported.stdout);
    expect(list).toMatchObject({ hostAt: 'https://badges.acme.example/status/acme-training-revocation-1.json', purpose: 'revocation', set: 1, allocated: 2 });
    listFile = list.file;
  });

  it('verify --status-list reports the revoked credential (exit 1) and the other one valid (exit 0)', async () => {
    const [revoked, fine, offline, before] = await Promise.all([
      run(['verify', file('revoked.json'), '--status-list', listFile]),
      run(['verify', file('fine.json'), '--status-list', listFile]),
      run(['verify', file('fine.json')]),
      run(['verify', file('before.json')]),
    ]);
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toMatch(/NOT VALID[\s\S]*\[FAIL\] Revocation status: revoked: entry \d+ is set/);
    expect(fine.code).toBe(0);
    expect(fine.stdout).toMatch(/\[PASS\] Revocation status: not revoked/);
    // No list and no network: could not check, exit 3.
    expect(offline.code).toBe(3);
    expect(offline.stdout).toMatch(/COULD NOT BE FULLY CHECKED[\s\S]*\[ \?\? \] Revocation status: could not check revocation/);
    // Issued before the URL was set: nothing to check, and still valid.
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/\[ -- \] Revocation status: the credential has no credentialStatus/);
  });

  it('refuses what the spec and the OB schema rule out, with the reason', async () => {
    const [suspend, reinstate, again] = await Promise.all([
      run(['suspend', idOf('fine.json')]),
      run(['reinstate', idOf('revoked.json')]),
      run(['revoke', idOf('revoked.json')]),
    ]);
    expect(suspend.code).toBe(2);
    expect(suspend.stderr).toMatch(/can't be suspended: it carries only a revocation entry/);
    expect(reinstate.code).toBe(2);
    expect(reinstate.stderr).toMatch(/revocation is permanent/);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/was already revoked; nothing changed/);
  });

  it('made no network call', () => {
    expect(runs.flatMap((r) => r.network)).toEqual([]);
  });
});
