/**
 * Open Badges 2.0 → 3.0: assertions in the shapes the OB 2.0 spec examples use (hosted on a
 * loopback "issuer site", signed as a JWS, baked in PNG and SVG, plain JSON) are checked, mapped
 * and re-issued by one of our issuers; the results pass both OB 3.0 schema builds, our verifier
 * (with the recipient check against the original hashed e-mail) and verifier-core.
 */
import { createHash, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../core/api/index.ts';
import { unbake } from '../../core/bake/index.ts';
import { schemaIssues, validateCredential } from '../../core/model/index.ts';
import type { JsonObject } from '../../core/proof/index.ts';
import { listAudit, listOb2Upgrades } from '../../core/store/index.ts';
import { describeVerdict, verifyCredential, type VerificationReport } from '../../core/verify/index.ts';
import { chunk, insertBeforeIend, itxtData, makePng } from '../bake/helpers.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { studioWithIssuer } from '../issue/helpers.ts';

const OB2 = 'https://w3id.org/openbadges/v2';
const EMAIL = 'beth@example.org';
const SALT = 'deadsea';
const HASH = `sha256$${createHash('sha256').update(EMAIL + SALT).digest('hex')}`;

const explain = (r: VerificationReport) => r.checks.map((c) => `${c.id} ${c.status}: ${c.reason}`).join('\n');

interface Site {
  origin: string;
  routes: Map<string, unknown>;
  status: Map<string, number>;
  close(): Promise<void>;
}

/** A loopback stand-in for the badge issuer's web site. */
async function site(): Promise<Site> {
  const routes = new Map<string, unknown>();
  const status = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const code = status.get(req.url ?? '') ?? (routes.has(req.url ?? '') ? 200 : 404);
    const body = routes.get(req.url ?? '');
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(code === 200 ? (typeof body === 'string' ? body : JSON.stringify(body)) : '{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, routes, status, close: () => new Promise((r) => server.close(() => r())) };
}

function issuerProfile(origin: string, extra: JsonObject = {}): JsonObject {
  return { '@context': OB2, type: 'Issuer', id: `${origin}/organization.json`, name: 'An Example Badge Issuer', image: `${origin}/logo.png`, url: origin, email: 'steved@example.org', ...extra };
}

function badgeClass(origin: string, issuer: unknown): JsonObject {
  return {
    '@context': OB2,
    type: 'BadgeClass',
    id: `${origin}/robotics-badge.json`,
    name: 'Awesome Robotics Badge',
    description: 'For doing awesome things with robots that people think is pretty great.',
    image: `${origin}/robotics-badge.png`,
    criteria: { id: `${origin}/robotics-badge.html`, narrative: 'Build a robot that **climbs stairs**.' },
    alignment: [{ targetName: 'Robotics I', targetUrl: 'https://standards.example/robotics/1', targetCode: 'ROB.1', targetFramework: 'Example Standards' }, { targetName: 'No URL' }],
    tags: ['robots', 'awesome'],
    issuer,
  };
}

function assertion(origin: string, extra: JsonObject = {}): JsonObject {
  return {
    '@context': OB2,
    type: 'Assertion',
    id: `${origin}/beths-robotics-badge.json`,
    recipient: { type: 'email', hashed: true, salt: SALT, identity: HASH },
    image: `${origin}/beths-robot-badge.png`,
    evidence: [`${origin}/beths-robot-work.html`, { id: `${origin}/video`, narrative: 'Her robot climbing the stairs.', name: 'Video' }],
    narrative: 'Beth built a stair-climbing robot.',
    issuedOn: '2016-12-31T23:59:59Z',
    expires: '2036-06-30T23:59:59Z',
    badge: `${origin}/robotics-badge.json`,
    verification: { type: 'hosted' },
    ...extra,
  };
}

let studio: Studio;
let ours: string;
let web: Site;

beforeAll(async () => {
  ({ studio, issuerId: ours } = await studioWithIssuer('upgrade', { name: 'Laurel Academy' }));
  web = await site();
  web.routes.set('/organization.json', issuerProfile(web.origin));
  web.routes.set('/robotics-badge.json', badgeClass(web.origin, `${web.origin}/organization.json`));
  web.routes.set('/beths-robotics-badge.json', assertion(web.origin));
});
afterAll(async () => {
  studio.close();
  await web.close();
});

/** Everything a re-issued credential must satisfy. */
async function expectGoodUpgrade(body: string): Promise<JsonObject> {
  const c = JSON.parse(body) as JsonObject;
  expect(schemaIssues(c, 'achievement', 'json-ld')).toEqual([]);
  expect(schemaIssues(c, 'achievement', 'formal')).toEqual([]);
  expect(validateCredential(c).issues.filter((i) => i.severity === 'error')).toEqual([]);
  const report = await verifyCredential(body, { recipient: { identifier: EMAIL } });
  expect(describeVerdict(report), explain(report)).toBe('valid');
  expect(report.checks.find((c) => c.id === 'recipient')?.status).toBe('passed');
  expect(dccAccepts(await dccVerify(c))).toBe(true);
  return c;
}

describe('OB 2.0 → 3.0', () => {
  it('a hosted assertion (fetched from the loopback issuer site) maps every field and re-issues under our issuer', async () => {
    const r = await studio.upgradeBadge({ source: `${web.origin}/beths-robotics-badge.json`, issuer: ours, online: true });
    expect(r.original.verification).toMatchObject({ method: 'hosted', status: 'passed' });
    const c = await expectGoodUpgrade(r.body);
    expect((c.issuer as JsonObject).id).toBe(ours);
    expect(c).toMatchObject({ validFrom: '2016-12-31T23:59:59Z', awardedDate: '2016-12-31T23:59:59Z', validUntil: '2036-06-30T23:59:59Z', name: 'Awesome Robotics Badge' });
    const subject = c.credentialSubject as JsonObject;
    expect(subject.identifier).toEqual([{ type: 'IdentityObject', hashed: true, identityHash: HASH, identityType: 'emailAddress', salt: SALT }]);
    expect(subject.narrative).toBe('Beth built a stair-climbing robot.');
    const a = subject.achievement as JsonObject;
    expect(a).toMatchObject({
      type: ['Achievement'],
      achievementType: 'Badge',
      name: 'Awesome Robotics Badge',
      criteria: { id: `${web.origin}/robotics-badge.html`, narrative: 'Build a robot that **climbs stairs**.' },
      image: { id: `${web.origin}/robotics-badge.png`, type: 'Image' },
      tag: ['robots', 'awesome'],
      related: [{ id: `${web.origin}/robotics-badge.json`, type: ['Related'], version: 'Open Badges 2.0' }],
      creator: { id: `${web.origin}/organization.json`, type: ['Profile'], name: 'An Example Badge Issuer', email: 'steved@example.org' },
    });
    expect(a.alignment).toEqual([{ type: ['Alignment'], targetName: 'Robotics I', targetUrl: 'https://standards.example/robotics/1', targetCode: 'ROB.1', targetFramework: 'Example Standards' }]);
    expect(r.notes).toContain('alignment[1] has no targetUrl (a URL), which OB 3.0 requires; left out');
    const evidence = c.evidence as JsonObject[];
    expect(evidence.slice(0, 2)).toEqual([
      { id: `${web.origin}/beths-robot-work.html`, type: ['Evidence'] },
      { id: `${web.origin}/video`, type: ['Evidence'], narrative: 'Her robot climbing the stairs.', name: 'Video' },
    ]);
    expect(evidence[2]).toMatchObject({ id: `${web.origin}/beths-robotics-badge.json`, name: 'Original Open Badges 2.0 assertion', genre: 'Open Badges 2.0 assertion' });
    // Stored: the credential, the upgrade record (original kept), an audit entry.
    const rec = listOb2Upgrades(studio.db, `${web.origin}/beths-robotics-badge.json`)[0]!;
    expect(rec).toMatchObject({ credentialRowid: r.rowId, verification: 'hosted', badgeClassId: `${web.origin}/robotics-badge.json`, originalIssuer: `${web.origin}/organization.json` });
    expect(JSON.parse(rec.original)).toEqual(assertion(web.origin)); // the hosted copy as fetched
    expect(listAudit(studio.db, 5).find((e) => e.subject === r.credentialId)?.details).toMatchObject({ upgradedFrom: `${web.origin}/beths-robotics-badge.json`, verification: 'hosted', checked: 'passed' });
    // The same badge class upgrades to the same achievement.
    const again = await studio.upgradeBadge({ source: `${web.origin}/beths-robotics-badge.json`, issuer: ours, online: true });
    expect(again.achievement.id).toBe(r.achievement.id);
    expect(again.earlier).toEqual([r.rowId]);
    await expect(studio.reissueCredential({ credentialId: r.credentialId })).rejects.toThrow(/is an upgraded Open Badges 2\.0 badge: upgrade the original again/);
  });

  it('a hosted assertion whose issuer removed it, or marks it revoked, or hosts a different one, is refused', async () => {
    const file = JSON.stringify(assertion(web.origin, { id: `${web.origin}/gone.json` }));
    web.status.set('/gone.json', 410);
    await expect(studio.upgradeBadge({ source: file, issuer: ours, online: true })).rejects.toThrow(/did not verify: the issuer no longer hosts it .* \(HTTP 410\): in Open Badges 2\.0 that means the badge was revoked/);
    web.routes.set('/revoked.json', assertion(web.origin, { id: `${web.origin}/revoked.json`, revoked: true, revocationReason: 'Issued in error' }));
    await expect(studio.upgradeBadge({ source: JSON.stringify(assertion(web.origin, { id: `${web.origin}/revoked.json` })), issuer: ours, online: true })).rejects.toThrow(/the badge was revoked: the issuer marks it revoked: Issued in error/);
    web.routes.set('/other.json', assertion(web.origin, { id: `${web.origin}/other.json`, recipient: { type: 'email', hashed: false, identity: 'mallory@example.org' } }));
    await expect(studio.upgradeBadge({ source: JSON.stringify(assertion(web.origin, { id: `${web.origin}/other.json` })), issuer: ours, online: true })).rejects.toThrow(/is a different assertion/);
    web.routes.set('/other-badge.json', assertion(web.origin, { id: `${web.origin}/other-badge.json`, badge: `${web.origin}/another-badge.json` }));
    await expect(studio.upgradeBadge({ source: JSON.stringify(assertion(web.origin, { id: `${web.origin}/other-badge.json` })), issuer: ours, online: true })).rejects.toThrow(/is a different assertion/);
    // The same assertion written with its keys in another order (and the hash in capitals) is the same.
    web.routes.set('/reordered.json', assertion(web.origin, { id: `${web.origin}/reordered.json`, recipient: { identity: HASH.toUpperCase().replace('SHA256$', 'sha256$'), salt: SALT, hashed: true, type: 'email' } }));
    const same = await studio.upgradeBadge({ source: JSON.stringify(assertion(web.origin, { id: `${web.origin}/reordered.json` })), issuer: ours, online: true });
    expect(same.original.verification.status).toBe('passed');
  });

  it('offline, a hosted badge is re-issued only when asked to skip the check; an address alone needs online', async () => {
    const embedded = assertion(web.origin, { badge: badgeClass(web.origin, issuerProfile(web.origin)) });
    await expect(studio.upgradeBadge({ source: JSON.stringify(embedded), issuer: ours })).rejects.toThrow(/could not be checked: a hosted badge is checked against the copy at .*; this ran offline\. Upgrade online, or re-issue it unchecked on your own authority \(--allow-unverified\)/);
    const r = await studio.upgradeBadge({ source: JSON.stringify(embedded), issuer: ours, allowUnverified: true });
    const c = await expectGoodUpgrade(r.body);
    expect((c.evidence as JsonObject[]).at(-1)!.description).toMatch(/not checked \(a hosted badge is checked against the copy/);
    expect(listOb2Upgrades(studio.db).find((u) => u.credentialRowid === r.rowId)?.verification).toBe('unchecked');
    await expect(studio.upgradeBadge({ source: JSON.stringify(assertion(web.origin)), issuer: ours, allowUnverified: true })).rejects.toThrow(/The badge class is not in the file, only its address .*: upgrade online/);
    await expect(studio.upgradeBadge({ source: JSON.stringify(assertion(web.origin, { expires: '2020-01-01T00:00:00Z', badge: badgeClass(web.origin, issuerProfile(web.origin)) })), issuer: ours, allowUnverified: true })).rejects.toThrow(
      /Refusing to upgrade: the badge expired on 2020-01-01T00:00:00Z/,
    );
  });

  it('baked PNG (openbadges iTXt, the assertion JSON) and SVG (openbadges:assertion verify=URL) re-issue into the same kind of image', async () => {
    const png = insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadges', JSON.stringify(assertion(web.origin)))));
    const fromPng = await studio.upgradeBadge({ source: png, issuer: ours, online: true, format: 'png' });
    const outPng = unbake(fromPng.file.bytes);
    expect(outPng).toMatchObject({ kind: 'ob3', container: 'png', format: 'json' });
    await expectGoodUpgrade(outPng.text);
    const report = await verifyCredential(fromPng.file.bytes);
    expect(describeVerdict(report), explain(report)).toBe('valid');

    const svg = `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" width="64" height="64"><openbadges:assertion verify="${web.origin}/beths-robotics-badge.json"></openbadges:assertion><circle cx="32" cy="32" r="30" fill="#3a6"/></svg>`;
    const fromSvg = await studio.upgradeBadge({ source: new TextEncoder().encode(svg), issuer: ours, online: true, format: 'svg' });
    const text = new TextDecoder().decode(fromSvg.file.bytes);
    expect(text).toContain('<circle cx="32" cy="32" r="30" fill="#3a6"/>');
    expect(text).not.toContain('openbadges:assertion');
    await expectGoodUpgrade(unbake(fromSvg.file.bytes).text);

    // An SVG with the assertion JSON as the element's content (no verify attribute), offline.
    const inline = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion><![CDATA[${JSON.stringify(assertion(web.origin, { badge: badgeClass(web.origin, issuerProfile(web.origin)) }))}]]></openbadges:assertion></svg>`;
    const fromInline = await studio.upgradeBadge({ source: new TextEncoder().encode(inline), issuer: ours, allowUnverified: true, format: 'json' });
    await expectGoodUpgrade(fromInline.body);

    // Both: the address in verify and the assertion as content. Offline the content is read; online the hosted copy is checked.
    const both = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="${web.origin}/beths-robotics-badge.json"><![CDATA[${JSON.stringify(assertion(web.origin, { badge: badgeClass(web.origin, issuerProfile(web.origin)) }))}]]></openbadges:assertion></svg>`;
    const offline = await studio.upgradeBadge({ source: new TextEncoder().encode(both), issuer: ours, allowUnverified: true });
    expect(offline.notes).toContain(`the image names the assertion's address ${web.origin}/beths-robotics-badge.json; offline, the copy baked in the image was read`);
    expect(offline.original.verification.status).toBe('unknown');
    await expectGoodUpgrade(offline.body);
    const online = await studio.readOb2Badge({ source: new TextEncoder().encode(both), online: true });
    expect(online.verification).toMatchObject({ method: 'hosted', status: 'passed' });
  });

  describe('a signed (JWS) assertion', () => {
    let key: KeyObject;
    const jwsOf = (payload: JsonObject, k: KeyObject = key) => {
      const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const input = `${enc({ alg: 'RS256' })}.${enc(payload)}`;
      return `${input}.${nodeSign('sha256', Buffer.from(input), k).toString('base64url')}`;
    };
    const signedAssertion = (extra: JsonObject = {}) =>
      assertion(web.origin, { id: 'urn:uuid:2f4c7a0e-7d36-4a7b-9c55-1f0f0e5a9b11', verification: { type: 'SignedBadge', creator: `${web.origin}/key.json` }, badge: `${web.origin}/signed-badge.json`, ...extra });

    beforeAll(() => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      key = pair.privateKey;
      const issuer = issuerProfile(web.origin, { id: `${web.origin}/signed-issuer.json`, publicKey: `${web.origin}/key.json`, revocationList: `${web.origin}/revocations.json` });
      web.routes.set('/signed-issuer.json', issuer);
      web.routes.set('/signed-badge.json', badgeClass(web.origin, `${web.origin}/signed-issuer.json`));
      web.routes.set('/key.json', { '@context': OB2, type: 'CryptographicKey', id: `${web.origin}/key.json`, owner: `${web.origin}/signed-issuer.json`, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) });
      web.routes.set('/revocations.json', { '@context': OB2, id: `${web.origin}/revocations.json`, type: 'RevocationList', issuer: `${web.origin}/signed-issuer.json`, revokedAssertions: [{ id: 'urn:uuid:00000000-0000-4000-8000-00000000dead', revocationReason: 'Cheated' }] });
    });

    it('checks the RS256 signature with the issuer key and the revocation list, then re-issues', async () => {
      const r = await studio.upgradeBadge({ source: jwsOf(signedAssertion()), issuer: ours, online: true });
      expect(r.original.verification).toMatchObject({ method: 'signed', status: 'passed' });
      expect(r.original.revocation).toMatchObject({ status: 'passed', reason: expect.stringMatching(/not on the issuer's revocation list/) });
      const c = await expectGoodUpgrade(r.body);
      expect((c.evidence as JsonObject[]).at(-1)).toMatchObject({ id: 'urn:uuid:2f4c7a0e-7d36-4a7b-9c55-1f0f0e5a9b11' });
      // Baked in a PNG as the JWS (OB 2.0 signed baking), the same.
      const png = insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadges', jwsOf(signedAssertion()))));
      expect((await studio.readOb2Badge({ source: png, online: true })).verification.status).toBe('passed');
    });

    it('a changed payload, another key, or a revoked assertion is refused', async () => {
      const good = jwsOf(signedAssertion());
      const [h, , s] = good.split('.');
      const changed = `${h}.${Buffer.from(JSON.stringify(signedAssertion({ issuedOn: '2015-01-01T00:00:00Z' }))).toString('base64url')}.${s}`;
      await expect(studio.upgradeBadge({ source: changed, issuer: ours, online: true })).rejects.toThrow(/did not verify: the signature does not match the issuer's key/);
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      await expect(studio.upgradeBadge({ source: jwsOf(signedAssertion(), other), issuer: ours, online: true })).rejects.toThrow(/the signature does not match/);
      await expect(studio.upgradeBadge({ source: jwsOf(signedAssertion({ id: 'urn:uuid:00000000-0000-4000-8000-00000000dead' })), issuer: ours, online: true })).rejects.toThrow(/the badge was revoked: the issuer's revocation list .* lists it: Cheated/);
    });
  });

  it('an Open Badges 1.0 assertion (bare hashed recipient, salt beside it, Unix timestamp, verify.url) upgrades too', async () => {
    const v1 = {
      uid: 'abc-123',
      recipient: HASH,
      salt: SALT,
      issuedOn: 1483228799,
      verify: { type: 'hosted', url: `${web.origin}/v1-assertion.json` },
      badge: { name: 'Awesome Robotics Badge', description: 'Robots.', image: `${web.origin}/robotics-badge.png`, criteria: `${web.origin}/robotics-badge.html`, issuer: { id: `${web.origin}/organization.json`, name: 'An Example Badge Issuer', url: web.origin } },
    };
    const r = await studio.upgradeBadge({ source: JSON.stringify(v1), issuer: ours, allowUnverified: true });
    expect(r.notes).toContain('an Open Badges 1.0 assertion: its recipient was read as an e-mail address');
    const c = await expectGoodUpgrade(r.body);
    expect(c.validFrom).toBe('2016-12-31T23:59:59Z');
    expect((c.credentialSubject as JsonObject).identifier).toEqual([{ type: 'IdentityObject', hashed: true, identityHash: HASH, identityType: 'emailAddress', salt: SALT }]);
  });

  it('refuses what is not an OB 2.0 assertion', async () => {
    await expect(studio.upgradeBadge({ source: JSON.stringify(badgeClass(web.origin, 'x')), issuer: ours })).rejects.toThrow(/BadgeClass \(a badge definition\), not an awarded badge/);
    await expect(studio.upgradeBadge({ source: JSON.stringify({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential', 'OpenBadgeCredential'] }), issuer: ours })).rejects.toThrow(/already an Open Badges 3\.0/);
    await expect(studio.upgradeBadge({ source: 'hello', issuer: ours })).rejects.toThrow(/Not an Open Badges 2\.0 badge/);
    await expect(studio.upgradeBadge({ source: JSON.stringify(assertion(web.origin, { recipient: { type: 'email', hashed: true, identity: 'abc' }, badge: badgeClass(web.origin, issuerProfile(web.origin)) })), issuer: ours, allowUnverified: true })).rejects.toThrow(
      /hashed recipient identity cannot be carried over/,
    );
  });
});
