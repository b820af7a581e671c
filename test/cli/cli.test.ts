/**
 * The `laurel` CLI end to end, as a user runs it: child processes, a real workspace file, the
 * real keychain (gnome-keyring started by `npm test`) or an encrypted key file, and the network
 * guard loaded into every run. Outputs are checked by independent tools: verifier-core for
 * Data Integrity, jose for VC-JWT, both official schema builds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as jose from 'jose';
import { laurel, scratch, ACHIEVEMENT } from './helpers.ts';
import { verifyCredential } from '../../core/verify/index.ts';
import { schemaIssues } from '../../core/model/schemas.ts';
import { publicKeyFromMultibase } from '../../core/keys/index.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';

const hasKeyring = process.env.LAUREL_TEST_KEYRING === '1';

function stringLeaves(v: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  if (typeof v === 'string') out.push(at);
  else if (Array.isArray(v)) v.forEach((x, i) => stringLeaves(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== '@context') stringLeaves(x, [...at, k], out);
  return out;
}

function mutate(doc: unknown, at: Array<string | number>): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = at.at(-1)!;
  const s = node[last] as string;
  // Change one character in the middle, keeping the string's shape (a z-multibase stays one).
  const i = Math.max(1, Math.floor(s.length / 2));
  const ch = s[i] === 'a' ? 'b' : 'a';
  node[last] = s.slice(0, i) + ch + s.slice(i + 1);
  return copy;
}

describe.skipIf(!hasKeyring)('laurel with the OS keychain (default key store)', () => {
  const dir = scratch();
  const env = { LAUREL_WORKSPACE: path.join(dir, 'ws') };
  const achievementFile = path.join(dir, 'achievement.json');
  let issuerId = '';
  let credential: Record<string, unknown>;

  beforeAll(async () => {
    writeFileSync(achievementFile, JSON.stringify(ACHIEVEMENT, null, 2));
    const created = await laurel(['issuer', 'create', '--name', 'Acme Training', '--url', 'https://acme.example', '--email', 'badges@acme.example', '--json'], { env });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const view = JSON.parse(created.stdout);
    issuerId = view.id;
    expect(issuerId).toMatch(/^did:key:z6Mk/);
    expect(view.keyLocation).toBe('the OS keychain');
    expect(created.network).toEqual([]);
  });

  it('lists the issuer and says the key lives in the keychain', async () => {
    const r = await laurel(['issuer', 'list'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Acme Training');
    expect(r.stdout).toContain(issuerId);
    expect(r.stdout).toContain('the OS keychain');
  });

  it('issues a JSON credential that our verifier, verifier-core and both schema builds accept', async () => {
    const out = path.join(dir, 'jane.json');
    const r = await laurel(['issue', '--issuer', issuerId, '--achievement', achievementFile, '--recipient', 'Jane.Doe@Example.org', '--name', 'Jane Doe', '--out', out], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.network).toEqual([]);
    credential = JSON.parse(readFileSync(out, 'utf8'));

    expect(credential['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
    ]);
    expect(credential.proof).toEqual([expect.objectContaining({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod' })]);
    const subject = credential.credentialSubject as { identifier: Array<Record<string, unknown>>; name: string };
    expect(subject.name).toBe('Jane Doe');
    expect(subject.identifier[0]).toMatchObject({ type: 'IdentityObject', hashed: true, identityType: 'emailAddress' });
    expect(subject.identifier[0]!.identityHash).toMatch(/^sha256\$[0-9a-f]{64}$/);

    expect(schemaIssues(credential, 'achievement', 'json-ld')).toEqual([]);
    expect(schemaIssues(credential, 'achievement', 'formal')).toEqual([]);

    const ours = await laurel(['verify', out, '--json'], { env });
    expect(ours.code).toBe(0);
    expect(JSON.parse(ours.stdout).verdict).toBe('valid');
    expect(ours.network).toEqual([]);

    expect(dccAccepts(await dccVerify(credential))).toBe(true);
  });

  it('a one-character change anywhere makes both our verifier and verifier-core fail', async () => {
    const leaves = stringLeaves(credential);
    expect(leaves.length).toBeGreaterThan(15);
    for (const at of leaves) {
      const tampered = mutate(credential, at);
      const report = await verifyCredential(JSON.stringify(tampered));
      expect(report.verdict, `ours accepted a change at ${at.join('.')}`).not.toBe('valid');
      expect(dccAccepts(await dccVerify(tampered as object)), `verifier-core accepted a change at ${at.join('.')}`).toBe(false);
    }
    // And through the CLI, for one of them: exit status 1.
    const file = path.join(dir, 'tampered.json');
    writeFileSync(file, JSON.stringify(mutate(credential, ['credentialSubject', 'achievement', 'name'])));
    const r = await laurel(['verify', file], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[FAIL] Signature');
  });

  it('backs up the key and restores it into an encrypted key file, which then signs', async () => {
    const backup = path.join(dir, 'keys.backup');
    const pass = { LAUREL_BACKUP_PASSPHRASE: 'backup passphrase 1' };
    const b = await laurel(['keys', 'backup', '--out', backup], { env: { ...env, ...pass } });
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const bytes = readFileSync(backup);
    expect(bytes.toString('utf8')).not.toMatch(/PRIVATE KEY|"d"\s*:/);

    const keyFile = path.join(dir, 'keys.laurel');
    const fileEnv = { ...env, ...pass, LAUREL_KEY_PASSPHRASE: 'key file passphrase' };
    const wrong = await laurel(['keys', 'restore', backup, '--keystore', `file:${keyFile}`], { env: { ...fileEnv, LAUREL_BACKUP_PASSPHRASE: 'not the passphrase' } });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);

    const r = await laurel(['keys', 'restore', backup, '--keystore', `file:${keyFile}`], { env: fileEnv });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse((await laurel(['issuer', 'list', '--json'], { env })).stdout);
    expect(list[0].keyLocation).toBe(`the encrypted key file ${keyFile}`);

    const out = path.join(dir, 'after-restore.json');
    const issued = await laurel(['issue', '--issuer', 'Acme Training', '--achievement', achievementFile, '--recipient', 'did:example:bob', '--out', out], { env: fileEnv });
    expect(issued.stderr).toBe('');
    expect((await verifyCredential(readFileSync(out))).verdict).toBe('valid');
  });
});

describe('laurel with an encrypted key file', () => {
  const dir = scratch();
  const keyFile = path.join(dir, 'keys.laurel');
  const env = { LAUREL_WORKSPACE: path.join(dir, 'ws'), LAUREL_KEY_PASSPHRASE: 'a long test passphrase' };
  const ks = ['--keystore', `file:${keyFile}`];
  const achievementFile = path.join(dir, 'achievement.json');
  writeFileSync(achievementFile, JSON.stringify(ACHIEVEMENT));

  for (const [keyType, alg] of [['p256', 'ES256'], ['rsa', 'RS256']] as const) {
    it(`issues a VC-JWT (${alg}) whose signature and claims jose checks independently`, async () => {
      const created = await laurel(['issuer', 'create', '--name', `JWT ${alg}`, '--key', keyType, '--json', ...ks], { env });
      expect(created.stderr).toBe('');
      const issuer = JSON.parse(created.stdout);
      const out = path.join(dir, `${alg}.jwt`);
      const validUntil = '2031-06-30T23:59:59Z';
      const r = await laurel(['issue', ...ks, '--issuer', issuer.id, '--achievement', achievementFile, '--recipient', 'did:example:learner-7', '--format', 'jwt', '--valid-until', validUntil, '--out', out], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.network).toEqual([]);
      const jws = readFileSync(out, 'utf8').trim();

      const header = jose.decodeProtectedHeader(jws);
      expect(Object.keys(header).sort()).toEqual(['alg', 'kid']);
      expect(header).toEqual({ alg, kid: issuer.verificationMethod });
      // jose verifies with the issuer's public key taken from its did:key, independently of our verifier.
      const key = publicKeyFromMultibase(issuer.publicKeyMultibase).keyObject;
      const { payload } = await jose.jwtVerify(jws, key, { algorithms: [alg], issuer: issuer.id, subject: 'did:example:learner-7' });
      const vc = payload as Record<string, unknown> & { credentialSubject: { id: string } };
      expect(payload.iss).toBe((vc.issuer as { id: string }).id);
      expect(payload.jti).toBe(vc.id);
      expect(payload.sub).toBe(vc.credentialSubject.id);
      expect(payload.nbf).toBe(Date.parse(vc.validFrom as string) / 1000);
      expect(payload.exp).toBe(Date.parse(validUntil) / 1000);
      expect(vc.proof).toBeUndefined();

      const v = await laurel(['verify', out, '--json'], { env });
      const report = JSON.parse(v.stdout);
      expect(v.code).toBe(0);
      expect(report.format).toBe('jwt');
      expect(report.checks.find((c: { id: string }) => c.id === 'jwt-claims').status).toBe('passed');

      // A changed payload no longer verifies, for jose or for us.
      const [h, p, s] = jws.split('.');
      const changed = JSON.parse(Buffer.from(p!, 'base64url').toString());
      changed.credentialSubject.achievement.name = 'Advanced SQL';
      const forged = `${h}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${s}`;
      await expect(jose.jwtVerify(forged, key)).rejects.toThrow();
      writeFileSync(path.join(dir, 'forged.jwt'), forged);
      expect((await laurel(['verify', path.join(dir, 'forged.jwt')], { env })).code).toBe(1);
    });
  }

  it('writes the did.json for a did:web issuer and says where to host it', async () => {
    const r = await laurel(['issuer', 'create', '--name', 'Web Org', '--did', 'web:badges.acme.example%3A8443:issuers:main', ...ks], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('did:web:badges.acme.example%3A8443:issuers:main');
    expect(r.stdout).toContain('https://badges.acme.example:8443/issuers/main/did.json');
    const file = /Upload (\S+)/.exec(r.stdout)![1]!;
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.id).toBe('did:web:badges.acme.example%3A8443:issuers:main');
    expect(doc.verificationMethod[0]).toMatchObject({ type: 'Multikey', controller: doc.id, id: `${doc.id}#key-1` });
  });

  it('an https issuer id gets a #<publicKeyMultibase> key', async () => {
    const r = await laurel(['issuer', 'create', '--name', 'Hosted Org', '--did', 'url:https://acme.example/issuers/1', '--json', ...ks], { env });
    expect(r.stderr).toBe('');
    const issuer = JSON.parse(r.stdout);
    expect(issuer.id).toBe('https://acme.example/issuers/1');
    expect(issuer.verificationMethod).toBe(`https://acme.example/issuers/1#${issuer.publicKeyMultibase}`);
    const out = path.join(dir, 'hosted.json');
    await laurel(['issue', ...ks, '--issuer', issuer.id, '--achievement', achievementFile, '--recipient', 'sam@example.org', '--out', out], { env });
    expect((await verifyCredential(readFileSync(out))).verdict).toBe('valid');
  });

  it('gives one clear line and exit 2 for bad input, never a stack trace', async () => {
    const badJson = path.join(dir, 'bad.json');
    writeFileSync(badJson, '{"id": "urn:uuid:1", "name": ');
    const noDescription = path.join(dir, 'nodesc.json');
    writeFileSync(noDescription, JSON.stringify({ ...ACHIEVEMENT, description: undefined }));
    const cases: Array<[string[], RegExp]> = [
      [['issue', ...ks, '--issuer', 'Nobody', '--achievement', achievementFile, '--recipient', 'a@b.org', '--out', path.join(dir, 'x.json')], /No issuer 'Nobody'/],
      [['issue', ...ks, '--issuer', 'Hosted Org', '--achievement', badJson, '--recipient', 'a@b.org', '--out', path.join(dir, 'x.json')], /bad\.json is not valid JSON/],
      [['issue', ...ks, '--issuer', 'Hosted Org', '--achievement', noDescription, '--recipient', 'a@b.org', '--out', path.join(dir, 'x.json')], /nodesc\.json: The achievement is not valid: \$\.description/],
      [['issue', ...ks, '--issuer', 'Hosted Org', '--achievement', path.join(dir, 'missing.json'), '--recipient', 'a@b.org', '--out', path.join(dir, 'x.json')], /no such file/],
      [['issue', ...ks, '--issuer', 'Hosted Org', '--achievement', achievementFile, '--recipient', 'not an address', '--out', path.join(dir, 'x.json')], /neither an e-mail address nor a DID/],
      [['issue', ...ks, '--issuer', 'Hosted Org', '--achievement', achievementFile, '--recipient', 'a@b.org'], /missing --out/],
      [['issue', ...ks, '--issuer', 'Hosted Org', '--achievement', achievementFile, '--recipient', 'a@b.org', '--out', path.join(dir, 'badge.png')], /one credential is written as \.json or \.jwt.*laurel bake/],
      [['issuer', 'create', '--name', 'X', '--key', 'dsa', ...ks], /--key must be ed25519, p256 or rsa/],
      [['issuer', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const r = await laurel(args, { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const wrongPass = await laurel(['issue', ...ks, '--issuer', 'Hosted Org', '--achievement', achievementFile, '--recipient', 'a@b.org', '--out', path.join(dir, 'x.json')], { env: { ...env, LAUREL_KEY_PASSPHRASE: 'wrong passphrase!' } });
    expect(wrongPass.code).toBe(2);
    expect(wrongPass.stderr).toMatch(/passphrase/i);
  });

  it('refuses to overwrite an output file unless --force', async () => {
    const out = path.join(dir, 'twice.json');
    const args = ['issue', ...ks, '--issuer', 'Hosted Org', '--achievement', achievementFile, '--recipient', 'a@b.org', '--out', out];
    expect((await laurel(args, { env })).code).toBe(0);
    const first = readFileSync(out, 'utf8');
    const again = await laurel(args, { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(readFileSync(out, 'utf8')).toBe(first);
    expect((await laurel([...args, '--force'], { env })).code).toBe(0);
  });

  it('verify: 2 for unusable input, 3 when a key could not be checked offline', async () => {
    const junk = path.join(dir, 'junk.txt');
    writeFileSync(junk, 'hello, I am not a credential');
    const r = await laurel(['verify', junk], { env });
    expect(r.code).toBe(2);

    await laurel(['issuer', 'create', '--name', 'Web JWT', '--key', 'p256', '--did', 'web:jwt.acme.example', ...ks], { env });
    const out = path.join(dir, 'web.jwt');
    await laurel(['issue', ...ks, '--issuer', 'Web JWT', '--achievement', achievementFile, '--recipient', 'a@b.org', '--format', 'jwt', '--out', out], { env });
    const v = await laurel(['verify', out, '--json'], { env });
    expect(v.code).toBe(3);
    const report = JSON.parse(v.stdout);
    expect(report.verdict).toBe('indeterminate');
    expect(report.checks.find((c: { id: string }) => c.id === 'proof')).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/could not/) });
    expect(v.network).toEqual([]);
  });

  it('every command answers --help', async () => {
    for (const cmd of [[], ['issuer', 'create'], ['issuer', 'list'], ['issue'], ['verify'], ['keys', 'backup'], ['keys', 'restore']]) {
      const r = await laurel([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: laurel/);
    }
  });
});

describe.skipIf(!hasKeyring)('laurel without a reachable keychain', () => {
  it('says so in one line (exit 2) and names the alternative', async () => {
    const dir = scratch();
    const r = await laurel(['issuer', 'create', '--name', 'No Keychain'], {
      env: { LAUREL_WORKSPACE: path.join(dir, 'ws'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/keychain|Secret Service/i);
    expect(r.stderr).toMatch(/file:/);
  });
});
