/**
 * Verifying online, against loopback HTTP servers standing in for issuers' web hosts (the network
 * guard allows nothing else): did:web documents (with a %3A port and a path), https key documents,
 * JWKs and JWK Sets, the saved copies used offline, a re-keyed issuer, an unreachable host,
 * status lists, the refresh service, and credentials fetched by address. The https → loopback
 * mapping is a test-only fetcher wrapper around core/net's real fetcher; production code keeps
 * its https-only rule.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { didWebDocumentUrl } from '../../core/keys/index.ts';
import { signDataIntegrity, signJwt, type JsonObject } from '../../core/proof/index.ts';
import { encodeBitstring, newBitstring, setBit } from '../../core/status/index.ts';
import { describeVerdict, exitCodeOf, verifyCredential, type Check, type VerificationReport, type VerifyOptions } from '../../core/verify/index.ts';
import { cacheFileFor } from '../../core/verify/remote.ts';
import { blockedCalls } from '../setup/network-guard.ts';
import { badge, closedPort, didDocument, loopbackFetcher, makeIssuer, NOW, OB, OB_EXT, publicJwk, publish, scratchDir, serve, tamper, VC2, type Host, type TestIssuer } from './helpers.ts';

let host: Host;
let before = 0;
beforeAll(async () => {
  host = await serve();
});
afterAll(() => host.close());
beforeEach(() => {
  before = blockedCalls.length;
});
afterEach(() => {
  // Only loopback was reached: nothing was blocked.
  expect(blockedCalls.slice(before)).toEqual([]);
});

const byId = (r: VerificationReport, id: Check['id']) => r.checks.find((c) => c.id === id);
const explain = (r: VerificationReport) => r.checks.map((c) => `${c.id} ${c.status}: ${c.reason}`).join('\n');
const online = (cacheDir?: string): VerifyOptions => ({ now: NOW, online: true, fetcher: loopbackFetcher(host), ...(cacheDir ? { cacheDir } : {}) });
const offline = (cacheDir?: string): VerifyOptions => ({ now: NOW, ...(cacheDir ? { cacheDir } : {}) });
const run = (c: JsonObject | string, o: VerifyOptions) => verifyCredential(typeof c === 'string' ? c : JSON.stringify(c), o);
function expectVerdict(r: VerificationReport, want: ReturnType<typeof describeVerdict>): void {
  expect(describeVerdict(r), explain(r)).toBe(want);
}

describe('did:web (a port written %3A, and a path)', () => {
  const did = 'did:web:issuers.example%3A8443:schools:north';
  const docUrl = didWebDocumentUrl(did);
  let key1: TestIssuer;
  let key2: TestIssuer;
  let signed: JsonObject;
  const cacheDir = path.join(scratchDir(), 'cache', 'remote');

  beforeAll(async () => {
    expect(docUrl).toBe('https://issuers.example:8443/schools/north/did.json');
    key1 = makeIssuer('Ed25519', { kind: 'did:web', did, keyIndex: 1 }, 'North School');
    key2 = makeIssuer('P-256', { kind: 'did:web', did, keyIndex: 2 }, 'North School');
    publish(host, docUrl, didDocument(did, [{ keyIndex: 1, issuer: key1 }]), 'application/did+json');
    signed = await signDataIntegrity(badge(key1), key1.signer);
  });

  it('offline with no saved copy: "could not check", never invalid (exit 3)', async () => {
    const r = await run(signed, offline(cacheDir));
    expect(byId(r, 'proof')).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/could not fetch the issuer's key: this check ran offline and there is no saved copy of https:\/\/issuers\.example:8443\/schools\/north\/did\.json/) });
    expectVerdict(r, 'could-not-check');
    expect(exitCodeOf(r)).toBe(3);
  });

  it('online: fetched, valid, and saved with its fetch date', async () => {
    const r = await run(signed, online(cacheDir));
    expectVerdict(r, 'valid');
    expect(byId(r, 'key-binding')?.reason).toContain(`controlled by the issuer ${did}`);
    const saved = JSON.parse(readFileSync(cacheFileFor(cacheDir, docUrl), 'utf8'));
    expect(saved).toMatchObject({ url: docUrl, fetchedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/), body: expect.stringContaining(did) });
    expect(readdirSync(cacheDir)).toEqual([`${path.basename(cacheFileFor(cacheDir, docUrl))}`]);
  });

  it('offline with the saved copy: valid, and the report says which copy', async () => {
    const r = await run(signed, offline(cacheDir));
    expectVerdict(r, 'valid');
    const day = new Date().toISOString().slice(0, 10);
    expect(byId(r, 'proof')?.reason).toContain(`checked with a copy fetched on ${day} (${docUrl})`);
  });

  it('a VC-JWT (EdDSA) with kid did:web verifies the same way', async () => {
    const r = await run(await signJwt(badge(key1), key1.signer, { allowEdDSA: true }), online());
    expectVerdict(r, 'valid');
  });

  it('re-keyed: the issuer replaced key-1 by key-2; credentials of the withdrawn key fail online, new ones pass', async () => {
    publish(host, docUrl, didDocument(did, [{ keyIndex: 2, issuer: key2 }]), 'application/did+json');
    const old = await run(signed, online(cacheDir));
    expect(byId(old, 'proof')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no longer lists the key did:web:issuers\.example%3A8443:schools:north#key-1 .* withdrawn/) });
    expectVerdict(old, 'invalid');
    expectVerdict(await run(await signDataIntegrity(badge(key2), key2.signer), online(cacheDir)), 'valid');
    // Offline, the saved (new) copy lacks key-1: an old copy can't condemn, so "could not check".
    const later = await run(signed, offline(cacheDir));
    expect(byId(later, 'proof')).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/saved copy .* does not list the key .* verify online/) });
    publish(host, docUrl, didDocument(did, [{ keyIndex: 1, issuer: key1 }]), 'application/did+json');
  });
});

describe('https key documents: a JWK, a JWK Set, a controller document', () => {
  it('VC-JWT RS256 with kid = an https URL to a JWK on the issuer host: valid; offline: could not check', async () => {
    const issuer = makeIssuer('RSA-2048', { kind: 'key-url', id: 'https://college.example/issuer', keyUrl: 'https://college.example/keys/rsa-1.json' }, 'RSA College');
    publish(host, 'https://college.example/keys/rsa-1.json', publicJwk(issuer), 'application/jwk+json');
    const jwt = await signJwt(badge(issuer), issuer.signer);
    const r = await run(jwt, online());
    expectVerdict(r, 'valid');
    expect(byId(r, 'key-binding')?.reason).toContain('is a key of the issuer https://college.example/issuer');
    expectVerdict(await run(jwt, offline()), 'could-not-check');
  });

  it('a JWK on another host is not bound to the issuer, unless the JWK names it (iss)', async () => {
    const issuer = makeIssuer('P-256', { kind: 'key-url', id: 'https://college.example/issuer', keyUrl: 'https://cdn.example/keys/p256.json' });
    publish(host, 'https://cdn.example/keys/p256.json', publicJwk(issuer));
    const jwt = await signJwt(badge(issuer), issuer.signer);
    const r = await run(jwt, online());
    expect(byId(r, 'key-binding')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/not bound to the issuer: .* controlled by https:\/\/cdn\.example, not https:\/\/college\.example\/issuer/) });
    expectVerdict(r, 'invalid');
    publish(host, 'https://cdn.example/keys/p256.json', publicJwk(issuer, { iss: 'https://college.example/issuer' }));
    expectVerdict(await run(jwt, online()), 'valid');
  });

  it('a JWK Set: the key with the matching kid; a kid it lacks fails', async () => {
    const set = 'https://college.example/.well-known/jwks.json';
    const a = makeIssuer('P-256', { kind: 'key-url', id: 'https://college.example/issuer', keyUrl: set, kid: 'key-2' });
    const other = makeIssuer('P-256', { kind: 'key-url', id: 'https://college.example/issuer', keyUrl: set, kid: 'key-1' });
    publish(host, set, { keys: [publicJwk(other, { kid: 'key-1' }), publicJwk(a, { kid: 'key-2' })] }, 'application/jwk-set+json');
    expectVerdict(await run(await signJwt(badge(a), a.signer), online()), 'valid');
    const missing = makeIssuer('P-256', { kind: 'key-url', id: 'https://college.example/issuer', keyUrl: set, kid: 'key-9' });
    const r = await run(await signJwt(badge(missing), missing.signer), online());
    expect(byId(r, 'proof')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/has no key with kid "key-9"/) });
  });

  it('an inline jwk is bound when the issuer publishes it in /.well-known/jwks.json (or its DID document)', async () => {
    const issuer = makeIssuer('P-256', { kind: 'fragment', id: 'https://inline.example/issuer' });
    publish(host, 'https://inline.example/.well-known/jwks.json', { keys: [publicJwk(issuer, { kid: 'k' })] });
    const jwt = await signJwt(badge(issuer), issuer.signer, { header: 'jwk' });
    const r = await run(jwt, online());
    expectVerdict(r, 'valid');
    expect(byId(r, 'key-binding')?.reason).toContain("published in the issuer's key set https://inline.example/.well-known/jwks.json");
    publish(host, 'https://inline.example/.well-known/jwks.json', { keys: [] });
    expect(byId(await run(jwt, online()), 'key-binding')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/not in the issuer's key set/) });

    const did = 'did:web:inline.example:people:ada';
    const web = makeIssuer('P-256', { kind: 'did:web', did, keyIndex: 1 });
    publish(host, didWebDocumentUrl(did), didDocument(did, [{ keyIndex: 1, issuer: web }]));
    expectVerdict(await run(await signJwt(badge(web), web.signer, { header: 'jwk' }), online()), 'valid');
  });

  it("a Data Integrity proof whose key is in the issuer's https controller document", async () => {
    const id = 'https://ctrl.example/issuers/1';
    const issuer = makeIssuer('Ed25519', { kind: 'key-url', id, keyUrl: id, kid: 'key-1' });
    const vm = `${id}#key-1`;
    publish(host, id, {
      '@context': ['https://www.w3.org/ns/cid/v1'],
      id,
      verificationMethod: [{ id: vm, type: 'Multikey', controller: id, publicKeyMultibase: issuer.signer.publicKey.publicKeyMultibase }],
      assertionMethod: [vm],
    });
    expectVerdict(await run(await signDataIntegrity(badge(issuer), issuer.signer), online()), 'valid');
  });
});

describe('an unreachable host (a closed port on 127.0.0.1)', () => {
  it('key, status list: "could not check" with the reason; a saved copy still answers', async () => {
    const port = await closedPort();
    const id = `http://127.0.0.1:${port}/issuer`;
    const issuer = makeIssuer('P-256', { kind: 'key-url', id, keyUrl: `http://127.0.0.1:${port}/keys/1.json` });
    const jwt = await signJwt(badge(issuer), issuer.signer);
    const r = await run(jwt, online());
    expect(byId(r, 'proof')).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/could not fetch the issuer's key: .*Could not reach http:\/\/127\.0\.0\.1:\d+\/keys\/1\.json: ECONNREFUSED/) });
    expectVerdict(r, 'could-not-check');

    // A copy saved earlier stands in, and the report says the fresh fetch failed.
    const cacheDir = scratchDir();
    const url = `http://127.0.0.1:${port}/keys/1.json`;
    writeFileSync(cacheFileFor(cacheDir, url), JSON.stringify({ url, fetchedAt: '2026-05-20T08:00:00.000Z', contentType: 'application/json', body: JSON.stringify(publicJwk(issuer)) }));
    const cached = await run(jwt, online(cacheDir));
    expectVerdict(cached, 'valid');
    expect(byId(cached, 'proof')?.reason).toMatch(/checked with a copy fetched on 2026-05-20 .*a fresh copy could not be fetched: Could not reach/);

    const ed = makeIssuer('Ed25519', { kind: 'fragment', id: 'https://status-down.example/issuer' });
    const list = `http://127.0.0.1:${port}/status/1.json`;
    const withStatus = await signDataIntegrity(badge(ed, { credentialStatus: { id: `${list}#5`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '5', statusListCredential: list } }), ed.signer);
    const s = await run(withStatus, online());
    expect(byId(s, 'status')).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/could not check revocation: fetching the status list .* failed: Could not reach/) });
    expectVerdict(s, 'could-not-check');
  });
});

describe('status lists served over HTTP', () => {
  const issuer = makeIssuer('Ed25519', { kind: 'fragment', id: 'https://registrar.example/issuer' }, 'Registrar');
  const LIST = 'https://status.example/lists/revocation-1.json';
  const SUSP = 'https://status.example/lists/suspension-1.json';
  const entry = (list: string, purpose: string, index: number) => ({ credentialStatus: { id: `${list}#${index}`, type: 'BitstringStatusListEntry', statusPurpose: purpose, statusListIndex: String(index), statusListCredential: list } });

  async function publishList(url: string, purpose: string, set: number[]): Promise<JsonObject> {
    const bits = newBitstring();
    for (const i of set) setBit(bits, i, true);
    const list = await signDataIntegrity(
      { '@context': [VC2], id: url, type: ['VerifiableCredential', 'BitstringStatusListCredential'], issuer: issuer.id, validFrom: '2026-05-01T00:00:00Z', credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: purpose, encodedList: encodeBitstring(bits) } },
      issuer.signer,
    );
    publish(host, url, list, 'application/vc+ld+json');
    return list;
  }

  it('revoked, suspended, not revoked, a tampered list', async () => {
    const list = await publishList(LIST, 'revocation', [42]);
    await publishList(SUSP, 'suspension', [3]);
    const revoked = await run(await signDataIntegrity(badge(issuer, entry(LIST, 'revocation', 42)), issuer.signer), online());
    expect(byId(revoked, 'status')).toMatchObject({ status: 'failed', code: 'revoked', reason: expect.stringMatching(/^revoked: entry 42 is set/) });
    expectVerdict(revoked, 'revoked');
    const fine = await signDataIntegrity(badge(issuer, entry(LIST, 'revocation', 7)), issuer.signer);
    expectVerdict(await run(fine, online()), 'valid');
    const suspended = await run(await signDataIntegrity(badge(issuer, entry(SUSP, 'suspension', 3)), issuer.signer), online());
    expectVerdict(suspended, 'suspended');
    expect(byId(suspended, 'status')?.code).toBe('suspended');

    // Someone clears bit 42 in the published list without the issuer's key.
    const forged = tamper(list, (d) => {
      const bits = newBitstring();
      (d.credentialSubject as JsonObject).encodedList = encodeBitstring(bits);
    });
    publish(host, LIST, forged, 'application/vc+ld+json');
    const r = await run(fine, online());
    expect(byId(r, 'status')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/does not verify .* altered/) });
    expectVerdict(r, 'invalid');
    expectVerdict(await run(fine, offline()), 'could-not-check');
  });

  it('a status list credential given as input says what it is and verifies its proof', async () => {
    const list = await publishList('https://status.example/lists/revocation-2.json', 'revocation', [1, 2, 3]);
    const r = await run(list, offline());
    expect(r.kind).toBe('status-list');
    expectVerdict(r, 'valid');
    expect(byId(r, 'parse')?.reason).toMatch(/a status list \(W3C BitstringStatusListCredential\)/);
    expect(byId(r, 'schema')).toMatchObject({ label: 'Well-formed status list', status: 'passed', reason: 'a revocation list with 131,072 entries, 3 of them set' });
    expect(byId(r, 'proof')?.status).toBe('passed');
    expectVerdict(await run(tamper(list, (d) => (d.validFrom = '2026-05-02T00:00:00Z')), offline()), 'invalid');
  });
});

describe('1EdTechCredentialRefresh', () => {
  const issuer = makeIssuer('Ed25519', { kind: 'fragment', id: 'https://refresh.example/issuer' }, 'Refresh College');
  const URL_ = 'https://refresh.example/credentials/1';
  const base = (validFrom: string, name: string) =>
    badge(issuer, { context: [VC2, OB, OB_EXT], id: 'urn:uuid:11111111-2222-4333-8444-555555555555', validFrom, name, refreshService: { id: URL_, type: '1EdTechCredentialRefresh' } });

  it('online, after the proof passed: asked once; the newer version is used when it verifies', async () => {
    const v1 = await signDataIntegrity(base('2026-01-01T00:00:00Z', 'Version 1'), issuer.signer);
    const v2 = await signDataIntegrity(base('2026-04-01T00:00:00Z', 'Version 2'), issuer.signer);
    publish(host, URL_, v2, 'application/vc+ld+json');
    const hits = () => host.hits.filter((h) => h === '/refresh.example/credentials/1').length;
    const n = hits();
    const r = await run(v1, online());
    expect(hits() - n).toBe(1);
    expectVerdict(r, 'valid');
    expect(r.summary.name).toBe('Version 2');
    expect(byId(r, 'refresh')).toMatchObject({ status: 'passed', reason: expect.stringMatching(/current version from the issuer's refresh service/) });
    expect(r.refreshedFrom).toMatchObject({ url: URL_, original: { summary: { name: 'Version 1' } } });

    // Offline: not asked, and the report says so (without counting against the credential).
    const off = await run(v1, offline());
    expectVerdict(off, 'valid');
    expect(byId(off, 'refresh')).toMatchObject({ status: 'not-applicable', reason: expect.stringMatching(/not asked because this check ran offline/) });
  });

  it('keeps the original when the new version does not verify, or is another credential, or the service fails', async () => {
    const v1 = await signDataIntegrity(base('2026-01-01T00:00:00Z', 'Version 1'), issuer.signer);
    const v2 = await signDataIntegrity(base('2026-04-01T00:00:00Z', 'Version 2'), issuer.signer);
    publish(host, URL_, tamper(v2, (d) => (d.name = 'Version 3')), 'application/vc+ld+json');
    let r = await run(v1, online());
    expect(r.summary.name).toBe('Version 1');
    expect(byId(r, 'refresh')).toMatchObject({ status: 'not-applicable', warning: true, reason: expect.stringMatching(/kept this version: .* did not verify \(the signature does not match/) });
    expectVerdict(r, 'valid');

    publish(host, URL_, await signDataIntegrity({ ...base('2026-04-01T00:00:00Z', 'Other'), id: 'urn:uuid:99999999-2222-4333-8444-555555555555' }, issuer.signer));
    r = await run(v1, online());
    expect(byId(r, 'refresh')?.reason).toMatch(/kept this version: .* returned a different credential/);

    host.routes.delete('/refresh.example/credentials/1');
    r = await run(v1, online());
    expect(byId(r, 'refresh')?.reason).toMatch(/kept this version: asking .* failed: .*HTTP 404/);

    // A tampered original: the service is never asked.
    const n = host.hits.length;
    const t = await run(tamper(v1, (d) => (d.name = 'x')), online());
    expect(byId(t, 'refresh')?.reason).toMatch(/asked only once the signature has checked out/);
    expect(host.hits.length).toBe(n);
  });
});

describe('a credential by its address', () => {
  const issuer = makeIssuer('Ed25519', { kind: 'did:key' }, 'Wallet College');

  it('JSON and VC-JWT by URL, following a redirect; web pages, 404s and offline are refused with the reason', async () => {
    const json = await signDataIntegrity(badge(issuer), issuer.signer);
    publish(host, 'https://wallet.example/c/1', json, 'application/vc+ld+json');
    const r = await verifyCredential('https://wallet.example/c/1', online());
    expectVerdict(r, 'valid');
    expect(r.url).toBe('https://wallet.example/c/1');

    publish(host, 'https://wallet.example/c/2.jwt', await signJwt(badge(issuer), issuer.signer, { allowEdDSA: true }), 'application/vc+jwt');
    host.routes.set('/wallet.example/c/latest', ['redirect', '/wallet.example/c/2.jwt']);
    const j = await verifyCredential('https://wallet.example/c/latest', online());
    expectVerdict(j, 'valid');
    expect(j.format).toBe('jwt');

    publish(host, 'https://wallet.example/page', '<html><body>hi</body></html>', 'text/html');
    expect(byId(await verifyCredential('https://wallet.example/page', online()), 'parse')?.reason).toMatch(/sent a web page \(text\/html\), not a credential/);
    const missing = await verifyCredential('https://wallet.example/nothing', online());
    expect(byId(missing, 'parse')?.reason).toMatch(/answered HTTP 404/);
    expect(exitCodeOf(missing)).toBe(2);
    expect(byId(await verifyCredential('https://wallet.example/c/1', offline()), 'parse')?.reason).toMatch(/verify online/);
  });
});
