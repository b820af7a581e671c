/**
 * The "Done when" walk of issue 7 against the test host, with its schema validation on:
 * discovery → registration → authorize (consent page clicked in Chromium) → token → upsert of a
 * batch → read-back equality → profile push → refresh → revoke. Secrets in the real keychain,
 * never in the workspace database.
 */
import { AsyncEntry } from '@napi-rs/keyring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getHostByName, insertCredential } from '../../core/store/index.ts';
import { startTestHost, type TestHost } from '../host/server.ts';
import { ACHIEVEMENT, KEYRING, clickConsent, closeChromium, connected, publishStudio, rejects, signedBatch, workspaceBytes, type PublishStudio } from './helpers.ts';

const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/scope/';

let host: TestHost;
let s: PublishStudio;
let batch: { batchId: string; ids: string[] };

beforeAll(async () => {
  host = await startTestHost({ name: 'Walk Wallet' });
  s = await publishStudio('publish-walk', { pageSize: 4 }); // the read-back pages (Link rel="next")
  batch = await signedBatch(s, 6);
});

afterAll(async () => {
  s?.studio.close();
  await host?.close();
  await closeChromium();
});

/** The keychain item of a host, read directly (not through core/). */
async function keychainItem(hostName: string): Promise<Record<string, unknown> | null> {
  const record = getHostByName(s.studio.db, hostName)!;
  expect(record.secretStore).toBe('keychain');
  const bytes = await new AsyncEntry(s.keychainService, record.secretRef!, { linux: { store: 'secret-service' } }).getSecret();
  return bytes ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>) : null;
}

describe.runIf(KEYRING)('publishing walk (discovery → … → revoke)', () => {
  it('walks the whole protocol and ends with the host holding exactly what was published', async () => {
    // ---- discovery: name, image, terms, privacy shown before anything is registered
    const added = await s.studio.addHost(host.url);
    expect(added).toMatchObject({ name: 'walk-wallet', title: 'Walk Wallet', termsUrl: `${host.url}/terms`, privacyUrl: `${host.url}/privacy`, state: 'added', registered: false, connected: false });
    expect(added.image).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(added.apis.map((a) => a.api)).toEqual(['ob', 'clr']);
    expect(host.clients.size).toBe(0);
    const discoveries = () => host.requests.filter((r) => r.path.endsWith('/discovery')).length;
    const seen = discoveries();
    expect(s.studio.listHosts()).toHaveLength(1);
    expect(discoveries()).toBe(seen); // listing reads the cached copy

    // ---- registration + authorize in Chromium + token
    let consent: Awaited<ReturnType<typeof clickConsent>> | undefined;
    const connected = await s.studio.connectHost('walk-wallet', {
      openUrl: async (url) => {
        const u = new URL(url);
        expect(u.searchParams.get('code_challenge_method')).toBe('S256');
        expect(u.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
        consent = await clickConsent(url);
      },
    });
    expect(consent!.clientName).toBe('Laurel Studio');
    expect(consent!.scopes).toContain(`${OB}credential.upsert`);
    expect(consent!.finalText).toContain('Laurel Studio is connected');
    expect(host.clients.size).toBe(1);
    const client = [...host.clients.values()][0]!;
    expect(client.redirectUris).toEqual([connected.redirectUri]);
    expect(connected.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(client.metadata).toMatchObject({ client_name: 'Laurel Studio', software_id: 'f5a8f41b-8a64-4491-acce-86f0658704bd', redirect_uris: [connected.redirectUri] });
    expect(connected).toMatchObject({ state: 'connected', connected: true, registered: true, clientId: client.clientId, canPublish: { ob: true, clr: true } });
    expect(connected.grantedScopes).toEqual(expect.arrayContaining([`${OB}credential.upsert`, `${OB}credential.readonly`, `${OB}profile.update`, 'offline_access']));
    expect(Date.parse(connected.tokenExpiresAt!) - Date.now()).toBeGreaterThan(3500_000);
    expect(connected.secretsKept).toContain('OS keychain');

    // The secret and tokens are in the keychain …
    const item1 = (await keychainItem('walk-wallet'))!;
    expect(item1.clientSecret).toBe(client.secret);
    expect(typeof item1.accessToken).toBe('string');
    expect(typeof item1.refreshToken).toBe('string');
    expect(host.issuedTokens()).toContain(item1.accessToken);

    // ---- upsert of a batch, then read-back
    const progress: number[] = [];
    const summary = await s.studio.publish({ host: 'walk-wallet', batchId: batch.batchId }, { onProgress: (p) => progress.push(p.done) });
    expect(summary).toMatchObject({ total: 6, published: 6, alreadyPublished: 0, sent: 0, failed: 0, notAttempted: 0, cancelled: false });
    expect(summary.items.every((i) => i.outcome === 'published' && i.httpStatus === 201 && i.attempts === 1)).toBe(true);
    expect(progress.at(-1)).toBe(6);
    expect(host.rejected).toEqual([]);
    expect(host.selfCheckFailures).toEqual([]);
    expect(host.upserts.map((u) => u.status)).toEqual([201, 201, 201, 201, 201, 201]);
    // Read-back equality, checked independently: what the host holds is what the workspace signed.
    const held = host.store.ob.credentials;
    expect(held.map((c) => c.credential.id)).toEqual(batch.ids);
    for (const c of held) {
      const row = s.studio.db.prepare("SELECT body FROM credentials WHERE credential_id = ? AND format = 'json'").get(c.credential.id) as { body: Buffer };
      expect(c.value).toEqual(JSON.parse(row.body.toString('utf8')));
    }
    // The read-back followed the host's paging: two pages of 4 for 6 credentials.
    // Asked with since = a second before the batch's validFrom, so only recent ones are listed.
    const validFrom = (held[0]!.credential.validFrom as string).replace(/Z$/, '');
    const since = encodeURIComponent(new Date(Date.parse(`${validFrom}Z`) - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(host.requests.filter((r) => r.method === 'GET' && r.path === '/ims/ob/v3p0/credentials').map((r) => [r.status, r.query])).toEqual([
      [200, `?limit=4&offset=0&since=${since}`],
      [200, `?limit=4&offset=4&since=${since}`],
    ]);
    // Every attempt recorded: one upsert and one read-back per credential.
    const attempts = s.studio.publishAttempts({ host: 'walk-wallet' });
    expect(attempts.filter((a) => a.operation === 'upsert').map((a) => [a.httpStatus, a.result])).toEqual(Array(6).fill([201, 'created']));
    expect(attempts.filter((a) => a.operation === 'read-back').every((a) => a.result === 'confirmed')).toBe(true);
    expect(s.studio.publications({ host: 'walk-wallet' }).filter((p) => p.state === 'published')).toHaveLength(6);

    // Publishing again sends nothing.
    const again = await s.studio.publish({ host: 'walk-wallet', credentialIds: batch.ids.slice(0, 3) });
    expect(again).toMatchObject({ total: 3, alreadyPublished: 3, published: 0 });
    expect(host.upserts).toHaveLength(6);

    // ---- profile push (the entire Profile, validated by the host)
    const profile = await s.studio.pushProfile({ host: 'walk-wallet', issuer: s.issuerId });
    expect(profile).toMatchObject({ api: 'ob', httpStatus: 200, outcome: 'updated' });
    const issuer = s.studio.db.prepare('SELECT profile_json FROM issuers WHERE id = ?').get(s.issuerId) as { profile_json: string } | undefined;
    expect(host.store.ob.profile).toEqual(issuer ? JSON.parse(issuer.profile_json) : expect.objectContaining({ id: s.issuerId }));
    expect((await s.studio.pushProfile({ host: 'walk-wallet', issuer: s.issuerId })).outcome).toBe('unchanged');

    // ---- refresh: the host expires every access token; the next call refreshes and goes on
    host.expireAccessTokens();
    const tokenCalls = () => host.requests.filter((r) => r.path === '/oauth/token').length;
    const before = tokenCalls();
    const one = await s.studio.issueCredential({ issuer: s.issuerId, achievement: ACHIEVEMENT, recipient: 'late.learner@example.org', name: 'Late Learner' });
    const late = await s.studio.publish({ host: 'walk-wallet', credentialIds: [one.credentialId] });
    expect(late).toMatchObject({ published: 1, failed: 0 });
    expect(tokenCalls()).toBe(before + 1);
    const item2 = (await keychainItem('walk-wallet'))!;
    expect(item2.accessToken).not.toBe(item1.accessToken);
    expect(item2.refreshToken).not.toBe(item1.refreshToken); // the host rotates refresh tokens
    expect(item2.clientSecret).toBe(client.secret);
    // A token close to its end is refreshed before use (no 401 at all).
    s.studio.db.prepare("UPDATE hosts SET token_expires_at = ? WHERE name = 'walk-wallet'").run(new Date(Date.now() + 10_000).toISOString());
    const unauthorized = host.requests.filter((r) => r.status === 401).length;
    await s.studio.pushProfile({ host: 'walk-wallet', issuer: s.issuerId });
    expect(tokenCalls()).toBe(before + 2);
    expect(host.requests.filter((r) => r.status === 401).length).toBe(unauthorized);
    expect(s.studio.getHost('walk-wallet').tokenExpiresAt! > new Date(Date.now() + 3000_000).toISOString()).toBe(true);

    // ---- nothing secret in the workspace database (file, WAL and all)
    const db = workspaceBytes(s.dir);
    const secrets = [client.secret, client.registrationAccessToken, ...host.issuedTokens()];
    expect(secrets.length).toBeGreaterThan(4);
    for (const secret of secrets) expect(db.includes(Buffer.from(secret)), 'a secret is in the workspace').toBe(false);

    // ---- revoke
    expect(host.liveTokens().refresh).toBe(1);
    const out = await s.studio.disconnectHost('walk-wallet');
    expect(out.revoked).toEqual({ accessToken: true, refreshToken: true });
    expect(out.revocationUrl).toBe(`${host.url}/oauth/revoke`);
    expect(host.liveTokens()).toEqual({ access: 0, refresh: 0 });
    const item3 = (await keychainItem('walk-wallet'))!;
    expect(Object.keys(item3).sort()).toEqual(['clientSecret', 'version']); // tokens gone, registration kept
    expect(s.studio.getHost('walk-wallet')).toMatchObject({ connected: false, registered: true, grantedScopes: [], tokenExpiresAt: null, published: 7 });
    const refused = await rejects(s.studio.publish({ host: 'walk-wallet', credentialIds: [one.credentialId] }), 'AUTH_REQUIRED');
    expect(refused.details).toEqual({ action: 'connect', host: 'walk-wallet' });
    expect(host.store.ob.credentials).toHaveLength(7);
    expect(host.upserts.filter((u) => u.status === 201)).toHaveLength(7);
  });

  it('connects again with the kept registration and publishes a VC-JWT as a compact JWS', async () => {
    await s.studio.connectHost('walk-wallet', { openUrl: async (url) => void (await clickConsent(url)) });
    expect(host.clients.size).toBe(1); // registered once
    const jwt = await s.studio.issueCredential({ issuer: s.issuerId, achievement: ACHIEVEMENT, recipient: 'jwt.learner@example.org', format: 'jwt', allowEdDSA: true });
    const r = await s.studio.publish({ host: 'walk-wallet', credentialIds: [jwt.credentialId] });
    expect(r).toMatchObject({ published: 1, failed: 0 });
    expect(r.items[0]).toMatchObject({ format: 'jwt', httpStatus: 201, outcome: 'published' });
    const stored = host.store.ob.credentials.at(-1)!;
    expect(stored).toMatchObject({ format: 'jwt', value: jwt.body });
    expect(stored.credential.id).toBe(jwt.credentialId);
    expect(host.rejected).toEqual([]);
  });

  it('sends a CLR credential to the CLR API and reads it back there', async () => {
    const clr = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../shared/spec/clr2/examples/test-vectors/eddsa-rdfc-2022-clrcredential-signed.json'), 'utf8')) as Record<string, unknown>;
    // A ClrCredential held in the workspace (the CLR builder is another step's work).
    insertCredential(s.studio.db, { credentialId: clr.id as string, issuerId: s.issuerId, recipient: 'clr-learner', format: 'json', body: JSON.stringify(clr) });
    const obBefore = host.store.ob.credentials.length;
    const r = await s.studio.publish({ host: 'walk-wallet', credentialIds: [clr.id as string] });
    expect(r.items[0]).toMatchObject({ api: 'clr', outcome: 'published', httpStatus: 201 });
    expect(host.store.clr.credentials.map((c) => c.value)).toEqual([clr]);
    expect(host.store.ob.credentials).toHaveLength(obBefore);
    expect(host.requests.some((q) => q.method === 'GET' && q.path === '/ims/clr/v2p0/credentials' && q.status === 200)).toBe(true);
    expect(s.studio.publications({ credentialIds: [clr.id as string] })).toMatchObject([{ host: 'walk-wallet', api: 'clr', state: 'published' }]);
    expect(host.rejected).toEqual([]);
  });

  it('stops reading back from a host that ignores offset (no endless paging); what it did not list is not reported published', async () => {
    const odd = await startTestHost({ name: 'Offset Ignorer', behaviour: { ignoreOffset: true } });
    try {
      await connected(s, odd.url, 'offset-ignorer');
      const r = await s.studio.publish({ host: 'offset-ignorer', batchId: batch.batchId });
      expect(odd.store.ob.credentials).toHaveLength(6);
      expect(odd.requests.filter((q) => q.method === 'GET' && q.path === '/ims/ob/v3p0/credentials').map((q) => q.query.replace(/&since=.*$/, ''))).toEqual(['?limit=4&offset=0', '?limit=4&offset=4']);
      expect(r).toMatchObject({ published: 4, failed: 2 });
      expect(r.items.slice(4).every((i) => i.outcome === 'failed' && /does not list it/.test(i.message ?? ''))).toBe(true);
    } finally {
      await odd.close();
    }
  });
});
