// CLR benchmark: a roster of N learners, each with K credentials issued in the workspace (a batch
// per achievement), then one CLR per learner (verify every bundled credential, build, sign, verify
// the record again, store, write JSON + baked PNG). Prints the time per phase and records a second.
//   npx tsx scripts/bench/clr.ts     BENCH_CLR_N=100 learners (default), BENCH_CLR_K=3 credentials each
// Not a test: the numbers depend on the machine and on what else runs on it.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Studio } from '../../core/api/index.ts';

const N = Number(process.env.BENCH_CLR_N ?? 100);
const K = Number(process.env.BENCH_CLR_K ?? 3);
const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

function roster(n: number): Uint8Array {
  const lines = ['Name,Email'];
  for (let i = 1; i <= n; i++) lines.push(`Learner ${i},learner.${i}@example.org`);
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

const dir = mkdtempSync(path.join(tmpdir(), 'laurel-bench-clr-'));
const studio = Studio.open({ workspace: path.join(dir, 'ws'), keystore: `file:${path.join(dir, 'keys.laurel')}`, passphrase: 'bench passphrase, not a secret', scrypt: { N: 2 ** 12, r: 8, p: 1 }, face: 'test' });
try {
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${N} learners, ${K} credentials each`);
  const issuer = await studio.createIssuer({ name: 'Bench Academy' });
  const t0 = performance.now();
  for (let k = 1; k <= K; k++) {
    const achievement = { id: `https://bench.example/achievements/module-${k}`, name: `Module ${k}`, description: `Module ${k} of the programme.`, criteria: { narrative: 'Passed.' } };
    const prepared = await studio.prepareBatch({ issuer: issuer.id, roster: { bytes: roster(N), name: 'learners.csv' }, achievement: { json: achievement }, formats: ['json'], outDir: path.join(dir, `batch-${k}`) });
    await studio.runBatch(prepared.batch.id);
  }
  console.log(`issue ${N * K} credentials`.padEnd(34), `${((performance.now() - t0) / 1000).toFixed(2)} s`);
  const program = { id: 'https://bench.example/programs/certificate', name: 'Certificate', description: 'All modules.', criteria: { narrative: 'All modules passed.' }, achievementType: 'Certificate' };
  const associations = Array.from({ length: K }, (_, i) => ({ sourceId: `https://bench.example/achievements/module-${i + 1}`, associationType: 'isChildOf' as const, targetId: program.id }));
  const t1 = performance.now();
  const summary = await studio.runClrBatch({ issuer: issuer.id, roster: { bytes: roster(N), name: 'learners.csv' }, name: 'Transcript of {name}', achievements: [program], associations, outDir: path.join(dir, 'clr'), formats: ['json', 'png'] });
  const s = (performance.now() - t1) / 1000;
  if (summary.created !== N) throw new Error(`made ${summary.created} of ${N} records: ${JSON.stringify(summary.items.find((i) => i.outcome !== 'created'))}`);
  console.log(`${N} CLRs (verify, sign, re-verify)`.padEnd(34), `${s.toFixed(2)} s  (${(N / s).toFixed(1)} records/s, ${((s * 1000) / N).toFixed(0)} ms each)`);
  console.log(`peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
} finally {
  studio.close();
  rmSync(dir, { recursive: true, force: true });
}
