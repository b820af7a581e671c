/**
 * The air-gapped workflow with `laurel` as two people run it on two machines: child processes,
 * two workspaces, the signer's runs under a guard that refuses any network use (loopback too),
 * files carried between them. Every exported credential is checked by verifier-core.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { ACHIEVEMENT, laurel, scratch } from '../cli/helpers.ts';

const hasKeyring = process.env.LAUREL_TEST_KEYRING === '1';
const STRICT = path.resolve(import.meta.dirname, 'strict-guard.mjs');

describe('laurel request / bundle / issuer export+import', () => {
  const dir = scratch('laurel-airgap-');
  const keyFile = path.join(dir, 'signer-keys.laurel');
  const signerEnv = { LAUREL_WORKSPACE: path.join(dir, 'signer'), LAUREL_KEY_PASSPHRASE: 'signer key file passphrase', NODE_OPTIONS: `--import=${STRICT}` };
  const signerKs = hasKeyring ? [] : ['--keystore', `file:${keyFile}`];
  const preparerEnv = { LAUREL_WORKSPACE: path.join(dir, 'preparer') };
  const signer = (args: string[]) => laurel([...args, ...signerKs], { env: signerEnv });
  const preparer = (args: string[]) => laurel(args, { env: preparerEnv });
  const achievementFile = path.join(dir, 'achievement.json');
  const rosterFile = path.join(dir, 'class.csv');
  let issuerId = '';

  beforeAll(async () => {
    writeFileSync(achievementFile, JSON.stringify(ACHIEVEMENT));
    writeFileSync(rosterFile, 'Full Name;E-Mail;Grade\nAda Lovelace;ada@example.org;A\nAlan Turing;alan@example.org;B\nGrace Hopper;grace@example.org;A\n');
    const created = await signer(['issuer', 'create', '--name', 'Acme University', '--json']);
    expect(created.code, created.stderr).toBe(0);
    issuerId = (JSON.parse(created.stdout) as { id: string }).id;
    expect((await signer(['settings', 'air-gapped', 'on'])).stdout).toMatch(/Air-gapped mode is on/);
  }, 60_000);

  it('issuer export → import → request create → review → sign → bundle import, the signer opening no connection', async () => {
    const issuerFile = path.join(dir, 'acme.issuer.json');
    const exp = await signer(['issuer', 'export', issuerId, '--out', issuerFile]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(readFileSync(issuerFile, 'utf8')).not.toMatch(/private|secret|"d"\s*:/i);
    const imp = await preparer(['issuer', 'import', issuerFile]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toContain(`Imported Acme University (${issuerId})`);
    // The preparer can't sign for it.
    const direct = await preparer(['issue', '--issuer', issuerId, '--achievement', achievementFile, '--recipient', 'x@example.org', '--out', path.join(dir, 'x.json')]);
    expect(direct.code).toBe(2);
    expect(direct.stderr).toMatch(/air-gapped signing machine.*laurel request create/);

    const requestFile = path.join(dir, 'request.json');
    const created = await preparer(['request', 'create', '--issuer', issuerId, '--achievement', achievementFile, '--roster', rosterFile, '--map', 'name=Full Name', '--out', requestFile, '--format', 'json,png']);
    expect(created.code, created.stderr).toBe(0);
    const fp = /fingerprint: ([0-9a-f ]+?)\s{2}/.exec(created.stdout)?.[1];
    expect(fp).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){4}$/);

    const review = await signer(['request', 'review', requestFile]);
    expect(review.code, review.stderr).toBe(0);
    expect(review.network).toEqual([]);
    expect(review.stdout).toContain(`fingerprint:  ${fp}`);
    expect(review.stdout).toContain(`sign as:      Acme University (${issuerId})`);
    expect(review.stdout).toContain('Intro to SQL');
    expect(review.stdout).toMatch(/3 credentials/);
    expect(review.stdout).toContain('Grace Hopper <grace@example.org>');
    expect(review.stdout).toContain('warnings:     none');
    const search = await signer(['request', 'review', requestFile, '--search', 'turing']);
    expect(search.stdout).toMatch(/recipients matching "turing": 1 of 3/);
    expect(search.stdout).not.toContain('Ada Lovelace');

    const shown = await signer(['request', 'review', requestFile, '--show', '2']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Row 2, Alan Turing <alan@example.org>: the credential as it would be signed');
    const credential = JSON.parse(shown.stdout.slice(shown.stdout.indexOf('{'))) as { credentialSubject: { name: string }; proof?: unknown };
    expect(credential.credentialSubject.name).toBe('Alan Turing');
    expect(credential.proof).toBeUndefined();

    const bundleFile = path.join(dir, 'bundle.json');
    const signed = await signer(['request', 'sign', requestFile, '--out', bundleFile]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.network).toEqual([]);
    expect(signed.stdout).toMatch(/Approved request .*: signed 3 credentials as Acme University/);

    const out = path.join(dir, 'export');
    const imported = await preparer(['bundle', 'import', bundleFile, '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/Imported bundle .*: 3 credentials, every signature verified/);
    const jsons = readdirSync(out).filter((f) => f.endsWith('.json') && f !== 'manifest.json');
    expect(jsons).toHaveLength(3);
    expect(readdirSync(out).filter((f) => f.endsWith('.png'))).toHaveLength(3);
    for (const f of jsons) expect(dccAccepts(await dccVerify(JSON.parse(readFileSync(path.join(out, f), 'utf8')) as object)), f).toBe(true);
    const verified = await preparer(['verify', path.join(out, jsons[0]!)]);
    expect(verified.stdout).toMatch(/: VALID/);

    const listed = await preparer(['request', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/Made here \(preparer\):\n .* 3 credentials, imported · batch .*Intro to SQL: imported/);
    const opened = await signer(['request', 'list']);
    expect(opened.stdout).toMatch(/Opened here \(signer\):\n .* 3 credentials, approved/);

    // The same bundle again: a replay.
    const again = await preparer(['bundle', 'import', bundleFile]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already imported/);
  }, 180_000);

  it('a changed byte in the request is refused with what differs; a rejection is recorded', async () => {
    const requestFile = path.join(dir, 'request2.json');
    writeFileSync(path.join(dir, 'class2.csv'), 'Name,Email\nEdsger Dijkstra,edsger@example.org\nBarbara Liskov,barbara@example.org\nNo Address,not-an-address\n');
    const created = await preparer(['request', 'create', '--issuer', issuerId, '--achievement', achievementFile, '--roster', path.join(dir, 'class2.csv'), '--out', requestFile, '--skip-bad-rows']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toMatch(/Left out \(--skip-bad-rows\):\n {2}line 4/);
    expect(created.stdout).toMatch(/2 credentials of "Intro to SQL"/);
    const text = readFileSync(requestFile, 'utf8');
    const tamperedFile = path.join(dir, 'request2-tampered.json');
    writeFileSync(tamperedFile, text.replace('barbara@example.org', 'barbara@evil.example'));
    const refused = await signer(['request', 'review', tamperedFile]);
    expect(refused.code).toBe(2);
    expect(refused.network).toEqual([]);
    expect(refused.stderr).toMatch(/changed after it was prepared/);
    expect(refused.stderr).toMatch(/its recipient \(now Barbara Liskov <barbara@evil\.example>\) differs from what was prepared/);
    const signedTampered = await signer(['request', 'sign', tamperedFile, '--out', path.join(dir, 'never.json')]);
    expect(signedTampered.code).toBe(2);

    const rejected = await signer(['request', 'reject', requestFile, '--reason', 'wrong term']);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toMatch(/Rejected request .* \(wrong term\); nothing was signed/);
    const late = await signer(['request', 'sign', requestFile, '--out', path.join(dir, 'late.json')]);
    expect(late.code).toBe(2);
    expect(late.stderr).toMatch(/was rejected here .*wrong term/);
  }, 120_000);

  it('a request with warnings is signed only with --accept-warnings', async () => {
    const requestFile = path.join(dir, 'request3.json');
    writeFileSync(path.join(dir, 'class3.csv'), 'Name,Email\nKaren Sparck Jones,karen@example.org\n');
    const created = await preparer(['request', 'create', '--issuer', issuerId, '--achievement', achievementFile, '--roster', path.join(dir, 'class3.csv'), '--out', requestFile, '--valid-from', '2020-01-01T00:00:00Z', '--valid-until', '2021-01-01T00:00:00Z']);
    expect(created.code, created.stderr).toBe(0);
    const refused = await signer(['request', 'sign', requestFile, '--out', path.join(dir, 'bundle3.json')]);
    expect(refused.code).toBe(2);
    expect(refused.network).toEqual([]);
    expect(refused.stderr).toMatch(/Nothing was signed: the review of request .* warns about:\n {2}! The credentials expire on 2021-01-01T00:00:00Z/);
    expect(refused.stderr).toMatch(/add --accept-warnings/);
    const signed = await signer(['request', 'sign', requestFile, '--out', path.join(dir, 'bundle3.json'), '--accept-warnings']);
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.network).toEqual([]);
  }, 120_000);

  it('air-gapped mode refuses online verification in the CLI', async () => {
    const r = await signer(['verify', 'https://badges.example/credential.json', '--online']);
    expect(r.code).toBe(2);
    expect(r.network).toEqual([]);
    expect(r.stderr).toMatch(/Air-gapped mode is on/);
    const off = await preparer(['settings', 'air-gapped']);
    expect(off.stdout).toMatch(/Air-gapped mode is off/);
  }, 60_000);
});
