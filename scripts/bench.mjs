#!/usr/bin/env node
// `npm run bench`: runs each benchmark in its own process (so peak RSS is its own) through tsx,
// one after the other, and prints their figures. BENCH_N sets the issuance benchmark's size,
// BENCH_VERIFY_N the verification benchmark's, BENCH_AIRGAP_N the air-gapped signing one's,
// BENCH_CLR_N / BENCH_CLR_K the CLR one's (learners, credentials each).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const benches = ['scripts/bench/roster.ts', 'scripts/bench/issue.ts', 'scripts/bench/verify.ts', 'scripts/bench/catalog.ts', 'scripts/bench/airgap.ts', 'scripts/bench/clr.ts'];
let failed = 0;
for (const bench of benches) {
  console.log(`\n== ${bench}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, bench)], { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    failed++;
    console.log(`${bench} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
