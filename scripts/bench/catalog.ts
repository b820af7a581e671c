// Credentials list benchmark: what the Credentials screen asks the core for, with 100,000
// credentials in the workspace (BENCH_CATALOG_N sets another size).
//   npx tsx scripts/bench/catalog.ts
// One real credential is signed; the rest are copies of its stored row under new ids and
// recipients (the list reads catalog columns and the stored JSON, not the signature). Prints the
// median of a few runs of each query. Not a test: numbers depend on the machine; the studio
// aims at under 200 ms for any of them, so a scroll or a keystroke never waits long.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Studio } from '../../core/api/index.ts';

const N = Number(process.env.BENCH_CATALOG_N ?? 100_000);
const dir = mkdtempSync(path.join(tmpdir(), 'laurel-bench-catalog-'));
const studio = Studio.open({
  workspace: path.join(dir, 'workspace'),
  keystore: `file:${path.join(dir, 'keys.laurel')}`,
  passphrase: 'bench passphrase, not a secret',
  scrypt: { N: 2 ** 12, r: 8, p: 1 },
  face: 'test',
});

function median(run: () => unknown, times = 5): number {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    run();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(times / 2)]!;
}

try {
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const issuer = await studio.createIssuer({ name: 'Example Training Ltd' });
  const real = await studio.issueCredential({
    issuer: issuer.id,
    achievement: { id: 'https://example.org/achievements/sql', type: ['Achievement'], name: 'Intro to SQL', description: 'Writes SQL queries.', criteria: { narrative: 'Passed the quiz.' } },
    recipient: 'first@example.org',
    name: 'First Learner',
  });
  const t0 = performance.now();
  studio.db
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO credentials (credential_id, issuer_id, recipient, format, body, sha256, created_at, achievement_rowid, status, learner_name)
       SELECT 'urn:uuid:00000000-0000-4000-8000-' || printf('%012d', i), c.issuer_id, 'learner' || i || '@example.org', c.format, c.body, c.sha256, c.created_at,
              c.achievement_rowid, CASE WHEN i % 50 = 0 THEN 'revoked' ELSE 'active' END, c.learner_name
       FROM n, credentials c WHERE c.credential_id = ?`,
    )
    .run(N - 1, real.credentialId);
  console.log(`seeded ${N.toLocaleString('en')} credentials in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const deep = Math.max(0, N - 100);
  const rows: Array<[string, () => unknown]> = [
    ['facets (counts, achievements, batches)', () => studio.credentialFacets()],
    ['first page (100 rows + total)', () => studio.listCredentials({ limit: 100 })],
    [`a page at row ${deep.toLocaleString('en')}`, () => studio.listCredentials({ offset: deep, limit: 100 })],
    ['search an e-mail fragment', () => studio.listCredentials({ query: 'learner7777', limit: 100 })],
    ['search a name (no match)', () => studio.listCredentials({ query: 'Nobody Here', limit: 100 })],
    ['filter: revoked', () => studio.listCredentials({ status: 'revoked', limit: 100 })],
    ['detail of one credential', () => studio.getCredential(real.credentialId)],
  ];
  for (const [label, run] of rows) console.log(`${label.padEnd(42)} ${median(run).toFixed(1).padStart(8)} ms (median of 5)`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  studio.close();
  rmSync(dir, { recursive: true, force: true });
}
