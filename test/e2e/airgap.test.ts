/// <reference lib="dom" />
/**
 * The officer's screens in Chromium through the web shell, whose workspace is the air-gapped
 * signer: a request made by a preparer workspace (in this process) is dropped on the Signing
 * requests screen, reviewed (fingerprint, issuer and key, recipients searched, warnings),
 * approved (the signed bundle downloads) and imported by the preparer, where every credential
 * verifies with verifier-core. A changed request is refused with what differs; another is
 * rejected. axe and screenshots light and dark on each step.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Studio } from '../../core/api/index.ts';
import { fingerprint, type SigningRequest } from '../../core/airgap/index.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { ACHIEVEMENT, PASSPHRASE, TEST_SCRYPT } from '../issue/helpers.ts';
import { checkScreen, dropFile, startHarness, watchConsole, type Harness } from './helpers.ts';

let h: Harness;
let preparer: Studio;
let issuerId: string;

const NAMES = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth', 'Frances Allen', 'Ken Thompson', 'Margaret Hamilton', 'John Backus', 'Radia Perlman', 'Tony Hoare', 'Leslie Lamport', 'Shafi Goldwasser'];
const rosterOf = (names: string[]) => Buffer.from(['Name,Email', ...names.map((n) => `${n},${n.toLowerCase().replace(/[^a-z]+/g, '.')}@example.org`)].join('\n') + '\n');

beforeAll(async () => {
  h = await startHarness('airgap');
  const signer = h.shell.studio;
  signer.setAirGapped(true);
  issuerId = (await signer.createIssuer({ name: 'Northwind University', url: 'https://northwind.example' })).id;
  preparer = Studio.open({ workspace: path.join(h.scratch, 'preparer'), keystore: `file:${path.join(h.scratch, 'preparer.laurel')}`, passphrase: PASSPHRASE, scrypt: TEST_SCRYPT, face: 'test' });
  preparer.importIssuer(signer.exportIssuer(issuerId).bytes);
}, 120_000);

afterAll(async () => {
  preparer?.close();
  await h?.close();
});

/** Scrolls the review to the top of the window, as the officer reads it. */
async function toReview(page: Page): Promise<void> {
  await page.getByTestId('review').evaluate((el) => el.scrollIntoView({ block: 'start' }));
}

describe("the officer's review and approval", () => {
  it('review → search → approve → the bundle imports on the preparer and every credential verifies', { timeout: 90_000 }, async () => {
    const made = await preparer.createSigningRequest({ issuer: issuerId, roster: { bytes: rosterOf(NAMES), name: 'graduates-2026.csv' }, achievement: { json: { ...ACHIEVEMENT, name: 'BSc Computer Science' } }, formats: ['json', 'png'] });
    const context = await h.context('light');
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(h.shell.url);
    await page.locator('[data-nav="requests"]').click();
    await page.getByRole('heading', { name: 'Signing requests', level: 1 }).waitFor();
    // An air-gapped workspace opens on the officer's side.
    expect(await page.getByTestId('tab-signer').getAttribute('aria-selected')).toBe('true');
    await checkScreen(page, 'requests-empty');

    await dropFile(page, 'request-drop', 'request.json', made.bytes, 'application/json');
    await page.getByTestId('review').waitFor();
    expect(await page.getByTestId('fingerprint').textContent()).toContain(fingerprint(made.request.digest.value));
    expect(await page.getByTestId('review-count').textContent()).toContain('14');
    await expect.poll(() => page.getByTestId('recipients').locator('tbody tr').count()).toBe(10);
    expect(await page.getByTestId('review').textContent()).toContain('Northwind University');
    await toReview(page);
    await checkScreen(page, 'requests-review');

    // The full list, searchable.
    await page.getByTestId('show-all').click();
    await expect.poll(() => page.getByTestId('recipients').locator('tbody tr').count()).toBe(14);
    await page.getByTestId('recipient-search').fill('hopper');
    await expect.poll(() => page.getByTestId('recipients').locator('tbody tr').count()).toBe(1);
    expect(await page.getByTestId('recipients').textContent()).toContain('grace.hopper@example.org');
    expect(await page.getByTestId('recipients-shown').textContent()).toContain('1 of 14 match');

    // The credential itself, exactly as it will be signed.
    await page.getByText('The first credential, exactly as it will be signed').click();
    expect(JSON.parse((await page.getByTestId('first-credential').textContent()) ?? '')).toEqual(made.request.credentials[0]!.credential);
    await page.getByText('The first credential, exactly as it will be signed').click(); // folded again

    // Approve: signed with the workspace's key, the bundle downloads.
    const download = page.waitForEvent('download');
    await page.getByTestId('approve').click();
    const bundlePath = await (await download).path();
    await page.getByTestId('approved').waitFor();
    expect(await page.getByTestId('review-state').textContent()).toContain('Approved');
    await page.getByTestId('approved').scrollIntoViewIfNeeded();
    await checkScreen(page, 'requests-approved');

    const imported = await preparer.importSignedBundle(readFileSync(bundlePath!), { outDir: path.join(h.scratch, 'export') });
    expect(imported.imported).toBe(14);
    expect(preparer.getBatch(imported.batchId).signing).toBe('imported');
    const bodies = preparer.db.prepare('SELECT body FROM credentials WHERE batch_id = ?').all(imported.batchId) as Array<{ body: Buffer }>;
    expect(bodies).toHaveLength(14);
    for (const b of bodies) expect(dccAccepts(await dccVerify(JSON.parse(b.body.toString('utf8')) as object))).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a changed request is refused with what differs; one with warnings is rejected with a reason', { timeout: 90_000 }, async () => {
    const made = await preparer.createSigningRequest({
      issuer: issuerId,
      roster: { bytes: rosterOf(NAMES.slice(0, 3)), name: 'resit.csv' },
      achievement: { json: { ...ACHIEVEMENT, name: 'BSc Computer Science', description: 'Now with a dissertation.' } },
      formats: ['json'],
      validFrom: '2020-06-01T00:00:00Z',
      validUntil: '2021-06-01T00:00:00Z',
    });
    const context = await h.context('dark');
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(h.shell.url);
    await page.locator('[data-nav="requests"]').click();

    const req = JSON.parse(Buffer.from(made.bytes).toString('utf8')) as SigningRequest;
    req.credentials[1]!.recipient.email = 'mallory@evil.example';
    await dropFile(page, 'request-drop', 'request.json', Buffer.from(JSON.stringify(req, null, 2)), 'application/json');
    await page.getByTestId('review-error').waitFor();
    const refusal = (await page.getByTestId('review-error').textContent()) ?? '';
    expect(refusal).toContain('changed after it was prepared');
    expect(refusal).toContain(`credential ${req.credentials[1]!.credentialId}: its recipient (now Alan Turing <mallory@evil.example>) differs from what was prepared`);
    expect(await page.getByTestId('review').count()).toBe(0);
    await checkScreen(page, 'requests-refused');

    // The genuine file: dates in the past and an achievement changed since the last request.
    await dropFile(page, 'request-drop', 'request.json', made.bytes, 'application/json');
    await page.getByTestId('review-warnings').waitFor();
    const codes = await page.getByTestId('review-warnings').locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-code')));
    expect(codes.sort()).toEqual(['achievement-changed', 'backdated', 'validity-past']);
    await toReview(page);
    await checkScreen(page, 'requests-warnings');
    // Approving a request with warnings needs them acknowledged first.
    expect(await page.getByTestId('approve').isDisabled()).toBe(true);
    await page.getByTestId('warnings-read').check();
    expect(await page.getByTestId('approve').isDisabled()).toBe(false);
    await page.getByTestId('reject').click();
    await page.getByTestId('reject-reason').fill('Dates are from 2020; please prepare again.');
    await page.getByTestId('confirm-reject').click();
    await page.getByTestId('rejected').waitFor();
    expect(await page.getByTestId('rejected').textContent()).toContain('Dates are from 2020');
    expect(h.shell.studio.signingRequests().opened.find((r) => r.requestId === made.request.requestId)?.state).toBe('rejected');
    // The refused file's answer (HTTP 422) is the only thing the browser logs.
    expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    await context.close();
  });

  it("the preparer's side: batches with their signing state", { timeout: 90_000 }, async () => {
    // This workspace prepares too: a request it made waits for its signature.
    const written = await h.shell.studio.createSigningRequest({ issuer: issuerId, roster: { bytes: rosterOf(NAMES.slice(3, 9)), name: 'autumn.csv' }, achievement: { json: { ...ACHIEVEMENT, name: 'Certificate in Databases' } }, formats: ['json', 'png'] });
    const context = await h.context('light');
    const page = await context.newPage();
    await page.goto(h.shell.url);
    await page.locator('[data-nav="requests"]').click();
    await page.getByTestId('tab-preparer').click();
    await page.getByRole('heading', { name: 'Make a signing request' }).waitFor();
    await page.getByTestId('batch-signing').first().waitFor();
    expect(await page.getByTestId('airgap-batches').textContent()).toContain('Awaiting signature');
    await checkScreen(page, 'requests-preparer');
    // The request file again, byte for byte as it was written.
    await page.getByText(/Requests made here/).click();
    const again = page.waitForEvent('download');
    await page.getByTestId('save-request-again').first().click();
    const file = readFileSync((await (await again).path())!);
    expect(Buffer.from(file).equals(Buffer.from(written.bytes))).toBe(true);
    await context.close();
  });
});
