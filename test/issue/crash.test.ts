/**
 * Kill -9 at random moments, then resume: no credential lost, none signed twice, no status index
 * used twice, every file equal to what is stored, every credential valid. A child process runs
 * the batch (as the CLI would); the test kills it with SIGKILL after random delays or after a
 * random number of signed credentials, several times, then lets a last run finish.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unbake } from '../../core/bake/index.ts';
import type { Manifest } from '../../core/issue/index.ts';
import { credentialRows, dccSignatureValid, openStudio, roster, scratchDir, sha256 } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(import.meta.dirname, 'fixtures', 'batch-child.ts');
const GUARD = path.join(ROOT, 'test', 'setup', 'no-network.mjs');
const LEARNERS = 300;

interface Round {
  plan: string;
  exit: string;
  lines: string[];
}

/** Runs the child; kills it (SIGKILL) after `delayMs`, or once `afterSigned` credentials are signed. */
function round(dir: string, rosterFile: string, outDir: string, kill: { delayMs?: number; afterSigned?: number }): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', GUARD, CHILD, dir, rosterFile, outDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buffered = '';
    let stderr = '';
    const timer = kill.delayMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), kill.delayMs) : undefined;
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        const m = /^progress (\d+) /.exec(line);
        if (kill.afterSigned !== undefined && m && Number(m[1]) >= kill.afterSigned) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const plan = kill.delayMs !== undefined ? `kill after ${kill.delayMs} ms` : kill.afterSigned !== undefined ? `kill at ${kill.afterSigned} signed` : 'run to the end';
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`child failed (${plan}): exit ${code}\n${stderr}`));
      else resolve({ plan, exit: signal ?? `exit ${code}`, lines });
    });
  });
}

describe('a batch killed at random moments resumes to the same result', () => {
  it(
    `${LEARNERS} credentials, several SIGKILLs, then a run to the end`,
    async () => {
      const dir = scratchDir('batch-crash');
      const rosterFile = path.join(dir, 'class.csv');
      writeFileSync(rosterFile, roster(LEARNERS));
      const outDir = path.join(dir, 'out');
      const setup = openStudio(dir);
      const issuer = await setup.createIssuer({ name: 'Acme Training' });
      setup.setStatusListUrl(issuer.id, 'https://acme.example/status');
      setup.close();

      // Kill plans: random delays (they land in start-up, prepare, signing, exporting or finishing)
      // and kills after a random number of signed credentials.
      const plans: Array<{ delayMs?: number; afterSigned?: number }> = [
        { delayMs: 300 + Math.floor(Math.random() * 900) },
        { afterSigned: 1 + Math.floor(Math.random() * 60) },
        { delayMs: 1200 + Math.floor(Math.random() * 1500) },
        { afterSigned: 80 + Math.floor(Math.random() * 80) },
        { delayMs: 1500 + Math.floor(Math.random() * 2500) },
        { afterSigned: 200 + Math.floor(Math.random() * 60) },
      ];
      const log: string[] = [];
      let finished = false;
      for (const plan of plans) {
        const r = await round(dir, rosterFile, outDir, plan);
        const resumed = r.lines.find((l) => l.startsWith('prepared'));
        const last = r.lines.filter((l) => l.startsWith('progress')).at(-1);
        log.push(`${r.plan}: ${r.exit}; ${resumed ?? 'killed before prepare'}; last ${last ?? 'no progress'}`);
        if (r.lines.some((l) => l.startsWith('done completed'))) {
          finished = true;
          break;
        }
      }
      const last = await round(dir, rosterFile, outDir, {});
      log.push(`${last.plan}: ${last.exit}; ${last.lines.find((l) => l.startsWith('prepared'))}; ${last.lines.at(-1)}`);
      const why = log.join('\n');
      if (process.env.LAUREL_TEST_SHOW_ROUNDS) console.log(why);
      expect(last.exit, why).toBe('exit 0');
      expect(last.lines.at(-1), why).toMatch(/^done completed/);
      if (!finished) expect(last.lines[0], why).toMatch(/^prepared (resume|complete) /);

      const studio = openStudio(dir);
      try {
        const batches = studio.listBatches();
        expect(batches, why).toHaveLength(1); // every run found the same batch
        const batch = batches[0]!;
        expect(batch.state).toBe('completed');
        expect(batch.counts).toMatchObject({ exported: LEARNERS, pending: 0, signed: 0, failed: 0 });

        // Every roster row has exactly one credential; no credential id twice.
        const rows = credentialRows(studio.db, batch.id);
        expect(rows, why).toHaveLength(LEARNERS);
        expect(new Set(rows.map((r) => r.credential_id)).size).toBe(LEARNERS);
        const items = studio.db.prepare('SELECT seq, credential_id, credential_rowid, row_json FROM batch_items WHERE batch_id = ? ORDER BY seq').all(batch.id) as Array<{ seq: number; credential_id: string; credential_rowid: number; row_json: string }>;
        expect(items.map((i) => (JSON.parse(i.row_json) as { learner: { email: string } }).learner.email)).toEqual(Array.from({ length: LEARNERS }, (_, i) => `learner.${i + 1}@example.org`));
        expect(new Set(rows.map((r) => r.credential_id))).toEqual(new Set(items.map((i) => i.credential_id)));
        expect((studio.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'credential.issue'").get() as { n: number }).n).toBe(LEARNERS);
        expect((studio.db.prepare('SELECT count(*) AS n FROM credentials').get() as { n: number }).n).toBe(LEARNERS);

        // No status index used twice, and each credential carries the entry allocated for its id.
        const bodies = new Map(rows.map((r) => [r.credential_id, r.body.toString('utf8')]));
        {
          const entries = studio.db.prepare('SELECT list_id, status_index, credential_id FROM status_entries').all() as Array<{ list_id: string; status_index: number; credential_id: string }>;
          expect(entries).toHaveLength(LEARNERS);
          expect(new Set(entries.map((e) => `${e.list_id}#${e.status_index}`)).size).toBe(LEARNERS);
          for (const e of entries) {
            const status = (JSON.parse(bodies.get(e.credential_id)!) as { credentialStatus: { statusListIndex: string; statusListCredential: string } }).credentialStatus;
            expect(status).toMatchObject({ statusListIndex: String(e.status_index), statusListCredential: e.list_id });
          }
        }

        // Every exported file is what is stored, with the hash the manifest gives.
        const manifest = JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as Manifest;
        expect(manifest.complete).toBe(true);
        expect(manifest.items).toHaveLength(LEARNERS);
        for (const item of manifest.items) {
          const body = bodies.get(item.credentialId)!;
          for (const f of item.files) {
            const bytes = readFileSync(path.join(outDir, f.file));
            expect(sha256(bytes), f.file).toBe(f.sha256);
            expect(f.format === 'json' ? bytes.toString('utf8') : unbake(bytes).text, f.file).toBe(body);
          }
        }

        // Every credential verifies with our verifier; a sample with verifier-core.
        for (const [id, body] of bodies) {
          const report = await studio.verify(body);
          expect(report.verdict, `${id}: ${JSON.stringify(report.checks.filter((c) => c.status === 'failed'))}`).not.toBe('invalid');
          expect(report.checks.find((c) => c.id === 'proof')?.status, id).toBe('passed');
        }
        const sample = [...bodies.values()].filter((_, i) => i % 60 === 0);
        for (const body of sample) expect(await dccSignatureValid(JSON.parse(body) as Record<string, unknown>)).toBe(true);
      } finally {
        studio.close();
      }
    },
    120_000,
  );
});
