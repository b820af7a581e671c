/**
 * CLR 2.0 records: two of our credentials and one from another issuer (its own key, signed here)
 * bundled for one learner with a grouping achievement and associations; the record passes the CLR
 * ClrCredential schema and, for every bundled credential, the CLR AchievementCredential schema,
 * our verifier (outer proof, then each inner credential) and verifier-core (each inner credential,
 * byte-for-byte as its issuer signed it). Baked PNG/SVG, storage, refusals, batch with cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../core/api/index.ts';
import { unbake } from '../../core/bake/index.ts';
import { buildClrCredential, checkAssociations, parseAssociation, type AssociationInput } from '../../core/clr/index.ts';
import { buildAchievementCredential, buildIdentityObject, schemaIssues } from '../../core/model/index.ts';
import { signDataIntegrity, type JsonObject } from '../../core/proof/index.ts';
import { describeVerdict, verifyCredential } from '../../core/verify/index.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { makeIssuer, tamper, type TestIssuer } from '../verify/helpers.ts';
import { studioWithIssuer } from '../issue/helpers.ts';

const LEARNER = 'ada.lovelace@example.org';
const SQL = { id: 'https://acme.example/achievements/sql', name: 'SQL Basics', description: 'Writes SQL queries.', criteria: { narrative: 'Passed the exam.' }, achievementType: 'Course' };
const PY = { id: 'https://acme.example/achievements/python', name: 'Python Basics', description: 'Writes Python programs.', criteria: { narrative: 'Passed the project.' }, achievementType: 'Course' };
const VIZ_ID = 'https://northwind.example/achievements/dataviz';
const DEGREE = { id: 'https://acme.example/programs/data-analyst', name: 'Data Analyst Certificate', description: 'The data analyst program.', criteria: { narrative: 'Complete all three courses.' }, achievementType: 'Certificate' };

/** A credential from someone else: another issuer and key, signed here, to the same learner (hashed e-mail). */
async function foreignCredential(issuer: TestIssuer, recipient = LEARNER): Promise<JsonObject> {
  const vc = buildAchievementCredential({
    issuer: { id: issuer.id, name: issuer.name, url: 'https://northwind.example' },
    achievement: { id: VIZ_ID, name: 'Data Visualisation', description: 'Builds clear charts.', criteria: { narrative: 'Portfolio reviewed.' }, achievementType: 'Badge' },
    subject: { identifier: recipient },
    validFrom: '2026-01-10T00:00:00Z',
  } as never);
  return signDataIntegrity(vc as unknown as JsonObject, issuer.signer);
}

let studio: Studio;
let issuerId: string;
let northwind: TestIssuer;
let ours: string[];
let theirs: JsonObject;
const closers: Studio[] = [];
afterAll(() => closers.forEach((s) => s.close()));

beforeAll(async () => {
  ({ studio, issuerId } = await studioWithIssuer('clr-core', { name: 'Acme Academy' }));
  closers.push(studio);
  // Ed25519: verifier-core checks eddsa-rdfc-2022 only (it reports a P-256 ecdsa-rdfc-2019 proof as invalid).
  northwind = makeIssuer('Ed25519', { kind: 'did:key' }, 'Northwind Bootcamp');
  ours = [];
  for (const a of [SQL, PY]) ours.push((await studio.issueCredential({ issuer: issuerId, achievement: a, recipient: LEARNER, name: 'Ada Lovelace' })).credentialId);
  theirs = await foreignCredential(northwind);
});

const associations: AssociationInput[] = [
  { sourceId: SQL.id, associationType: 'isChildOf', targetId: DEGREE.id },
  { sourceId: PY.id, associationType: 'isChildOf', targetId: DEGREE.id },
  { sourceId: VIZ_ID, associationType: 'isPartOf', targetId: DEGREE.id },
  { sourceId: SQL.id, associationType: 'precedes', targetId: VIZ_ID },
];

describe('a CLR of two of our credentials and one from another issuer', () => {
  it('passes both CLR schema files, our verifier, and verifier-core for each inner credential', async () => {
    const created = await studio.createClr({
      issuer: issuerId,
      recipient: LEARNER,
      learnerName: 'Ada Lovelace',
      name: 'Data Analyst transcript',
      credentials: [{ credentialId: ours[0]! }, { credentialId: ours[1]! }, { bytes: JSON.stringify(theirs), name: 'northwind.json' }],
      achievements: [DEGREE],
      associations,
      partial: true,
    });
    const clr = JSON.parse(created.body) as JsonObject & { credentialSubject: { verifiableCredential: JsonObject[]; association: unknown[]; identifier: unknown[] } };
    expect(clr['@context']).toEqual(['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json', 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json']);
    expect(clr).toMatchObject({ type: ['VerifiableCredential', 'ClrCredential'], name: 'Data Analyst transcript', partial: true });
    expect(clr.credentialSubject.association).toHaveLength(4);
    expect(clr.credentialSubject.identifier).toMatchObject([{ type: 'IdentityObject', identityType: 'emailAddress', hashed: true }]);
    // Schema files: the ClrCredential schema for the record, the CLR AchievementCredential schema for each bundled one.
    expect(schemaIssues(clr, 'clr', 'json-ld')).toEqual([]);
    expect(clr.credentialSubject.verifiableCredential).toHaveLength(3);
    // (No strict build of the CLR schemas is public; the OB ones, both builds, hold for each bundled credential too.)
    for (const vc of clr.credentialSubject.verifiableCredential) {
      expect(schemaIssues(vc, 'clr-achievement', 'json-ld')).toEqual([]);
      expect(schemaIssues(vc, 'achievement', 'json-ld')).toEqual([]);
      expect(schemaIssues(vc, 'achievement', 'formal')).toEqual([]);
    }
    // Embedded exactly as signed.
    expect(clr.credentialSubject.verifiableCredential[2]).toEqual(theirs);
    const stored = (id: string) => JSON.parse((studio.db.prepare("SELECT body FROM credentials WHERE credential_id = ? AND format = 'json'").get(id) as { body: Buffer }).body.toString('utf8')) as unknown;
    expect(clr.credentialSubject.verifiableCredential[0]).toEqual(stored(ours[0]!));
    // Our verifier: the publisher's proof, then every bundled credential.
    const report = await verifyCredential(created.body);
    expect(describeVerdict(report), JSON.stringify(report.checks)).toBe('valid');
    expect(report.kind).toBe('clr2');
    expect(report.checks.find((c) => c.id === 'inner-credentials')).toMatchObject({ status: 'passed', reason: 'all 3 bundled credentials verified' });
    expect(report.inner?.map((r) => [r.summary.issuerName, describeVerdict(r)])).toEqual([
      ['Acme Academy', 'valid'],
      ['Acme Academy', 'valid'],
      ['Northwind Bootcamp', 'valid'],
    ]);
    // verifier-core, on each bundled credential as it sits in the record.
    for (const vc of clr.credentialSubject.verifiableCredential) expect(dccAccepts(await dccVerify(vc))).toBe(true);
    // Stored like any credential, plus what it bundles.
    expect(studio.listClrs()).toMatchObject([{ credentialId: created.credentialId, learner: LEARNER, partial: true, credentials: 3, achievements: 1, associations: 4, inner: [{ name: 'SQL Basics' }, { name: 'Python Basics' }, { issuerName: 'Northwind Bootcamp', achievementId: VIZ_ID }] }]);
    const row = studio.db.prepare('SELECT issuer_id, recipient, format FROM credentials WHERE credential_id = ?').get(created.credentialId);
    expect(row).toEqual({ issuer_id: issuerId, recipient: LEARNER, format: 'json' });
    // The learner check passes with the e-mail.
    const withRecipient = await verifyCredential(created.body, { recipient: { identifier: LEARNER } });
    expect(withRecipient.checks.find((c) => c.id === 'recipient')?.status).toBe('passed');

    // Baked: PNG iTXt `clrcredential`, SVG in the clr namespace; both verify the same.
    for (const format of ['png', 'svg'] as const) {
      const file = studio.clrFile(created.credentialId, format);
      expect(file.name).toBe(`Data Analyst transcript.${format}`);
      const u = unbake(file.bytes);
      expect(u).toMatchObject({ kind: 'clr2', format: 'json', container: format });
      expect(u.keyword).toBe(format === 'png' ? 'clrcredential' : 'clr:credential');
      if (format === 'svg') expect(new TextDecoder().decode(file.bytes)).toContain('xmlns:clr="https://purl.imsglobal.org/clr/v2p0"');
      expect(u.text.trim()).toBe(created.body.trim());
      const r = await verifyCredential(file.bytes);
      expect(describeVerdict(r)).toBe('valid');
      expect(r.container).toBe(format);
    }
  });

  it('refuses what would not verify, has no slot, or belongs to someone else', async () => {
    const base = { issuer: issuerId, recipient: LEARNER, name: 'T', credentials: [{ credentialId: ours[0]! }] };
    const changed = tamper(theirs, (d) => (((d.credentialSubject as JsonObject).achievement as JsonObject).name = 'Advanced Data Visualisation'));
    await expect(studio.createClr({ ...base, credentials: [{ bytes: JSON.stringify(changed), name: 'changed.json' }] })).rejects.toThrow(/changed\.json does not verify \(invalid\)/);
    const other = await foreignCredential(northwind, 'grace@example.org');
    await expect(studio.createClr({ ...base, credentials: [{ bytes: JSON.stringify(other), name: 'grace.json' }] })).rejects.toThrow(/grace\.json was not issued to ada\.lovelace@example\.org/);
    const jwt = await studio.issueCredential({ issuer: (await studio.createIssuer({ name: 'JWT Issuer', key: 'P-256' })).id, achievement: SQL, recipient: LEARNER, format: 'jwt' });
    await expect(studio.createClr({ ...base, credentials: [{ bytes: jwt.body, name: 'badge.jwt' }] })).rejects.toThrow(/badge\.jwt is a VC-JWT: a CLR embeds credentials as JSON objects/);
    await expect(studio.createClr({ ...base, credentials: [{ credentialId: jwt.credentialId }] })).rejects.toThrow(/issued as a VC-JWT only/);
    await expect(studio.createClr({ ...base, credentials: [{ credentialId: ours[0]! }, { credentialId: ours[0]! }] })).rejects.toThrow(/is the same credential as/);
    await expect(studio.createClr({ ...base, associations: [{ sourceId: SQL.id, associationType: 'isChildOf', targetId: SQL.id }] })).rejects.toThrow(/links "SQL Basics" to itself/);
    const rsa = await studio.createIssuer({ name: 'RSA Office', key: 'RSA-2048' });
    await expect(studio.createClr({ ...base, issuer: rsa.id })).rejects.toThrow(/RSA key, which signs only VC-JWTs/);
    expect(() => buildClrCredential({ issuer: {}, name: ' ', learner: { recipient: LEARNER }, credentials: [theirs] })).toThrow(/A CLR needs a name/);
    expect(() => buildClrCredential({ issuer: {}, name: 'x', learner: { recipient: 'nobody' }, credentials: [theirs] })).toThrow(/neither an e-mail address nor a DID/);
    const unsigned = { ...theirs };
    delete unsigned.proof;
    expect(() => buildClrCredential({ issuer: {}, name: 'x', learner: { recipient: LEARNER }, credentials: [unsigned] })).toThrow(/has no embedded proof/);
    // A VC Data Model 1.1 credential verifies, but CLR 2.0 holds VC 2.0 credentials (validFrom).
    const v11 = await signDataIntegrity(
      {
        '@context': ['https://www.w3.org/2018/credentials/v1', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json', 'https://w3id.org/security/data-integrity/v2'],
        id: 'urn:uuid:4a9d1c36-0b11-4f7e-9c2a-1b2c3d4e5f61',
        type: ['VerifiableCredential', 'OpenBadgeCredential'],
        issuer: { id: northwind.id, type: 'Profile', name: northwind.name },
        issuanceDate: '2024-03-01T00:00:00Z',
        name: 'Legacy Badge',
        credentialSubject: { type: 'AchievementSubject', identifier: [buildIdentityObject({ identifier: LEARNER })], achievement: { id: 'urn:uuid:a1', type: 'Achievement', name: 'Legacy', description: 'd', criteria: { narrative: 'n' } } },
      } as unknown as JsonObject,
      northwind.signer,
    );
    expect(describeVerdict(await verifyCredential(JSON.stringify(v11)))).toBe('valid');
    await expect(studio.createClr({ ...base, credentials: [{ bytes: JSON.stringify(v11), name: 'legacy.json' }] })).rejects.toThrow(
      /Credential 1 does not meet the CLR AchievementCredential schema: \$\.credentialSubject\.verifiableCredential\[0\]\.validFrom: required property "validFrom" is missing/,
    );
    // Nothing half-stored.
    expect(studio.listClrs()).toHaveLength(1);
  });

  it('bundles an expired credential and one it cannot compare with a DID learner, each with a note', async () => {
    const expired = await signDataIntegrity(
      buildAchievementCredential({
        issuer: { id: northwind.id, name: northwind.name },
        achievement: { id: 'https://northwind.example/achievements/old', name: 'Old Course', description: 'Long ago.', criteria: { narrative: 'Done.' } },
        subject: { id: 'did:example:ada' },
        validFrom: '2020-01-01T00:00:00Z',
        validUntil: '2021-01-01T00:00:00Z',
      } as never) as unknown as JsonObject,
      northwind.signer,
    );
    const made = await studio.createClr({ issuer: issuerId, recipient: 'did:example:ada', name: 'Ada (DID)', credentials: [{ bytes: JSON.stringify(expired), name: 'old.json' }, { bytes: JSON.stringify(theirs), name: 'viz.json' }] });
    expect(made.credentials.map((c) => c.note)).toEqual(['it has expired', "it names its learner by an identifier that can't be compared with did:example:ada"]);
    expect(JSON.parse(made.body).credentialSubject.id).toBe('did:example:ada');
    const bobs = await signDataIntegrity(
      buildAchievementCredential({ issuer: { id: northwind.id, name: northwind.name }, achievement: { id: 'https://northwind.example/a/x', name: 'X', description: 'x', criteria: { narrative: 'x' } }, subject: { id: 'did:example:bob' } } as never) as unknown as JsonObject,
      northwind.signer,
    );
    await expect(studio.createClr({ issuer: issuerId, recipient: 'did:example:ada', name: 'x', credentials: [{ bytes: JSON.stringify(bobs), name: 'bob.json' }] })).rejects.toThrow(/^bob\.json was not issued to did:example:ada: not issued to "did:example:ada"/);
  });
});

describe('credentials with a status entry', () => {
  it('are checked against the workspace’s own lists: an active one is bundled, a revoked one refused', async () => {
    const { studio: s, issuerId: iss } = await studioWithIssuer('clr-status', { name: 'Acme Academy' });
    closers.push(s);
    s.setStatusListUrl(iss, 'https://acme.example/status');
    const a = await s.issueCredential({ issuer: iss, achievement: SQL, recipient: LEARNER });
    const b = await s.issueCredential({ issuer: iss, achievement: PY, recipient: LEARNER });
    expect(JSON.parse(a.body).credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
    s.revoke(b.credentialId, 'issued in error');
    // Offline and unpublished, the list is the workspace's: the active one verifies, no "could not check".
    const made = await s.createClr({ issuer: iss, recipient: LEARNER, name: 'With status', credentials: [{ credentialId: a.credentialId }] });
    expect(made.credentials[0]).toMatchObject({ outcome: 'valid' });
    expect(made.credentials[0]!.note).toBeUndefined();
    await expect(s.createClr({ issuer: iss, recipient: LEARNER, name: 'x', credentials: [{ bytes: b.body, name: 'revoked.json' }] })).rejects.toThrow(/revoked\.json does not verify \(revoked\)/);
    // A roster run leaves revoked credentials out of the learner's record.
    const summary = await s.runClrBatch({ issuer: iss, roster: { bytes: Buffer.from(`Name,Email\nAda,${LEARNER}\n`) }, name: 'Record of {name}' });
    expect(summary.items[0]).toMatchObject({ outcome: 'created', credentials: 1 });
  });
});

describe('associations', () => {
  const names = new Map([
    ['a', 'Alpha'],
    ['b', 'Beta'],
    ['c', 'Gamma'],
  ]);
  const check = (...lines: string[]) => checkAssociations(lines.map(parseAssociation), names);

  it('accepts a consistent set, including symmetric relations written both ways', () => {
    expect(check('a isChildOf b', 'c isChildOf b', 'a precedes c', 'a isPeerOf c', 'c isRelatedTo a', 'a replacedBy c', 'b exactMatchOf b2'.replace('b2', 'c').replace('b exactMatchOf c', 'b isRelatedTo c'))).toEqual([]);
  });

  it('names self-loops, dangling ids and duplicates', () => {
    expect(check('a isChildOf a')).toEqual([{ index: 0, code: 'self-loop', message: 'association 1 "a isChildOf a" links "Alpha" to itself.' }]);
    expect(check('a isChildOf z')[0]).toMatchObject({ code: 'dangling', message: 'association 1 "a isChildOf z": targetId z is not the id of an achievement in this record (associations link achievement ids, not credential ids).' });
    expect(check('a isPeerOf b', 'b isPeerOf a')[0]).toMatchObject({ index: 1, other: 0, code: 'duplicate' });
    expect(check('a isChildOf b', 'b isParentOf a')[0]).toMatchObject({ index: 1, code: 'duplicate', message: expect.stringContaining('says the same as association 1') });
  });

  it('names contradictory pairs and loops', () => {
    const one = (...l: string[]) => check(...l).map((i) => i.message);
    expect(one('a isChildOf b', 'b isChildOf a')).toEqual(['association 2 "b isChildOf a" contradicts association 1 "a isChildOf b": "Alpha" can\'t be both a child and the parent of "Beta".']);
    expect(one('a isChildOf b', 'a isParentOf b')[0]).toContain('contradicts association 1');
    expect(one('a precedes b', 'b precedes a')[0]).toContain('two achievements cannot each come before the other');
    expect(one('a isPartOf b', 'b isPartOf a')[0]).toContain('cannot each be part of the other');
    expect(one('a replacedBy b', 'b replacedBy a')[0]).toContain('cannot each replace the other');
    expect(one('a exactMatchOf b', 'a isChildOf b')[0]).toContain('an exact match of an achievement is that achievement');
    expect(one('a isPeerOf b', 'b isChildOf a')[0]).toContain('peers stand side by side');
    expect(one('a isChildOf b', 'b isChildOf c', 'c isChildOf a')).toEqual(['the isChildOf/isParentOf associations form a loop: "Alpha" → "Beta" → "Gamma" → "Alpha".']);
    expect(one('a precedes b', 'b precedes c', 'c precedes a')[0]).toContain('the precedes associations form a loop');
  });

  it('reads the CLI form and says what is wrong with it', () => {
    expect(parseAssociation(' urn:x:1  isPartOf  urn:x:2 ')).toEqual({ sourceId: 'urn:x:1', associationType: 'isPartOf', targetId: 'urn:x:2' });
    expect(() => parseAssociation('a ischildof b')).toThrow(/"ischildof" in the association "a ischildof b" is not an association type: use one of exactMatchOf, isChildOf, isParentOf, isPartOf, isPeerOf, isRelatedTo, precedes, replacedBy/);
    expect(() => parseAssociation('a isChildOf')).toThrow(/must be three words/);
  });
});

describe('one CLR per learner of a roster', () => {
  it('bundles each learner’s credentials, skips those with none, reports progress, and stops when cancelled', async () => {
    const { studio: s, issuerId: iss, dir } = await studioWithIssuer('clr-batch', { name: 'Acme Academy' });
    closers.push(s);
    for (const who of ['ann@example.org', 'bob@example.org']) {
      for (const a of [SQL, PY]) await s.issueCredential({ issuer: iss, achievement: a, recipient: who });
    }
    const roster = Buffer.from('Name,Email\nAnn Archer,ann@example.org\nBob Baker,BOB@example.org\nCy Cole,cy@example.org\n');
    const pool = [{ bytes: JSON.stringify(await foreignCredential(northwind, 'ann@example.org')), name: 'ann-northwind.json' }];
    const progress: number[] = [];
    const out = `${dir}/clrs`;
    const summary = await s.runClrBatch(
      { issuer: iss, roster: { bytes: roster, name: 'class.csv' }, name: 'Transcript of {name}', achievements: [DEGREE], associations: associations.slice(0, 3), pool: pool.map((p) => ({ label: p.name, bytes: p.bytes })), outDir: out, formats: ['json', 'png'] },
      { onProgress: (p) => progress.push(p.done) },
    );
    expect(progress).toEqual([1, 2, 3]);
    expect(summary).toMatchObject({ total: 3, created: 2, skipped: 1, failed: 0, cancelled: false });
    expect(summary.items.map((i) => [i.name, i.outcome, i.credentials ?? 0, i.droppedAssociations ?? 0, i.files ?? []])).toEqual([
      ['Ann Archer', 'created', 3, 0, ['Ann Archer.json', 'Ann Archer.png']],
      ['Bob Baker', 'created', 2, 1, ['Bob Baker.json', 'Bob Baker.png']],
      ['Cy Cole', 'skipped', 0, 0, []],
    ]);
    const { readFileSync } = await import('node:fs');
    const ann = readFileSync(`${out}/Ann Archer.json`, 'utf8');
    expect(JSON.parse(ann)).toMatchObject({ name: 'Transcript of Ann Archer' });
    expect(describeVerdict(await verifyCredential(ann))).toBe('valid');
    expect(describeVerdict(await verifyCredential(readFileSync(`${out}/Bob Baker.png`)))).toBe('valid');
    expect(s.listClrs({ batchId: summary.batchId })).toHaveLength(2);

    // A roster issued by student number: the record still names the learner by e-mail and finds them.
    const byId = Buffer.from('Name,Email,Student ID\nDee Dunn,dee@example.org,S-100\n');
    const prepared = await s.prepareBatch({ issuer: iss, roster: { bytes: byId, identity: 'learnerId' }, achievement: { json: SQL }, formats: ['json'], outDir: `${dir}/by-id` });
    await s.runBatch(prepared.batch.id);
    expect(s.db.prepare('SELECT recipient FROM credentials WHERE batch_id = ?').get(prepared.batch.id)).toEqual({ recipient: 'S-100' });
    const dee = await s.runClrBatch({ issuer: iss, roster: { bytes: byId }, name: 'Record of {name}' });
    expect(dee.items[0]).toMatchObject({ recipient: 'dee@example.org', outcome: 'created', credentials: 1 });

    // Cancelled after the first learner: one more record, the rest untouched.
    const ctl = new AbortController();
    const second = await s.runClrBatch({ issuer: iss, roster: { bytes: roster }, name: 'Again {name}' }, { signal: ctl.signal, onProgress: () => ctl.abort() });
    expect(second).toMatchObject({ done: 1, created: 1, cancelled: true });
    expect(s.listClrs()).toHaveLength(4);
  });
});
