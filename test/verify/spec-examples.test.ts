/**
 * Every file the spec ships as an example or test vector (../shared/spec/{ob3,clr2}/examples),
 * verified offline, with what each must give and why. A new file there fails the completeness
 * test until its expectation is written down here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeVerdict, exitCodeOf, verifyCredential, type CheckStatus, type VerificationReport } from '../../core/verify/index.ts';
import { blockedCalls } from '../setup/network-guard.ts';
import { NOW } from './helpers.ts';

const SPEC = path.resolve(import.meta.dirname, '../../../shared/spec');
const DIRS = ['ob3/examples/spec', 'ob3/examples/test-vectors', 'clr2/examples/test-vectors'];

let before = 0;
beforeEach(() => {
  before = blockedCalls.length;
});
afterEach(() => {
  // Offline verification of third-party files must not even try the network.
  expect(blockedCalls.slice(before)).toEqual([]);
});

type Expect = {
  kind: VerificationReport['kind'];
  described: ReturnType<typeof describeVerdict>;
  exit: 0 | 1 | 2 | 3;
  checks?: Partial<Record<string, CheckStatus>>;
  reason?: Partial<Record<string, RegExp>>;
  why: string;
};

const UNSIGNED_OB: Omit<Expect, 'why'> = {
  kind: 'ob3',
  described: 'invalid',
  exit: 1,
  checks: { parse: 'passed', 'context-type': 'passed', schema: 'passed', proof: 'failed', 'key-binding': 'unknown', 'valid-from': 'passed', status: 'not-applicable' },
  reason: { proof: /^no proof: this credential is not signed/ },
};

const EXPECTED: Record<string, Expect> = {
  'ob3/examples/spec/achievement-alignment-case.json': { ...UNSIGNED_OB, why: 'a well-formed example credential the spec shows unsigned' },
  'ob3/examples/spec/achievement-alignment-credential-engine.json': { ...UNSIGNED_OB, why: 'a well-formed example credential the spec shows unsigned' },
  'ob3/examples/spec/basic-openbadgecredential.json': { ...UNSIGNED_OB, why: 'the spec renders its proof at display time; the source is unsigned' },
  'ob3/examples/spec/docformat-sample-file.json': { ...UNSIGNED_OB, why: 'unsigned sample file' },
  'ob3/examples/spec/skill-assertion-case.json': { ...UNSIGNED_OB, why: 'unsigned example' },
  'ob3/examples/spec/skill-assertion-ctdl.json': { ...UNSIGNED_OB, why: 'unsigned example' },
  'ob3/examples/spec/equality-sample-credential-a.json': {
    ...UNSIGNED_OB,
    reason: { ...UNSIGNED_OB.reason, schema: /credentials\/examples\/v2 is not in Laurel Studio's pinned bundle/ },
    why: 'unsigned; it names the W3C examples context, which no verifier can load offline (a schema note, not a failure)',
  },
  'ob3/examples/spec/equality-sample-credential-c.json': {
    ...UNSIGNED_OB,
    reason: { ...UNSIGNED_OB.reason, schema: /credentials\/examples\/v2 is not in Laurel Studio's pinned bundle/ },
    why: 'the same as -a, re-issued with a later validFrom',
  },
  'ob3/examples/spec/complete-openbadgecredential.json': {
    kind: 'ob3',
    described: 'invalid',
    exit: 1,
    checks: { schema: 'failed', proof: 'failed', 'valid-until': 'passed', status: 'unknown', endorsements: 'failed', refresh: 'not-applicable' },
    reason: { schema: /endorsement\[0\]\['@context'\]: .*lacks "https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/extensions\.json"/, proof: /^no proof/, status: /this check ran offline/ },
    why: 'unsigned; its embedded endorsements use the 1EdTech* types without extensions.json (a known error of the example), carry sample proofs with the non-existent cryptosuite "eddsa-rdf-2022", and expired in 2020; its status is a 1EdTechRevocationList on a host that does not exist',
  },
  'ob3/examples/spec/endorsementcredential.json': {
    kind: 'endorsement',
    described: 'invalid',
    exit: 1,
    checks: { schema: 'passed', proof: 'failed', status: 'unknown', refresh: 'not-applicable' },
    reason: { schema: /1EdTechRevocationList is deprecated/, proof: /^no proof/ },
    why: 'an unsigned EndorsementCredential with the deprecated revocation list type',
  },
  'ob3/examples/spec/api-putprofile-response-profile.json': {
    kind: 'not-a-credential',
    described: 'invalid',
    exit: 2,
    reason: { parse: /issuer Profile .* not a credential/ },
    why: 'a bare Profile as the API returns it, not a credential',
  },
  'ob3/examples/test-vectors/eddsa-rdfc-2022-credential-signed.json': {
    kind: 'ob3',
    described: 'valid',
    exit: 0,
    checks: { schema: 'passed', proof: 'passed', 'key-binding': 'passed', status: 'not-applicable' },
    reason: { proof: /^valid eddsa-rdfc-2022 signature by https:\/\/example\.edu\/issuers\/565049#z6Mk/, schema: /proof must be an array/ },
    why: "the spec's signed test vector: the key is the verification method's #z… fragment of the https issuer id, so it resolves offline; its lone proof object fails only the strict schema build (a warning)",
  },
  'ob3/examples/test-vectors/eddsa-rdfc-2022-credential-unsigned.json': { ...UNSIGNED_OB, why: 'the same credential before signing' },
  'ob3/examples/test-vectors/eddsa-rdfc-2022-test-vector.json': {
    kind: 'not-a-credential',
    described: 'invalid',
    exit: 2,
    reason: { parse: /has no "type"/ },
    why: 'the key pair and intermediate hashes of the vector, not a credential',
  },
  'ob3/examples/test-vectors/eddsa-rdfc-2022-document-canon.nq': {
    kind: 'not-a-credential',
    described: 'invalid',
    exit: 2,
    reason: { parse: /RDF N-Quads/ },
    why: 'the canonical N-Quads the signature is computed over',
  },
  'ob3/examples/test-vectors/eddsa-rdfc-2022-proof-canon.nq': {
    kind: 'not-a-credential',
    described: 'invalid',
    exit: 2,
    reason: { parse: /RDF N-Quads/ },
    why: 'the canonical N-Quads of the proof options',
  },
  'clr2/examples/test-vectors/eddsa-rdfc-2022-clrcredential-signed.json': {
    kind: 'clr2',
    described: 'valid',
    exit: 0,
    checks: { 'context-type': 'passed', schema: 'passed', proof: 'passed', 'key-binding': 'passed', 'inner-credentials': 'passed' },
    reason: { schema: /CLR 2\.0 ClrCredential schema/ },
    why: "the CLR test vector: the publisher's proof and the bundled AchievementCredential's own proof both verify offline",
  },
  'clr2/examples/test-vectors/eddsa-rdfc-2022-clrcredential-unsigned.json': {
    kind: 'clr2',
    described: 'invalid',
    exit: 1,
    checks: { schema: 'passed', proof: 'failed', 'inner-credentials': 'passed' },
    reason: { proof: /^no proof/ },
    why: 'the CLR before the publisher signed it: no outer proof, although the bundled credential keeps its own valid proof',
  },
  'clr2/examples/test-vectors/eddsa-rdfc-2022-document-canon.nq': {
    kind: 'not-a-credential',
    described: 'invalid',
    exit: 2,
    reason: { parse: /RDF N-Quads/ },
    why: 'canonical N-Quads',
  },
  'clr2/examples/test-vectors/eddsa-rdfc-2022-proof-canon.nq': { kind: 'not-a-credential', described: 'invalid', exit: 2, reason: { parse: /RDF N-Quads/ }, why: 'canonical N-Quads' },
  'clr2/examples/test-vectors/eddsa-rdfc-2022-test-vector.json': { kind: 'not-a-credential', described: 'invalid', exit: 2, why: 'key material and hashes' },
};

const files = DIRS.flatMap((d) => readdirSync(path.join(SPEC, d)).map((f) => `${d}/${f}`));

describe('the spec examples and test vectors', () => {
  it('has an expectation for every file', () => {
    expect(files.filter((f) => !EXPECTED[f])).toEqual([]);
  });

  it.each(files.filter((f) => EXPECTED[f]))('%s', async (file) => {
    const want = EXPECTED[file]!;
    const r = await verifyCredential(readFileSync(path.join(SPEC, file)), { now: NOW });
    const why = `${file}: ${want.why}\n${r.checks.map((c) => `${c.id} ${c.status}: ${c.reason}`).join('\n')}`;
    expect(r.kind, why).toBe(want.kind);
    expect(describeVerdict(r), why).toBe(want.described);
    expect(exitCodeOf(r), why).toBe(want.exit);
    for (const [id, status] of Object.entries(want.checks ?? {})) expect(r.checks.find((c) => c.id === id)?.status, `${id} — ${why}`).toBe(status);
    for (const [id, re] of Object.entries(want.reason ?? {})) expect(r.checks.find((c) => c.id === id)?.reason, `${id} — ${why}`).toMatch(re!);
  });

  it('complete-openbadgecredential: five endorsements found everywhere they can sit, each verified on its own', async () => {
    const r = await verifyCredential(readFileSync(path.join(SPEC, 'ob3/examples/spec/complete-openbadgecredential.json')), { now: NOW });
    expect(r.endorsements?.map((e) => e.path)).toEqual([
      '$.credentialSubject.achievement.creator.endorsement[0]',
      '$.credentialSubject.achievement.creator.endorsement[1]',
      '$.credentialSubject.achievement.endorsement[0]',
      '$.endorsement[0]',
      '$.issuer.endorsement[0]',
    ]);
    for (const e of r.endorsements!) {
      expect(e.report.kind).toBe('endorsement');
      expect(e.report.checks.find((c) => c.id === 'proof')).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/"eddsa-rdf-2022" does not exist/) });
      expect(e.report.checks.find((c) => c.id === 'valid-until')).toMatchObject({ status: 'failed', code: 'expired', reason: 'expired on 2020-01-01T00:00:00Z' });
    }
    // Displayers show these: issuer, achievement, recipient, dates, the three images.
    expect(r.summary).toMatchObject({
      issuer: { id: 'https://1edtech.edu/issuers/565049', name: '1EdTech University', image: 'https://1edtech.edu/logo.png' },
      achievement: { name: '1EdTech University Degree', achievementType: 'Degree' },
      recipientDetails: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', identifiers: [{ identityType: 'emailAddress', hashed: false, value: 'student@1edtech.edu' }, expect.anything()] },
      dates: { validFrom: '2010-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' },
      images: { issuer: 'https://1edtech.edu/logo.png', achievement: 'https://1edtech.edu/achievements/degree/image', credential: 'https://1edtech.edu/credentials/3732/image' },
    });
  });

  it('a changed character in the signed vectors fails the signature (OB) and the bundled credential (CLR)', async () => {
    const ob = JSON.parse(readFileSync(path.join(SPEC, 'ob3/examples/test-vectors/eddsa-rdfc-2022-credential-signed.json'), 'utf8'));
    ob.name = `${ob.name}!`;
    expect((await verifyCredential(JSON.stringify(ob), { now: NOW })).checks.find((c) => c.id === 'proof')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/signature does not match/) });
    const clr = JSON.parse(readFileSync(path.join(SPEC, 'clr2/examples/test-vectors/eddsa-rdfc-2022-clrcredential-signed.json'), 'utf8'));
    clr.credentialSubject.verifiableCredential[0].name = 'Another Degree';
    const r = await verifyCredential(JSON.stringify(clr), { now: NOW });
    expect(r.checks.find((c) => c.id === 'proof')?.status).toBe('failed'); // the outer proof covers the whole tree
    expect(r.checks.find((c) => c.id === 'inner-credentials')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/1 of 1 bundled credential did not verify/) });
    expect(describeVerdict(r.inner![0]!)).toBe('invalid');
  });
});
