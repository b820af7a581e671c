/**
 * CLR 2.0 records bundling credentials of several issuers (the publisher's proof, then every
 * bundled credential in full), and endorsements embedded anywhere (objects and endorsementJwt),
 * each verified on its own and summed up in one check.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bakePng } from '../../core/bake/index.ts';
import { signDataIntegrity, signJwt, type JsonObject } from '../../core/proof/index.ts';
import { encodeBitstring, newBitstring, setBit } from '../../core/status/index.ts';
import { describeVerdict, verifyCredential, type Check, type VerificationReport, type VerifyOptions } from '../../core/verify/index.ts';
import { blockedCalls } from '../setup/network-guard.ts';
import { makePng } from '../bake/helpers.ts';
import { badge, CLR, makeIssuer, NOW, OB, OB_EXT, tamper, VC2, type TestIssuer } from './helpers.ts';

let before = 0;
beforeEach(() => {
  before = blockedCalls.length;
});
afterEach(() => {
  expect(blockedCalls.slice(before)).toEqual([]);
});

const byId = (r: VerificationReport, id: Check['id']) => r.checks.find((c) => c.id === id);
const explain = (r: VerificationReport) => r.checks.map((c) => `${c.id} ${c.status}: ${c.reason}`).join('\n');
const run = (c: JsonObject | string | Uint8Array, o: VerifyOptions = {}) => verifyCredential(typeof c === 'string' || c instanceof Uint8Array ? c : JSON.stringify(c), { now: NOW, ...o });
const expectVerdict = (r: VerificationReport, want: ReturnType<typeof describeVerdict>) => expect(describeVerdict(r), explain(r)).toBe(want);

function clr(publisher: TestIssuer, inner: JsonObject[], extra: JsonObject = {}): JsonObject {
  return {
    '@context': [VC2, CLR, OB, OB_EXT],
    id: 'urn:uuid:c1c1c1c1-0000-4000-8000-000000000001',
    type: ['VerifiableCredential', 'ClrCredential'],
    issuer: { id: publisher.id, type: ['Profile'], name: publisher.name },
    validFrom: '2026-02-01T00:00:00Z',
    name: 'Transcript of Ada Learner',
    credentialSubject: {
      id: 'did:example:learner-1',
      type: ['ClrSubject'],
      verifiableCredential: inner,
      association: [{ type: 'Association', associationType: 'isPeerOf', sourceId: 'https://badges.example.org/achievements/teamwork', targetId: 'https://other.example/achievements/sql' }],
    },
    ...extra,
  };
}

describe('CLR 2.0', () => {
  let publisher: TestIssuer;
  let school: TestIssuer;
  let bootcamp: TestIssuer;
  let a: JsonObject;
  let b: JsonObject;
  beforeAll(async () => {
    publisher = makeIssuer('Ed25519', { kind: 'did:key' }, 'Records Office');
    school = makeIssuer('Ed25519', { kind: 'did:key' }, 'North School');
    bootcamp = makeIssuer('P-256', { kind: 'fragment', id: 'https://bootcamp.example/issuer' }, 'SQL Bootcamp');
    a = await signDataIntegrity(badge(school, { type: ['VerifiableCredential', 'AchievementCredential'] }), school.signer);
    b = await signDataIntegrity(badge(bootcamp, { achievement: { id: 'https://other.example/achievements/sql', name: 'SQL' } }), bootcamp.signer);
  });

  it("two issuers' credentials: the publisher's proof, then each credential with its own issuer", async () => {
    const signed = await signDataIntegrity(clr(publisher, [a, b]), publisher.signer);
    const r = await run(signed);
    expectVerdict(r, 'valid');
    expect(r.kind).toBe('clr2');
    expect(byId(r, 'context-type')).toMatchObject({ label: 'CLR 2.0 format', status: 'passed' });
    expect(byId(r, 'key-binding')?.reason).toContain(`controlled by the issuer ${publisher.id}`);
    expect(r.inner?.map((i) => [i.summary.issuerId, describeVerdict(i)])).toEqual([
      [school.id, 'valid'],
      [bootcamp.id, 'valid'],
    ]);
    expect(byId(r, 'inner-credentials')).toMatchObject({ status: 'passed', reason: 'all 2 bundled credentials verified' });
    expect(r.summary).toMatchObject({ name: 'Transcript of Ada Learner', issuerName: 'Records Office', clr: { credentials: 2, achievements: ['Teamwork', 'SQL'] } });
    // Baked as a CLR (keyword clrcredential), the same.
    const png = await run(bakePng(makePng(), JSON.stringify(signed), { kind: 'clr' }));
    expectVerdict(png, 'valid');
    expect(png).toMatchObject({ kind: 'clr2', container: 'png' });
  });

  it('a bundled credential changed before the publisher signed: the CLR proof holds, the record is invalid', async () => {
    const changed = tamper(b, (d) => (((d.credentialSubject as JsonObject).achievement as JsonObject).name = 'Advanced SQL'));
    const r = await run(await signDataIntegrity(clr(publisher, [a, changed]), publisher.signer));
    expect(byId(r, 'proof')?.status).toBe('passed');
    expect(byId(r, 'inner-credentials')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/1 of 2 bundled credentials did not verify: "Advanced SQL" from SQL Bootcamp: the signature does not match/) });
    expectVerdict(r, 'invalid');
    expect(r.inner!.map(describeVerdict)).toEqual(['valid', 'invalid']);
  });

  it('the CLR changed after signing: its own proof fails', async () => {
    const signed = await signDataIntegrity(clr(publisher, [a, b]), publisher.signer);
    const r = await run(tamper(signed, (d) => (d.name = 'Transcript of Someone Else')));
    expect(byId(r, 'proof')?.status).toBe('failed');
  });

  it('an expired credential in the record is a note; a revoked one fails the record', async () => {
    const old = await signDataIntegrity(badge(school, { validUntil: '2026-03-01T00:00:00Z' }), school.signer);
    const r = await run(await signDataIntegrity(clr(publisher, [old, b]), publisher.signer));
    expect(byId(r, 'inner-credentials')).toMatchObject({ status: 'passed', warning: true, reason: expect.stringMatching(/has expired/) });
    expectVerdict(r, 'valid');

    const listUrl = 'https://bootcamp.example/status/1.json';
    const bits = newBitstring();
    setBit(bits, 9, true);
    const list = await signDataIntegrity(
      { '@context': [VC2], id: listUrl, type: ['VerifiableCredential', 'BitstringStatusListCredential'], issuer: bootcamp.id, validFrom: '2026-05-01T00:00:00Z', credentialSubject: { id: `${listUrl}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: encodeBitstring(bits) } },
      bootcamp.signer,
    );
    const revoked = await signDataIntegrity(badge(bootcamp, { credentialStatus: { id: `${listUrl}#9`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '9', statusListCredential: listUrl } }), bootcamp.signer);
    const rr = await run(await signDataIntegrity(clr(publisher, [a, revoked]), publisher.signer), { statusListFiles: new Map([[listUrl, list]]) });
    expect(byId(rr, 'inner-credentials')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/revoked: entry 9 is set/) });
    expect(describeVerdict(rr.inner![1]!)).toBe('revoked');
  });

  it('other kinds of credential inside are named, not checked; a record with none fails', async () => {
    const other = { '@context': [VC2], type: ['VerifiableCredential', 'https://example.org/UniversityDegreeCredential'], issuer: school.id, credentialSubject: { id: 'did:example:learner-1' } };
    const r = await run(await signDataIntegrity(clr(publisher, [a, other]), publisher.signer));
    expect(byId(r, 'inner-credentials')).toMatchObject({ status: 'passed', warning: true, reason: expect.stringMatching(/verifiableCredential\[1\] was not checked/) });
    const empty = await run(await signDataIntegrity(clr(publisher, []), publisher.signer));
    expect(byId(empty, 'inner-credentials')?.status).toBe('failed');
    expect(byId(empty, 'schema')?.status).toBe('failed'); // verifiableCredential is 1..*
  });
});

describe('endorsements', () => {
  let issuer: TestIssuer;
  let endorser: TestIssuer;
  let p256: TestIssuer;
  const endorsement = (who: TestIssuer, subjectId: string, extra: JsonObject = {}): JsonObject => ({
    '@context': [VC2, OB],
    id: `urn:uuid:e0000000-0000-4000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`,
    type: ['VerifiableCredential', 'EndorsementCredential'],
    name: 'Quality endorsement',
    issuer: { id: who.id, type: ['Profile'], name: who.name },
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: subjectId, type: ['EndorsementSubject'], endorsementComment: 'Rigorous assessment.' },
    ...extra,
  });
  const ACH = 'https://badges.example.org/achievements/teamwork';
  beforeAll(() => {
    issuer = makeIssuer('Ed25519', { kind: 'did:key' }, 'North School');
    endorser = makeIssuer('Ed25519', { kind: 'did:key' }, 'Accreditation Board');
    p256 = makeIssuer('P-256', { kind: 'did:key' }, 'Employers Guild');
  });

  it('on the achievement and on the issuer profile: each verified, listed, and summed up', async () => {
    const onAchievement = await signDataIntegrity(endorsement(endorser, ACH), endorser.signer);
    const onIssuer = await signDataIntegrity(endorsement(p256, issuer.id), p256.signer);
    const cred = badge(issuer, { achievement: { endorsement: [onAchievement] } });
    (cred.issuer as JsonObject).endorsement = [onIssuer];
    const r = await run(await signDataIntegrity(cred, issuer.signer));
    expectVerdict(r, 'valid');
    expect(r.endorsements?.map((e) => [e.path, e.endorser, e.outcome, e.format])).toEqual([
      ['$.issuer.endorsement[0]', 'Employers Guild', 'valid', 'json'],
      ['$.credentialSubject.achievement.endorsement[0]', 'Accreditation Board', 'valid', 'json'],
    ]);
    expect(r.endorsements![0]!.comment).toBe('Rigorous assessment.');
    expect(byId(r, 'endorsements')).toMatchObject({ status: 'passed', reason: 'all 2 endorsements verified' });
  });

  it('an endorsement changed after the endorser signed fails, although the issuer signed the whole', async () => {
    const e = await signDataIntegrity(endorsement(endorser, ACH), endorser.signer);
    const forged = tamper(e, (d) => ((d.credentialSubject as JsonObject).endorsementComment = 'The best course in the world.'));
    const r = await run(await signDataIntegrity(badge(issuer, { achievement: { endorsement: [forged] } }), issuer.signer));
    expect(byId(r, 'proof')?.status).toBe('passed');
    expect(byId(r, 'endorsements')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/1 of 1 endorsement did not verify: the endorsement by Accreditation Board .*signature does not match/) });
    expectVerdict(r, 'invalid');
  });

  it('an expired endorsement, or one that endorses something else, is a note', async () => {
    const old = await signDataIntegrity(endorsement(endorser, ACH, { validUntil: '2026-02-01T00:00:00Z' }), endorser.signer);
    const elsewhere = await signDataIntegrity(endorsement(p256, 'https://elsewhere.example/achievements/x'), p256.signer);
    const r = await run(await signDataIntegrity(badge(issuer, { achievement: { endorsement: [old, elsewhere] } }), issuer.signer));
    expectVerdict(r, 'valid');
    expect(byId(r, 'endorsements')).toMatchObject({ status: 'passed', warning: true, reason: expect.stringMatching(/has expired; .*it endorses https:\/\/elsewhere\.example\/achievements\/x, not https:\/\/badges\.example\.org\/achievements\/teamwork/) });
    expect(r.endorsements!.map((e) => e.outcome)).toEqual(['expired', 'valid']);
  });

  it('endorsementJwt strings are verified as VC-JWTs', async () => {
    const jwt = await signJwt(endorsement(p256, ACH), p256.signer);
    const outer = badge(p256, { achievement: { endorsementJwt: [jwt] } });
    // endorsementJwt is defined only by the fixed-in-place OB context verifiers use, so the outer
    // credential goes as a VC-JWT too (safe-mode signing with the older pinned copy refuses it).
    const r = await run(await signJwt(outer, p256.signer));
    expectVerdict(r, 'valid');
    expect(r.endorsements).toMatchObject([{ path: '$.credentialSubject.achievement.endorsementJwt[0]', format: 'jwt', outcome: 'valid', report: { format: 'jwt', kind: 'endorsement' } }]);
    const broken = `${jwt.slice(0, -4)}AAAA`;
    const bad = await run(await signJwt(badge(p256, { achievement: { endorsementJwt: [broken] } }), p256.signer));
    expect(byId(bad, 'endorsements')?.status).toBe('failed');
  });

  it('an OB credential placed where an endorsement goes endorses nothing', async () => {
    const notAnEndorsement = await signDataIntegrity(badge(endorser), endorser.signer);
    const r = await run(await signDataIntegrity(badge(issuer, { endorsement: [notAnEndorsement] }), issuer.signer));
    expect(byId(r, 'endorsements')?.status).toBe('failed');
  });
});
