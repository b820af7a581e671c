/**
 * Batch issuance through the Studio API: prepare (roster → batch with credential ids), run (sign
 * in workers, store, export), the same roster found again, cancel and resume, repairs of exported
 * files, identity modes, formats, achievement versions, status entries.
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { unbake } from '../../core/bake/index.ts';
import { defaultBadgePng, renderDefaultBadgeSvg, type BatchProgress, type Manifest } from '../../core/issue/index.ts';
import { resourcePath } from '../../core/util/resources.ts';
import { hashIdentity } from '../../core/model/index.ts';
import type { Studio } from '../../core/api/index.ts';
import { isLaurelError } from '../../core/util/errors.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { ACHIEVEMENT, credentialRows, roster, sha256, studioWithIssuer } from './helpers.ts';

const opened: Studio[] = [];
afterAll(() => opened.forEach((s) => s.close()));

async function setup(prefix: string, issuer = {}) {
  const s = await studioWithIssuer(prefix, issuer);
  opened.push(s.studio);
  return s;
}

async function rejects(p: Promise<unknown>, code: string): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (!isLaurelError(e)) throw e;
    expect(e.code, e.message).toBe(code);
    return e.message;
  }
  throw new Error(`expected a LaurelError ${code}`);
}

describe('batch issuance', () => {
  it('signs, stores and exports one credential per learner, with a manifest that matches the files', async () => {
    const { dir, studio, issuerId } = await setup('batch-basic');
    const outDir = path.join(dir, 'out');
    const prepared = await studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(20), name: 'class.csv' }, achievement: { json: ACHIEVEMENT }, outDir, formats: ['json', 'png', 'svg'] });
    expect(prepared.status).toBe('new');
    expect(prepared.batch.total).toBe(20);
    expect(prepared.batch.counts.pending).toBe(20);
    expect(prepared.inspection.identity).toBe('email');
    expect(existsSync(outDir)).toBe(false); // preparing writes nothing to the export folder

    const events: BatchProgress[] = [];
    const summary = await studio.runBatch(prepared.batch.id, { onProgress: (p) => events.push(p), progressIntervalMs: 0 });
    expect(summary.state).toBe('completed');
    expect(summary.counts).toMatchObject({ exported: 20, pending: 0, signed: 0, failed: 0 });
    expect(summary.signedThisRun).toBe(20);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ batchId: prepared.batch.id, done: 20, total: 20, signed: 20, exported: 20, failed: 0, etaSeconds: 0 });
    for (let i = 1; i < events.length; i++) expect(events[i]!.signed).toBeGreaterThanOrEqual(events[i - 1]!.signed);

    const rows = credentialRows(studio.db, prepared.batch.id);
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.credential_id)).size).toBe(20);

    const manifest = JSON.parse(readFileSync(summary.manifest, 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ batchId: prepared.batch.id, complete: true, achievement: { id: ACHIEVEMENT.id, version: 1 } });
    expect(manifest.items).toHaveLength(20);
    const files = readdirSync(outDir).sort();
    expect(files).toHaveLength(20 * 3 + 2);
    expect(files).toContain('manifest.json');
    expect(files).toContain('summary.csv');
    const byId = new Map(rows.map((r) => [r.credential_id, r]));
    for (const item of manifest.items) {
      const stored = byId.get(item.credentialId)!;
      expect(item.files.map((f) => f.format)).toEqual(['json', 'png', 'svg']);
      for (const f of item.files) {
        const bytes = readFileSync(path.join(outDir, f.file));
        expect(sha256(bytes), f.file).toBe(f.sha256);
        expect(bytes.length).toBe(f.bytes);
        // The JSON file is the stored bytes; a PNG carries exactly the stored bytes, an SVG the
        // same less the final line break (unbaking an SVG trims the element's text).
        const body = stored.body.toString('utf8');
        if (f.format === 'json') expect(bytes.toString('utf8'), f.file).toBe(body);
        else if (f.format === 'png') expect(unbake(bytes).text, f.file).toBe(body);
        else expect(unbake(bytes).text, f.file).toBe(body.trimEnd());
      }
    }

    // Our verifier accepts every file; verifier-core accepts a sample, unbaked from both image kinds.
    for (const item of manifest.items.slice(0, 5)) {
      for (const f of item.files) {
        const report = await studio.verify(readFileSync(path.join(outDir, f.file)));
        expect(report.verdict, `${f.file}: ${JSON.stringify(report.checks.filter((c) => c.status !== 'passed'))}`).toBe('valid');
      }
    }
    for (const f of manifest.items[0]!.files) {
      const bytes = readFileSync(path.join(outDir, f.file));
      const text = f.format === 'json' ? bytes.toString('utf8') : unbake(bytes).text;
      expect(dccAccepts(await dccVerify(JSON.parse(text) as object)), f.file).toBe(true);
    }

    // The mail-merge summary: a BOM for Excel, a header, one line per learner.
    const csv = readFileSync(summary.summaryCsv, 'utf8');
    expect(csv.startsWith('\uFEFFname,email,learner_id,did,credential_id,json_file,png_file,svg_file\r\n')).toBe(true);
    expect(csv.trim().split('\r\n')).toHaveLength(21);

    // Audit: one credential.issue entry per credential, and the batch's own entries.
    const audit = studio.db.prepare("SELECT action, count(*) AS n FROM audit_log WHERE action LIKE 'credential.issue' OR action LIKE 'batch.%' GROUP BY action").all() as Array<{ action: string; n: number }>;
    expect(Object.fromEntries(audit.map((a) => [a.action, a.n]))).toEqual({ 'credential.issue': 20, 'batch.prepare': 1, 'batch.complete': 1 });
  });

  it('hashes each email with its own random salt by default; plaintext, DID and learner id on request', async () => {
    const { dir, studio, issuerId } = await setup('batch-identity');
    const subjects = async (name: string, bytes: Buffer, extra: Record<string, unknown> = {}) => {
      const p = await studio.prepareBatch({ issuer: issuerId, roster: { bytes, ...(extra.identity ? { identity: extra.identity as 'did' } : {}) }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, name), formats: ['json'], ...extra });
      await studio.runBatch(p.batch.id);
      return credentialRows(studio.db, p.batch.id).map((r) => (JSON.parse(r.body.toString('utf8')) as { credentialSubject: Record<string, unknown> }).credentialSubject);
    };
    const hashed = await subjects('hashed', roster(3, 'Name,Email', (i) => `Learner ${i},Learner.${i}@Example.org`));
    const salts = new Set<string>();
    for (const [i, s] of hashed.entries()) {
      const id = (s.identifier as Array<Record<string, string>>)[0]!;
      expect(id).toMatchObject({ type: 'IdentityObject', hashed: true, identityType: 'emailAddress' });
      // Hashed lowercased, as verifiers try first.
      expect(id.identityHash).toBe(hashIdentity(`learner.${i + 1}@example.org`, id.salt));
      salts.add(id.salt!);
    }
    expect(salts.size).toBe(3);

    const plain = await subjects('plain', roster(2), { plaintextIdentity: true });
    expect((plain[0]!.identifier as unknown[])[0]).toEqual({ type: 'IdentityObject', hashed: false, identityHash: 'learner.1@example.org', identityType: 'emailAddress' });

    const dids = await subjects('did', roster(2, 'Name,DID', (i) => `Learner ${i},did:example:learner${i}`), { identity: 'did' });
    expect(dids[0]).toMatchObject({ id: 'did:example:learner1', name: 'Learner 1' });
    expect(dids[0]!.identifier).toBeUndefined();

    const ids = await subjects('learner-id', roster(2, 'Name,Student ID', (i) => `Learner ${i},S-00${i}`), { identity: 'learnerId' as never });
    const entry = (ids[1]!.identifier as Array<Record<string, string>>)[0]!;
    expect(entry).toMatchObject({ hashed: true, identityType: 'sisSourcedId' });
    expect(entry.identityHash).toBe(hashIdentity('S-002', entry.salt));
  });

  it('finds the same batch again for the same roster bytes and options, and a new one when they change', async () => {
    const { dir, studio, issuerId } = await setup('batch-same');
    const input = { issuer: issuerId, roster: { bytes: roster(4) }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out') };
    const first = await studio.prepareBatch(input);
    const again = await studio.prepareBatch(input);
    expect(again.status).toBe('resume');
    expect(again.batch.id).toBe(first.batch.id);
    await studio.runBatch(first.batch.id);
    const done = await studio.prepareBatch(input);
    expect(done.status).toBe('complete');
    expect(done.batch.id).toBe(first.batch.id);
    // Running a completed batch signs nothing; it checks the files.
    const rerun = await studio.runBatch(first.batch.id);
    expect(rerun).toMatchObject({ state: 'completed', signedThisRun: 0, repairedFiles: 0 });
    expect(credentialRows(studio.db, first.batch.id)).toHaveLength(4);

    // Other options make another batch, which needs its own folder.
    await rejects(studio.prepareBatch({ ...input, plaintextIdentity: true }), 'CONFLICT');
    const other = await studio.prepareBatch({ ...input, plaintextIdentity: true, outDir: path.join(dir, 'out2') });
    expect(other.status).toBe('new');
    expect(other.batch.id).not.toBe(first.batch.id);
    // One byte more in the roster is another roster.
    const edited = await studio.prepareBatch({ ...input, roster: { bytes: Buffer.concat([roster(4), Buffer.from('\n')]) }, outDir: path.join(dir, 'out3') });
    expect(edited.batch.id).not.toBe(first.batch.id);
  });

  it('cancels cleanly and resumes without signing anyone twice', async () => {
    const { dir, studio, issuerId } = await setup('batch-cancel');
    const p = await studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(120) }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out'), formats: ['json'] });
    const controller = new AbortController();
    const first = await studio.runBatch(p.batch.id, {
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (e) => {
        if (e.signed >= 20) controller.abort();
      },
    });
    expect(first.state).toBe('cancelled');
    expect(first.counts.signed).toBe(0); // whatever was signed was also exported
    expect(first.counts.exported).toBeGreaterThanOrEqual(16);
    expect(first.counts.exported).toBeLessThan(120);
    const manifest = JSON.parse(readFileSync(first.manifest, 'utf8')) as Manifest;
    expect(manifest.complete).toBe(false);
    expect(manifest.items).toHaveLength(first.counts.exported);
    expect(studio.getBatch(p.batch.id).state).toBe('cancelled');

    const resumed = await studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(120) }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out'), formats: ['json'] });
    expect(resumed.status).toBe('resume');
    const second = await studio.runBatch(p.batch.id);
    expect(second).toMatchObject({ state: 'completed', signedBefore: first.counts.exported, signedThisRun: 120 - first.counts.exported });
    const rows = credentialRows(studio.db, p.batch.id);
    expect(rows).toHaveLength(120);
    expect(new Set(rows.map((r) => r.credential_id)).size).toBe(120);
  });

  it('exports signed items from the database after a crash, and rewrites exported files that are missing or changed', async () => {
    const { dir, studio, issuerId } = await setup('batch-repair');
    const outDir = path.join(dir, 'out');
    const p = await studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(6) }, achievement: { json: ACHIEVEMENT }, outDir });
    await studio.runBatch(p.batch.id);
    const before = new Map(readdirSync(outDir).map((f) => [f, readFileSync(path.join(outDir, f))]));
    // As if the process died after storing two credentials but before exporting them.
    studio.db.prepare(`UPDATE batch_items SET state = 'signed', files_json = NULL WHERE batch_id = ? AND seq IN (1, 2)`).run(p.batch.id);
    studio.db.prepare(`UPDATE batches SET state = 'running' WHERE id = ?`).run(p.batch.id);
    rmSync(path.join(outDir, 'Learner 1.json'));
    rmSync(path.join(outDir, 'Learner 2.png'));
    // And a file damaged (or edited) since.
    writeFileSync(path.join(outDir, 'Learner 5.json'), '{"tampered": true}');
    writeFileSync(path.join(outDir, '.Learner 6.png.12345.0123456789ab.tmp'), 'half a file');

    const summary = await studio.runBatch(p.batch.id);
    expect(summary).toMatchObject({ state: 'completed', signedThisRun: 0, repairedFiles: 2 });
    expect(credentialRows(studio.db, p.batch.id)).toHaveLength(6);
    for (const [f, bytes] of before) {
      if (f === 'manifest.json' || f === 'summary.csv') continue;
      expect(readFileSync(path.join(outDir, f)).equals(bytes), f).toBe(true);
    }
    expect(readdirSync(outDir).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('resumes when a run was killed while claiming the folder (only a temp file of ours in it)', async () => {
    const { dir, studio, issuerId } = await setup('batch-claim');
    const outDir = path.join(dir, 'out');
    const input = { issuer: issuerId, roster: { bytes: roster(2) }, achievement: { json: ACHIEVEMENT }, outDir, formats: ['json' as const] };
    const p = await studio.prepareBatch(input);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(outDir);
    writeFileSync(path.join(outDir, '.manifest.json.4242.0123456789ab.tmp'), '{"half":');
    expect((await studio.prepareBatch(input)).status).toBe('resume');
    expect((await studio.runBatch(p.batch.id)).state).toBe('completed');
    expect(readdirSync(outDir).sort()).toEqual(['Learner 1.json', 'Learner 2.json', 'manifest.json', 'summary.csv']);
  });

  it('refuses an export folder that holds other files', async () => {
    const { dir, studio, issuerId } = await setup('batch-outdir');
    const outDir = path.join(dir, 'out');
    writeFileSync(path.join(dir, 'out'), 'a file, not a folder');
    await rejects(studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(2) }, achievement: { json: ACHIEVEMENT }, outDir }), 'INVALID_INPUT');
    rmSync(outDir);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(outDir);
    writeFileSync(path.join(outDir, 'holiday.jpg'), 'x');
    const message = await rejects(studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(2) }, achievement: { json: ACHIEVEMENT }, outDir }), 'CONFLICT');
    expect(message).toMatch(/not empty/);
    expect(studio.listBatches()).toHaveLength(0);
  });

  it('refuses bad rows unless asked to skip them, and records the skipped lines', async () => {
    const { dir, studio, issuerId } = await setup('batch-bad');
    const bytes = Buffer.from('Name,Email\nAna,ana@example.org\nBob,bob@\nCleo,cleo@example.org\nDan,ANA@example.org\n');
    const message = await rejects(studio.prepareBatch({ issuer: issuerId, roster: { bytes }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out') }), 'VALIDATION');
    expect(message).toMatch(/2 of 4 learners are ready/);
    expect(message).toMatch(/line 3: invalid email 'bob@'/);
    expect(message).toMatch(/line 5: duplicate learner: same email as line 2 \(differs only in case\)/);
    expect(studio.listBatches()).toHaveLength(0);
    expect(studio.db.prepare('SELECT count(*) AS n FROM credentials').get()).toEqual({ n: 0 });

    const p = await studio.prepareBatch({ issuer: issuerId, roster: { bytes }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out'), skipBadRows: true });
    expect(p.batch.total).toBe(2);
    expect(p.skipped.map((x) => x.line)).toEqual([3, 5]);
    const summary = await studio.runBatch(p.batch.id);
    expect(summary.counts).toMatchObject({ exported: 2, skipped: 2 });
    const manifest = JSON.parse(readFileSync(summary.manifest, 'utf8')) as Manifest;
    expect(manifest.skipped.map((s) => s.line)).toEqual([3, 5]);
    expect(manifest.items.map((i) => i.recipient.name)).toEqual(['Ana', 'Cleo']);
  });

  it('makes a new achievement version when an achievement with issued credentials changes; old credentials keep theirs', async () => {
    const { dir, studio, issuerId } = await setup('batch-versions');
    const run = async (achievement: object, out: string) => {
      const p = await studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(2) }, achievement: { json: achievement }, outDir: path.join(dir, out), formats: ['json'] });
      await studio.runBatch(p.batch.id);
      return p;
    };
    const v1 = await run(ACHIEVEMENT, 'v1');
    expect(v1.batch.achievement.version).toBe(1);
    const v2 = await run({ ...ACHIEVEMENT, name: 'First Aid (2027 syllabus)' }, 'v2');
    expect(v2.batch.achievement.version).toBe(2);
    expect(v2.achievementVersionCreated).toBe(true);
    const name = (r: { body: Buffer }) => (JSON.parse(r.body.toString('utf8')) as { credentialSubject: { achievement: { name: string } } }).credentialSubject.achievement.name;
    const old = credentialRows(studio.db, v1.batch.id);
    const fresh = credentialRows(studio.db, v2.batch.id);
    expect(old.map(name)).toEqual(['First Aid', 'First Aid']);
    expect(fresh.map(name)).toEqual(['First Aid (2027 syllabus)', 'First Aid (2027 syllabus)']);
    expect(new Set(old.map((r) => r.achievement_rowid)).size).toBe(1);
    expect(old[0]!.achievement_rowid).not.toBe(fresh[0]!.achievement_rowid);
    // A stored version can't be edited in place once it has credentials.
    expect(() => studio.db.prepare('UPDATE achievements SET json = ? WHERE rowid_pk = ?').run('{}', old[0]!.achievement_rowid)).toThrow(/new version/);
    // By id: the newest version.
    const byId = await studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(3) }, achievement: { id: ACHIEVEMENT.id }, outDir: path.join(dir, 'by-id'), formats: ['json'] });
    expect(byId.batch.achievement).toMatchObject({ id: ACHIEVEMENT.id, version: 2 });
    await rejects(studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(3) }, achievement: { id: 'https://acme.example/achievements/none' }, outDir: path.join(dir, 'none') }), 'NOT_FOUND');
  });

  it('issues JSON and VC-JWT with a P-256 issuer, baking the JSON form', async () => {
    const { dir, studio, issuerId } = await setup('batch-p256', { key: 'P-256' });
    const p = await studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(3) }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out'), formats: ['json', 'jwt', 'png'] });
    const summary = await studio.runBatch(p.batch.id);
    expect(summary.state).toBe('completed');
    const rows = credentialRows(studio.db, p.batch.id);
    expect(rows.map((r) => r.format).sort()).toEqual(['json', 'json', 'json', 'jwt', 'jwt', 'jwt']);
    for (const f of ['Learner 1.json', 'Learner 1.jwt', 'Learner 1.png']) {
      const report = await studio.verify(readFileSync(path.join(dir, 'out', f)));
      expect(report.verdict, f).toBe('valid');
    }
    expect(unbake(readFileSync(path.join(dir, 'out', 'Learner 1.png'))).format).toBe('json');
    const jwt = readFileSync(path.join(dir, 'out', 'Learner 1.jwt'), 'utf8');
    expect(JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8'))).toMatchObject({ alg: 'ES256' });
    const json = JSON.parse(readFileSync(path.join(dir, 'out', 'Learner 1.json'), 'utf8')) as { id: string; proof: Array<{ cryptosuite: string }> };
    expect(json.proof[0]!.cryptosuite).toBe('ecdsa-rdfc-2019');
    expect(JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')).jti).toBe(json.id); // one credential, two forms
  });

  it('refuses formats the key cannot sign, with the way out', async () => {
    const { dir, studio, issuerId } = await setup('batch-formats');
    const base = { issuer: issuerId, roster: { bytes: roster(2) }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out') };
    expect(await rejects(studio.prepareBatch({ ...base, formats: ['json', 'jwt'] }), 'UNSUPPORTED')).toMatch(/--allow-eddsa-jwt/);
    const badge = defaultBadgePng();
    expect(await rejects(studio.prepareBatch({ ...base, formats: ['json', 'svg'], image: { bytes: badge, name: 'badge.png' } }), 'INVALID_INPUT')).toMatch(/needs an SVG badge image/);
    await rejects(studio.prepareBatch({ ...base, image: { bytes: Buffer.from('not an image'), name: 'x.png' } }), 'INVALID_INPUT');
    const rsa = await setup('batch-rsa', { key: 'RSA-2048' });
    expect(await rejects(rsa.studio.prepareBatch({ ...base, issuer: rsa.issuerId, formats: ['json'] }), 'UNSUPPORTED')).toMatch(/--format jwt/);
    // An RSA issuer signs VC-JWTs only; the badge carries the JWT.
    const p = await rsa.studio.prepareBatch({ ...base, issuer: rsa.issuerId, formats: ['jwt', 'png'], outDir: path.join(rsa.dir, 'out') });
    expect((await rsa.studio.runBatch(p.batch.id)).state).toBe('completed');
    const png = readFileSync(path.join(rsa.dir, 'out', 'Learner 1.png'));
    expect(unbake(png).format).toBe('jwt');
    expect((await rsa.studio.verify(png)).verdict).toBe('valid');
    expect(credentialRows(rsa.studio.db, p.batch.id).map((r) => r.format)).toEqual(['jwt', 'jwt']);
  });

  it('sanitises an SVG badge image and bakes into it', async () => {
    const { dir, studio, issuerId } = await setup('batch-svg');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script><circle cx="5" cy="5" r="4" fill="gold" onclick="steal()"/></svg>';
    const p = await studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(2) }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out'), image: { bytes: Buffer.from(svg), name: 'badge.svg' } });
    expect(p.batch.formats).toEqual(['json', 'svg']);
    await studio.runBatch(p.batch.id);
    const baked = readFileSync(path.join(dir, 'out', 'Learner 1.svg'), 'utf8');
    expect(baked).not.toMatch(/<script|onclick=/);
    expect(baked).toMatch(/<circle/);
    expect((await studio.verify(Buffer.from(baked))).verdict).toBe('valid');
  });

  it('gives every credential its own status list entry when the issuer publishes status lists', async () => {
    const { dir, studio, issuerId } = await setup('batch-status');
    studio.setStatusListUrl(issuerId, 'https://acme.example/status');
    const p = await studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(30) }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out'), formats: ['json'] });
    await studio.runBatch(p.batch.id);
    const statuses = credentialRows(studio.db, p.batch.id).map((r) => (JSON.parse(r.body.toString('utf8')) as { credentialStatus: { id: string; statusListIndex: string; type: string } }).credentialStatus);
    expect(statuses).toHaveLength(30);
    for (const s of statuses) expect(s.type).toBe('BitstringStatusListEntry');
    expect(new Set(statuses.map((s) => s.id)).size).toBe(30);
    const entries = studio.db.prepare('SELECT count(*) AS n, count(DISTINCT status_index) AS d FROM status_entries').get() as { n: number; d: number };
    expect(entries).toEqual({ n: 30, d: 30 });
    const report = await studio.verify(readFileSync(path.join(dir, 'out', 'Learner 1.json')));
    expect(report.checks.find((c) => c.id === 'proof')?.status).toBe('passed');
  });
});

describe('re-issuing', () => {
  it('signs a new credential for the same learner, pointing at the old row, which stays as it was', async () => {
    const { dir, studio, issuerId } = await setup('reissue');
    const p = await studio.prepareBatch({ issuer: issuerId, roster: { bytes: roster(2) }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out'), formats: ['json'] });
    await studio.runBatch(p.batch.id);
    const [old] = credentialRows(studio.db, p.batch.id);
    const oldRow = studio.db.prepare('SELECT rowid_pk, body FROM credentials WHERE credential_id = ?').get(old!.credential_id) as { rowid_pk: number; body: Buffer };

    const fixed = await studio.reissueCredential({ credentialId: old!.credential_id, name: 'Learner Number One' });
    expect(fixed.credentialId).not.toBe(old!.credential_id);
    expect(fixed.replaces).toEqual({ credentialId: old!.credential_id, rowId: oldRow.rowid_pk });
    const row = studio.db.prepare('SELECT reissue_of, achievement_rowid, recipient FROM credentials WHERE rowid_pk = ?').get(fixed.rowId) as { reissue_of: number; achievement_rowid: number; recipient: string };
    expect(row).toEqual({ reissue_of: oldRow.rowid_pk, achievement_rowid: old!.achievement_rowid, recipient: 'learner.1@example.org' });
    expect((studio.db.prepare('SELECT body FROM credentials WHERE rowid_pk = ?').get(oldRow.rowid_pk) as { body: Buffer }).body.equals(oldRow.body)).toBe(true);
    const subject = (JSON.parse(fixed.body) as { credentialSubject: { name: string; identifier: Array<{ identityHash: string; salt: string }> } }).credentialSubject;
    expect(subject.name).toBe('Learner Number One');
    expect(subject.identifier[0]!.identityHash).toBe(hashIdentity('learner.1@example.org', subject.identifier[0]!.salt));
    expect((await studio.verify(fixed.body)).verdict).toBe('valid');

    // A single credential, re-issued for a new achievement version.
    const single = await studio.issueCredential({ issuer: issuerId, achievement: ACHIEVEMENT, recipient: 'did:example:zoe', name: 'Zoë' });
    const again = await studio.reissueCredential({ credentialId: single.credentialId, achievement: { json: { ...ACHIEVEMENT, description: 'Updated syllabus.' } } });
    const body = JSON.parse(again.body) as { credentialSubject: { id: string; name: string; achievement: { description: string } } };
    expect(body.credentialSubject).toMatchObject({ id: 'did:example:zoe', name: 'Zoë', achievement: { description: 'Updated syllabus.' } });
    expect((await studio.verify(again.body)).verdict).toBe('valid');
    await rejects(studio.reissueCredential({ credentialId: 'urn:uuid:00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
  });
});

describe('the default badge', () => {
  it('ships as SVG and is drawn as a 256×256 RGBA PNG from the same geometry', () => {
    expect(readFileSync(resourcePath('badges', 'default-badge.svg'), 'utf8')).toBe(renderDefaultBadgeSvg());
    const png = PNG.sync.read(Buffer.from(defaultBadgePng()));
    expect([png.width, png.height]).toEqual([256, 256]);
    const at = (x: number, y: number) => [...png.data.subarray((y * 256 + x) * 4, (y * 256 + x) * 4 + 4)];
    expect(at(0, 0)[3]).toBe(0); // transparent corner
    expect(at(128, 128)).toEqual([0xf3, 0xe9, 0xc6, 255]); // the star
    expect(at(128, 60)).toEqual([0x2e, 0x7d, 0x5b, 255]); // the disc
    expect(Buffer.from(defaultBadgePng()).equals(Buffer.from(defaultBadgePng()))).toBe(true);
  });
});
