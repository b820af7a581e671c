/**
 * End-to-end helpers: the web shell started in this process (file key store, temporary workspace)
 * and Debian's Chromium driven by playwright-core, launched exactly as docs/toolchain says.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Buffer } from 'node:buffer';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { ensureRendererBuilt } from '../../scripts/ui-build.ts';
import { startWebShell, type WebShell } from '../../web/server.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Where screenshots go: docs/screenshots/ (committed) when LAUREL_SCREENSHOTS=docs, as
 * `npm run screenshots` sets it; otherwise the test scratch folder, so an ordinary test run
 * still takes every screenshot but leaves the committed ones alone.
 */
export const SCREENSHOTS =
  process.env.LAUREL_SCREENSHOTS === 'docs' ? path.join(ROOT, 'docs', 'screenshots') : path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';

export interface Harness {
  shell: WebShell;
  browser: Browser;
  scratch: string;
  /** A fresh browser context (own storage, downloads allowed), light or dark. */
  context(colorScheme?: 'light' | 'dark'): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function startHarness(name: string): Promise<Harness> {
  if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Chromium at ${CHROMIUM}: sudo apt-get install chromium fonts-liberation`);
  await ensureRendererBuilt();
  const scratch = mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), `e2e-${name}-`));
  for (const d of ['config', 'cache', 'workspace']) mkdirSync(path.join(scratch, d), { recursive: true });
  const shell = await startWebShell({
    workspace: path.join(scratch, 'workspace'),
    keystore: `file:${path.join(scratch, 'keys.laurel')}`,
    passphrase: 'e2e-key-file-passphrase',
    log: () => undefined,
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    // Playwright gives chromium.launch() a fresh temporary user-data-dir of its own (it refuses a
    // --user-data-dir argument) and deletes it on close.
    env: { ...process.env, XDG_CONFIG_HOME: path.join(scratch, 'config'), XDG_CACHE_HOME: path.join(scratch, 'cache') },
  });
  return {
    shell,
    browser,
    scratch,
    context: (colorScheme = 'light') => browser.newContext({ colorScheme, acceptDownloads: true, viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 }),
    close: async () => {
      await browser.close().catch(() => undefined);
      await shell.close().catch(() => undefined);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Console errors and CSP violations seen by a page (a finished UI logs none). */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

const AXE = readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core in the page. Evaluated through the DevTools protocol, which the page's CSP does
 * not govern, so the strict CSP stays on while we test.
 */
export async function axeSeriousViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe');
  if (loaded === 'undefined') await page.evaluate(AXE);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as { violations: AxeViolation[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function describeViolations(list: AxeViolation[]): string {
  return list.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join('\n  ')}`).join('\n');
}

/** Saves a screenshot of the current screen as <SCREENSHOTS>/<name>-<scheme>.png. */
export async function shoot(page: Page, name: string, scheme: 'light' | 'dark'): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.mouse.move(1, 1); // no hover highlight left over from the last click
  const file = path.join(SCREENSHOTS, `${name}-${scheme}.png`);
  await page.screenshot({ path: file, fullPage: false, animations: 'disabled', caret: 'hide' });
  return file;
}

/** Screenshots in both themes and an axe run in each (contrast differs between them). */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await page.evaluate('document.fonts.ready');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // Colours change with a short transition: measure contrast after it ends.
    // (A transition cut short by the next one rejects its promise with AbortError: that is fine.)
    await page.evaluate('Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined)))');
    const violations = await axeSeriousViolations(page);
    expect(violations, `${name} (${scheme}):\n${describeViolations(violations)}`).toEqual([]);
    await shoot(page, name, scheme);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Drops a file on an element the way a browser does: a DataTransfer holding a File. */
export async function dropFile(page: Page, testId: string, name: string, bytes: Uint8Array, type: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, b64, type }) => {
      const bin = atob(b64);
      const arr = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([arr], name, { type }));
      return dt;
    },
    { name, b64: Buffer.from(bytes).toString('base64'), type },
  );
  const target = page.getByTestId(testId);
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}

/** First run in a fresh workspace: keep the offered workspace, create an issuer, wait for the end. */
export async function firstRun(page: Page, url: string, issuer = { name: 'Northwind College', url: 'https://northwind.example' }): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Use this workspace' }).click();
  await page.getByLabel('Name', { exact: true }).fill(issuer.name);
  await page.locator('#issuer-url').fill(issuer.url);
  await page.getByRole('button', { name: 'Create issuer' }).click();
  await page.getByTestId('setup-done').waitFor();
}
