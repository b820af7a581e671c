/// <reference lib="dom" />
/**
 * The whole main job in Chromium through the web shell, as a course coordinator would do it:
 * first run → issuer → status list URL → achievement in the designer (a field error, a rubric) →
 * a roster with a bad row → fix it in place → sign (progress to the end) → download a baked PNG
 * → drop it on Verify (valid) → revoke it in Credentials → Verify says revoked (checked against
 * the workspace's own status list, as the screen says). axe on every screen, light and dark, with
 * a screenshot of each.
 */
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRoster, guessMapping, parseRoster } from '../../core/import/index.ts';
import { checkScreen, dropFile, startHarness, watchConsole, type Harness } from './helpers.ts';

let h: Harness;
/** The workspace backup the first test downloads (before anything is issued); the last restores it. */
let workspaceBackup: Buffer | null = null;

beforeAll(async () => {
  h = await startHarness('main-job');
}, 120_000);

afterAll(async () => {
  await h?.close();
});



const BADGE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120"><circle cx="60" cy="60" r="56" fill="#1b6e4b"/><circle cx="60" cy="60" r="44" fill="none" stroke="#e3f2ea" stroke-width="4"/><path d="M38 46h44M38 60h44M38 74h30" stroke="#fff" stroke-width="7" stroke-linecap="round"/></svg>';

// A roster as an LMS exports it, in Windows-1252 (Zoë), with one bad e-mail on line 4.
const ROSTER = Buffer.from(
  ['First name;Last name;E-Mail;Final grade', 'Ana;Silva;ana.silva@example.org;Proficient', 'Zo\xeb;Martin;zoe.martin@example.org;Exemplary', 'Bob;Stone;bob.stone@;Beginning', 'Cara;Diaz;cara.diaz@example.org;Proficient', ''].join('\r\n'),
  'latin1',
);

/** Scrolls the screen back to its title (an action lower down may have scrolled it). */
async function top(page: Page): Promise<void> {
  await page.locator('main').evaluate((m) => m.scrollTo({ top: 0 }));
}

describe('the main job, end to end', () => {
  it('first run → achievement → roster with a bad row → fix → issue → PNG → verify → revoke → revoked', async () => {
    const context = await h.context('light');
    const page = await context.newPage();
    const problems = watchConsole(page);

    // First run: the workspace, an issuer (key in the file key store these tests use).
    await page.goto(h.shell.url);
    await page.getByRole('button', { name: 'Use this workspace' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Northwind College');
    await page.locator('#issuer-url').fill('https://northwind.example');
    await page.getByRole('button', { name: 'Create issuer' }).click();
    await page.getByTestId('setup-done').waitFor();

    // Settings: where the status lists will be hosted, so the batch can be revoked later.
    await page.locator('[data-nav="settings"]').click();
    await page.getByTestId('status-url').fill('https://northwind.example/status');
    await page.getByTestId('save-status-url').click();
    await page.getByText('Credentials signed from now on carry a revocation entry').waitFor();
    await top(page);
    await checkScreen(page, 'settings');
    // A workspace backup downloads a SQLite database (made with SQLite's online backup).
    const backup = page.waitForEvent('download');
    await page.getByTestId('backup-workspace').click();
    const db = readFileSync((await (await backup).path())!);
    workspaceBackup = db;
    expect(db.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    await page.getByTestId('workspace-backup-msg').waitFor();
    await page.getByTestId('workspace-backup').scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-backup');

    // The designer: empty state, then a new achievement.
    await page.locator('[data-nav="achievements"]').click();
    await page.getByRole('heading', { name: 'Design your first achievement' }).waitFor();
    await checkScreen(page, 'achievements-empty');
    await page.getByTestId('new-achievement').click();
    await page.getByTestId('designer').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Databases 101');
    await page.getByLabel('Description').fill('Designs a small relational schema and queries it with SQL: SELECT, JOIN, GROUP BY.');
    await page.getByLabel('Type', { exact: true }).selectOption('Course');
    await page.getByLabel('How to earn it (Markdown)').fill('Passed the **final project** with a grade of *Proficient* or better.\n\n- A normalised schema\n- Five queries that answer the brief\n- [Project brief](https://northwind.example/db101/brief)');
    // A field's message shows once the field is left, before any Save.
    await page.getByLabel('Language').fill('english please');
    await page.keyboard.press('Tab');
    await expect.poll(() => page.locator('#a-lang-msg').textContent()).toContain('is not a language code');
    expect(await page.locator('#a-lang').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Language').fill('en');
    await expect.poll(() => page.locator('#a-lang').getAttribute('aria-invalid')).toBe('false');
    // A bad alignment URL is said at its field once Save is pressed.
    await page.getByRole('button', { name: 'Add an alignment' }).click();
    await page.getByLabel('Target name').fill('ESCO: use databases');
    await page.getByLabel('Target URL').fill('esco/skill/databases');
    await page.getByTestId('save-achievement').click();
    await expect.poll(() => page.locator('#al-0-url-msg').textContent()).toContain('is not a URI');
    expect(await page.locator('#al-0-url').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Target URL').fill('https://esco.ec.europa.eu/en/skill/use-databases');
    // A rubric for the grade, reordered with the buttons.
    await page.getByRole('button', { name: 'Add a result' }).click();
    await page.locator('#rd-0-name').fill('Final grade');
    expect(await page.getByTestId('rubric-level').count()).toBe(3);
    await page.getByRole('button', { name: 'Add a level' }).click();
    await page.locator('#rd-0-level-3-name').fill('Distinction');
    await page.getByRole('button', { name: 'Move Distinction up' }).click();
    await page.locator('#rd-0-level-2-name').fill('Advanced');
    await page.getByRole('button', { name: 'Move Advanced down' }).click();
    expect(await page.locator('[id^="rd-0-level-"][id$="-name"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['Beginning', 'Proficient', 'Exemplary', 'Advanced']);
    await page.getByRole('button', { name: 'Remove Advanced' }).click();
    await page.getByLabel('Credits').fill('3');
    await page.locator('#a-tags').fill('sql, databases');
    await page.locator('#g-results').scrollIntoViewIfNeeded();
    await checkScreen(page, 'achievement-designer-results');
    // An image over 2 MB is refused at the field; a small SVG is taken, cleaned, and previewed.
    const big = Buffer.alloc(2 * 1024 * 1024 + 1);
    Buffer.from('89504e470d0a1a0a', 'hex').copy(big);
    await dropFile(page, 'achievement-image-drop', 'poster.png', big, 'image/png');
    await expect.poll(() => page.getByTestId('designer').getByRole('alert').first().textContent()).toContain('a badge image may be up to 2 MB');
    expect(await page.getByTestId('achievement-image-preview').count()).toBe(0);
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('achievement-image-drop').getByRole('button', { name: 'Choose a file…' }).click();
    await (await chooser).setFiles({ name: 'db101.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(BADGE_SVG) });
    await page.getByTestId('achievement-image-preview').waitFor();
    await page.getByTestId('criteria-preview-tab').click();
    expect(await page.getByTestId('criteria-preview').locator('strong').textContent()).toBe('final project');
    expect(await page.getByTestId('card-name').textContent()).toBe('Databases 101');
    await top(page);
    await checkScreen(page, 'achievement-designer');
    await page.getByTestId('save-achievement').click();
    await expect.poll(() => page.getByTestId('designer-saved').textContent()).toContain('Saved as version 1');

    // Issue to a roster: not UTF-8 → the encoding is asked for, with the guess chosen.
    await page.locator('[data-nav="issue"]').click();
    await page.getByTestId('tab-roster').click();
    await page.getByTestId('roster-drop').waitFor();
    await checkScreen(page, 'issue-roster-empty');
    // The sample roster uses headings the studio's own guess maps, every one of them.
    const sample = page.waitForEvent('download');
    await page.getByTestId('sample-roster').click();
    const parsed = parseRoster(decodeRoster(readFileSync((await (await sample).path())!)).text);
    const guess = guessMapping(parsed.headers);
    expect(guess.unmapped).toEqual([]);
    expect(Object.keys(guess.mapping).sort()).toEqual(['activityEndDate', 'email', 'evidenceUrl', 'familyName', 'givenName', 'resultValue']);
    expect(parsed.records).toHaveLength(2);
    await dropFile(page, 'roster-drop', 'db101-grades.csv', ROSTER, 'text/csv');
    await page.getByTestId('encoding-needed').waitFor();
    expect(await page.locator('#roster-encoding').inputValue()).toBe('windows-1252');
    await page.getByTestId('use-encoding').click();
    await page.getByTestId('column-mapper').waitFor();
    // The guesses: given + family name, e-mail; the grade column is there to map by hand.
    expect(await page.locator('#map-givenName').inputValue()).toBe('First name');
    expect(await page.locator('#map-email').inputValue()).toBe('E-Mail');
    await page.locator('#map-resultValue').selectOption('Final grade');
    await expect.poll(() => page.getByTestId('roster-summary').textContent()).toContain('3 of 4 rows are ready');
    const bad = page.getByTestId('bad-rows').locator('tr[data-line="4"]');
    expect(await bad.textContent()).toContain("invalid email 'bob.stone@'");
    await checkScreen(page, 'issue-roster-check');
    await bad.scrollIntoViewIfNeeded();
    await checkScreen(page, 'issue-roster-bad-rows');
    // Fix the bad value in place; the roster is checked again.
    await bad.getByTestId('fix-input').fill('bob.stone@example.org');
    await bad.getByTestId('fix-save').click();
    await expect.poll(() => page.getByTestId('roster-summary').textContent()).toContain('4 of 4 rows are ready');
    expect(await page.getByTestId('bad-rows').count()).toBe(0);
    // The preview of one credential before signing: the first learner, with the result.
    await expect.poll(() => page.locator('[aria-label="Preview of the first credential"] [data-testid="card-name"]').textContent()).toBe('Databases 101');
    expect(await page.locator('[aria-label="Preview of the first credential"]').textContent()).toContain('Ana Silva');
    await page.locator('[aria-label="Preview of the first credential"]').scrollIntoViewIfNeeded();
    await checkScreen(page, 'issue-roster-preview');
    // Formats: JSON and PNG (the default), the PNG baked into the plain rosette.
    await page.getByTestId('sign-roster').click();
    await page.getByTestId('batch-progress').or(page.getByTestId('batch-done')).first().waitFor();
    await page.getByTestId('batch-done').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('export-folder').textContent()).toContain('exports');
    await checkScreen(page, 'issue-roster-done');

    // Open the baked PNG: the browser downloads it from the batch's file list.
    const pngDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download Zoë Martin.png' }).click();
    const png = readFileSync((await (await pngDownload).path())!);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');

    // Verify it by dropping it back: valid, checked against the workspace's own list.
    await page.locator('[data-nav="verify"]').click();
    await page.getByTestId('verify-drop').waitFor();
    await dropFile(page, 'verify-drop', 'Zoë Martin.png', png, 'image/png');
    await page.getByTestId('verify-report').waitFor();
    expect(await page.getByTestId('verify-report').getAttribute('data-verdict')).toBe('valid');
    expect(await page.locator('[data-check="status"]').getAttribute('data-status')).toBe('passed');
    expect(await page.getByTestId('status-source').textContent()).toContain("this workspace's own status lists");
    expect(await page.getByTestId('card-name').textContent()).toBe('Databases 101');

    // Credentials: find Zoë, see the detail, revoke (suspend is explained, not offered).
    await page.locator('[data-nav="credentials"]').click();
    await expect.poll(() => page.getByTestId('credential-count').textContent()).toContain('4 credentials');
    await checkScreen(page, 'credentials');
    await page.getByTestId('credential-search').fill('zoë');
    await expect.poll(() => page.getByTestId('credential-count').textContent()).toContain('1 credential match');
    await page.getByTestId('credential-row').first().click();
    await page.getByTestId('credential-detail').waitFor();
    expect(await page.getByTestId('credential-detail').textContent()).toContain('one status entry');
    await checkScreen(page, 'credential-detail');
    await page.getByTestId('revoke').click();
    await page.getByLabel('Reason').fill('Grade entered for the wrong learner');
    await page.getByTestId('confirm-revoke').click();
    await expect.poll(() => page.getByTestId('detail-status').textContent()).toBe('Revoked');
    expect(await page.getByTestId('status-note').textContent()).toContain('https://northwind.example/status');
    // Export again as an SVG badge: baked again from the stored signed bytes.
    await page.locator('#export-format').selectOption('svg');
    const svgDownload = page.waitForEvent('download');
    await page.getByTestId('export-again').click();
    const svg = readFileSync((await (await svgDownload).path())!, 'utf8');
    expect(svg).toContain('<openbadges:credential');
    expect(svg).toContain(await page.getByTestId('credential-detail').locator('dd.mono').first().textContent());
    // Re-issue with the name corrected: a new credential that points at the one it replaces.
    const revokedId = await page.getByTestId('credential-detail').locator('dd.mono').first().textContent();
    await page.getByLabel("Learner's name on the new credential").fill('Zoë Martin-Lopez');
    await page.getByRole('button', { name: 'Re-issue' }).click();
    await expect.poll(() => page.getByTestId('status-note').textContent()).toContain(`replaces ${revokedId}`);
    expect(await page.getByTestId('credential-detail').locator('h2').textContent()).toBe('Zoë Martin-Lopez');
    expect(await page.getByTestId('detail-status').textContent()).toBe('Active');

    // Verify again: revoked.
    await page.locator('[data-nav="verify"]').click();
    await dropFile(page, 'verify-drop', 'Zoë Martin.png', png, 'image/png');
    await page.getByTestId('verify-report').waitFor();
    expect(await page.getByTestId('verify-report').getAttribute('data-verdict')).toBe('revoked');
    expect(await page.getByTestId('verdict').textContent()).toBe('Revoked');
    expect(await page.locator('[data-check="status"]').getAttribute('data-status')).toBe('failed');
    await checkScreen(page, 'verify-revoked');

    // Without the workspace's own lists the status list can only be fetched from the web, which
    // is blocked here: "could not check", not "invalid".
    await page.getByTestId('status-options').locator('summary').click();
    await page.getByTestId('use-workspace-lists').uncheck();
    await page.getByRole('button', { name: 'Check again with these' }).click();
    await expect.poll(() => page.getByTestId('verify-report').getAttribute('data-verdict')).toBe('unknown');
    expect(await page.locator('[data-check="status"]').getAttribute('data-status')).toBe('unknown');
    expect(await page.getByTestId('verdict').textContent()).toBe('Could not be fully checked');
    await checkScreen(page, 'verify-could-not-check');

    // The one error response is the roster's "which encoding?" question (ENCODING_REQUIRED, 422),
    // which the page answers; Chromium logs every 4xx response.
    expect(problems.filter((p) => !p.includes('status of 422'))).toEqual([]);
    expect(problems.length).toBeLessThanOrEqual(1);
    await context.close();
  }, 150_000);

  it('a long roster shows count, rate and time left, and cancel stops it with what was signed kept', async () => {
    const context = await h.context('light');
    const page = await context.newPage();
    await page.goto(h.shell.url);
    // A change to an achievement that has been issued makes a new version; the old one stays.
    await page.locator('[data-nav="achievements"]').click();
    await page.getByTestId('achievement-item').first().waitFor();
    await checkScreen(page, 'achievements');
    await page.getByRole('button', { name: 'Edit Databases 101' }).click();
    await page.getByText('Version 1 has awarded 5 credentials').waitFor();
    await checkScreen(page, 'achievement-edit');
    await page.locator('#a-description').fill('Designs a small relational schema, normalises it, and queries it with SQL.');
    await page.getByTestId('save-achievement').click();
    await expect.poll(() => page.getByTestId('designer-saved').textContent()).toContain('Saved as version 2');
    // One person, from the designed achievement (its newest version), without touching JSON.
    await page.locator('[data-nav="issue"]').click();
    await page.getByTestId('tab-one').click();
    expect(await page.locator('#issue-designed option:checked').textContent()).toBe('Databases 101 (version 2)');
    await page.getByLabel('Recipient').fill('dana.fox@example.org');
    await page.getByLabel("Learner's name").fill('Dana Fox');
    await checkScreen(page, 'issue-one-designed');
    await page.getByRole('button', { name: 'Sign credential' }).click();
    await page.getByTestId('issue-done').waitFor();
    const dana = h.shell.studio.listCredentials({ query: 'dana.fox@' }).rows;
    expect(dana.map((r) => [r.learnerName, r.achievement?.name, r.achievement?.version])).toEqual([['Dana Fox', 'Databases 101', 2]]);
    await page.locator('[data-nav="issue"]').click();
    await page.getByTestId('tab-roster').click();
    expect(await page.locator('#roster-achievement option:checked').textContent()).toBe('Databases 101 (version 2)');
    const rows = ['Name,Email', ...Array.from({ length: 10_000 }, (_, i) => `Learner ${i + 1},learner${i + 1}@example.org`)];
    await dropFile(page, 'roster-drop', 'autumn-cohort.csv', Buffer.from(rows.join('\n')), 'text/csv');
    await expect.poll(() => page.getByTestId('roster-summary').textContent(), { timeout: 30_000 }).toContain('10,000 of 10,000 rows are ready');
    const before = h.shell.studio.credentialFacets().counts.all;
    await page.getByTestId('sign-roster').click();
    await page.getByTestId('batch-progress').waitFor();
    // Counting, with a rate and time left once the first signatures are in.
    await expect.poll(() => page.getByTestId('progress-count').textContent(), { timeout: 30_000 }).not.toMatch(/^0 of/);
    await expect.poll(() => page.getByTestId('batch-progress').textContent(), { timeout: 30_000 }).toMatch(/a second · .*(s left|min)/);
    expect(await page.getByRole('progressbar').getAttribute('aria-valuemax')).toBe('10000');
    await checkScreen(page, 'issue-roster-progress');
    await page.getByTestId('cancel-batch').click();
    await expect.poll(() => page.getByTestId('roster-error').textContent(), { timeout: 30_000 }).toContain('Cancelled');
    const signed = h.shell.studio.credentialFacets().counts.all - before;
    expect(signed).toBeGreaterThan(0);
    expect(signed).toBeLessThan(10_000);
    await context.close();
  }, 120_000);

  it('lists 100,000 credentials with only the rows in view in the page, and finds one by search', async () => {
    // Synthetic catalog rows (the list reads only catalog columns; the name comes from the JSON):
    // signing 100,000 for real is the bench's job, not this test's.
    const db = h.shell.studio.db;
    const issuer = h.shell.studio.listIssuers()[0]!.id;
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
       INSERT INTO credentials (credential_id, issuer_id, recipient, format, body, sha256, created_at, achievement_rowid, learner_name)
       SELECT 'urn:uuid:00000000-0000-4000-8000-' || printf('%012d', i), ?, 'student' || i || '@example.edu', 'json',
              CAST(json_object('credentialSubject', json_object('name', 'Student ' || i)) AS BLOB), '-', '2026-09-01T09:00:00Z',
              (SELECT MAX(rowid_pk) FROM achievements), 'Student ' || i FROM n`,
    ).run(issuer);
    const context = await h.context('light');
    const page = await context.newPage();
    await page.goto(h.shell.url);
    await page.locator('[data-nav="credentials"]').click();
    await expect.poll(() => page.getByTestId('credential-count').textContent()).toMatch(/^10\d,\d{3} credentials/);
    const inPage = () => page.getByTestId('credential-row').count();
    expect(await inPage()).toBeLessThan(60);
    await checkScreen(page, 'credentials-100k');
    // Jump to the end: the oldest rows (the first roster's) are fetched as they come into view,
    // and the page still holds few.
    await page.getByTestId('credential-list').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect.poll(() => page.getByTestId('credential-list').textContent(), { timeout: 15_000 }).toContain('Ana Silva');
    expect(await inPage()).toBeLessThan(60);
    // From the keyboard: Home, then End reaches the last of all rows, Arrow Up the one before.
    await page.getByTestId('credential-row').first().focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-index'))).toBe('0');
    const total = Number(/^[\d,]+/.exec((await page.getByTestId('credential-count').textContent())!)![0].replace(/,/g, ''));
    await page.keyboard.press('End');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-index'))).toBe(String(total - 1));
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-index'))).toBe(String(total - 2));
    expect(await inPage()).toBeLessThan(60);
    await page.getByTestId('credential-search').fill('student77777@');
    await expect.poll(() => page.getByTestId('credential-count').textContent()).toContain('1 credential match');
    expect(await page.getByTestId('credential-row').textContent()).toContain('Student 77777');
    await page.getByTestId('credential-search').fill('');
    await page.getByTestId('credential-status-filter').selectOption('revoked');
    await expect.poll(() => page.getByTestId('credential-count').textContent()).toContain('1 credential match');

    // Restoring the backup taken before anything was issued: the issuer is there, no credential is.
    await page.locator('[data-nav="settings"]').click();
    await dropFile(page, 'workspace-restore-drop', 'workspace-backup.sqlite', workspaceBackup!, 'application/vnd.sqlite3');
    await page.getByLabel('Replace this workspace with the backup').check();
    await page.getByTestId('restore-workspace').click();
    await expect.poll(() => page.getByTestId('workspace-backup-msg').textContent(), { timeout: 30_000 }).toContain('Restored: 1 issuer, 0 credentials');
    await expect.poll(() => page.locator('.ws-meta').textContent()).toBe('1 issuer · 0 signed');
    await page.locator('[data-nav="credentials"]').click();
    await page.getByRole('heading', { name: 'Nothing signed yet' }).waitFor();
    await context.close();
  }, 90_000);
});
