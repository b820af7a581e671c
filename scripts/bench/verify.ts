// Verification benchmark: N of our own eddsa-rdfc-2022 credentials (as the studio issues them:
// did:key issuer, hashed e-mail recipient, credentialSchema, one proof date per run), verified one after the other by
// Laurel's verifier and by @digitalcredentials/verifier-core 1.0.0-beta.11 on the same machine.
// Both do the same work here: JSON Schema validation (verifier-core fetches the schema named in
// credentialSchema; this bench answers that fetch from the bundled file, so nothing goes out and
// neither side waits on the network), JSON-LD canonicalization and the Ed25519 signature check.
// Laurel reuses JSON-LD expansion across credentials of one structure (identical canonical
// output, checked against ordinary canonicalization on the first of each structure and every
// 64th); the figure with that reuse off is printed too.
//   npx tsx scripts/bench/verify.ts            BENCH_VERIFY_N=300 (default)
// Prints ms per credential for each, and the ratio. Not a test: numbers depend on the machine.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { verifyCredential as dccVerify } from '@digitalcredentials/verifier-core';
import { createSigner, didKeyIssuer, generateKeyPair } from '../../core/keys/index.ts';
import { buildAchievementCredential, hashIdentity, randomSalt, type AchievementInput, type ProfileInput } from '../../core/model/index.ts';
import { signDataIntegrity, type JsonObject } from '../../core/proof/index.ts';
import { describeVerdict, verifyCredential } from '../../core/verify/index.ts';
import { resourcePath } from '../../core/util/resources.ts';

const N = Number(process.env.BENCH_VERIFY_N ?? 300);
const WARM = Math.min(20, N);

// verifier-core fetches the OB schema by URL: serve the bundled copy, refuse anything else.
const realFetch = globalThis.fetch;
globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const m = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/schema\/json\/([a-z0-9_]+\.json)$/.exec(url);
  if (m) return new Response(readFileSync(resourcePath('schemas', 'ob3/json-ld', m[1]!)), { headers: { 'content-type': 'application/json' } });
  if (/^https?:\/\/(127\.|localhost)/.test(url)) return realFetch(input, init);
  throw new Error(`bench: no network (${url})`);
}) as typeof fetch;

const ACHIEVEMENT: AchievementInput = {
  id: 'https://training.example.org/badges/first-aid-level-2',
  name: 'First Aid, Level 2',
  description: 'Can assess a casualty, give CPR and use an AED, and hand over to emergency services.',
  criteria: { narrative: 'Attended the two-day course and passed the practical assessment.' },
  achievementType: 'Certificate',
} as AchievementInput;

async function corpus(n: number): Promise<JsonObject[]> {
  const { privateKey, publicKey } = await generateKeyPair('Ed25519');
  const identity = didKeyIssuer(publicKey);
  const signer = createSigner({ privateKey, verificationMethod: identity.verificationMethod, controller: identity.issuerId });
  const issuer = { id: identity.issuerId, name: 'Laurel Training Centre' } as unknown as ProfileInput;
  const out: JsonObject[] = [];
  // One issuance run, as a batch signs it: one proof date for the whole run.
  const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (let i = 0; i < n; i++) {
    const salt = randomSalt();
    const credential = buildAchievementCredential({
      id: `urn:uuid:${randomUUID()}`,
      issuer,
      achievement: ACHIEVEMENT,
      subject: { identifier: [{ type: 'IdentityObject', hashed: true, identityHash: hashIdentity(`learner.${i}@example.org`, salt), identityType: 'emailAddress', salt }], name: `Learner ${i}` },
      validFrom: '2026-01-15T10:00:00Z',
    } as never);
    out.push(await signDataIntegrity(credential as unknown as JsonObject, signer, { created }));
  }
  return out;
}

async function time(label: string, creds: JsonObject[], one: (c: JsonObject) => Promise<boolean>): Promise<number> {
  for (const c of creds.slice(0, WARM)) if (!(await one(c))) throw new Error(`${label} rejected a credential during warm-up`);
  const t0 = performance.now();
  for (const c of creds) if (!(await one(c))) throw new Error(`${label} rejected a credential`);
  return (performance.now() - t0) / creds.length;
}

const quiet = <T>(fn: () => Promise<T>): Promise<T> => {
  // verifier-core's Ajv warns about the official schemas' tuples on every compile: noise here.
  const [log, error, warn] = [console.log, console.error, console.warn];
  console.log = console.error = console.warn = () => {};
  return fn().finally(() => {
    console.log = log;
    console.error = error;
    console.warn = warn;
  });
};

const creds = await corpus(N);
const ours = (options: { reuseExpansion: boolean }) => async (c: JsonObject) => describeVerdict(await verifyCredential(JSON.stringify(c), options)) === 'valid';
// Ordinary canonicalization first, so the expansion templates don't exist yet when it runs.
const plain = await time('Laurel (ordinary expansion)', creds, ours({ reuseExpansion: false }));
const laurel = await time('Laurel', creds, ours({ reuseExpansion: true }));
const dcc = await quiet(() =>
  time('verifier-core', creds, async (c) => {
    const r = await dccVerify({ credential: c as never, knownDIDRegistries: [] });
    return !r.errors?.length && r.log?.find((s: { id: string }) => s.id === 'valid_signature')?.valid === true;
  }),
);
const ratio = dcc / laurel;
console.log(`verify ${N} eddsa-rdfc-2022 credentials of one issuance run, one at a time (after ${WARM} warm-up each)`);
console.log(`  Laurel verifier                        ${laurel.toFixed(2)} ms per credential`);
console.log(`  Laurel, expansion reuse off            ${plain.toFixed(2)} ms per credential (${(dcc / plain).toFixed(2)}x verifier-core)`);
console.log(`  verifier-core (DCC)                    ${dcc.toFixed(2)} ms per credential`);
console.log(`  ratio                                  ${ratio.toFixed(2)}x ${ratio >= 2 ? '(target ≥ 2x: met)' : '(target ≥ 2x: NOT met)'}`);
