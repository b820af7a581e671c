/**
 * Endorsements both ways: endorsing another organisation's badge (verified first), and attaching
 * endorsements received for our achievements and profiles, which credentials issued afterwards embed.
 * Every signature is checked by our verifier and by verifier-core.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unbake } from '../../core/bake/index.ts';
import type { Studio } from '../../core/api/index.ts';
import { signDataIntegrity, signJwt, type JsonObject } from '../../core/proof/index.ts';
import { describeVerdict, verifyCredential, type VerificationReport } from '../../core/verify/index.ts';
import { listAudit } from '../../core/store/index.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { ACHIEVEMENT, roster, studioWithIssuer } from '../issue/helpers.ts';
import { badge, makeIssuer, tamper, VC2, OB, type TestIssuer } from '../verify/helpers.ts';

const explain = (r: VerificationReport) => r.checks.map((c) => `${c.id} ${c.status}: ${c.reason}`).join('\n');
const expectValid = (r: VerificationReport) => expect(describeVerdict(r), explain(r)).toBe('valid');
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

let studio: Studio;
let ours: string;
let other: TestIssuer;
let foreign: JsonObject;

beforeAll(async () => {
  ({ studio, issuerId: ours } = await studioWithIssuer('endorse', { name: 'Guild of Assessors' }));
  other = makeIssuer('Ed25519', { kind: 'did:key' }, 'North School');
  foreign = await signDataIntegrity(badge(other), other.signer);
});
afterAll(() => studio.close());

describe('endorsing an imported badge', () => {
  it('signs an EndorsementCredential about it that our verifier and verifier-core accept; stored with an audit entry', async () => {
    const comment = 'North School assesses **teamwork** with *peer review*; we checked their rubric.';
    const r = await studio.endorse({ source: JSON.stringify(foreign), issuer: ours, comment, format: 'json' });
    const e = JSON.parse(r.body) as JsonObject;
    expect(e.type).toEqual(['VerifiableCredential', 'EndorsementCredential']);
    expect(e.credentialSubject).toEqual({ id: foreign.id, type: ['EndorsementSubject'], endorsementComment: comment });
    expect((e.issuer as JsonObject).id).toBe(ours);
    expect(text(r.file.bytes)).toBe(r.body);

    const report = await verifyCredential(r.body);
    expectValid(report);
    expect(report.kind).toBe('endorsement');
    expect(dccAccepts(await dccVerify(e))).toBe(true);

    const row = studio.db.prepare('SELECT credential_id, issuer_id, recipient, format, body FROM credentials WHERE credential_id = ?').get(r.credentialId) as { issuer_id: string; recipient: string; format: string; body: Buffer };
    expect(row).toMatchObject({ issuer_id: ours, recipient: foreign.id, format: 'json' });
    expect(row.body.toString('utf8')).toBe(r.body);
    expect(listAudit(studio.db, 10).find((a) => a.action === 'endorsement.sign' && a.subject === r.credentialId)?.details).toMatchObject({ endorses: foreign.id, kind: 'credential', verdict: 'valid' });
    // The studio's credential list shows it, and exports it again, baked too.
    expect(studio.listCredentials({}).rows.some((c) => c.credentialId === r.credentialId)).toBe(true);
    expect(studio.getCredential(r.credentialId).credentialId).toBe(r.credentialId);
    const again = studio.exportCredential(r.credentialId, 'svg');
    expect(unbake(again.bytes).text.trim()).toBe(r.body.trim());
    // It is not a learner's credential: re-issuing it is refused, with what to do instead.
    await expect(studio.reissueCredential({ credentialId: r.credentialId })).rejects.toThrow(/is an endorsement, not a learner's credential: sign a new endorsement instead/);
  });

  it('a tampered endorsement fails both verifiers', async () => {
    const r = await studio.endorse({ source: JSON.stringify(foreign), issuer: ours, comment: 'Good programme.' });
    const changed = tamper(JSON.parse(r.body) as JsonObject, (d) => ((d.credentialSubject as JsonObject).endorsementComment = 'Excellent programme, the best.'));
    const report = await verifyCredential(JSON.stringify(changed));
    expect(describeVerdict(report)).toBe('invalid');
    expect(report.checks.find((c) => c.id === 'proof')?.status).toBe('failed');
    expect(dccAccepts(await dccVerify(changed))).toBe(false);
  });

  it("endorses the credential's achievement or its issuer instead, when asked", async () => {
    const a = await studio.endorse({ source: JSON.stringify(foreign), part: 'achievement', issuer: ours, comment: 'A sound badge.' });
    expect((JSON.parse(a.body) as JsonObject).credentialSubject).toMatchObject({ id: 'https://badges.example.org/achievements/teamwork' });
    expect(a.endorses).toEqual({ kind: 'achievement', id: 'https://badges.example.org/achievements/teamwork', name: 'Teamwork' });
    const i = await studio.endorse({ source: JSON.stringify(foreign), part: 'issuer', issuer: ours, comment: 'A serious school.' });
    expect((JSON.parse(i.body) as JsonObject).credentialSubject).toMatchObject({ id: other.id });
    expectValid(await verifyCredential(i.body));
  });

  it('endorses an Achievement or Profile file (unsigned, said so)', async () => {
    const achievement = { '@context': [OB], ...(((foreign.credentialSubject as JsonObject).achievement as JsonObject)) };
    const t = await studio.inspectEndorsable({ source: JSON.stringify(achievement) });
    expect(t).toMatchObject({ kind: 'achievement', id: 'https://badges.example.org/achievements/teamwork', name: 'Teamwork' });
    expect(t.warnings[0]).toMatch(/carries no signature/);
    const p = await studio.endorse({ source: JSON.stringify({ id: 'https://north.example/', type: 'Profile', name: 'North School' }), issuer: ours, comment: 'We know them.' });
    expect(p.endorses).toEqual({ kind: 'profile', id: 'https://north.example/', name: 'North School' });
    expect(dccAccepts(await dccVerify(JSON.parse(p.body) as object))).toBe(true);
  });

  it('a genuine badge whose revocation status cannot be checked offline is endorsed, with that said', async () => {
    const listUrl = 'https://north.example/status/1.json';
    const withStatus = await signDataIntegrity(badge(other, { credentialStatus: { id: `${listUrl}#7`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: listUrl } }), other.signer);
    const r = await studio.endorse({ source: JSON.stringify(withStatus), issuer: ours, comment: 'Fine.' });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^Revocation status: .*https:\/\/north\.example\/status\/1\.json/);
    expectValid(await verifyCredential(r.body));
  });

  it('refuses a credential this workspace revoked, offline, before its status list is uploaded', async () => {
    const { studio: own, issuerId } = await studioWithIssuer('endorse-revoked', { name: 'Revoking School' });
    try {
      own.setStatusListUrl(issuerId, 'https://revoking.example/status');
      const cred = await own.issueCredential({ issuer: issuerId, achievement: ACHIEVEMENT, recipient: 'ada@example.org' });
      // Not revoked yet: endorsable (its list is the workspace's own, so the status is known).
      const fine = await own.inspectEndorsable({ source: cred.body });
      expect(fine.kind).toBe('credential');
      own.revoke(cred.credentialId, 'issued in error');
      await expect(own.endorse({ source: cred.body, issuer: issuerId, comment: 'Good work.' })).rejects.toThrow(/Refusing to endorse it: .*revoked/i);
    } finally {
      own.close();
    }
  });

  it("refuses a badge that does not verify, with the verifier's reason, and signs nothing", async () => {
    const before = (studio.db.prepare('SELECT count(*) AS n FROM credentials').get() as { n: number }).n;
    const forged = tamper(foreign, (d) => (d.name = 'Leadership Badge'));
    await expect(studio.endorse({ source: JSON.stringify(forged), issuer: ours, comment: 'x' })).rejects.toThrow(/Refusing to endorse it: the credential did not verify \(it is not valid\): the signature does not match/);
    await expect(studio.endorse({ source: JSON.stringify({ '@context': 'https://w3id.org/openbadges/v2', type: 'Assertion', recipient: {}, badge: 'https://x.example/b' }), issuer: ours, comment: 'x' })).rejects.toThrow(
      /Open Badges 2\.0 assertion.*Upgrade it first/,
    );
    await expect(studio.endorse({ source: JSON.stringify(foreign), issuer: ours, comment: '   ' })).rejects.toThrow(/Write an endorsement comment/);
    await expect(studio.endorse({ source: '{"name":"x"}', issuer: ours, comment: 'x' })).rejects.toThrow(/Nothing to endorse: not a credential/);
    expect((studio.db.prepare('SELECT count(*) AS n FROM credentials').get() as { n: number }).n).toBe(before);
  });

  it('exports as a VC-JWT (P-256 issuer) and baked PNG/SVG, each of which verifies', async () => {
    const p256 = (await studio.createIssuer({ name: 'Guild (P-256)', key: 'P-256' })).id;
    const jwt = await studio.endorse({ source: JSON.stringify(foreign), issuer: p256, comment: 'JWT form.', format: 'jwt' });
    expect(jwt.format).toBe('jwt');
    expect(jwt.body.split('.')).toHaveLength(3);
    expectValid(await verifyCredential(jwt.body));
    for (const format of ['png', 'svg'] as const) {
      const baked = await studio.endorse({ source: JSON.stringify(foreign), issuer: ours, comment: `Baked ${format}.`, format });
      const out = unbake(baked.file.bytes);
      expect(out).toMatchObject({ kind: 'ob3', container: format, format: 'json' });
      expect(out.text.trim()).toBe(baked.body.trim());
      const report = await verifyCredential(baked.file.bytes);
      expectValid(report);
      expect(report).toMatchObject({ kind: 'endorsement', container: format });
    }
    // An endorsement of a baked badge: the image is read like the verifier reads it.
    const png = await studio.endorse({ source: JSON.stringify(foreign), issuer: ours, comment: 'Endorsement.', format: 'png' });
    const again = await studio.endorse({ source: png.file.bytes, issuer: ours, comment: 'An endorsement of an endorsement.' });
    expect((JSON.parse(again.body) as JsonObject).credentialSubject).toMatchObject({ id: png.credentialId });
  });
});

describe('receiving endorsements', () => {
  let endorser: TestIssuer;
  let achievementId: string;
  const endorsementOf = (subjectId: string, extra: JsonObject = {}): JsonObject => ({
    '@context': [VC2, OB],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', 'EndorsementCredential'],
    name: 'Endorsement by the Board of Examiners',
    issuer: { id: endorser.id, type: ['Profile'], name: 'Board of Examiners' },
    validFrom: '2026-02-01T00:00:00Z',
    credentialSubject: { id: subjectId, type: ['EndorsementSubject'], endorsementComment: 'Meets the **national standard**.' },
    ...extra,
  });

  beforeAll(async () => {
    endorser = makeIssuer('Ed25519', { kind: 'did:key' }, 'Board of Examiners');
    achievementId = ACHIEVEMENT.id;
    await studio.issueCredential({ issuer: ours, achievement: ACHIEVEMENT, recipient: 'first@example.org' });
  });

  it('an attached endorsement is embedded in credentials issued afterwards, which verify (ours and verifier-core)', async () => {
    const signed = await signDataIntegrity(endorsementOf(achievementId), endorser.signer);
    const att = await studio.attachEndorsement({ source: JSON.stringify(signed), achievement: achievementId });
    expect(att).toMatchObject({ outcome: 'attached', embeddedIn: 'all-credentials', endorsement: { targetKind: 'achievement', targetId: achievementId, endorserId: endorser.id, endorserName: 'Board of Examiners', format: 'json' } });
    expect((await studio.attachEndorsement({ source: JSON.stringify(signed), achievement: achievementId })).outcome).toBe('already-attached');

    const issued = await studio.issueCredential({ issuer: ours, achievement: ACHIEVEMENT, recipient: 'second@example.org' });
    const c = JSON.parse(issued.body) as JsonObject;
    const embedded = ((c.credentialSubject as JsonObject).achievement as JsonObject).endorsement as JsonObject[];
    expect(embedded).toEqual([signed]);
    const report = await verifyCredential(issued.body);
    expectValid(report);
    expect(report.endorsements).toHaveLength(1);
    expect(report.endorsements![0]).toMatchObject({ endorser: 'Board of Examiners', outcome: 'valid', comment: 'Meets the **national standard**.' });
    expect(report.endorsements![0]!.path).toBe('$.credentialSubject.achievement.endorsement[0]');
    expect(dccAccepts(await dccVerify(c))).toBe(true);

    // Detached: later credentials no longer carry it.
    studio.detachEndorsement(att.endorsement.rowId);
    const later = JSON.parse((await studio.issueCredential({ issuer: ours, achievement: ACHIEVEMENT, recipient: 'third@example.org' })).body) as JsonObject;
    expect(((later.credentialSubject as JsonObject).achievement as JsonObject).endorsement).toBeUndefined();
    expect((await studio.attachEndorsement({ source: JSON.stringify(signed), achievement: achievementId })).outcome).toBe('re-attached');
  });

  it('a batch issued after attaching embeds the endorsement in every credential (worker threads build them)', async () => {
    const dir = mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), 'endorse-batch-'));
    const p = await studio.prepareBatch({ issuer: ours, roster: { bytes: roster(3), name: 'class.csv' }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out'), formats: ['json'] });
    await studio.runBatch(p.batch.id, { workers: 1 });
    const rows = studio.db.prepare('SELECT body FROM credentials WHERE batch_id = ?').all(p.batch.id) as Array<{ body: Buffer }>;
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      const c = JSON.parse(r.body.toString('utf8')) as JsonObject;
      const ids = (((c.credentialSubject as JsonObject).achievement as JsonObject).endorsement as JsonObject[]).map((e) => (e.issuer as JsonObject).id);
      expect(ids).toEqual([endorser.id]);
      expectValid(await verifyCredential(r.body));
    }
  });

  it('an endorsement of the issuer profile goes into issuer.endorsement', async () => {
    const signed = await signDataIntegrity(endorsementOf(ours), endorser.signer);
    await studio.attachEndorsement({ source: JSON.stringify(signed), issuer: ours });
    const c = JSON.parse((await studio.issueCredential({ issuer: ours, achievement: ACHIEVEMENT, recipient: 'fourth@example.org' })).body) as JsonObject;
    expect(((c.issuer as JsonObject).endorsement as JsonObject[]).map((e) => e.id)).toEqual([signed.id]);
    const report = await verifyCredential(JSON.stringify(c));
    expectValid(report);
    expect(report.endorsements!.map((e) => e.path).sort()).toEqual(['$.credentialSubject.achievement.endorsement[0]', '$.issuer.endorsement[0]']);
    expect(dccAccepts(await dccVerify(c))).toBe(true);
    expect(studio.listReceivedEndorsements({ issuer: ours }).map((e) => e.endorsementId)).toEqual([signed.id]);
  });

  it('refuses an endorsement of something else, a tampered one, and one that is not an endorsement', async () => {
    const elsewhere = await signDataIntegrity(endorsementOf('https://acme.example/achievements/other'), endorser.signer);
    await expect(studio.attachEndorsement({ source: JSON.stringify(elsewhere), achievement: achievementId })).rejects.toThrow(
      `This endorsement is about https://acme.example/achievements/other, not the achievement ${achievementId}`,
    );
    const good = await signDataIntegrity(endorsementOf(achievementId), endorser.signer);
    const forged = tamper(good, (d) => ((d.credentialSubject as JsonObject).endorsementComment = 'Exceeds every standard.'));
    await expect(studio.attachEndorsement({ source: JSON.stringify(forged), achievement: achievementId })).rejects.toThrow(/Refusing to attach it: the endorsement did not verify \(it is not valid\): the signature does not match/);
    await expect(studio.attachEndorsement({ source: JSON.stringify(foreign), achievement: achievementId })).rejects.toThrow(/Not an endorsement: an Open Badges 3\.0 credential/);
    await expect(studio.attachEndorsement({ source: JSON.stringify(good), achievement: 'https://nowhere.example/a' })).rejects.toThrow(/No achievement https:\/\/nowhere\.example\/a in this workspace/);
    const count = (studio.db.prepare('SELECT count(*) AS n FROM received_endorsements WHERE endorsement_id = ?').get(forged.id) as { n: number }).n;
    expect(count).toBe(0);
  });

  it('a JWT endorsement goes into credentials signed as VC-JWT (endorsementJwt), not into Data Integrity ones', async () => {
    const p256 = await studio.createIssuer({ name: 'Acme (P-256)', key: 'P-256' });
    const achievement = { ...ACHIEVEMENT, id: 'https://acme.example/achievements/jwt-first-aid' };
    await studio.issueCredential({ issuer: p256.id, achievement, recipient: 'a@example.org', format: 'jwt' });
    const jwtEndorser = makeIssuer('P-256', { kind: 'did:key' }, 'Board (JWT)');
    const jws = await signJwt({ ...endorsementOf(achievement.id), issuer: { id: jwtEndorser.id, type: ['Profile'], name: 'Board (JWT)' } }, jwtEndorser.signer);
    const att = await studio.attachEndorsement({ source: jws, achievement: achievement.id });
    expect(att).toMatchObject({ outcome: 'attached', embeddedIn: 'jwt-credentials', endorsement: { format: 'jwt', body: jws } });

    const asJwt = await studio.issueCredential({ issuer: p256.id, achievement, recipient: 'b@example.org', format: 'jwt' });
    const payload = JSON.parse(Buffer.from(asJwt.body.split('.')[1]!, 'base64url').toString('utf8')) as JsonObject;
    expect(((payload.credentialSubject as JsonObject).achievement as JsonObject).endorsementJwt).toEqual([jws]);
    const report = await verifyCredential(asJwt.body);
    expectValid(report);
    expect(report.endorsements?.[0]).toMatchObject({ format: 'jwt', outcome: 'valid', endorser: 'Board (JWT)' });

    const asJson = JSON.parse((await studio.issueCredential({ issuer: p256.id, achievement, recipient: 'c@example.org', format: 'json' })).body) as JsonObject;
    expect(((asJson.credentialSubject as JsonObject).achievement as JsonObject).endorsementJwt).toBeUndefined();
    expectValid(await verifyCredential(JSON.stringify(asJson)));

    // A batch signed as VC-JWT only carries it too; one that also signs JSON leaves it out of both forms (one credential, two proofs).
    const dir = mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), 'endorse-jwt-batch-'));
    for (const [formats, carried] of [[['jwt'], true], [['json', 'jwt'], false]] as const) {
      const p = await studio.prepareBatch({ issuer: p256.id, roster: { bytes: roster(2), name: 'class.csv' }, achievement: { json: achievement }, outDir: path.join(dir, formats.join('-')), formats: [...formats] });
      await studio.runBatch(p.batch.id, { workers: 1 });
      const rows = studio.db.prepare("SELECT body FROM credentials WHERE batch_id = ? AND format = 'jwt'").all(p.batch.id) as Array<{ body: Buffer }>;
      expect(rows).toHaveLength(2);
      for (const r of rows) {
        const body = r.body.toString('utf8');
        const claims = JSON.parse(Buffer.from(body.split('.')[1]!, 'base64url').toString('utf8')) as JsonObject;
        expect(((claims.credentialSubject as JsonObject).achievement as JsonObject).endorsementJwt).toEqual(carried ? [jws] : undefined);
        const report = await verifyCredential(body);
        expectValid(report);
        expect(report.endorsements?.length ?? 0).toBe(carried ? 1 : 0);
      }
    }
  });
});
