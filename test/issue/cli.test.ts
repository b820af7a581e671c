/**
 * `laurel issue --roster` as a user runs it: a child process with a key file and a workspace in a
 * temp folder, real-looking rosters (Excel's BOM and semicolons, quoted names with commas,
 * duplicates differing in case, a Windows-1252 file, hostile names), a folder of baked badges
 * that unbake to credentials both verifiers accept. Also Ctrl-C and resume, achievement versions,
 * `laurel bake` and `laurel unbake`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unbake } from '../../core/bake/index.ts';
import type { Manifest } from '../../core/issue/index.ts';
import { verifyCredential } from '../../core/verify/index.ts';
import { laurel, ROOT } from '../cli/helpers.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { ACHIEVEMENT, PASSPHRASE, openStudio, scratchDir, sha256 } from './helpers.ts';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'rosters');

/** A workspace with one issuer (created in-process with a cheap key file) and the CLI's environment. */
async function workspace(prefix: string) {
  const dir = scratchDir(prefix);
  const studio = openStudio(dir);
  const issuer = await studio.createIssuer({ name: 'Acme Training' });
  studio.close();
  const achievementFile = path.join(dir, 'achievement.json');
  writeFileSync(achievementFile, JSON.stringify(ACHIEVEMENT, null, 2));
  const env = { LAUREL_WORKSPACE: path.join(dir, 'ws'), LAUREL_KEY_PASSPHRASE: PASSPHRASE };
  const keystore = `file:${path.join(dir, 'keys.laurel')}`;
  const issue = (args: string[]) => laurel(['issue', '--issuer', issuer.id, '--achievement', achievementFile, '--keystore', keystore, ...args], { env });
  const credentialCount = (): number => {
    const s = openStudio(dir);
    try {
      return (s.db.prepare('SELECT count(*) AS n FROM credentials').get() as { n: number }).n;
    } finally {
      s.close();
    }
  };
  return { dir, issuerId: issuer.id, achievementFile, env, keystore, issue, credentialCount };
}

function readManifest(outDir: string): Manifest {
  return JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as Manifest;
}

describe('laurel issue --roster', () => {
  it('refuses an Excel roster with bad rows, naming the lines, and signs nothing (exit 2)', async () => {
    const w = await workspace('cli-batch-bad');
    const outDir = path.join(w.dir, 'out');
    const r = await w.issue(['--roster', path.join(FIXTURES, 'excel-semicolon-bom.csv'), '--out', outDir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/UTF-8 \(with BOM\), delimiter ';'/);
    expect(r.stderr).toMatch(/email\s+← "E-Mail"/); // the guessed mapping is shown
    expect(r.stderr).toMatch(/3 of 5 learners are ready; 2 rows have problems/);
    expect(r.stderr).toMatch(/line 9 \(spreadsheet row 7\):\n\s+- invalid email 'bob@'/);
    expect(r.stderr).toMatch(/line 10 \(spreadsheet row 8\): duplicate learner: same email as line 2 \(differs only in case\)/);
    expect(r.stderr).toMatch(/--skip-bad-rows/);
    expect(existsSync(outDir)).toBe(false);
    expect(w.credentialCount()).toBe(0);
    expect(r.network).toEqual([]);
  });

  it('with --skip-bad-rows issues the good rows to a folder of baked badges that both verifiers accept', async () => {
    const w = await workspace('cli-batch-skip');
    const outDir = path.join(w.dir, 'badges');
    const r = await w.issue(['--roster', path.join(FIXTURES, 'excel-semicolon-bom.csv'), '--out', outDir, '--skip-bad-rows', '--format', 'json,png,svg']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Issued 3 credentials \(batch [0-9a-f-]+\) to /);
    expect(r.stdout).toMatch(/2 roster rows were skipped/);
    expect(r.stderr).toMatch(/Skipping 2 row\(s\) \(--skip-bad-rows\):\n\s+line 9/);
    expect(r.network).toEqual([]);

    const manifest = readManifest(outDir);
    expect(manifest.items.map((i) => i.recipient.name)).toEqual(['Zoë Müller', 'Ana García, Jr.', "Seán Patrick O'Brien"]);
    expect(manifest.skipped.map((s) => s.line)).toEqual([9, 10]);
    expect(readdirSync(outDir).sort()).toEqual(
      ['Ana García, Jr', "Seán Patrick O'Brien", 'Zoë Müller'].flatMap((n) => [`${n}.json`, `${n}.png`, `${n}.svg`]).concat(['manifest.json', 'summary.csv']).sort(),
    );
    for (const item of manifest.items) {
      for (const f of item.files) {
        const bytes = readFileSync(path.join(outDir, f.file));
        expect(sha256(bytes), f.file).toBe(f.sha256);
        if (f.format === 'json') continue;
        const text = unbake(bytes).text;
        expect(text.trimEnd()).toBe(readFileSync(path.join(outDir, `${path.parse(f.file).name}.json`), 'utf8').trimEnd());
        const ours = await verifyCredential(bytes);
        expect(ours.verdict, `${f.file}: ${JSON.stringify(ours.checks.filter((c) => c.status !== 'passed'))}`).toBe('valid');
        expect(dccAccepts(await dccVerify(JSON.parse(text) as object)), f.file).toBe(true);
      }
    }
    // The learner's data went into the credential as the roster had it.
    const zoe = JSON.parse(readFileSync(path.join(outDir, 'Zoë Müller.json'), 'utf8')) as { credentialSubject: Record<string, unknown> };
    expect(zoe.credentialSubject).toMatchObject({ name: 'Zoë Müller', creditsEarned: 1.5, activityStartDate: '2024-09-02T00:00:00Z', result: [{ value: '92' }] });
    const csv = readFileSync(path.join(outDir, 'summary.csv'), 'utf8');
    expect(csv).toMatch(/^\uFEFFname,email,learner_id,did,credential_id,json_file,png_file,svg_file\r\n/);
    expect(csv).toMatch(/\r\n"Ana García, Jr\.",ana@example\.org,S-002,,urn:uuid:[0-9a-f-]+,"Ana García, Jr\.json","Ana García, Jr\.png","Ana García, Jr\.svg"\r\n/);
  });

  it('refuses a Windows-1252 file unless --encoding is given, then reads it right', async () => {
    const w = await workspace('cli-batch-1252');
    const roster = path.join(FIXTURES, 'windows-1252.csv');
    const refused = await w.issue(['--roster', roster, '--out', path.join(w.dir, 'out')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not UTF-8/);
    expect(refused.stderr).toMatch(/--encoding windows-1252/);
    expect(w.credentialCount()).toBe(0);

    const r = await w.issue(['--roster', roster, '--encoding', 'windows-1252', '--out', path.join(w.dir, 'out'), '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(path.join(w.dir, 'out')).filter((f) => f.endsWith('.json')).sort()).toEqual(['François Dupont.json', 'Jürgen Groß.json', 'Zoë Müller.json', 'manifest.json']);
    const zoe = JSON.parse(readFileSync(path.join(w.dir, 'out', 'Zoë Müller.json'), 'utf8')) as { credentialSubject: Record<string, unknown> };
    expect(zoe.credentialSubject.narrative).toBe('Sehr gut – „bestanden“');
  });

  it('keeps hostile names inside the folder, safe on every OS, and unique', async () => {
    const w = await workspace('cli-batch-names');
    const rosterFile = path.join(w.dir, 'hostile.csv');
    const names = ['../../etc/passwd', 'CON', 'a/b\\c', '👩‍🎓 Zoë', '...', 'Ana', 'ANA', 'nul.txt', '.hidden', 'x'.repeat(300)];
    writeFileSync(rosterFile, 'Name,Email\n' + names.map((n, i) => `"${n}",l${i}@example.org`).join('\n') + '\n');
    const outDir = path.join(w.dir, 'out');
    const before = readdirSync(w.dir).sort();
    const r = await w.issue(['--roster', rosterFile, '--out', outDir, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(w.dir).sort()).toEqual([...before, 'out'].sort()); // nothing written beside the folder
    const files = readdirSync(outDir).filter((f) => f !== 'manifest.json' && f !== 'summary.csv');
    expect(files.sort()).toEqual(
      ['_.._etc_passwd.json', 'CON_.json', 'a_b_c.json', '👩‍🎓 Zoë.json', 'l4.json', 'Ana.json', 'ANA (2).json', 'nul.txt_.json', 'hidden.json', `${'x'.repeat(100)}.json`].sort(),
    );
    for (const f of files) {
      expect(f).not.toMatch(/[/\\<>:"|?*\u0000-\u001f]/);
      expect(Buffer.byteLength(f)).toBeLessThanOrEqual(255);
    }
    expect(readManifest(outDir).items.map((i) => i.recipient.name)).toEqual(names); // '...' has no usable letters: named after the email
  });

  it('makes achievement version 2 when the achievement file changes; earlier credentials keep version 1', async () => {
    const w = await workspace('cli-batch-versions');
    const rosterFile = path.join(w.dir, 'class.csv');
    writeFileSync(rosterFile, 'Name,Email\nAna,ana@example.org\nBo,bo@example.org\n');
    const first = await w.issue(['--roster', rosterFile, '--out', path.join(w.dir, 'v1'), '--format', 'json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/First Aid \(version 1\)/);
    writeFileSync(w.achievementFile, JSON.stringify({ ...ACHIEVEMENT, name: 'First Aid (2027)' }));
    const second = await w.issue(['--roster', rosterFile, '--out', path.join(w.dir, 'v2'), '--format', 'json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/First Aid \(2027\) \(version 2, new: the achievement changed since credentials were issued\)/);
    const nameIn = (dir: string) => (JSON.parse(readFileSync(path.join(w.dir, dir, 'Ana.json'), 'utf8')) as { credentialSubject: { achievement: { name: string } } }).credentialSubject.achievement.name;
    expect(nameIn('v1')).toBe('First Aid');
    expect(nameIn('v2')).toBe('First Aid (2027)');
    expect(readManifest(path.join(w.dir, 'v1')).achievement.version).toBe(1);
    expect(readManifest(path.join(w.dir, 'v2')).achievement.version).toBe(2);
    // --achievement can also name a stored achievement by id: its newest version.
    const byId = await laurel(['issue', '--issuer', w.issuerId, '--achievement', ACHIEVEMENT.id, '--keystore', w.keystore, '--roster', rosterFile, '--out', path.join(w.dir, 'by-id'), '--format', 'json', '--plaintext-identity'], { env: w.env });
    expect(byId.code, byId.stderr).toBe(0);
    expect(readManifest(path.join(w.dir, 'by-id')).achievement).toMatchObject({ name: 'First Aid (2027)', version: 2 });
  });

  it('stops cleanly on Ctrl-C, says how to resume, and the same command resumes', async () => {
    const w = await workspace('cli-batch-sigint');
    const rosterFile = path.join(w.dir, 'class.csv');
    writeFileSync(rosterFile, 'Name,Email\n' + Array.from({ length: 150 }, (_, i) => `Learner ${i},learner${i}@example.org`).join('\n') + '\n');
    const outDir = path.join(w.dir, 'out');
    const args = ['issue', '--issuer', w.issuerId, '--achievement', w.achievementFile, '--keystore', w.keystore, '--roster', rosterFile, '--out', outDir];
    const interrupted = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'laurel.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...w.env } });
      let stdout = '';
      let stderr = '';
      let sent = false;
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // The first progress line means signing has started: interrupt then.
        if (!sent && /\d+ of 150 signed/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toMatch(/Stopping after the credentials being signed now/);
    const batchId = /Run the same command again to resume batch ([0-9a-f-]+)/.exec(interrupted.stderr)?.[1];
    expect(batchId, interrupted.stderr).toBeTruthy();
    const signedBefore = w.credentialCount();
    expect(signedBefore).toBeLessThan(150);
    expect(readManifest(outDir).items).toHaveLength(signedBefore); // signed means exported: nothing half-done

    const resumed = await laurel(args, { env: w.env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`Resuming batch ${batchId}, ${signedBefore} of 150 already signed.`);
    expect(w.credentialCount()).toBe(150);
    expect(readManifest(outDir)).toMatchObject({ batchId, complete: true });
    expect(readManifest(outDir).items).toHaveLength(150);

    const again = await laurel(args, { env: w.env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/was already issued: 150 credentials .* \(all files present and unchanged\)/);
    expect(w.credentialCount()).toBe(150);
  });
});

describe('laurel bake / unbake', () => {
  it('bakes a credential into a PNG or SVG and reads it back byte for byte', async () => {
    const w = await workspace('cli-bake');
    const rosterFile = path.join(w.dir, 'class.csv');
    writeFileSync(rosterFile, 'Name,Email\nAna,ana@example.org\n');
    expect((await w.issue(['--roster', rosterFile, '--out', path.join(w.dir, 'out'), '--format', 'json,png'])).code).toBe(0);
    const json = path.join(w.dir, 'out', 'Ana.json');

    const unbaked = path.join(w.dir, 'unbaked.json');
    const u = await laurel(['unbake', path.join(w.dir, 'out', 'Ana.png'), '--out', unbaked]);
    expect(u.code, u.stderr).toBe(0);
    expect(readFileSync(unbaked).equals(readFileSync(json))).toBe(true);

    mkdirSync(path.join(w.dir, 'baked'));
    const svg = path.join(w.dir, 'baked', 'ana.svg');
    const b = await laurel(['bake', json, '--image', path.join(ROOT, 'resources', 'badges', 'default-badge.svg'), '--out', svg]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/Baked .* \(SVG\)/);
    const v = await laurel(['verify', svg]);
    expect(v.code, v.stdout).toBe(0);
    const printed = await laurel(['unbake', svg]);
    expect(printed.code).toBe(0);
    expect(printed.stdout.trimEnd()).toBe(readFileSync(json, 'utf8').trimEnd());
    expect((await laurel(['bake', json, '--image', path.join(ROOT, 'resources', 'badges', 'default-badge.svg'), '--out', svg])).code).toBe(2); // exists: needs --force
    const notImage = await laurel(['unbake', json]);
    expect(notImage.code).toBe(2);
  });
});
