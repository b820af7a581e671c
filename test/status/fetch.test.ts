/**
 * Status lists fetched over HTTP from a loopback server (the network guard allows only loopback),
 * through the verifier's fetcher seam filled by core/net's bounded fetcher: the Bitstring list the Studio exported, a legacy
 * 1EdTechRevocationList document, and the failure modes (404, a closed port, a throwing fetcher).
 * Also: an independent verifier (@digitalcredentials/verifier-core) fetching our list itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IssuedCredential, IssuerView, Studio } from '../../core/api/index.ts';
import { buildAchievementCredential, type AchievementInput } from '../../core/model/index.ts';
import { createFetcher } from '../../core/net/index.ts';
import { signDataIntegrity, type JsonObject } from '../../core/proof/index.ts';
import { buildStatusListCredential, newBitstring, setBit, type StatusListFetcher } from '../../core/status/index.ts';
import { verifyCredential, type Check } from '../../core/verify/index.ts';
import { dccStep, dccVerify } from '../helpers/verifier-core.ts';
import { ACHIEVEMENT, issuerSigner, openStudio, scratchDir } from './helpers.ts';

const BASE = 'https://badges.acme.example/status';
const statusOf = (r: { checks: Check[] }) => r.checks.find((c) => c.id === 'status')!;

/** A static file server on 127.0.0.1: path → JSON text. */
async function serve(routes: Map<string, string>): Promise<{ origin: string; server: http.Server; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = routes.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

const net = createFetcher({ timeoutMs: 5000 });

/** The real fetcher, with the list URL's host pointed at the loopback server (as a hosts file would). */
function loopbackFetcher(origin: string): StatusListFetcher {
  return (url) => net.getJson(`${origin}${new URL(url).pathname}`, { accept: ['application/vc+ld+json', 'application/json'] });
}

describe('status lists over HTTP (loopback)', () => {
  const dir = scratchDir();
  let studio: Studio;
  let issuer: IssuerView;
  const issued: IssuedCredential[] = [];
  let host: Awaited<ReturnType<typeof serve>>;
  const routes = new Map<string, string>();

  beforeAll(async () => {
    studio = openStudio(dir);
    issuer = await studio.createIssuer({ name: 'Acme Training' });
    studio.setStatusListUrl(issuer.id, BASE);
    for (const who of ['ada@example.org', 'bob@example.org']) issued.push(await studio.issueCredential({ issuer: issuer.id, achievement: ACHIEVEMENT, recipient: who }));
    studio.revoke(issued[0]!.credentialId, 'academic misconduct');
    const [exported] = await studio.exportStatusLists(issuer.id, path.join(dir, 'out'));
    routes.set('/status/acme-training-revocation-1.json', readFileSync(exported!.file, 'utf8'));
    host = await serve(routes);
  });
  afterAll(async () => {
    studio?.close();
    await new Promise((r) => host?.server.close(r));
  });

  it('fetches the exported list: revoked → failed, the other → passed', async () => {
    const fetchStatusList = loopbackFetcher(host.origin);
    const [revoked, fine] = await Promise.all(issued.map((c) => verifyCredential(c.body, { fetchStatusList })));
    expect(statusOf(revoked!)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^revoked: entry \d+ is set/), details: [{ source: 'fetched' }] });
    expect(statusOf(fine!)).toMatchObject({ status: 'passed', reason: expect.stringMatching(/^not revoked/) });
    expect(fine!.verdict).toBe('valid');
    expect(host.hits.filter((h) => h === '/status/acme-training-revocation-1.json').length).toBeGreaterThanOrEqual(2);
  });

  it('a 404, a closed port or a failing fetcher → "could not check revocation", never "not revoked"', async () => {
    const missing = await verifyCredential(issued[1]!.body, { fetchStatusList: async (url) => loopbackFetcher(host.origin)(url.replace('revocation-1', 'revocation-9')) });
    expect(statusOf(missing)).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/^could not check revocation: fetching the status list https:\/\/badges\.acme\.example\/status\/acme-training-revocation-1\.json failed: .* answered HTTP 404/) });
    expect(missing.verdict).toBe('indeterminate');

    const closed = await serve(new Map());
    await new Promise((r) => closed.server.close(r));
    const refused = await verifyCredential(issued[1]!.body, { fetchStatusList: loopbackFetcher(closed.origin) });
    expect(statusOf(refused)).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/^could not check revocation: fetching .* failed: Could not reach .*ECONNREFUSED/) });

    const throwing = await verifyCredential(issued[0]!.body, {
      fetchStatusList: async () => {
        throw new Error('offline mode');
      },
    });
    expect(statusOf(throwing)).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/failed: offline mode$/) });

    // A web page where the list should be is not a list.
    routes.set('/status/page.json', '<html>moved</html>');
    const page = async () => net.getJson(`${host.origin}/status/page.json`);
    expect(statusOf(await verifyCredential(issued[1]!.body, { fetchStatusList: page }))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/did not return JSON/) });
    const text = async () => new TextDecoder().decode((await net.get(`${host.origin}/status/page.json`)).body);
    expect(statusOf(await verifyCredential(issued[1]!.body, { fetchStatusList: text }))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/is not a JSON object/) });
  });

  it('a local copy is used before fetching', async () => {
    let fetched = 0;
    const list = JSON.parse(routes.get('/status/acme-training-revocation-1.json')!);
    const r = await verifyCredential(issued[1]!.body, {
      statusListFiles: (url) => (url === list.id ? list : undefined),
      fetchStatusList: async () => {
        fetched++;
        throw new Error('should not be called');
      },
    });
    expect(statusOf(r)).toMatchObject({ status: 'passed', details: [{ source: 'local file' }] });
    expect(fetched).toBe(0);
  });

  describe('legacy 1EdTechRevocationList', () => {
    const LEGACY = 'https://acme.example/revocations.json';
    async function legacyCredential(): Promise<JsonObject> {
      const credential = buildAchievementCredential({
        issuer: studio.findIssuer(issuer.id).profile as never,
        achievement: ACHIEVEMENT as AchievementInput,
        subject: { id: 'did:example:learner' },
        credentialStatus: { id: LEGACY, type: '1EdTechRevocationList' },
      });
      // The builder adds extensions.json, which defines the 1EdTech type names.
      expect(credential['@context']).toContain('https://purl.imsglobal.org/spec/ob/v3p0/extensions.json');
      return signDataIntegrity(credential as unknown as JsonObject, await issuerSigner(studio, issuer.id));
    }
    const publish = (doc: unknown) => routes.set('/revocations.json', JSON.stringify(doc));

    it('revoked, not listed, reinstated, another issuer, unreachable', async () => {
      const a = await legacyCredential();
      const b = await legacyCredential();
      const fetchStatusList = loopbackFetcher(host.origin);
      const check = async (c: JsonObject) => statusOf(await verifyCredential(JSON.stringify(c), { fetchStatusList }));

      publish({ id: LEGACY, issuer: issuer.id, revokedCredential: [{ id: a.id, revocationReason: 'Issued in error' }] });
      expect(await check(a)).toMatchObject({ status: 'failed', reason: `revoked: Issued in error (listed in ${LEGACY})` });
      expect(await check(b)).toMatchObject({ status: 'passed', reason: expect.stringMatching(/^not revoked: not on the issuer's revocation list .* unsigned/) });

      publish({ id: LEGACY, issuer: { id: issuer.id }, revokedCredential: [{ id: a.id, revoked: false }] });
      expect(await check(a)).toMatchObject({ status: 'passed', reason: expect.stringMatching(/reinstated/) });

      publish({ id: LEGACY, issuer: 'did:example:someone-else', revokedCredential: [] });
      expect(await check(b)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/belongs to did:example:someone-else/) });

      routes.delete('/revocations.json');
      expect(await check(a)).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/^could not check revocation: fetching .*revocations\.json failed: .*answered HTTP 404/) });
      expect(statusOf(await verifyCredential(JSON.stringify(a)))).toMatchObject({ status: 'unknown' });
    });
  });

  it('an independent verifier (verifier-core) fetches our signed list and agrees', async () => {
    // verifier-core dereferences statusListCredential itself, so the URL must be the loopback one.
    const url = `${host.origin}/interop/list.json`;
    const signer = await issuerSigner(studio, issuer.id);
    const bits = newBitstring();
    setBit(bits, 4242, true);
    const list = await signDataIntegrity(buildStatusListCredential({ id: url, issuerId: issuer.id, purpose: 'revocation', size: bits.length * 8, allocated: 2, bits, updatedAt: '' }), signer);
    routes.set('/interop/list.json', JSON.stringify(list));
    const credentialAt = async (index: number) => {
      const c = buildAchievementCredential({
        issuer: studio.findIssuer(issuer.id).profile as never,
        achievement: ACHIEVEMENT as AchievementInput,
        subject: { id: 'did:example:learner' },
        credentialStatus: { id: `${url}#${index}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: String(index), statusListCredential: url },
      });
      return signDataIntegrity(c as unknown as JsonObject, signer);
    };
    const revoked = await credentialAt(4242);
    const fine = await credentialAt(4243);

    const theirs = [await dccVerify(revoked), await dccVerify(fine)];
    expect(theirs.map((r) => r.errors)).toEqual([undefined, undefined]);
    expect(theirs.map((r) => dccStep(r, 'valid_signature')?.valid)).toEqual([true, true]);
    expect(theirs.map((r) => dccStep(r, 'revocation_status')?.valid)).toEqual([false, true]);

    const fetchStatusList: StatusListFetcher = (u) => net.getJson(u);
    const ours = await Promise.all([revoked, fine].map((c) => verifyCredential(JSON.stringify(c), { fetchStatusList })));
    expect(ours.map((r) => statusOf(r).status)).toEqual(['failed', 'passed']);
  });
});
