/// <reference lib="dom" />
/**
 * The studio in Chromium, through the web shell: first run → issuer → issue one → download →
 * verify it by dropping the file; a hostile credential whose content carries script; the token.
 * Every screen gets an axe-core check and a screenshot in light and dark (docs/screenshots/).
 */
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDataIntegrity } from '../../core/proof/index.ts';
import { encodeBitstring, newBitstring, setBit } from '../../core/status/index.ts';
import { badge, makeIssuer, VC2 } from '../verify/helpers.ts';
import { checkScreen, dropFile, startHarness, watchConsole, type Harness } from './helpers.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('studio');
}, 120_000);

afterAll(async () => {
  await h?.close();
});



/** The workspace's issuer (made by the first test; made here when a test runs alone). */
async function anIssuer(): Promise<string> {
  const existing = h.shell.studio.listIssuers()[0];
  if (existing) return existing.id;
  return (await h.shell.studio.createIssuer({ name: 'Acme Training' })).id;
}

const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#2b4c9b"/><path d="M19 47 32 17l13 30M24 37h16" fill="none" stroke="#fff" stroke-width="6" stroke-linecap="round" stroke-linejoin="round"/></svg>';

describe('the studio in a browser', () => {
  it('first run → issuer → issue one → download → drop it on Verify → valid', async () => {
    const context = await h.context('light');
    const page = await context.newPage();
    const problems = watchConsole(page);
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(h.shell.origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) outside.push(r.url());
    });

    await page.goto(h.shell.url);
    // The token left the address bar as soon as the page read it.
    await page.getByTestId('setup-workspace').waitFor();
    expect(page.url()).not.toContain('token');
    await expect.poll(() => page.getByTestId('workspace-path').textContent()).toContain(h.shell.studio.workspaceDir);
    await checkScreen(page, 'first-run-workspace');

    await page.getByRole('button', { name: 'Use this workspace' }).click();
    await page.getByTestId('setup-issuer').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Acme Training');
    await page.locator('#issuer-url').fill('https://acme.example');
    await page.locator('#issuer-email').fill('badges@acme.example');
    // The logo goes through the shell's file picker (a hidden file input in the browser).
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('issuer-image-drop').getByRole('button', { name: 'Choose a file…' }).click();
    await (await chooser).setFiles({ name: 'acme-logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(LOGO_SVG) });
    await page.getByTestId('issuer-image-preview').waitFor();
    await checkScreen(page, 'first-run-issuer');

    await page.getByRole('button', { name: 'Create issuer' }).click();
    await page.getByTestId('setup-done').waitFor();
    const issuerId = (await page.getByTestId('issuer-id').textContent())!.trim();
    expect(issuerId).toMatch(/^did:key:z6Mk/);
    await expect.poll(() => page.getByTestId('setup-done').textContent()).toContain('the encrypted key file');

    // The encrypted key backup downloads as a file.
    await page.getByLabel('Backup passphrase').fill('correct horse battery staple');
    await page.getByLabel('Repeat it').fill('correct horse battery staple');
    const backupDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download encrypted backup' }).click();
    const backup = await backupDownload;
    expect(backup.suggestedFilename()).toMatch(/^laurel-keys-\d{4}-\d{2}-\d{2}\.laurel$/);
    const backupBytes = readFileSync((await backup.path())!);
    expect(backupBytes.length).toBeGreaterThan(100);
    await page.getByTestId('backup-saved').waitFor();
    await checkScreen(page, 'first-run-key-backup');

    // Issue to one person.
    await page.getByTestId('start-issuing').click();
    await page.getByTestId('issue-form').waitFor();
    await page.getByRole('button', { name: 'Start from an example' }).click();
    await page.getByLabel('Recipient').fill('jane@example.org');
    await page.getByLabel("Learner's name").fill('Jane Doe');
    await expect.poll(() => page.getByTestId('card-name').textContent()).toBe('Intro to SQL');
    await checkScreen(page, 'issue-one');

    await page.getByTestId('sign').click();
    await page.getByTestId('issue-done').waitFor();
    const credentialDownload = page.waitForEvent('download');
    await page.getByTestId('download-credential').click();
    const download = await credentialDownload;
    expect(download.suggestedFilename()).toBe('jane-doe-intro-to-sql.json');
    const signed = readFileSync((await download.path())!);
    const credential = JSON.parse(signed.toString('utf8')) as { issuer: { id: string; image?: { id: string } }; proof: { cryptosuite: string } | { cryptosuite: string }[] };
    expect(credential.issuer.id).toBe(issuerId);
    expect([credential.proof].flat()[0]!.cryptosuite).toBe('eddsa-rdfc-2022');
    expect(credential.issuer.image?.id).toMatch(/^data:image\/svg\+xml;base64,/);
    await checkScreen(page, 'issue-signed');

    // Verify: drop the downloaded file.
    await page.locator('[data-nav="verify"]').click();
    await page.getByTestId('verify-drop').waitFor();
    await checkScreen(page, 'verify-empty');
    await dropFile(page, 'verify-drop', 'jane-doe-intro-to-sql.json', signed, 'application/json');
    const report = page.getByTestId('verify-report');
    await report.waitFor();
    expect(await report.getAttribute('data-verdict')).toBe('valid');
    expect(await page.getByTestId('verdict').textContent()).toBe('Valid credential');
    expect(await page.locator('[data-check="proof"]').getAttribute('data-status')).toBe('passed');
    expect(await page.getByTestId('card-name').textContent()).toBe('Intro to SQL');
    await checkScreen(page, 'verify-valid');

    // The other screens are reachable by keyboard (main-job.test.ts shoots them filled in).
    for (const [nav, shot] of [
      ['credentials', 'credentials-first'],
      ['achievements', 'achievements-none'],
      ['settings', 'settings-start'],
    ] as const) {
      await page.locator(`[data-nav="${nav}"]`).focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#page-title').evaluate((el) => el === document.activeElement)).toBe(true);
      await checkScreen(page, shot);
    }
    expect(await page.getByTestId('settings-workspace').textContent()).toBe(h.shell.studio.workspaceDir);

    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
    await context.close();
  }, 90_000);

  it('shows an expired credential as expired, not as forged', async () => {
    const issued = await h.shell.studio.issueCredential({
      issuer: await anIssuer(),
      achievement: { id: 'https://acme.example/achievements/first-aid', type: ['Achievement'], name: 'First Aid Level 1', description: 'Basic first aid, renewed every two years.', criteria: { narrative: 'Completed the one-day course and the practical assessment.' }, achievementType: 'Certificate' },
      recipient: 'sam@example.org',
      name: 'Sam Lee',
      validFrom: '2023-01-10T09:00:00Z',
      validUntil: '2025-01-10T09:00:00Z',
    });
    const context = await h.context('light');
    const page = await context.newPage();
    await page.goto(h.shell.url);
    await page.locator('[data-nav="verify"]:not([disabled])').click();
    await dropFile(page, 'verify-drop', 'sam.json', Buffer.from(issued.body), 'application/json');
    await page.getByTestId('verify-report').waitFor();
    expect(await page.getByTestId('verify-report').getAttribute('data-verdict')).toBe('expired');
    expect(await page.locator('[data-check="valid-until"]').getAttribute('data-status')).toBe('failed');
    expect(await page.locator('[data-check="proof"]').getAttribute('data-status')).toBe('passed');
    await checkScreen(page, 'verify-expired');
    await context.close();
  }, 60_000);

  it('shows a credential suspended by a status list file as suspended, and without the list as could not check', async () => {
    // Another issuer's credential with a suspension entry, and its signed list with that bit set.
    const issuer = makeIssuer('Ed25519', { kind: 'did:key' }, 'Riverside Library');
    const LIST = 'https://riverside.example/status/suspension-1.json';
    const bits = newBitstring();
    setBit(bits, 9, true);
    const list = await signDataIntegrity(
      { '@context': [VC2], id: LIST, type: ['VerifiableCredential', 'BitstringStatusListCredential'], issuer: issuer.id, validFrom: '2026-01-01T00:00:00Z', credentialSubject: { id: `${LIST}#list`, type: 'BitstringStatusList', statusPurpose: 'suspension', encodedList: encodeBitstring(bits) } },
      issuer.signer,
    );
    const credential = await signDataIntegrity(
      badge(issuer, { credentialStatus: { id: `${LIST}#9`, type: 'BitstringStatusListEntry', statusPurpose: 'suspension', statusListIndex: '9', statusListCredential: LIST } }),
      issuer.signer,
    );
    const context = await h.context('light');
    const page = await context.newPage();
    await page.goto(h.shell.url);
    await page.locator('[data-nav="verify"]:not([disabled])').click();
    // Offline and without the list: the status could not be checked; nothing failed.
    await dropFile(page, 'verify-drop', 'reader.json', Buffer.from(JSON.stringify(credential)), 'application/json');
    await page.getByTestId('verify-report').waitFor();
    expect(await page.getByTestId('verify-report').getAttribute('data-verdict')).toBe('unknown');
    expect(await page.locator('[data-check="status"]').getAttribute('data-status')).toBe('unknown');
    expect(await page.locator('[data-check="proof"]').getAttribute('data-status')).toBe('passed');
    // With the published list added as a file: suspended, said as such (not "not valid").
    await page.getByTestId('status-options').locator('summary').click();
    await dropFile(page, 'status-list-drop', 'suspension-1.json', Buffer.from(JSON.stringify(list)), 'application/json');
    await page.getByRole('button', { name: 'Check again with these' }).click();
    await expect.poll(() => page.getByTestId('verify-report').getAttribute('data-verdict')).toBe('suspended');
    expect(await page.getByTestId('verdict').textContent()).toBe('Suspended');
    expect(await page.locator('[data-check="status"]').getAttribute('data-status')).toBe('failed');
    expect(await page.getByTestId('status-source').textContent()).toContain('1 list file you added');
    await checkScreen(page, 'verify-suspended');
    await context.close();
  }, 60_000);

  it('never runs script from a credential: fields, Markdown, links and an SVG image', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="window.__pwned=\'svg-onload\';alert(1)"><script>window.__pwned="svg-script";alert(2)</script><rect width="10" height="10" fill="#888"/></svg>';
    const issued = await h.shell.studio.issueCredential({
      issuer: await anIssuer(),
      achievement: {
        id: 'https://acme.example/achievements/hostile',
        type: ['Achievement'],
        name: '<script>window.__pwned="name";alert("name")</script><img src=x onerror="window.__pwned=\'name-img\'">Hostile badge',
        description: '<img src=x onerror="window.__pwned=\'description\'"> <a href="javascript:window.__pwned=\'desc-link\'">a link</a>',
        criteria: {
          narrative: [
            '[click me](javascript:window.__pwned="md-link")',
            '<script>window.__pwned="md-script"</script>',
            '<img src="x" onerror="window.__pwned=\'md-img\'">',
            '<a href="javascript:window.__pwned=\'raw-link\'" id="raw-link">raw link</a>',
            '<iframe src="javascript:window.__pwned=\'iframe\'"></iframe>',
            '<svg><script>window.__pwned="inline-svg"</script></svg>',
            '<form action="https://evil.example/"><button>go</button></form>',
            '![remote](https://evil.example/track.png)',
            '<style>body{display:none}</style>',
            '[a fine link](https://example.org/criteria)',
          ].join('\n\n'),
        },
        image: { id: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`, type: 'Image' },
      },
      recipient: 'mallory@example.org',
      name: '<img src=x onerror="window.__pwned=\'learner\'">Mallory',
    });

    const context = await h.context('light');
    const page = await context.newPage();
    // Anything that would run gets caught: dialogs, alert/confirm/prompt, CSP violations.
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(h.shell.origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) outside.push(r.url());
    });
    await page.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      w.__violations = [];
      for (const fn of ['alert', 'confirm', 'prompt'] as const) {
        w[fn] = () => {
          w.__pwned = `${fn} called`;
        };
      }
      document.addEventListener('securitypolicyviolation', (e) => (w.__violations as string[]).push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample} ${(e.target as Element)?.outerHTML?.slice(0, 200)}`));
    });
    await page.goto(h.shell.url);
    await page.locator('[data-nav="verify"]:not([disabled])').click();
    await dropFile(page, 'verify-drop', 'hostile.json', Buffer.from(issued.body), 'application/json');
    await page.getByTestId('verify-report').waitFor();
    expect(await page.getByTestId('verify-report').getAttribute('data-verdict')).toBe('valid');

    // The name is shown as the text it is.
    expect(await page.getByTestId('card-name').textContent()).toContain('<script>window.__pwned="name"');
    expect(await page.getByTestId('card-description').textContent()).toContain('onerror=');
    // Markdown kept its harmless parts only.
    const criteria = page.getByTestId('card-criteria');
    expect(await criteria.locator('script, iframe, img, svg, form, style').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    const fine = criteria.getByRole('link', { name: 'a fine link' });
    expect(await fine.getAttribute('href')).toBe('https://example.org/criteria');
    expect(await fine.getAttribute('rel')).toBe('noopener noreferrer');
    await criteria.getByText('click me').click();
    await criteria.getByText('raw link').click();
    // The SVG image is shown only inside <img>, where its script cannot run.
    expect(await page.getByTestId('credential-card').locator('img').first().getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    // The only scripts in the page are the studio's own bundle.
    const scripts = await page.evaluate(() => [...document.scripts].map((s) => s.src));
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(new RegExp(`^${h.shell.origin}/assets/index-[\\w-]+\\.js$`));

    await page.waitForTimeout(300); // give any onerror/onload a chance to fire
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(outside).toEqual([]);
    await checkScreen(page, 'verify-hostile');
    await context.close();
  }, 60_000);

  it('refuses a page without the token, and API calls without it', async () => {
    const context = await h.context('light');
    const page = await context.newPage();
    await page.goto(h.shell.origin + '/');
    await page.getByRole('heading', { name: 'Open the studio from its address' }).waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/workspaceInfo', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
    expect(status).toBe(401);
    const wrong = await page.evaluate(
      async () => (await fetch('/api/workspaceInfo', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer not-the-token-at-all-123456' }, body: '{}' })).status,
    );
    expect(wrong).toBe(401);
    await context.close();
  }, 30_000);
});
