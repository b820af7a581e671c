/**
 * Publishing test helpers: a studio whose host secrets go to the real keychain (npm test runs a
 * private gnome-keyring), an issuer with signed credentials, the test host, and Debian's Chromium
 * (playwright-core) clicking the host's consent page.
 */
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { Studio } from '../../core/api/index.ts';
import { CHROMIUM } from '../e2e/helpers.ts';
import { ACHIEVEMENT, PASSPHRASE, TEST_SCRYPT, roster, scratchDir } from '../issue/helpers.ts';
import { expectLaurelRejection, testService } from '../keys/helpers.ts';

export { ACHIEVEMENT, roster, scratchDir };
export { expectLaurelRejection as rejects };

export const KEYRING = process.env.LAUREL_TEST_KEYRING === '1';

/** A free port on 127.0.0.1 for the loopback redirect (tests run in parallel files). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface PublishStudio {
  dir: string;
  studio: Studio;
  issuerId: string;
  keychainService: string;
  workspaceFile: string;
}

/**
 * Keys in a key file (cheap scrypt), host secrets in the OS keychain under a service of this test.
 * Short retries so the misbehaving-host cases don't wait minutes.
 */
export async function publishStudio(prefix: string, publishing: Record<string, unknown> = {}): Promise<PublishStudio> {
  const dir = scratchDir(prefix);
  const keychainService = testService(prefix);
  const callbackPort = await freePort();
  const studio = Studio.open({
    workspace: path.join(dir, 'ws'),
    keystore: `file:${path.join(dir, 'keys.laurel')}`,
    passphrase: PASSPHRASE,
    scrypt: TEST_SCRYPT,
    face: 'test',
    secrets: 'keychain',
    keychainService,
    publishing: { callbackPort, authorizeTimeoutMs: 30_000, requestTimeoutMs: 5_000, retry: { maxAttempts: 3, maxWaitMs: 3_000, baseDelayMs: 50 }, ...publishing },
  });
  const created = await studio.createIssuer({ name: 'Acme Training', url: 'https://acme.example' });
  return { dir, studio, issuerId: created.id, keychainService, workspaceFile: path.join(dir, 'ws', 'workspace.sqlite') };
}

/** A batch of `n` signed credentials; returns the batch id and the credential ids in order. */
export async function signedBatch(s: PublishStudio, n: number): Promise<{ batchId: string; ids: string[] }> {
  const prepared = await s.studio.prepareBatch({ issuer: s.issuerId, roster: { bytes: roster(n), name: 'class.csv' }, achievement: { json: ACHIEVEMENT }, outDir: path.join(s.dir, `out-${Date.now()}`), formats: ['json'] });
  const summary = await s.studio.runBatch(prepared.batch.id, { progressIntervalMs: 0 });
  expect(summary.state).toBe('completed');
  const ids = (s.studio.db.prepare('SELECT credential_id FROM credentials WHERE batch_id = ? ORDER BY rowid_pk').all(prepared.batch.id) as Array<{ credential_id: string }>).map((r) => r.credential_id);
  expect(ids).toHaveLength(n);
  return { batchId: prepared.batch.id, ids };
}

let browser: Browser | undefined;

export async function launchChromium(): Promise<Browser> {
  if (browser?.isConnected()) return browser;
  if (!existsSync(CHROMIUM)) throw new Error(`The consent-page tests need Chromium at ${CHROMIUM}`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  return browser;
}

export async function closeChromium(): Promise<void> {
  await browser?.close().catch(() => undefined);
  browser = undefined;
}

export interface ConsentSeen {
  clientName: string;
  scopes: string[];
  /** The text of the page the browser ended on (the loopback callback's answer). */
  finalText: string;
  finalUrl: string;
}

/** Opens the consent page in Chromium, checks what it shows, clicks Approve (or Deny). */
export async function clickConsent(url: string, decision: 'approve' | 'deny' = 'approve'): Promise<ConsentSeen> {
  const b = await launchChromium();
  const context = await b.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    const clientName = (await page.locator('#client-name').textContent()) ?? '';
    const scopes = await page.locator('#scopes li').allTextContents();
    await Promise.all([page.waitForURL(/127\.0\.0\.1:\d+\/callback/), page.click(`#${decision}`)]);
    await page.waitForLoadState('load');
    return { clientName, scopes, finalText: (await page.locator('body').textContent()) ?? '', finalUrl: page.url() };
  } finally {
    await context.close();
  }
}

/** Every byte of the workspace files (database, WAL, shared memory), for "no secret here" checks. */
export function workspaceBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const f of ['workspace.sqlite', 'workspace.sqlite-wal', 'workspace.sqlite-shm']) {
    const p = path.join(dir, 'ws', f);
    if (existsSync(p)) parts.push(readFileSync(p));
  }
  expect(parts.length).toBeGreaterThan(0);
  return Buffer.concat(parts);
}

/**
 * Approves the consent page with plain HTTP (what a person's click sends), then follows the
 * redirect to the loopback callback. For the cases where the browser itself is not the subject.
 */
export async function approveOverHttp(url: string, decision: 'approve' | 'deny' = 'approve'): Promise<{ callback: string; status: number; text: string }> {
  const page = await fetch(url);
  const html = await page.text();
  expect(page.status, html).toBe(200);
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1] ?? '';
  const origin = new URL(url).origin;
  const posted = await fetch(`${origin}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request_id: field('request_id'), csrf: field('csrf'), decision }).toString(),
  });
  expect(posted.status).toBe(303);
  const callback = posted.headers.get('location')!;
  const answer = await fetch(callback);
  return { callback, status: answer.status, text: await answer.text() };
}

/** Adds and connects a host (consent approved over HTTP). */
export async function connected(s: PublishStudio, url: string, name: string): Promise<void> {
  await s.studio.addHost(url, { name });
  await s.studio.connectHost(name, { openUrl: async (u) => void (await approveOverHttp(u)) });
}
