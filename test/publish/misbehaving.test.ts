/**
 * Hosts that misbehave on purpose (test/host/server.ts `behaviour`). Each case ends in the
 * documented behaviour (README "Publishing to hosts"), never publishes anything twice, and never
 * reports as published a credential the host does not hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type Behaviour, type TestHost } from '../host/server.ts';
import type { PublishSummary } from '../../core/publish/index.ts';
import { KEYRING, approveOverHttp, clickConsent, closeChromium, connected, publishStudio, rejects, signedBatch, type PublishStudio } from './helpers.ts';

const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/scope/';
const CLR = 'https://purl.imsglobal.org/spec/clr/v2p0/scope/';

let s: PublishStudio;
let ids: string[];
const hosts: TestHost[] = [];

beforeAll(async () => {
  s = await publishStudio('publish-misbehave', { requestTimeoutMs: 2_000 });
  ids = (await signedBatch(s, 4)).ids;
});

afterAll(async () => {
  s?.studio.close();
  for (const h of hosts) await h.close();
  await closeChromium();
});

let n = 0;
async function host(behaviour: Partial<Behaviour> = {}): Promise<{ host: TestHost; name: string }> {
  const h = await startTestHost({ name: `Odd Wallet ${++n}`, behaviour });
  hosts.push(h);
  return { host: h, name: `odd-${n}` };
}

/** The invariants every case ends with. */
function invariants(h: TestHost, summary: PublishSummary | null, name: string): void {
  const held = new Set(h.store.ob.credentials.map((c) => c.credential.id as string));
  // Nothing published twice: the host holds one copy per credential and created each once.
  expect(h.store.ob.credentials.length).toBe(held.size);
  for (const c of h.store.ob.credentials) expect(h.upserts.filter((u) => u.key === c.key && u.status === 201).length, c.key).toBeLessThanOrEqual(1);
  // Nothing reported as published that the host does not hold: by the summary and by the workspace.
  for (const item of summary?.items ?? []) if (item.outcome === 'published' || item.outcome === 'already-published') expect(held.has(item.credentialId), item.credentialId).toBe(true);
  for (const p of s.studio.publications({ host: name })) if (p.state === 'published') expect(held.has(p.credentialId), p.credentialId).toBe(true);
}

describe.runIf(KEYRING)('misbehaving hosts', () => {
  it('fewer scopes than asked (no upsert): connecting stops with a clear message and hands the access back', async () => {
    const { host: h, name } = await host({ withholdScopes: [`${OB}credential.upsert`, `${CLR}credential.upsert`] });
    await s.studio.addHost(h.url, { name });
    const e = await rejects(s.studio.connectHost(name, { openUrl: async (u) => void (await clickConsent(u)) }), 'UNSUPPORTED');
    expect(e.message).toContain('without permission to add credentials');
    expect(e.message).toContain(`${OB}credential.upsert`);
    // Face-neutral: the Hosts screen offers Connect, the CLI adds its command.
    expect(e.details).toEqual({ action: 'connect', host: name });
    expect(e.message).not.toContain('laurel host');
    expect(h.liveTokens()).toEqual({ access: 0, refresh: 0 }); // handed back (RFC 7009)
    expect(s.studio.getHost(name)).toMatchObject({ connected: false, registered: true, canPublish: { ob: false, clr: false } });
    await rejects(s.studio.publish({ host: name, credentialIds: ids }), 'AUTH_REQUIRED');
    expect(h.upserts).toEqual([]);
    invariants(h, null, name);
  });

  it('no read scope: credentials are sent but not reported as published (not confirmed)', async () => {
    const { host: h, name } = await host({ withholdScopes: [`${OB}credential.readonly`, `${OB}profile.update`] });
    await connected(s, h.url, name);
    const noProfile = await rejects(s.studio.pushProfile({ host: name, issuer: s.issuerId }), 'UNSUPPORTED');
    expect(noProfile.message).toContain(`did not grant Laurel Studio permission to update the profile (${OB}profile.update)`);
    expect(h.store.ob.profile).toBeNull();
    expect(s.studio.getHost(name).grantedScopes).not.toContain(`${OB}credential.readonly`);
    const r = await s.studio.publish({ host: name, credentialIds: ids.slice(0, 2) });
    expect(r).toMatchObject({ published: 0, sent: 2, failed: 0 });
    expect(r.items.every((i) => i.outcome === 'sent' && i.httpStatus === 201 && /not confirmed|read access/.test(i.message ?? ''))).toBe(true);
    expect(s.studio.publications({ host: name }).map((p) => p.state)).toEqual(['sent', 'sent']);
    expect(h.store.ob.credentials).toHaveLength(2);
    invariants(h, r, name);
  });

  it('429 with Retry-After: waits as asked and goes on', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    h.behaviour.rateLimit = { count: 2, retryAfter: '1' };
    const t0 = Date.now();
    const r = await s.studio.publish({ host: name, credentialIds: ids.slice(0, 2) });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(r).toMatchObject({ published: 2, failed: 0 });
    expect(r.items[0]).toMatchObject({ attempts: 3, httpStatus: 201 });
    const attempts = s.studio.publishAttempts({ host: name, credentialId: ids[0]! });
    expect(attempts.map((a) => [a.httpStatus, a.result])).toEqual([
      [429, 'rate-limited'],
      [429, 'rate-limited'],
      [201, 'created'],
      [200, 'confirmed'],
    ]);
    invariants(h, r, name);
  });

  it('429 asking for a longer wait than allowed: stops, says when to try again, and the same call resumes', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    await s.studio.publish({ host: name, credentialIds: [ids[0]!] });
    h.behaviour.rateLimit = { count: 1, retryAfter: '3600' };
    const r = await s.studio.publish({ host: name, credentialIds: ids });
    expect(r.stopped?.message).toMatch(/asked Laurel Studio to wait 3600 s.*HTTP 429/);
    expect(r).toMatchObject({ alreadyPublished: 1, published: 0, notAttempted: 3 });
    invariants(h, r, name);
    const resumed = await s.studio.publish({ host: name, credentialIds: ids });
    expect(resumed).toMatchObject({ alreadyPublished: 1, published: 3, failed: 0 });
    expect(h.upserts.filter((u) => u.status === 201)).toHaveLength(4);
    invariants(h, resumed, name);
  });

  it('500 before storing: retried; a host that keeps failing gets the credential reported failed, and a later run sends it', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    h.behaviour.failUpserts = 1;
    const r1 = await s.studio.publish({ host: name, credentialIds: [ids[0]!] });
    expect(r1.items[0]).toMatchObject({ outcome: 'published', attempts: 2, httpStatus: 201 });
    h.behaviour.failUpserts = 3;
    const r2 = await s.studio.publish({ host: name, credentialIds: [ids[1]!, ids[2]!] });
    expect(r2.items[0]).toMatchObject({ outcome: 'failed', attempts: 3, httpStatus: 500 });
    expect(r2.items[0]!.message).toContain('after 3 attempts');
    expect(r2.items[1]).toMatchObject({ outcome: 'published' });
    invariants(h, r2, name);
    const r3 = await s.studio.publish({ host: name, credentialIds: [ids[1]!] });
    expect(r3.items[0]).toMatchObject({ outcome: 'published', httpStatus: 201 });
    invariants(h, r3, name);
  });

  it('500 after storing: the retry finds it unchanged (304); the host keeps one copy', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    h.behaviour.failAfterStore = 1;
    const r = await s.studio.publish({ host: name, credentialIds: [ids[0]!] });
    expect(r.items[0]).toMatchObject({ outcome: 'published', attempts: 2, httpStatus: 304 });
    expect(h.upserts.map((u) => u.status)).toEqual([500, 304]);
    expect(h.store.ob.credentials).toHaveLength(1);
    invariants(h, r, name);
  });

  it('a host that answers 201 but does not keep it: reported failed, never published', async () => {
    const { host: h, name } = await host({ dropUpserts: 1 });
    await connected(s, h.url, name);
    const r = await s.studio.publish({ host: name, credentialIds: ids.slice(0, 2) });
    expect(r.items[0]).toMatchObject({ outcome: 'failed', httpStatus: 201 });
    expect(r.items[0]!.message).toContain('does not list it');
    expect(r.items[1]).toMatchObject({ outcome: 'published' });
    expect(s.studio.publications({ host: name }).find((p) => p.credentialId === ids[0])?.state).toBe('failed');
    invariants(h, r, name);
  });

  it('slow responses beyond the time limit: failed, then confirmed by read-back without sending again', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    h.behaviour.delayMs = 2_500; // the studio waits 2 s per request
    const r = await s.studio.publish({ host: name, credentialIds: [ids[3]!] }, {});
    expect(r.items[0]).toMatchObject({ outcome: 'failed', attempts: 3, httpStatus: null });
    expect(r.items[0]!.message).toMatch(/did not (finish answering|answer) within 2 s/);
    expect(r.published).toBe(0);
    expect(s.studio.publishAttempts({ host: name }).map((a) => a.result)).toEqual(['timeout', 'timeout', 'timeout']);
    invariants(h, r, name);
    // The host did carry the requests out: it holds the credential (once; the retries were 304s).
    expect(h.store.ob.credentials).toHaveLength(1);
    expect(h.upserts.map((u) => u.status)).toEqual([201, 304, 304]);
    h.behaviour.delayMs = 0;
    const upserts = h.upserts.length;
    const again = await s.studio.publish({ host: name, credentialIds: [ids[3]!] });
    expect(again.items[0]).toMatchObject({ outcome: 'published', attempts: 0 });
    expect(again.items[0]!.message).toContain('already held it');
    expect(h.upserts.length).toBe(upserts); // not sent again
    invariants(h, again, name);
  }, 60_000);

  it('slow but within the limit: published', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    h.behaviour.delayMs = 300;
    const r = await s.studio.publish({ host: name, credentialIds: ids.slice(0, 2) });
    expect(r).toMatchObject({ published: 2, failed: 0 });
    invariants(h, r, name);
  });

  it('expired access tokens and a withdrawn grant: refresh fails, the host is marked, re-authorizing in the browser continues', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    await s.studio.publish({ host: name, credentialIds: [ids[0]!] });
    h.revokeAllGrants(); // as a learner would in the host's UI
    const r0 = await s.studio.publish({ host: name, credentialIds: [ids[1]!] });
    expect(r0.stopped?.code).toBe('AUTH_REQUIRED');
    expect(r0.stopped?.message).toContain('no longer accepts');
    expect(r0.stopped).toMatchObject({ action: 'connect', host: name });
    expect(r0).toMatchObject({ published: 0, notAttempted: 1 });
    invariants(h, r0, name);
    // Until connected again, publishing stops before sending anything.
    await rejects(s.studio.publish({ host: name, credentialIds: [ids[1]!] }), 'AUTH_REQUIRED');
    expect(s.studio.getHost(name)).toMatchObject({ state: 'needs-reconnect', connected: false });
    // Later the job is given a way to ask again: the consent page opens, and publishing goes on.
    let opened = 0;
    const r = await s.studio.publish({ host: name, credentialIds: [ids[1]!, ids[2]!] }, { authorize: async (u) => void (opened++, await clickConsent(u)) });
    expect(opened).toBe(1);
    expect(r).toMatchObject({ published: 2, failed: 0 });
    expect(s.studio.getHost(name).connected).toBe(true);
    invariants(h, r, name);
    // Tokens expire mid-run: refreshed once, nothing asked of the person.
    h.expireAccessTokens();
    const r2 = await s.studio.publish({ host: name, credentialIds: [ids[3]!] }, { authorize: () => void opened++ });
    expect(r2.published).toBe(1);
    expect(opened).toBe(1);
    invariants(h, r2, name);
  });

  it('cancel is pause: the same call resumes, and a credential in flight is not sent twice', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    h.behaviour.delayMs = 400;
    const controller = new AbortController();
    const r1 = await s.studio.publish({ host: name, credentialIds: ids }, { signal: controller.signal, onProgress: (p) => p.done >= 1 && controller.abort() });
    expect(r1.cancelled).toBe(true);
    expect(r1.published).toBe(0); // no read-back after a pause
    invariants(h, r1, name);
    await new Promise((res) => setTimeout(res, 600)); // the host finishes what was in flight
    h.behaviour.delayMs = 0;
    const r2 = await s.studio.publish({ host: name, credentialIds: ids });
    expect(r2).toMatchObject({ published: 4, failed: 0, cancelled: false });
    expect(h.store.ob.credentials).toHaveLength(4);
    expect(h.upserts.filter((u) => u.status === 201)).toHaveLength(4);
    invariants(h, r2, name);
  });

  it('a host that refuses loopback redirects: a clear error naming the native-app rule', async () => {
    const { host: h, name } = await host({ refuseLoopback: true });
    await s.studio.addHost(h.url, { name });
    const e = await rejects(s.studio.connectHost(name, { openUrl: () => undefined }), 'UNSUPPORTED');
    expect(e.message).toContain('RFC 8252');
    expect(e.message).toContain('decisions §8');
    expect(h.clients.size).toBe(0);
  });

  it('declined on the consent page, or a forged callback: nothing connected', async () => {
    const { host: h, name } = await host();
    await s.studio.addHost(h.url, { name });
    const e = await rejects(s.studio.connectHost(name, { openUrl: async (u) => void (await approveOverHttp(u, 'deny')) }), 'CANCELLED');
    expect(e.message).toContain('declined');
    // Cancelled before the wait even began: it ends, and the port is free again.
    const early = await s.studio.beginConnectHost(name);
    const aborted = new AbortController();
    aborted.abort();
    await rejects(early.complete({ signal: aborted.signal }), 'CANCELLED');
    await new Promise((res) => setImmediate(res));
    // A callback with another state is refused and does not end the wait; the real one does.
    const pending = await s.studio.beginConnectHost(name);
    const redirect = new URL(pending.redirectUri);
    const forged = await fetch(`${redirect.href}?code=stolen&state=not-ours`);
    expect(forged.status).toBe(400);
    await approveOverHttp(pending.authorizationUrl);
    const view = await pending.complete();
    expect(view.connected).toBe(true);
    expect(h.liveTokens()).toEqual({ access: 1, refresh: 1 });
    // Connecting again replaces the tokens and hands the old ones back.
    await s.studio.connectHost(name, { openUrl: async (u) => void (await approveOverHttp(u)) });
    expect(h.liveTokens()).toEqual({ access: 1, refresh: 1 });
    expect(h.clients.size).toBe(1);
  });

  it('a host image given as an address is fetched once and kept as a data: URI', async () => {
    const { host: h, name } = await host({ remoteImage: true });
    const view = await s.studio.addHost(h.url, { name });
    expect(view.image).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(h.requests.filter((r) => r.path === '/logo.svg')).toHaveLength(1);
    expect(s.studio.listHosts().find((x) => x.name === name)?.image).toBe(view.image);
  });

  it('scopes narrowed by the host mid-run (403 on upsert): stops with a clear message, nothing reported published', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    h.behaviour.withholdScopes = [`${OB}credential.upsert`];
    h.expireAccessTokens(); // the next call refreshes, and the new token lacks upsert
    const r = await s.studio.publish({ host: name, credentialIds: ids.slice(0, 2) });
    expect(r.stopped?.message).toContain('refused to add credentials');
    expect(r.stopped).toMatchObject({ action: 'connect', host: name });
    expect(r.stopped?.message).not.toContain('laurel host');
    expect(r.items[0]).toMatchObject({ outcome: 'failed', httpStatus: 403 });
    expect(r.items[1]).toMatchObject({ outcome: 'not-attempted' });
    expect(h.store.ob.credentials).toHaveLength(0);
    invariants(h, r, name);
    // Now the stored grant says so too: the next run stops before sending anything.
    const e = await rejects(s.studio.publish({ host: name, credentialIds: ids.slice(0, 2) }), 'UNSUPPORTED');
    expect(e.message).toContain('did not grant Laurel Studio permission to add');
  });

  it('discovery is kept while fresh and revalidated with If-None-Match when stale', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    const discovery = () => h.requests.filter((q) => q.path.endsWith('/discovery'));
    const before = discovery().length;
    await s.studio.publish({ host: name, credentialIds: [ids[0]!] });
    expect(discovery().length).toBe(before); // fresh (Cache-Control max-age=300): not asked again
    const row = s.studio.db.prepare('SELECT discovery_json FROM hosts WHERE name = ?').get(name) as { discovery_json: string };
    const d = JSON.parse(row.discovery_json) as Record<string, { freshUntil: string; etag: string } | null>;
    for (const api of ['ob', 'clr']) d[api]!.freshUntil = new Date(Date.now() - 1000).toISOString();
    s.studio.db.prepare('UPDATE hosts SET discovery_json = ? WHERE name = ?').run(JSON.stringify(d), name);
    await s.studio.publish({ host: name, credentialIds: [ids[1]!] });
    expect(discovery().slice(before).map((q) => q.status)).toEqual([304, 304]);
    const after = JSON.parse((s.studio.db.prepare('SELECT discovery_json FROM hosts WHERE name = ?').get(name) as { discovery_json: string }).discovery_json) as typeof d;
    expect(Date.parse(after.ob!.freshUntil)).toBeGreaterThan(Date.now() + 200_000);
    expect(after.ob!.etag).toBe(d.ob!.etag);
  });

  it('one run per host at a time: a second one while the first is sending is refused', async () => {
    const { host: h, name } = await host();
    await connected(s, h.url, name);
    h.behaviour.delayMs = 300;
    const first = s.studio.publish({ host: name, credentialIds: ids.slice(0, 2) });
    const e = await rejects(s.studio.publish({ host: name, credentialIds: ids.slice(0, 2) }), 'CONFLICT');
    expect(e.message).toContain('already publishing');
    expect((await first).published).toBe(2);
    h.behaviour.delayMs = 0;
    expect((await s.studio.publish({ host: name, credentialIds: ids.slice(0, 2) })).alreadyPublished).toBe(2);
    invariants(h, null, name);
  });
});
