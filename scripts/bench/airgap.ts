// Air-gapped signing benchmark: N credentials through the gap, with a preparer and a signer
// workspace in this process: request create (prepare + build), the officer's review (every check),
// approval (signing on one thread: the signer runs no workers), bundle import (verify every
// signature, store, export JSON + baked PNG). Prints each phase's time, the file sizes and the
// signing rate.   npx tsx scripts/bench/airgap.ts     BENCH_AIRGAP_N=1000 (default)
// Not a test: the numbers depend on the machine and on what else runs on it.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Studio } from '../../core/api/index.ts';

const N = Number(process.env.BENCH_AIRGAP_N ?? 1000);
const ACHIEVEMENT = {
  id: 'https://university.example.org/awards/bsc-computing',
  name: 'BSc Computing',
  description: 'Bachelor of Science in Computing, awarded with honours.',
  criteria: { narrative: 'Completed 360 credits, including a final-year dissertation.' },
  achievementType: 'BachelorDegree',
};
const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

function roster(n: number): Uint8Array {
  const lines = ['Name,Email'];
  for (let i = 1; i <= n; i++) lines.push(`Graduate ${i},graduate.${i}@example.org`);
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

const dir = mkdtempSync(path.join(tmpdir(), 'laurel-bench-airgap-'));
const open = (name: string) =>
  Studio.open({ workspace: path.join(dir, name), keystore: `file:${path.join(dir, `${name}.laurel`)}`, passphrase: 'bench passphrase, not a secret', scrypt: { N: 2 ** 12, r: 8, p: 1 }, face: 'test' });
const signer = open('signer');
const preparer = open('preparer');
try {
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${N} credentials`);
  const issuer = await signer.createIssuer({ name: 'Example University' });
  preparer.importIssuer(signer.exportIssuer(issuer.id).bytes);
  const time = async <T>(label: string, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    const s = (performance.now() - t) / 1000;
    console.log(`${label.padEnd(34)} ${s.toFixed(2)} s${label.startsWith('approve') ? `  (${Math.round(N / s)} credentials/s)` : ''}`);
    return r;
  };
  const made = await time('request create (prepare + build)', () =>
    preparer.createSigningRequest({ issuer: issuer.id, roster: { bytes: roster(N), name: 'graduates.csv' }, achievement: { json: ACHIEVEMENT }, formats: ['json', 'png'], outDir: path.join(dir, 'out') }),
  );
  console.log(`  request file ${mb(made.bytes.length)}`);
  await time('review (integrity + every check)', () => signer.reviewSigningRequest(made.bytes));
  const approved = await time('approve (sign on one thread)', () => signer.approveSigningRequest(made.bytes));
  console.log(`  bundle file ${mb(approved.bytes.length)}`);
  const imported = await time('import (verify, store, export)', () => preparer.importSignedBundle(approved.bytes));
  if (imported.imported !== N || imported.summary.state !== 'completed') throw new Error(`imported ${imported.imported} of ${N} (${imported.summary.state})`);
  console.log(`peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
} finally {
  signer.close();
  preparer.close();
  rmSync(dir, { recursive: true, force: true });
}
