// Batch issuance benchmark: N credentials from a generated CSV roster, signed (eddsa-rdfc-2022),
// stored and exported as JSON + baked PNG, against a baseline measured in the same run: the plain
// library path, one `vc.issue` at a time on the main thread (@digitalbazaar/vc 7.3.0 +
// data-integrity 2.5.0 + eddsa-rdfc-2022-cryptosuite 1.3.0 + ed25519-multikey 1.3.1) with a
// document loader over the same bundled contexts.
//   npx tsx scripts/bench/issue.ts            BENCH_N=10000 (default), BENCH_BASELINE_N=500
// Prints credentials/second, the ratio to the baseline and peak RSS. Not a test: the numbers
// depend on the machine and on what else runs on it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { Studio } from '../../core/api/index.ts';
import { buildAchievementFromJson, buildLearnerCredential, defaultWorkerCount } from '../../core/issue/index.ts';
import { documentLoader } from '../../core/jsonld/index.ts';
import { hashIdentity, randomSalt } from '../../core/model/index.ts';

const N = Number(process.env.BENCH_N ?? 10_000);
const BASELINE_N = Math.min(N, Number(process.env.BENCH_BASELINE_N ?? 500));
const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(0)} MB`;
/** CPU time of the whole process (every thread), in ms: less sensitive than wall time to other load. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const peakRss = (): number => process.resourceUsage().maxRSS * 1024; // KiB everywhere Node runs

const ACHIEVEMENT = {
  id: 'https://training.example.org/badges/first-aid-level-2',
  name: 'First Aid, Level 2',
  description: 'Can assess a casualty, give CPR and use an AED, and hand over to emergency services.',
  criteria: { narrative: 'Attended the two-day course and passed the practical assessment.' },
  achievementType: 'Certificate',
};

function roster(n: number): Uint8Array {
  const given = ['Zoë', 'Bob', 'Ana', 'Jürgen', 'Chloé', 'Li', 'Oluwaseun', 'Saoirse', 'Åsa', 'Mateus'];
  const family = ['Müller', 'Smith', 'García', "O'Brien", 'Nguyễn', 'Kowalski', 'Dubois', 'Rossi', 'Öztürk', 'Silva'];
  const lines = ['First name,Last name,Email,Score'];
  for (let i = 1; i <= n; i++) {
    const g = given[i % given.length]!;
    lines.push(`${g},${family[(i * 7) % family.length]},learner.${i}@example.org,${60 + (i % 40)}`);
  }
  return new TextEncoder().encode(lines.join('\r\n') + '\r\n');
}

async function laurel(dir: string): Promise<{ rate: number; seconds: number; prepareSeconds: number; rss: number; workers: number; cpuPerCredential: number }> {
  const studio = Studio.open({
    workspace: path.join(dir, 'workspace'),
    keystore: `file:${path.join(dir, 'keys.laurel')}`,
    passphrase: 'bench passphrase, not a secret',
    scrypt: { N: 2 ** 12, r: 8, p: 1 }, // the key file's cost is not what is measured
    face: 'test',
  });
  try {
    const issuer = await studio.createIssuer({ name: 'Example Training Ltd' });
    const bytes = roster(N);
    const workers = defaultWorkerCount();
    const cpu0 = cpuMs();
    const t0 = performance.now();
    const prepared = await studio.prepareBatch({
      issuer: issuer.id,
      roster: { bytes, name: 'bench.csv' },
      achievement: { json: ACHIEVEMENT },
      outDir: path.join(dir, 'out'),
      formats: ['json', 'png'],
    });
    const t1 = performance.now();
    let last = 0;
    const summary = await studio.runBatch(prepared.batch.id, {
      onProgress: (p) => {
        if (performance.now() - last < 2000) return;
        last = performance.now();
        process.stderr.write(`  … ${p.signed} of ${p.total} signed, ${p.exported} exported, ${Math.round(p.ratePerSec)}/s\n`);
      },
    });
    const t2 = performance.now();
    const cpu = cpuMs() - cpu0;
    if (summary.state !== 'completed' || summary.counts.exported !== N) throw new Error(`the batch did not complete: ${JSON.stringify(summary.counts)}`);
    const rss = peakRss();
    // Spot check: what was written verifies.
    const manifest = JSON.parse(readFileSync(summary.manifest, 'utf8')) as { items: Array<{ files: Array<{ file: string }> }> };
    for (const item of [manifest.items[0]!, manifest.items[manifest.items.length - 1]!]) {
      for (const f of item.files) {
        const report = await studio.verify(readFileSync(path.join(summary.outDir, f.file)));
        if (report.verdict !== 'valid') throw new Error(`${f.file} does not verify: ${JSON.stringify(report.checks)}`);
      }
    }
    const seconds = (t2 - t0) / 1000;
    return { rate: N / seconds, seconds, prepareSeconds: (t1 - t0) / 1000, rss, workers, cpuPerCredential: cpu / N };
  } finally {
    studio.close();
  }
}

/** The plain library path: the same credential shape and contexts, vc.issue one at a time, signing only. */
async function baseline(): Promise<{ rate: number; seconds: number; cpuPerCredential: number }> {
  const loader = documentLoader('sign');
  const keyPair = await Ed25519Multikey.generate();
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  const issuer = { id: did, type: ['Profile'], name: 'Example Training Ltd' };
  const achievement = buildAchievementFromJson(ACHIEVEMENT);
  // Our builder makes one credential; the baseline fills that template per learner, as a plain
  // library user would (new id, name, salted email hash), so both paths sign the same shape.
  const template = buildLearnerCredential({
    credentialId: `urn:uuid:${randomUUID()}`,
    issuer,
    achievement,
    learner: { name: 'Template', email: 'template@example.org', resultValue: '90' },
    recipient: { identity: 'email' },
  });
  const credentialFor = (i: number): Record<string, unknown> => {
    const c = structuredClone(template) as Record<string, unknown> & { credentialSubject: Record<string, unknown> };
    const salt = randomSalt();
    c.id = `urn:uuid:${randomUUID()}`;
    c.validFrom = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    c.credentialSubject.name = `Learner ${i}`;
    c.credentialSubject.identifier = [{ type: 'IdentityObject', hashed: true, identityHash: hashIdentity(`learner.${i}@example.org`, salt), identityType: 'emailAddress', salt }];
    c.credentialSubject.result = [{ type: ['Result'], value: String(60 + (i % 40)) }];
    return c;
  };
  const issueOne = async (i: number): Promise<string> => {
    const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite: eddsaRdfc2022 });
    const signed = await vc.issue({ credential: credentialFor(i), suite, documentLoader: loader });
    return JSON.stringify(signed, null, 2);
  };
  for (let i = 0; i < 20; i++) await issueOne(i); // warm-up, as our workers warm up before the clock
  const cpu0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < BASELINE_N; i++) await issueOne(i);
  const seconds = (performance.now() - t0) / 1000;
  return { rate: BASELINE_N / seconds, seconds, cpuPerCredential: (cpuMs() - cpu0) / BASELINE_N };
}

const dir = mkdtempSync(path.join(tmpdir(), 'laurel-bench-issue-'));
try {
  console.log(`issue: ${N.toLocaleString('en')} credentials from a CSV roster: eddsa-rdfc-2022, stored, exported as JSON + baked PNG`);
  // The 1-minute load average before we start says whether other processes compete for the cores.
  const loadBefore = loadavg()[0]!;
  console.log(`  machine: ${availableParallelism()} cores, Node ${process.version}, load average ${loadBefore.toFixed(1)} at the start`);
  const ours = await laurel(dir);
  console.log(
    `  laurel batch: ${ours.rate.toFixed(0)} credentials/s (${ours.seconds.toFixed(1)} s in all, of which prepare ${ours.prepareSeconds.toFixed(1)} s; ${ours.workers} worker threads)`,
  );
  console.log(`  peak RSS: ${mb(ours.rss)} (target < 500 MB)`);
  const base = await baseline();
  console.log(`  baseline: ${base.rate.toFixed(0)} credentials/s (vc.issue one at a time on the main thread, signing only, ${BASELINE_N} credentials in ${base.seconds.toFixed(1)} s)`);
  console.log(`  ratio: ${(ours.rate / base.rate).toFixed(2)}× the baseline (target ≥ 3×)`);
  console.log(
    `  CPU per credential (all threads): laurel ${ours.cpuPerCredential.toFixed(2)} ms, baseline ${base.cpuPerCredential.toFixed(2)} ms (${(base.cpuPerCredential / ours.cpuPerCredential).toFixed(2)}× less work per credential)`,
  );
  if (loadBefore > availableParallelism() * 0.5) console.log(`  note: other processes were busy when this started (load ${loadBefore.toFixed(1)}); wall-clock figures are lower than on an idle machine`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
