/**
 * Revoked and suspended credentials are never sent to a host: a host shows what it holds as
 * current. Asked by id, nothing is sent; in a batch they are left out and counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/server.ts';
import { KEYRING, closeChromium, connected, publishStudio, rejects, signedBatch, type PublishStudio } from './helpers.ts';

let s: PublishStudio;
let h: TestHost;

beforeAll(async () => {
  s = await publishStudio('publish-withdrawn');
  s.studio.setStatusListUrl(s.issuerId, 'https://acme.example/status');
  h = await startTestHost({ name: 'Plain Wallet' });
});

afterAll(async () => {
  s?.studio.close();
  await h?.close();
  await closeChromium();
});

describe.runIf(KEYRING)('withdrawn credentials', () => {
  it('a revoked credential asked for by id is refused and nothing is sent; a batch leaves them out', async () => {
    const { batchId, ids } = await signedBatch(s, 4);
    s.studio.revoke(ids[0]!, 'issued in error');
    s.studio.revoke(ids[1]!);
    await connected(s, h.url, 'plain');

    const e = await rejects(s.studio.publish({ host: 'plain', credentialIds: [ids[0]!, ids[2]!] }), 'INVALID_INPUT');
    expect(e.message).toContain(`${ids[0]} (revoked)`);
    expect(h.upserts).toEqual([]);

    const r = await s.studio.publish({ host: 'plain', batchId });
    expect(r).toMatchObject({ total: 2, published: 2, withheld: 2, failed: 0 });
    const held = h.store.ob.credentials.map((c) => c.credential.id as string).sort();
    expect(held).toEqual([ids[2]!, ids[3]!].sort());
  });
});
