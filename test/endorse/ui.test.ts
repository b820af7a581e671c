/// <reference lib="dom" />
/**
 * The Endorse screen and Verify's "Upgrade to OB 3.0" in Chromium through the web shell: drop
 * another school's badge, see it verified, write a Markdown comment (the preview strips what
 * could run), sign and download an endorsement that verifies; attach a received one; upgrade an
 * OB 2.0 badge dropped on Verify. axe-core and screenshots in light and dark.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDataIntegrity, type JsonObject } from '../../core/proof/index.ts';
import { describeVerdict, verifyCredential } from '../../core/verify/index.ts';
import { chunk, insertBeforeIend, itxtData, makePng } from '../bake/helpers.ts';
import { checkScreen, dropFile, startHarness, watchConsole, type Harness } from '../e2e/helpers.ts';
import { badge, makeIssuer, OB, VC2 } from '../verify/helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('endorse');
}, 180_000);
afterAll(async () => {
  await h?.close();
});

describe('Endorse screen', () => {
  it('endorse a dropped badge, attach a received endorsement, upgrade an OB 2.0 badge from Verify', async () => {
    const studio = h.shell.studio;
    const ours = (await studio.createIssuer({ name: 'Guild of Assessors' })).id;
    await studio.issueCredential({ issuer: ours, achievement: { id: 'https://guild.example/achievements/assessor', name: 'Certified Assessor', description: 'Assesses practical skills fairly.', criteria: { narrative: 'Passed the assessor course.' } }, recipient: 'ana@example.org' });
    const school = makeIssuer('Ed25519', { kind: 'did:key' }, 'North School');
    const foreign = await signDataIntegrity(badge(school), school.signer);

    const context = await h.context('light');
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(h.shell.url);
    await page.locator('[data-nav="endorse"]').click();
    await page.getByTestId('endorse-drop').waitFor();
    await checkScreen(page, 'endorse-empty');

    await dropFile(page, 'endorse-drop', 'north-teamwork.json', Buffer.from(JSON.stringify(foreign)), 'application/json');
    await page.getByTestId('endorse-form').waitFor();
    expect(await page.getByTestId('endorse-target').textContent()).toBe('Teamwork Badge');
    expect(await page.getByTestId('verify-report').getAttribute('data-verdict')).toBe('valid');
    await page.getByTestId('endorse-comment').fill('North School assesses **teamwork** by *peer review*.\n\n- rubric published\n- [evidence](javascript:alert(1))\n\n<img src=x onerror="window.__x=1">');
    await page.getByTestId('endorse-preview').locator('strong').waitFor();
    expect(await page.getByTestId('endorse-preview').locator('a').first().getAttribute('href')).toBeNull();
    expect(await page.getByTestId('endorse-preview').locator('[onerror]').count()).toBe(0);
    await checkScreen(page, 'endorse-write');

    await page.getByTestId('endorse-sign').click();
    await page.getByTestId('endorse-done').waitFor();
    const download = page.waitForEvent('download');
    await page.getByTestId('download-endorsement').click();
    const file = readFileSync((await (await download).path())!);
    const e = JSON.parse(file.toString('utf8')) as JsonObject;
    expect(e.credentialSubject).toMatchObject({ id: foreign.id, type: ['EndorsementSubject'] });
    expect(describeVerdict(await verifyCredential(file))).toBe('valid');
    await checkScreen(page, 'endorse-signed');

    // A received endorsement of our achievement.
    const board = makeIssuer('Ed25519', { kind: 'did:key' }, 'Board of Examiners');
    const received = await signDataIntegrity(
      { '@context': [VC2, OB], id: 'urn:uuid:4a1f0d1e-2b3c-4d5e-8f90-a1b2c3d4e5f6', type: ['VerifiableCredential', 'EndorsementCredential'], name: 'Board endorsement', issuer: { id: board.id, type: ['Profile'], name: 'Board of Examiners' }, validFrom: '2026-02-01T00:00:00Z', credentialSubject: { id: 'https://guild.example/achievements/assessor', type: ['EndorsementSubject'], endorsementComment: 'Meets the **national standard** for assessors.' } },
      board.signer,
    );
    await page.getByTestId('tab-received').click();
    await page.getByTestId('attach-drop').waitFor();
    await dropFile(page, 'attach-drop', 'board.json', Buffer.from(JSON.stringify(received)), 'application/json');
    await page.getByTestId('received-list').waitFor();
    expect(await page.getByTestId('received-list').textContent()).toContain('Board of Examiners');
    await checkScreen(page, 'endorse-received');
    expect(studio.listReceivedEndorsements().map((r) => r.endorsementId)).toEqual([received.id]);

    // An OB 2.0 badge dropped on Verify offers the upgrade.
    const ob2 = {
      '@context': 'https://w3id.org/openbadges/v2',
      type: 'Assertion',
      id: 'https://example.org/beths-robotics-badge.json',
      recipient: { type: 'email', hashed: false, identity: 'beth@example.org' },
      issuedOn: '2016-12-31T23:59:59Z',
      verification: { type: 'hosted' },
      badge: { type: 'BadgeClass', id: 'https://example.org/robotics-badge.json', name: 'Awesome Robotics Badge', description: 'For doing awesome things with robots.', criteria: 'https://example.org/robotics-badge.html', issuer: { type: 'Issuer', id: 'https://example.org/organization.json', name: 'An Example Badge Issuer' } },
    };
    // Dropped on Endorse first: refused (nothing to verify), with the way to upgrade it.
    await page.getByTestId('tab-give').click();
    await page.getByTestId('endorse-done').getByRole('button', { name: 'Endorse something else' }).click();
    await page.getByTestId('endorse-drop').waitFor();
    await dropFile(page, 'endorse-drop', 'robotics.png', insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadges', JSON.stringify(ob2)))), 'image/png');
    await page.getByTestId('endorse-error').waitFor();
    expect(await page.getByTestId('endorse-error').textContent()).toMatch(/Refusing to endorse: this is an Open Badges 2\.0 badge/);
    await checkScreen(page, 'endorse-refused');
    await page.getByTestId('endorse-upgrade-first').click();
    await page.getByTestId('upgrade-badge').waitFor();
    // Verify reads it as the older format it is, with the upgrade beside it: not as a failure.
    expect(await page.getByTestId('verify-report').getAttribute('data-verdict')).toBe('older');
    expect(await page.getByTestId('verdict').textContent()).toBe('An Open Badges 2.0 badge — upgrade it to 3.0');
    expect(await page.locator('[data-check="parse"] .word').textContent()).toBe('Open Badges 2.0');
    expect(await page.getByTestId('verify-report').textContent()).not.toContain('laurel upgrade');
    await checkScreen(page, 'verify-ob2');
    await page.getByTestId('upgrade-go').click();
    await page.getByTestId('upgrade-error').waitFor();
    expect(await page.getByTestId('upgrade-error').textContent()).toMatch(/could not be checked: a hosted badge is checked against the copy/);
    await page.getByLabel('Re-issue even if it cannot be checked, on my own authority').check();
    await page.getByTestId('upgrade-go').click();
    await page.getByTestId('upgrade-badge').getByRole('status').waitFor();
    await checkScreen(page, 'verify-ob2-upgraded');
    const upgraded = studio.db.prepare("SELECT body FROM credentials c JOIN ob2_upgrades u ON u.credential_rowid = c.rowid_pk").all() as Array<{ body: Buffer }>;
    expect(upgraded).toHaveLength(1);
    expect(describeVerdict(await verifyCredential(upgraded[0]!.body))).toBe('valid');

    expect(await page.evaluate('window.__x')).toBeUndefined();
    // The two refusals above (endorsing an OB 2.0 badge; upgrading it offline unchecked) answer HTTP 400, which Chromium logs.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    expect(problems.filter((p) => p.includes('status of 400'))).toHaveLength(2);
    await context.close();
  }, 120_000);
});
