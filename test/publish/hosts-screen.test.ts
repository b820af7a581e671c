/**
 * The Hosts screen through the web shell in Chromium: add a host (its name, image, terms and
 * privacy shown before anything is registered), connect (the consent page opens in a new tab and
 * is approved there), status, publish a batch, disconnect. Screenshots light and dark; axe.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../scripts/ui-build.ts';
import { startWebShell, type WebShell } from '../../web/server.ts';
import { axeSeriousViolations, describeViolations, shoot, watchConsole } from '../e2e/helpers.ts';
import { startTestHost, type TestHost } from '../host/server.ts';
import { PASSPHRASE, TEST_SCRYPT } from '../issue/helpers.ts';
import { testService } from '../keys/helpers.ts';
import { ACHIEVEMENT, KEYRING, closeChromium, freePort, launchChromium, roster } from './helpers.ts';

let shell: WebShell;
let host: TestHost;
let batchTotal = 0;

beforeAll(async () => {
  if (!KEYRING) return;
  await ensureRendererBuilt();
  const dir = mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), 'hosts-screen-'));
  host = await startTestHost({ name: 'Riverbank Wallet' });
  shell = await startWebShell({
    workspace: path.join(dir, 'ws'),
    keystore: `file:${path.join(dir, 'keys.laurel')}`,
    passphrase: PASSPHRASE,
    scrypt: TEST_SCRYPT,
    secrets: 'keychain',
    keychainService: testService('hosts-screen'),
    publishing: { callbackPort: await freePort() },
    log: () => undefined,
  });
  const issuer = await shell.studio.createIssuer({ name: 'Acme Training', url: 'https://acme.example' });
  const prepared = await shell.studio.prepareBatch({ issuer: issuer.id, roster: { bytes: roster(4), name: 'spring.csv' }, achievement: { json: ACHIEVEMENT }, outDir: path.join(dir, 'out'), formats: ['json'] });
  await shell.studio.runBatch(prepared.batch.id, { progressIntervalMs: 0 });
  batchTotal = prepared.batch.total;
}, 120_000);

afterAll(async () => {
  await closeChromium();
  await shell?.close();
  await host?.close();
});

async function open(scheme: 'light' | 'dark'): Promise<{ page: Page; problems: string[] }> {
  const browser = await launchChromium();
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(shell.url);
  await page.click('[data-nav="hosts"]');
  await page.getByRole('heading', { name: 'Hosts', level: 1 }).waitFor();
  return { page, problems };
}

describe.runIf(KEYRING)('Hosts screen', () => {
  it('adds, connects in a new tab, publishes a batch and disconnects', async () => {
    const { page, problems } = await open('light');
    await shoot(page, 'hosts-empty', 'light');

    // ---- add: the host's description, before anything is registered
    await page.fill('[data-testid="host-url"]', host.url);
    await page.click('[data-testid="add-host"]');
    const card = page.locator('[data-testid="host-card"]');
    await card.getByRole('heading', { name: 'Riverbank Wallet' }).waitFor();
    expect(await card.locator('img.host-image').getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(await card.getByRole('link', { name: 'Terms of service' }).getAttribute('href')).toBe(`${host.url}/terms`);
    expect(await card.getByRole('link', { name: 'Privacy policy' }).getAttribute('href')).toBe(`${host.url}/privacy`);
    await card.locator('[data-testid="before-connect"]').waitFor();
    expect(await card.locator('[data-testid="host-status"]').textContent()).toContain('Not connected');
    expect(host.clients.size).toBe(0);
    await shoot(page, 'hosts-added', 'light');

    // ---- connect: the consent page opens in a new tab; approve it there
    const [consent] = await Promise.all([page.context().waitForEvent('page'), page.click('[data-testid="connect-host"]')]);
    await consent.waitForLoadState();
    expect(await consent.locator('#client-name').textContent()).toBe('Laurel Studio');
    await card.locator('[data-testid="connect-waiting"]').waitFor();
    await Promise.all([consent.waitForURL(/\/callback\?/), consent.click('#approve')]);
    expect(await consent.locator('h1').textContent()).toBe('Laurel Studio is connected');
    await consent.close();
    await card.locator('.tag.ok', { hasText: 'Connected' }).waitFor();
    const scopes = await card.locator('[data-testid="host-scopes"] .tag').allTextContents();
    expect(scopes).toEqual(expect.arrayContaining(['add credentials', 'read credentials', 'update the issuer profile', 'stay connected']));
    expect(await card.textContent()).toMatch(/until .*renewed automatically/);

    // ---- publish the batch: pause while it runs (a slow host), then resume
    host.behaviour.delayMs = 600;
    await page.click('[data-testid="publish"]');
    await page.locator('[data-testid="publish-progress"]').waitFor();
    await page.click('[data-testid="pause-publish"]');
    await page.locator('[data-testid="publish-paused"]').waitFor({ timeout: 15_000 });
    expect(host.store.ob.credentials.length).toBeLessThan(batchTotal);
    await shoot(page, 'hosts-paused', 'light');
    host.behaviour.delayMs = 0;
    await page.click('[data-testid="resume-publish"]');
    const summary = page.locator('[data-testid="publish-summary"]');
    await summary.waitFor({ timeout: 20_000 });
    expect(await summary.textContent()).toContain(`${batchTotal} published`);
    expect(host.store.ob.credentials).toHaveLength(batchTotal);
    // Nothing sent twice: one creation per credential.
    expect(host.upserts.filter((u) => u.status === 201)).toHaveLength(batchTotal);
    await card.locator('[data-testid="host-published"]', { hasText: `${batchTotal} credentials confirmed` }).waitFor();

    // ---- the issuer profile
    await page.click('[data-testid="push-profile"]');
    await card.locator('[data-testid="host-message"]', { hasText: 'Issuer profile sent' }).waitFor();
    expect(host.store.ob.profile).toMatchObject({ name: 'Acme Training' });
    await shoot(page, 'hosts-connected', 'light');

    // ---- the Credentials list says where each one is published; Publish… comes back here
    await page.click('[data-nav="credentials"]');
    await page.locator('[data-testid="credential-row"]').first().waitFor();
    await page.locator('[data-testid="published-to"]', { hasText: 'riverbank-wallet' }).first().waitFor();
    expect(await page.locator('[data-testid="published-to"]').allTextContents()).toEqual(Array(batchTotal).fill('riverbank-wallet'));
    await shoot(page, 'credentials-published', 'light');
    await page.locator('[data-testid="credential-row"]').first().click();
    expect(await page.locator('[data-testid="detail-published-to"]').textContent()).toContain('riverbank-wallet');
    await page.click('[data-testid="publish-credential"]');
    await page.getByRole('heading', { name: 'Hosts', level: 1 }).waitFor();
    expect(await page.locator('[data-testid="publish-ids"]').inputValue()).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);

    // ---- the host withdraws the access: the summary says so in the studio's words and offers Connect
    host.revokeAllGrants();
    const fresh = await shell.studio.issueCredential({ issuer: shell.studio.listIssuers()[0]!.id, achievement: ACHIEVEMENT, recipient: 'late@example.org', name: 'Late Learner' });
    await page.fill('[data-testid="publish-ids"]', fresh.credentialId);
    await page.click('[data-testid="publish"]');
    const connectAgain = page.locator('[data-testid="publish-connect"]');
    await connectAgain.waitFor({ timeout: 20_000 });
    const notice = page.locator('.notice', { has: connectAgain });
    expect(await notice.textContent()).toContain('no longer accepts');
    expect(await notice.textContent()).not.toContain('laurel host');
    await card.locator('[data-testid="host-status"]', { hasText: 'Access withdrawn' }).waitFor();
    await notice.scrollIntoViewIfNeeded();
    await shoot(page, 'hosts-access-lost', 'light');
    const [again] = await Promise.all([page.context().waitForEvent('page'), page.click('[data-testid="publish-connect"]')]);
    await again.waitForLoadState();
    await Promise.all([again.waitForURL(/\/callback\?/), again.click('#approve')]);
    await again.close();
    await card.locator('.tag.ok', { hasText: 'Connected' }).waitFor();

    const violations = await axeSeriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);

    // ---- dark, then disconnect
    const dark = await open('dark');
    await dark.page.locator('[data-testid="host-card"] .tag.ok').waitFor();
    await shoot(dark.page, 'hosts-connected', 'dark');
    const darkViolations = await axeSeriousViolations(dark.page);
    expect(darkViolations, describeViolations(darkViolations)).toEqual([]);
    await dark.page.click('[data-testid="disconnect-host"]');
    await dark.page.locator('[data-testid="host-message"]', { hasText: 'revoked' }).waitFor();
    expect(host.liveTokens()).toEqual({ access: 0, refresh: 0 });
    expect(await dark.page.locator('[data-testid="host-status"]').textContent()).toContain('Not connected');
    expect(problems).toEqual([]);
    expect(dark.problems).toEqual([]);
  }, 90_000);

  it('says so when a host grants no permission to add credentials', async () => {
    const stingy = await startTestHost({ name: 'Stingy Wallet', behaviour: { withholdScopes: ['https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert', 'https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.upsert'] } });
    try {
      const { page, problems } = await open('dark');
      await page.fill('[data-testid="host-url"]', stingy.url);
      await page.click('[data-testid="add-host"]');
      const card = page.locator('[data-host="stingy-wallet"]');
      await card.getByRole('heading', { name: 'Stingy Wallet' }).waitFor();
      const [consent] = await Promise.all([page.context().waitForEvent('page'), card.locator('[data-testid="connect-host"]').click()]);
      await consent.waitForLoadState();
      await Promise.all([consent.waitForURL(/\/callback\?/), consent.click('#approve')]);
      await consent.close();
      const message = card.locator('[data-testid="host-message"]');
      await message.waitFor();
      expect(await message.textContent()).toContain('without permission to add credentials');
      expect(await message.textContent()).not.toContain('laurel host');
      expect(await card.locator('[data-testid="host-status"]').textContent()).toContain('Not connected');
      await card.scrollIntoViewIfNeeded();
      await shoot(page, 'hosts-refused', 'dark');
      expect(stingy.liveTokens()).toEqual({ access: 0, refresh: 0 });
      expect(problems).toEqual([]);
    } finally {
      await stingy.close();
    }
  }, 60_000);
});
