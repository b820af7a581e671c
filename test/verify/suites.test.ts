/**
 * The offline corpus: credentials signed in the test with every suite and form the verifier
 * supports, then tampered, expired, not yet valid, baked, wrapped, mis-bound; each with the
 * verdict it must get. No network: the guard fails any attempt.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as jose from 'jose';
import jsigs from '@digitalcredentials/jsonld-signatures';
import { Ed25519Signature2020 } from '@digitalcredentials/ed25519-signature-2020';
import { bakePng, bakeSvg } from '../../core/bake/index.ts';
import { documentLoader } from '../../core/jsonld/index.ts';
import { createKeyResolver } from '../../core/keys/index.ts';
import { signDataIntegrity, signJwt, type JsonObject } from '../../core/proof/index.ts';
import { describeVerdict, exitCodeOf, parseDerivedProofValue, verifyCredential, type Check, type VerificationReport } from '../../core/verify/index.ts';
import { verifyEcdsaSd2023 } from '../../core/verify/ecdsa-sd.ts';
import { blockedCalls } from '../setup/network-guard.ts';
import { chunk, insertBeforeIend, itxtData, makePng } from '../bake/helpers.ts';
import { badge, deriveEcdsaSd, makeIssuer, NOW, OB, tamper, VC1, VC2, type TestIssuer } from './helpers.ts';

let before = 0;
beforeEach(() => {
  before = blockedCalls.length;
});
afterEach(() => {
  expect(blockedCalls.slice(before)).toEqual([]);
});

const byId = (r: VerificationReport, id: Check['id']) => r.checks.find((c) => c.id === id);
const statuses = (r: VerificationReport) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
const verify = (input: Uint8Array | string | JsonObject, options: Parameters<typeof verifyCredential>[1] = {}) =>
  verifyCredential(typeof input === 'object' && !(input instanceof Uint8Array) ? JSON.stringify(input) : input, { now: NOW, ...options });
const explain = (r: VerificationReport) => r.checks.map((c) => `${c.id} ${c.status}: ${c.reason}`).join('\n');

function expectValid(r: VerificationReport): void {
  expect(describeVerdict(r), explain(r)).toBe('valid');
  expect(r.verdict).toBe('valid');
  expect(exitCodeOf(r)).toBe(0);
}

describe('Data Integrity suites', () => {
  let ed: TestIssuer;
  let edHttps: TestIssuer;
  let p256: TestIssuer;
  beforeAll(() => {
    ed = makeIssuer('Ed25519', { kind: 'did:key' }, 'Ed Key College');
    edHttps = makeIssuer('Ed25519', { kind: 'fragment', id: 'https://college.example/issuers/7' }, 'Https College');
    p256 = makeIssuer('P-256', { kind: 'did:key' }, 'P-256 College');
  });

  it.each([
    ['eddsa-rdfc-2022, did:key', () => ed, 'eddsa-rdfc-2022'],
    ['eddsa-rdfc-2022, https issuer + #z key fragment', () => edHttps, 'eddsa-rdfc-2022'],
    ['ecdsa-rdfc-2019 (P-256), did:key', () => p256, 'ecdsa-rdfc-2019'],
  ])('%s: valid; a one-character change fails the signature', async (_name, who, suite) => {
    const issuer = who();
    const signed = await signDataIntegrity(badge(issuer), issuer.signer);
    const r = await verify(signed);
    expectValid(r);
    expect(r.kind).toBe('ob3');
    expect(byId(r, 'proof')?.reason).toContain(`valid ${suite} signature`);
    expect(byId(r, 'key-binding')?.reason).toContain(`controlled by the issuer ${issuer.id}`);
    const t = await verify(tamper(signed, (d) => ((d.credentialSubject as JsonObject).id = 'did:example:learner-2')));
    expect(describeVerdict(t)).toBe('invalid');
    expect(byId(t, 'proof')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/the signature does not match/) });
  });

  it('Ed25519Signature2020 made by the DCC library (legacy suite) verifies', async () => {
    const cred = badge(ed, { context: [VC2, OB, 'https://w3id.org/security/suites/ed25519-2020/v1'] });
    const suite = new Ed25519Signature2020({ signer: { id: ed.signer.verificationMethod, algorithm: 'Ed25519', sign: ({ data }: { data: Uint8Array }) => ed.signer.sign(data) }, date: '2026-01-20T00:00:00Z' });
    const signed = await jsigs.sign(structuredClone(cred), { suite, purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader: documentLoader('sign') });
    const r = await verify(signed as JsonObject);
    expectValid(r);
    expect(byId(r, 'proof')?.reason).toContain('valid Ed25519Signature2020 signature');
    expect(describeVerdict(await verify(tamper(signed as JsonObject, (d) => (d.name = 'Teamwork Badgf'))))).toBe('invalid');
  });

  it('a VC Data Model 1.1 credential (issuanceDate/expirationDate, 1.1 context) verifies; its schema check says how it was done', async () => {
    const v11 = {
      '@context': [VC1, 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json', 'https://w3id.org/security/data-integrity/v2'],
      id: 'urn:uuid:4a9d1c36-0b11-4f7e-9c2a-1b2c3d4e5f60',
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: ed.id, type: 'Profile', name: 'Legacy College' },
      issuanceDate: '2024-03-01T00:00:00Z',
      expirationDate: '2030-03-01T00:00:00Z',
      name: 'Legacy Badge',
      credentialSubject: { id: 'did:example:learner-1', type: 'AchievementSubject', achievement: { id: 'urn:uuid:a1', type: 'Achievement', name: 'Legacy', description: 'd', criteria: { narrative: 'n' } } },
    };
    const signed = await signDataIntegrity(v11, ed.signer);
    const r = await verify(signed);
    expectValid(r);
    expect(byId(r, 'context-type')?.reason).toContain('VC Data Model 1.1');
    expect(byId(r, 'schema')).toMatchObject({ status: 'passed', warning: true, reason: expect.stringMatching(/1\.1-compatible schemas are not published/) });
    expect(byId(r, 'valid-until')?.reason).toBe('valid until 2030-03-01T00:00:00Z');
    expect(r.summary.dates).toMatchObject({ validFrom: '2024-03-01T00:00:00Z', validUntil: '2030-03-01T00:00:00Z' });
    // expirationDate is what expires a 1.1 credential.
    const later = await verify(signed, { now: new Date('2031-01-01T00:00:00Z') });
    expect(describeVerdict(later)).toBe('expired');
  });

  it.each([
    [VC1, 'https://purl.imsglobal.org/spec/ob/v3p0/context.json'],
    [VC1, 'https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld'],
    [VC1, 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json'],
    [VC1, 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json'],
    [VC2, 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  ])('every OB 3.0 context version: %s + %s', async (vc, ob) => {
    const v1 = vc === VC1;
    const doc: JsonObject = {
      '@context': v1 ? [vc, ob, 'https://w3id.org/security/data-integrity/v2'] : [vc, ob],
      id: 'urn:uuid:5a0d1c36-0b11-4f7e-9c2a-1b2c3d4e5f61',
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: ed.id, type: 'Profile', name: 'Versioned College' },
      ...(v1 ? { issuanceDate: '2023-03-01T00:00:00Z' } : { validFrom: '2023-03-01T00:00:00Z' }),
      name: 'Versioned Badge',
      credentialSubject: { id: 'did:example:learner-1', type: 'AchievementSubject', achievement: { id: 'urn:uuid:a1', type: 'Achievement', name: 'Versioned', description: 'd', criteria: { narrative: 'n' } } },
    };
    const r = await verify(await signDataIntegrity(doc, ed.signer));
    expectValid(r);
    expect(byId(r, 'context-type')?.reason).toMatch(/with the Open Badges 3\.0\.\d context/);
  });

  it('one valid proof suffices: an unknown proof type next to it is reported, not fatal', async () => {
    const signed = await signDataIntegrity(badge(ed), ed.signer);
    const extra = { ...signed, proof: [...(signed.proof as JsonObject[]), { type: 'BbsBlsSignature2020', proofPurpose: 'assertionMethod', verificationMethod: 'did:example:x#1', proofValue: 'zabc' }] };
    const r = await verify(extra);
    expectValid(r);
    expect(byId(r, 'proof')).toMatchObject({ status: 'passed', warning: true, reason: expect.stringMatching(/also proof 2 \(BbsBlsSignature2020\): not checked, the proof type BbsBlsSignature2020 is not supported/) });
    // …while an unknown proof alone is "could not check", never "valid" or "invalid".
    const alone = await verify({ ...signed, proof: (extra.proof as JsonObject[])[1] });
    expect(describeVerdict(alone)).toBe('could-not-check');
  });

  it('harmless deviations are warnings: a lone proof object, a bare-string issuer', async () => {
    const signed = await signDataIntegrity(badge(ed), ed.signer);
    const lone = await verify({ ...signed, proof: (signed.proof as JsonObject[])[0] });
    expectValid(lone);
    expect(byId(lone, 'schema')).toMatchObject({ status: 'passed', warning: true, reason: expect.stringMatching(/proof must be an array/) });
    const bare = await signDataIntegrity({ ...badge(ed), issuer: ed.id }, ed.signer);
    const r = await verify(bare);
    expectValid(r);
    expect(byId(r, 'schema')).toMatchObject({ warning: true, reason: expect.stringMatching(/issuer is a bare URI/) });
    expect(r.summary.issuerId).toBe(ed.id);
  });

  it('a wrong-shape field is named by its path (an image given as a string)', async () => {
    const signed = await signDataIntegrity(badge(ed, { achievement: { image: 'https://badges.example.org/teamwork.png' } }), ed.signer);
    const r = await verify(signed);
    expect(byId(r, 'schema')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/\$\.credentialSubject\.achievement\.image: image must be an object/) });
    expect(byId(r, 'proof')?.status).toBe('passed');
    expect(describeVerdict(r)).toBe('invalid');
  });

  it("a key that is not the issuer's fails key binding with that reason", async () => {
    const other = makeIssuer('Ed25519', { kind: 'did:key' });
    // Signed by `other`, claiming to be from `ed`.
    const forged = await signDataIntegrity(badge(ed), other.signer);
    const r = await verify(forged);
    expect(statuses(r)).toMatchObject({ proof: 'passed', 'key-binding': 'failed' });
    expect(byId(r, 'key-binding')?.reason).toMatch(new RegExp(`not bound to the issuer: .* is controlled by ${other.id}, not ${ed.id}`));
    expect(describeVerdict(r)).toBe('invalid');
  });

  it('no proof at all: "no proof"', async () => {
    const r = await verify(badge(ed));
    expect(byId(r, 'proof')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^no proof/) });
  });
});

describe('JSON-LD expansion reused across credentials of one structure', () => {
  const leaves = (v: unknown, path: Array<string | number> = []): Array<Array<string | number>> =>
    typeof v === 'string' ? [path] : Array.isArray(v) ? v.flatMap((x, i) => leaves(x, [...path, i])) : v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k])) : [];
  const change = (doc: JsonObject, path: Array<string | number>): JsonObject =>
    tamper(doc, (d) => {
      let o = d as Record<string | number, unknown>;
      for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      const last = path[path.length - 1]!;
      const text = o[last] as string;
      o[last] = text ? text.slice(0, -1) + (text.endsWith('x') ? 'y' : 'x') : 'x';
    });

  it('every one-character change anywhere is caught, and the verdict is the same as without reuse', async () => {
    const issuer = makeIssuer('Ed25519', { kind: 'did:key' });
    const batch = await Promise.all([1, 2, 3].map((i) => signDataIntegrity(badge(issuer, { subject: { id: `did:example:learner-${i}` } }), issuer.signer)));
    for (const c of batch) expectValid(await verify(c)); // the same structure: the template serves them
    const signed = batch[0]!;
    const paths = leaves(signed);
    expect(paths.length).toBeGreaterThan(20);
    for (const p of paths) {
      const changed = change(signed, p);
      const fast = await verify(changed);
      const plain = await verify(changed, { reuseExpansion: false });
      expect(describeVerdict(fast), p.join('.')).not.toBe('valid');
      expect(describeVerdict(fast), p.join('.')).toBe(describeVerdict(plain));
      expect(byId(fast, 'proof')?.status, p.join('.')).toBe(byId(plain, 'proof')?.status);
    }
  });
});

describe('dates are instants, zones honoured', () => {
  const ed = makeIssuer('Ed25519', { kind: 'did:key' });
  it('expired, not yet valid, and a time zone that decides it', async () => {
    const expired = await signDataIntegrity(badge(ed, { validUntil: '2026-03-01T00:00:00Z' }), ed.signer);
    const e = await verify(expired);
    expect(byId(e, 'valid-until')).toMatchObject({ status: 'failed', code: 'expired', reason: 'expired on 2026-03-01T00:00:00Z' });
    expect(describeVerdict(e)).toBe('expired');
    expect(exitCodeOf(e)).toBe(1);

    const future = await signDataIntegrity(badge(ed, { validFrom: '2027-01-01T00:00:00Z' }), ed.signer);
    const f = await verify(future);
    expect(byId(f, 'valid-from')).toMatchObject({ status: 'failed', code: 'not-yet-valid', reason: 'not valid yet: it becomes valid on 2027-01-01T00:00:00Z' });
    expect(describeVerdict(f)).toBe('not-yet-valid');

    // NOW is 2026-06-01T00:00Z. 01:00+02:00 that day is 23:00Z the day before: already expired,
    // although the local date reads 1 June. And 23:30-01:00 on 31 May is 00:30Z on 1 June: valid.
    const zoned = await signDataIntegrity(badge(ed, { validUntil: '2026-06-01T01:00:00+02:00' }), ed.signer);
    expect(describeVerdict(await verify(zoned))).toBe('expired');
    const west = await signDataIntegrity(badge(ed, { validUntil: '2026-05-31T23:30:00-01:00' }), ed.signer);
    expectValid(await verify(west));
    const notYet = await signDataIntegrity(badge(ed, { validFrom: '2026-05-31T23:30:00-01:00' }), ed.signer);
    expect(describeVerdict(await verify(notYet))).toBe('not-yet-valid');
  });

  it('a forged credential that is also expired is "invalid", not "expired"', async () => {
    const signed = await signDataIntegrity(badge(ed, { validUntil: '2026-03-01T00:00:00Z' }), ed.signer);
    expect(describeVerdict(await verify(tamper(signed, (d) => (d.name = 'x'))))).toBe('invalid');
  });
});

describe('VC-JWT', () => {
  it.each([
    ['ES256', 'P-256' as const],
    ['RS256', 'RSA-2048' as const],
    ['EdDSA', 'Ed25519' as const],
  ])('%s with kid did:key: valid; a changed payload fails', async (alg, keyAlg) => {
    const issuer = makeIssuer(keyAlg, { kind: 'did:key' });
    if (keyAlg === 'RSA-2048') {
      // core/keys resolves RSA did:keys offline too (multicodec 0x1205).
      await expect(createKeyResolver()(issuer.signer.verificationMethod)).resolves.toMatchObject({ controller: issuer.id });
    }
    const jws = await signJwt(badge(issuer), issuer.signer, { allowEdDSA: true });
    const r = await verify(jws);
    expectValid(r);
    expect(r.format).toBe('jwt');
    expect(byId(r, 'proof')?.reason).toMatch(alg === 'EdDSA' ? /EdDSA is rejected by 1EdTech's validator/ : new RegExp(`valid ${alg} signature`));
    const [h, p, s] = jws.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8'));
    payload.name = 'Changed';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(byId(await verify(forged), 'proof')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/signature does not match/) });
  });

  it('inline jwk: bound when the issuer is the did:key of that key, failed when it is another', async () => {
    const issuer = makeIssuer('P-256', { kind: 'did:key' });
    const r = await verify(await signJwt(badge(issuer), issuer.signer, { header: 'jwk' }));
    expectValid(r);
    expect(byId(r, 'key-binding')?.reason).toMatch(/inline jwk is the key of the issuer did:key:/);
    const other = makeIssuer('P-256', { kind: 'did:key' });
    const wrong = await verify(await signJwt(badge(issuer), { ...other.signer, controller: issuer.id }, { header: 'jwk' }));
    expect(byId(wrong, 'key-binding')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/not bound to the issuer: the inline jwk is not the key of did:key:/) });
  });

  it('inline jwk for an https issuer, offline: its key set could not be fetched → could not check, never invalid', async () => {
    const issuer = makeIssuer('P-256', { kind: 'fragment', id: 'https://jwt.example/issuer' });
    const r = await verify(await signJwt(badge(issuer), issuer.signer, { header: 'jwk' }));
    expect(byId(r, 'key-binding')).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/https:\/\/jwt\.example\/\.well-known\/jwks\.json/) });
    expect(describeVerdict(r)).toBe('could-not-check');
  });

  it('VC 1.1 JWT with a vc claim verifies (claims fill in issuer, id, dates)', async () => {
    const issuer = makeIssuer('P-256', { kind: 'did:key' });
    const vc = {
      '@context': [VC1, 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json'],
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: issuer.id, type: 'Profile', name: 'JWT 1.1 College' },
      issuanceDate: '2024-01-01T00:00:00Z',
      name: 'Old JWT badge',
      credentialSubject: { id: 'did:example:learner-9', type: 'AchievementSubject', achievement: { id: 'urn:uuid:a9', type: 'Achievement', name: 'Old', description: 'd', criteria: { narrative: 'n' } } },
    };
    const payload = { iss: issuer.id, jti: 'urn:uuid:7b0f2a4c-1d3e-4f5a-8b6c-9d0e1f2a3b4c', sub: 'did:example:learner-9', nbf: Date.parse('2024-01-01T00:00:00Z') / 1000, vc };
    const jws = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', kid: issuer.signer.verificationMethod }).sign(issuer.privateKey);
    const r = await verify(jws);
    expectValid(r);
    expect(byId(r, 'context-type')?.reason).toContain('VC Data Model 1.1');
    expect(r.summary).toMatchObject({ id: payload.jti, issuerName: 'JWT 1.1 College', validFrom: '2024-01-01T00:00:00Z' });
  });

  it('a JWT without sub is a warning; a claim that contradicts the credential is a failure', async () => {
    const issuer = makeIssuer('P-256', { kind: 'did:key' });
    const cred = badge(issuer);
    const claims = { iss: issuer.id, jti: cred.id, nbf: Date.parse(cred.validFrom as string) / 1000 };
    const sign = (payload: object) => new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', kid: issuer.signer.verificationMethod }).sign(issuer.privateKey);
    const noSub = await verify(await sign({ ...cred, ...claims }));
    expectValid(noSub);
    expect(byId(noSub, 'jwt-claims')).toMatchObject({ status: 'passed', warning: true, reason: expect.stringMatching(/sub claim is missing/) });
    const wrongJti = await verify(await sign({ ...cred, ...claims, jti: 'urn:uuid:another' }));
    expect(byId(wrongJti, 'jwt-claims')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/jti is urn:uuid:another but the credential id is/) });
    expect(describeVerdict(wrongJti)).toBe('invalid');
  });

  it('a JWT wrapping a credential with an embedded proof checks both', async () => {
    const issuer = makeIssuer('P-256', { kind: 'did:key' });
    const r = await verify(await signJwt(await signDataIntegrity(badge(issuer), issuer.signer), issuer.signer));
    expectValid(r);
    expect(byId(r, 'proof')?.reason).toMatch(/also carries a valid embedded proof/);
  });
});

describe('baked images', () => {
  const ed = makeIssuer('Ed25519', { kind: 'did:key' }, 'Baking School');
  const p256 = makeIssuer('P-256', { kind: 'did:key' });
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';

  it('PNG with JSON, SVG with a JWT, both valid; the report says where it came from', async () => {
    const json = JSON.stringify(await signDataIntegrity(badge(ed), ed.signer));
    const png = await verify(bakePng(makePng(), json, { kind: 'ob' }));
    expectValid(png);
    expect(png).toMatchObject({ container: 'png', format: 'json', kind: 'ob3' });
    expect(byId(png, 'parse')?.reason).toContain('baked in a PNG image');
    const jwt = await signJwt(badge(p256), p256.signer);
    const s = await verify(new TextEncoder().encode(bakeSvg(svg, jwt, { kind: 'ob' })));
    expectValid(s);
    expect(s).toMatchObject({ container: 'svg', format: 'jwt' });
    // SVG pasted as text works too.
    expectValid(await verify(bakeSvg(svg, jwt, { kind: 'ob' })));
  });

  it('an Open Badges 2.0 badge is named as such and not judged (exit 2, "could not check")', async () => {
    const png = insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadges', 'https://example.org/assertions/1')));
    const r = await verify(png);
    expect(r).toMatchObject({ kind: 'ob2', verdict: 'indeterminate', container: 'png' });
    expect(byId(r, 'parse')?.reason).toMatch(/Open Badges 2\.0 badge .* can be upgraded/);
    expect(describeVerdict(r)).toBe('could-not-check');
    expect(exitCodeOf(r)).toBe(2);
    const hosted = await verify({ '@context': 'https://w3id.org/openbadges/v2', type: 'Assertion', id: 'https://example.org/assertions/1', recipient: { type: 'email', hashed: false, identity: 'a@b.org' }, badge: 'https://example.org/badges/1' });
    expect(hosted.kind).toBe('ob2');
    expect(byId(hosted, 'parse')?.reason).toMatch(/^this is an Open Badges 2\.0 assertion/);
  });
});

describe('routing before any JSON-LD processing', () => {
  it.each([
    [{ type: ['VerifiableCredential', 'UniversityDegreeCredential'], '@context': [VC2] }, /W3C Verifiable Credential of type UniversityDegreeCredential/],
    [{ type: 'VerifiablePresentation', '@context': [VC2] }, /Verifiable Presentation/],
    [{ id: 'did:web:example.org', verificationMethod: [] }, /DID document/],
    [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }, /public key \(JWK\)/],
    [{ hello: 'world' }, /has no "type"/],
  ])('%j → not a credential', async (doc, reason) => {
    const r = await verify(doc as JsonObject);
    expect(r.kind).toBe('not-a-credential');
    expect(byId(r, 'parse')).toMatchObject({ status: 'failed', reason: expect.stringMatching(reason) });
    expect(exitCodeOf(r)).toBe(2);
  });

  it('a web address is not fetched offline', async () => {
    const r = await verify('https://badges.example.org/credentials/1');
    expect(byId(r, 'parse')?.reason).toMatch(/web address .* verify online/);
  });
});

describe('ecdsa-sd-2023 (selective disclosure): derived proofs are verified', () => {
  // W3C VC-DI-ECDSA test vector (TestVectors/ecdsa-sd-2023/derivedRevealDocument.json, w3c/vc-di-ecdsa):
  // a derived credential revealing some statements, signed by did:key:zDnaepBu…. Its issuer is an
  // https URL while the key is a did:key: the signature checks out, the key binding does not.
  const vector: JsonObject = {
    '@context': ['https://www.w3.org/ns/credentials/v2', { '@vocab': 'https://windsurf.grotto-networking.com/selective#' }],
    type: ['VerifiableCredential'],
    issuer: 'https://vc.example/windsurf/racecommittee',
    credentialSubject: {
      sailNumber: 'Earth101',
      sails: [
        { size: 6.1, sailName: 'Lahaina', year: 2023 },
        { size: 7, sailName: 'Lahaina', year: 2020 },
      ],
      boards: [
        { year: 2022, boardName: 'CompFoil170', brand: 'Wailea' },
        { boardName: 'Kanaha Custom', brand: 'Wailea', year: 2019 },
      ],
    },
    proof: {
      type: 'DataIntegrityProof',
      cryptosuite: 'ecdsa-sd-2023',
      created: '2023-08-15T23:36:38Z',
      verificationMethod: 'did:key:zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP#zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP',
      proofPurpose: 'assertionMethod',
      proofValue:
        'u2V0BhVhAkWKMO8zpRmfcUMksHUMtZM7cJt8PmNLsljKTYhSi8gZ7wAWnK4BrOZkrH3dZvxKWlnxGG_0xlFXmU5sa5-j71VgjgCQCKnLOGbY_FuM-ASpSkkOxsIR2E8n7Ml2q1UQ6tEwzi5OGWEBtAwxySlwwASjXlYLoLwyjdsIRYUa05OQzE0P4skx1-QJKi8HtGcJHtJfOTn7RhWKC0nkXODvUAChvnKDVY02TWEClAeVhEaVRWS_5ZfU6MlgnX07DuKm9XBS-b3RKfciM1Eu7L2mvkMebfBWVUw9WkuqNL4Tz-MkN4lXmljRt8r8DWEBqzbDH1twSPRKHu3zD0KP7YWlx4al1GFotnFizVkQbz6htSNvQIc7IfxLu7AO2fuhJbagJbZKlm-Vf7aNbXuuaWEA78ePS_Gy4lnOlUa2CgworZmUYq-Etff-9QK90v4xOWzNWvaILdcmkJs5zwH9b86f5yxos_NRK-VIO015zVlWTWEB2bYe3iy_95zezUdGp66X77IQbHhKunDI1BF0trlkrIkOCqviH4S1U3Nz4n5WWW8qsc3zAEq1Spquojg2mevHtWEA5EwtdjPeXn07NztIOTZ6PtyWt6v0Gfp5oFRAbvvcCpDnptz6gZd56Z6TBkI0eMUs4RI2g2rup607wVFuIUdvgpgBYIOGCDmZ9TBxEtWeCI9oVmRt0eHRGAaoOXx08gxL2IQt_AVggVkUuBrlOaELGVQWJD4M_qW5bcKEHWGNbOrPA_qAOKKwCWCBD6o5lQOWjNGwaTjq7H2Cn1-NPbwXLeDedy2YyiqL9TQNYIJEdvfdRibsv05I3pv8e6S1aUuAuBpGQHLhrYj4QX0knBFggk0AeXgJ4e6m1XsV5-xFud0L_1mUjZ9Mffhg5aZGTyDkFWCDYgT4e07o_IdCwae6qE7WZfpXtGRFESEXR3SxZmXE05o4AAQIFBggJCg4PEBESEw',
    },
  };
  const mapFail = (e: unknown) => ({ status: 'unknown' as const, reason: String(e) });
  const did = 'did:key:zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP';

  it('the W3C test vector: signature valid (14 mandatory, 6 disclosed statements); tampering fails it', async () => {
    const ok = await verifyEcdsaSd2023(vector, vector.proof as JsonObject, 0, createKeyResolver(), did, mapFail);
    expect(ok).toMatchObject({ status: 'passed', keyBound: true, reason: expect.stringMatching(/14 mandatory and 6 disclosed/) });
    const unbound = await verifyEcdsaSd2023(vector, vector.proof as JsonObject, 0, createKeyResolver(), vector.issuer as string, mapFail);
    expect(unbound).toMatchObject({ status: 'failed', keyBound: false });
    const changed = tamper(vector, (d) => (((d.credentialSubject as JsonObject).boards as JsonObject[])[1]!.year = 2018));
    expect((await verifyEcdsaSd2023(changed, changed.proof as JsonObject, 0, createKeyResolver(), did, mapFail)).status).toBe('failed');
    expect(parseDerivedProofValue((vector.proof as JsonObject).proofValue).ok).toBe(true);
  });

  it('an OB credential with a derived ecdsa-sd-2023 proof verifies end to end; a base proof is "could not check"', async () => {
    const issuer = makeIssuer('P-256', { kind: 'did:key' }, 'SD College');
    const derived = await deriveEcdsaSd(badge(issuer), issuer);
    const r = await verify(derived);
    expectValid(r);
    expect(byId(r, 'proof')?.reason).toMatch(/valid ecdsa-sd-2023 selective-disclosure signature/);
    const t = await verify(tamper(derived, (d) => (d.name = 'Teamwork Badge!')));
    expect(byId(t, 'proof')?.status).toBe('failed');
    const base = tamper(derived, (d) => {
      const p = d.proof as JsonObject;
      const bytes = Buffer.from((p.proofValue as string).slice(1), 'base64url');
      bytes[2] = 0x00; // the base-proof header
      p.proofValue = `u${bytes.toString('base64url')}`;
    });
    const b = await verify(base);
    expect(byId(b, 'proof')).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/base proof, which stays with the holder/) });
  });
});
