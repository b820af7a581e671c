/**
 * Revocation end to end through the Studio API: a real workspace, real keys in an encrypted key
 * file, credentials signed by the issuer, the status list exported and signed, then the verifier
 * reading that list file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import type { IssuedCredential, IssuerView, Studio } from '../../core/api/index.ts';
import { createKeyResolver } from '../../core/keys/index.ts';
import { validateCredential } from '../../core/model/index.ts';
import { signDataIntegrity, type JsonObject } from '../../core/proof/index.ts';
import {
  allocateStatusEntries,
  buildStatusListCredential,
  checkStatus,
  encodeBitstring,
  newBitstring,
  type BitstringStatusListEntry,
  type StatusEntryResult,
} from '../../core/status/index.ts';
import { insertCredential } from '../../core/store/index.ts';
import { getStatusList } from '../../core/store/status.ts';
import { exitCodeOf, verifyCredential, type Check } from '../../core/verify/index.ts';
import { ACHIEVEMENT, issuerSigner, openStudio, scratchDir } from './helpers.ts';

const BASE = 'https://badges.acme.example/status';
const LIST = `${BASE}/acme-training-revocation-1.json`;

const statusOf = (r: { checks: Check[] }) => r.checks.find((c) => c.id === 'status')!;
const credentialOf = (c: IssuedCredential): JsonObject =>
  c.format === 'json' ? JSON.parse(c.body) : JSON.parse(Buffer.from(c.body.split('.')[1]!, 'base64url').toString('utf8'));

describe('revocation through the Studio', () => {
  const dir = scratchDir();
  const outDir = path.join(dir, 'published');
  let studio: Studio;
  let issuer: IssuerView;
  let early: IssuedCredential;
  const issued: IssuedCredential[] = [];
  let list: JsonObject;

  beforeAll(async () => {
    studio = openStudio(dir);
    issuer = await studio.createIssuer({ name: 'Acme Training', url: 'https://acme.example' });
    early = await studio.issueCredential({ issuer: issuer.id, achievement: ACHIEVEMENT, recipient: 'early@example.org' });
    expect(studio.setStatusListUrl('Acme Training', `${BASE}/`)).toEqual({ issuerId: issuer.id, baseUrl: BASE });
    for (const who of ['ada@example.org', 'bob@example.org', 'cy@example.org']) {
      issued.push(await studio.issueCredential({ issuer: issuer.id, achievement: ACHIEVEMENT, recipient: who }));
    }
    issued.push(await studio.issueCredential({ issuer: issuer.id, achievement: ACHIEVEMENT, recipient: 'did:example:dee', format: 'jwt', allowEdDSA: true }));
    expect(studio.revoke(issued[1]!.credentialId, 'issued to the wrong learner')).toMatchObject({ status: 'revoked', changed: true, lists: [LIST] });
    const exported = await studio.exportStatusLists(issuer.id, outDir);
    expect(exported.map((e) => [e.file, e.hostAt, e.set, e.allocated])).toEqual([[path.join(outDir, 'acme-training-revocation-1.json'), LIST, 1, 4]]);
    list = JSON.parse(readFileSync(exported[0]!.file, 'utf8'));
  });
  afterAll(() => studio?.close());

  it('signs one revocation entry into each credential: an object, valid against both schema builds', () => {
    expect(credentialOf(early).credentialStatus).toBeUndefined();
    const indexes = new Set<string>();
    for (const c of issued) {
      const cred = credentialOf(c);
      expect(cred.id).toBe(c.credentialId);
      const entry = cred.credentialStatus as BitstringStatusListEntry;
      expect(entry).toEqual({ id: `${LIST}#${entry.statusListIndex}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: entry.statusListIndex, statusListCredential: LIST });
      indexes.add(entry.statusListIndex);
      if (c.format === 'json') expect(validateCredential(cred).issues.filter((i) => i.severity === 'error')).toEqual([]);
    }
    expect(indexes.size).toBe(issued.length);
    // The audit log names the entry each credential was signed with.
    const row = studio.db.prepare("SELECT details FROM audit_log WHERE action = 'credential.issue' AND subject = ?").get(issued[0]!.credentialId) as { details: string };
    expect(JSON.parse(row.details).credentialStatus).toBe((credentialOf(issued[0]!).credentialStatus as BitstringStatusListEntry).id);
  });

  it('exports a signed BitstringStatusListCredential (VC 2.0 context only)', () => {
    expect(list).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: LIST,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: issuer.id,
      credentialSubject: { id: `${LIST}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation' },
      proof: [{ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', verificationMethod: issuer.verificationMethod, proofPurpose: 'assertionMethod' }],
    });
    expect(list.validFrom).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('the verifier reports the revoked credential failed and the others passed (JSON and VC-JWT)', async () => {
    const files = new Map([[LIST, list]]);
    const reports = await Promise.all(issued.map((c) => verifyCredential(c.body, { statusListFiles: files })));
    expect(reports.map((r) => statusOf(r).status)).toEqual(['passed', 'failed', 'passed', 'passed']);
    expect(reports.map((r) => r.verdict)).toEqual(['valid', 'invalid', 'valid', 'valid']);
    expect(statusOf(reports[1]!).reason).toMatch(/^revoked: entry \d+ is set in the issuer's status list https:\/\/badges\.acme\.example\/status\/acme-training-revocation-1\.json/);
    expect(statusOf(reports[0]!).reason).toMatch(/^not revoked: entry \d+ is clear in the issuer's signed status list/);
    expect(exitCodeOf(reports[1]!)).toBe(1);
    // Machine-readable: what the list said, per entry.
    expect(statusOf(reports[1]!).details).toEqual([{ type: 'BitstringStatusListEntry', purpose: 'revocation', list: LIST, index: expect.any(Number), source: 'local file', status: 'failed', set: true, reason: expect.any(String) }]);
    expect(statusOf(reports[0]!).details).toMatchObject([{ status: 'passed', set: false }]);
  });

  it('without the list: "could not check", never "not revoked"; without credentialStatus: not applicable', async () => {
    const offline = await verifyCredential(issued[0]!.body);
    expect(statusOf(offline)).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/^could not check revocation: the status list .* this check ran offline/) });
    expect(offline.verdict).toBe('indeterminate');
    expect(exitCodeOf(offline)).toBe(3);

    const none = await verifyCredential(early.body);
    expect(statusOf(none)).toMatchObject({ status: 'not-applicable', reason: expect.stringMatching(/no credentialStatus/) });
    expect(none.verdict).toBe('valid');
    expect(exitCodeOf(none)).toBe(0);
  });

  it('a tampered list fails with the reason (here: the revoked bit cleared)', async () => {
    const tampered = structuredClone(list);
    (tampered.credentialSubject as JsonObject).encodedList = encodeBitstring(newBitstring());
    const r = await verifyCredential(issued[1]!.body, { statusListFiles: new Map([[LIST, tampered]]) });
    expect(statusOf(r)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/status list .* does not verify \(the signature does not match.*altered or not signed by its issuer/) });
    expect((statusOf(r).details as StatusEntryResult[])[0]!.set).toBeUndefined(); // says nothing about revocation
    const unsigned = structuredClone(list);
    delete unsigned.proof;
    expect(statusOf(await verifyCredential(issued[0]!.body, { statusListFiles: new Map([[LIST, unsigned]]) }))).toMatchObject({ status: 'failed', reason: expect.stringMatching(/not signed/) });
  });

  it('an expired list cannot vouch for anything', async () => {
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    const [exp] = await studio.exportStatusLists(issuer.id, path.join(dir, 'expiring'), { validUntil: inAnHour });
    const expiring = JSON.parse(readFileSync(exp!.file, 'utf8')) as JsonObject;
    expect(expiring.validUntil).toBe(inAnHour.replace(/\.\d{3}Z$/, 'Z'));
    const files = new Map([[LIST, expiring]]);
    expect(statusOf(await verifyCredential(issued[0]!.body, { statusListFiles: files })).status).toBe('passed');
    const later = await verifyCredential(issued[0]!.body, { statusListFiles: files, now: new Date(Date.now() + 2 * 3600_000) });
    expect(statusOf(later)).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/could not check revocation: the status list .* expired on .*publish a fresh one/) });
  });

  it("refuses a list signed by another issuer, or one for another purpose, at the credential's list URL", async () => {
    const other = await studio.createIssuer({ name: 'Mallory Badges' });
    const bits = newBitstring();
    const fake = buildStatusListCredential({ id: LIST, issuerId: other.id, purpose: 'revocation', size: bits.length * 8, allocated: 0, bits, updatedAt: '' });
    const signedByOther = await signDataIntegrity(fake, await issuerSigner(studio, other.id));
    const r = await verifyCredential(issued[1]!.body, { statusListFiles: new Map([[LIST, signedByOther]]) });
    expect(statusOf(r)).toMatchObject({ status: 'failed', reason: expect.stringMatching(new RegExp(`was issued by ${other.id}, not by the credential's issuer ${issuer.id}`)) });

    const wrongPurpose = buildStatusListCredential({ id: LIST, issuerId: issuer.id, purpose: 'suspension', size: bits.length * 8, allocated: 0, bits, updatedAt: '' });
    const r2 = await verifyCredential(issued[0]!.body, { statusListFiles: new Map([[LIST, await signDataIntegrity(wrongPurpose, await issuerSigner(studio, issuer.id))]]) });
    expect(statusOf(r2)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/revocation entry points at a list for "suspension"/) });

    // Shorter than the spec's 131,072 entries: refused for herd privacy.
    const short = { ...buildStatusListCredential(getStatusList(studio.db, LIST)!), credentialSubject: { id: `${LIST}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: 'u' + gzipSync(new Uint8Array(1024)).toString('base64url') } };
    const r3 = await verifyCredential(issued[0]!.body, { statusListFiles: new Map([[LIST, await signDataIntegrity(short, await issuerSigner(studio, issuer.id))]]) });
    expect(statusOf(r3)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/8192 entries, fewer than the 131072/) });
  });

  it('suspension needs a suspension entry: refused for OB credentials, works for a VC that has one', async () => {
    expect(() => studio.suspend(issued[0]!.credentialId)).toThrow(/only a revocation entry.*OB schema allows a single object/s);
    expect(() => studio.reinstate(issued[1]!.credentialId)).toThrow(/revocation is permanent/);

    // A plain VC 2.0 credential (not OB) may carry [revocation, suspension].
    const id = 'urn:uuid:6a0c7d5e-5d0e-4c57-9d8f-0a1b2c3d4e5f';
    const entries = allocateStatusEntries(studio.db, issuer.id, [id], { suspension: true }).get(id) as BitstringStatusListEntry[];
    const vc = await signDataIntegrity(
      {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id,
        type: ['VerifiableCredential'],
        issuer: issuer.id,
        validFrom: '2026-01-01T00:00:00Z',
        credentialSubject: { id: 'did:example:learner' },
        credentialStatus: entries,
      },
      await issuerSigner(studio, issuer.id),
    );
    insertCredential(studio.db, { credentialId: id, issuerId: issuer.id, recipient: 'did:example:learner', format: 'json', body: JSON.stringify(vc) });
    const check = async () => {
      const files = new Map((await studio.exportStatusLists(issuer.id, path.join(dir, 'suspension'))).map((e) => [e.id, e.credential] as const));
      return checkStatus(vc, { resolveKey: createKeyResolver(), localFiles: files });
    };
    expect(studio.suspend(id, 'under review')).toMatchObject({ previous: 'active', status: 'suspended', changed: true });
    expect(await check()).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^suspended: entry \d+ is set/) });
    expect(studio.reinstate(id, 'review closed')).toMatchObject({ previous: 'suspended', status: 'active', changed: true });
    const after = await check();
    expect(after.status).toBe('passed');
    expect(after.entries.map((e) => e.reason.split(':')[0])).toEqual(['not revoked', 'not suspended']);
  });

  it('a P-256 issuer signs its list with ecdsa-rdfc-2019; an RSA issuer is refused with the reason', async () => {
    const p256 = await studio.createIssuer({ name: 'Beta College', key: 'P-256' });
    studio.setStatusListUrl(p256.id, 'https://beta.example/status');
    const cred = await studio.issueCredential({ issuer: p256.id, achievement: ACHIEVEMENT, recipient: 'x@example.org' });
    studio.revoke(cred.credentialId);
    const [exported] = await studio.exportStatusLists(p256.id, path.join(dir, 'beta'));
    expect((exported!.credential.proof as JsonObject[])[0]!.cryptosuite).toBe('ecdsa-rdfc-2019');
    const r = await verifyCredential(cred.body, { statusListFiles: new Map([[exported!.id, exported!.credential]]) });
    expect(statusOf(r)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^revoked/) });

    const rsa = await studio.createIssuer({ name: 'Gamma RSA', key: 'RSA-2048' });
    expect(() => studio.setStatusListUrl(rsa.id, 'https://gamma.example/status')).toThrow(/RSA key, which signs VC-JWT only/);
  });
});
