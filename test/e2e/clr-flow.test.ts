/// <reference lib="dom" />
/**
 * Skill framework → aligned achievement → issue → CLR → verify, in Chromium through the web shell:
 * a CASE package dropped on Frameworks, a competency found with the picker and made a single-skill
 * achievement in one step, issued to a learner, bundled with a credential from another issuer into
 * a CLR with a program and associations (a contradictory one refused by the editor), signed, the
 * association graph drawn, the baked PNG downloaded and verified on Verify. axe and screenshots,
 * light and dark.
 */
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unbake } from '../../core/bake/index.ts';
import { buildAchievementCredential } from '../../core/model/index.ts';
import { signDataIntegrity, type JsonObject } from '../../core/proof/index.ts';
import { makeIssuer } from '../verify/helpers.ts';
import { checkScreen, dropFile, firstRun, startHarness, watchConsole, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('clr-flow');
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const LEARNER = 'ada.lovelace@example.org';
const link = (id: string, title: string) => ({ title, identifier: id, uri: `https://skills.example.org/case/${id}` });
const DOC = '5e0a4c1e-0000-4aaa-8000-000000000001';
const ITEMS = [
  ['5e0a4c1e-0000-4aaa-8000-000000000011', 'DA', 'Data analysis', null],
  ['5e0a4c1e-0000-4aaa-8000-000000000012', 'DA.1', 'Query relational data with SQL', 'DA'],
  ['5e0a4c1e-0000-4aaa-8000-000000000013', 'DA.2', 'Present findings in charts', 'DA'],
] as const;
const CASE = {
  CFDocument: { identifier: DOC, uri: `https://skills.example.org/case/${DOC}`, creator: 'Skills Board', title: 'Data Skills', lastChangeDateTime: '2026-01-05T00:00:00+00:00', CFPackageURI: link(DOC, 'Data Skills') },
  CFItems: ITEMS.map(([id, code, statement]) => ({ identifier: id, uri: `https://skills.example.org/case/${id}`, fullStatement: statement, humanCodingScheme: code, CFItemType: 'Competency', lastChangeDateTime: '2026-01-05T00:00:00+00:00', CFDocumentURI: link(DOC, 'Data Skills') })),
  CFAssociations: ITEMS.map(([id, code, , parent], i) => ({
    identifier: `5e0a4c1e-0000-4aaa-8000-00000000002${i}`,
    associationType: 'isChildOf',
    sequenceNumber: i,
    uri: `https://skills.example.org/case/assoc-${i}`,
    originNodeURI: link(id, code),
    destinationNodeURI: parent ? link(ITEMS[0][0], 'DA') : link(DOC, 'Data Skills'),
    lastChangeDateTime: '2026-01-05T00:00:00+00:00',
  })),
};

async function top(page: Page): Promise<void> {
  await page.locator('main').evaluate((m) => m.scrollTo({ top: 0 }));
}

describe('framework → aligned achievement → issue → CLR → verify', () => {
  it('walks the whole way in the browser', async () => {
    // A credential from another issuer (its own key), issued to the same learner.
    const other = makeIssuer('Ed25519', { kind: 'did:key' }, 'Harbour Bootcamp');
    const theirs = await signDataIntegrity(
      buildAchievementCredential({
        issuer: { id: other.id, name: other.name },
        achievement: { id: 'https://harbour.example/a/dashboards', name: 'Dashboards', description: 'Builds dashboards.', criteria: { narrative: 'Project reviewed.' }, achievementType: 'Badge' },
        subject: { identifier: LEARNER },
      } as never) as unknown as JsonObject,
      other.signer,
    );

    const context = await h.context('light');
    const page = await context.newPage();
    const problems = watchConsole(page);
    await firstRun(page, h.shell.url);

    // Frameworks: empty, then a CASE package dropped in.
    await page.locator('[data-nav="frameworks"]').click();
    await page.getByRole('heading', { name: 'Start a framework' }).waitFor();
    await checkScreen(page, 'frameworks-empty');
    await dropFile(page, 'framework-drop', 'data-skills.json', Buffer.from(JSON.stringify(CASE)), 'application/json');
    await expect.poll(() => page.getByTestId('fw-note').textContent()).toContain('Imported "Data Skills": 3 competencies');
    expect(await page.getByTestId('fw-item').allTextContents()).toEqual([expect.stringContaining('DA'), expect.stringContaining('DA.1'), expect.stringContaining('DA.2')]);
    // Reorder with the buttons: DA.2 up.
    await page.getByRole('button', { name: 'Move DA.2 up' }).click();
    await expect.poll(async () => (await page.getByTestId('fw-item').allTextContents()).map((t) => t.trim().split(/\s/)[0])).toEqual(['DA', 'DA.2', 'DA.1']);
    // Freeze it as version 1.
    await page.getByTestId('save-version').click();
    await expect.poll(() => page.getByTestId('fw-note').textContent()).toContain('Saved as version 1 (3 competencies)');
    await page.getByRole('button', { name: 'Export v1, 3 items' }).waitFor();
    // The picker: search, then a single-skill achievement in one step.
    await page.getByTestId('fw-search').fill('sql');
    await page.getByTestId('fw-hit').first().waitFor();
    expect(await page.getByTestId('fw-hit').count()).toBe(1);
    await checkScreen(page, 'frameworks');
    await page.getByTestId('single-skill').click();
    await expect.poll(() => page.getByTestId('fw-note').textContent()).toContain('Made the single-skill achievement "Query relational data with SQL" (Competency)');

    // The designer has the same picker: a competency becomes an alignment row, filled in.
    await page.locator('[data-nav="achievements"]').click();
    await page.getByTestId('new-achievement').click();
    await page.getByTestId('designer').waitFor();
    await page.getByText('From a skill framework…').click();
    await page.getByTestId('designer-fw-search').fill('charts');
    await page.getByTestId('designer-add-alignment').click();
    expect(await page.locator('#al-0-name').inputValue()).toBe('Present findings in charts');
    expect(await page.locator('#al-0-url').inputValue()).toBe(`https://skills.example.org/case/${ITEMS[2][0]}`);
    await page.getByTestId('designer-fw-search').scrollIntoViewIfNeeded();
    await checkScreen(page, 'achievement-designer-framework');

    // Issue it to the learner.
    await page.locator('[data-nav="issue"]').click();
    await page.getByTestId('tab-one').click();
    await page.getByTestId('issue-designed').selectOption({ label: 'Query relational data with SQL (version 1)' });
    await page.locator('#issue-recipient').fill(LEARNER);
    await page.locator('#issue-name').fill('Ada Lovelace');
    await page.getByTestId('sign').click();
    await page.getByTestId('issue-done').waitFor();

    // The record: their credentials found, one from another issuer added, a program, associations.
    await page.locator('[data-nav="clr"]').click();
    await page.locator('#clr-recipient').fill(LEARNER);
    await page.locator('#clr-learner-name').fill('Ada Lovelace');
    await page.getByTestId('clr-find').click();
    await page.getByText('Credentials from this workspace').waitFor();
    await dropFile(page, 'clr-drop', 'harbour-dashboards.json', Buffer.from(JSON.stringify(theirs)), 'application/json');
    await page.getByText('harbour-dashboards.json').waitFor();
    await top(page);
    await checkScreen(page, 'clr-form');
    await page.locator('#clr-g-name').fill('Data Analyst Certificate');
    await page.locator('#clr-g-desc').fill('The data analyst programme.');
    await page.getByTestId('clr-add-group').click();
    const source = page.locator('#clr-a-source');
    await expect.poll(() => source.locator('option').count()).toBe(4);
    const add = async (s: string, type: string, t: string) => {
      await source.selectOption({ label: s });
      await page.locator('#clr-a-type').selectOption(type);
      await page.locator('#clr-a-target').selectOption({ label: t });
      await page.getByTestId('clr-add-association').click();
    };
    await add('Query relational data with SQL', 'isChildOf', 'Data Analyst Certificate');
    await add('Dashboards', 'isPartOf', 'Data Analyst Certificate');
    await add('Query relational data with SQL', 'precedes', 'Dashboards');
    await expect.poll(() => page.locator('.assocs li').count()).toBe(3);
    // A contradiction is refused, with the reason.
    await add('Data Analyst Certificate', 'isChildOf', 'Query relational data with SQL');
    await expect.poll(() => page.getByTestId('clr-association-error').textContent()).toContain("can't be both a child and the parent");
    expect(await page.locator('.assocs li').count()).toBe(3);
    await page.getByTestId('association-graph').scrollIntoViewIfNeeded();
    await checkScreen(page, 'clr-editor');

    await page.getByTestId('clr-sign').click();
    await page.getByTestId('clr-done').waitFor();
    expect(await page.locator('.bundled li').allTextContents()).toEqual([expect.stringContaining('Query relational data with SQL'), expect.stringContaining('Harbour Bootcamp')]);
    expect(await page.getByTestId('association-graph').locator('.edge').count()).toBe(3);
    await top(page);
    await checkScreen(page, 'clr-signed');

    // The baked PNG: the CLR keyword, then verified on Verify.
    const dl = page.waitForEvent('download');
    await page.getByTestId('clr-download-png').click();
    const png = readFileSync((await (await dl).path())!);
    const baked = unbake(png);
    expect(baked).toMatchObject({ kind: 'clr2', keyword: 'clrcredential' });
    const clr = JSON.parse(baked.text) as { credentialSubject: { verifiableCredential: Array<{ credentialSubject: { achievement: { alignment?: Array<{ targetCode: string; targetType: string }> } } }> } };
    // The alignment made from the framework is in the issued credential inside the record.
    expect(clr.credentialSubject.verifiableCredential[0]!.credentialSubject.achievement.alignment).toEqual([expect.objectContaining({ targetCode: 'DA.1', targetType: 'CFItem' })]);
    expect(clr.credentialSubject.verifiableCredential[1]).toEqual(theirs);
    await page.locator('[data-nav="verify"]').click();
    await page.getByTestId('verify-drop').waitFor();
    await dropFile(page, 'verify-drop', 'record.png', png, 'image/png');
    await page.getByTestId('verify-report').waitFor();
    expect(await page.getByTestId('verify-report').getAttribute('data-verdict')).toBe('valid');
    await expect.poll(() => page.getByTestId('verify-report').textContent()).toContain('All 2 bundled credentials verified');
    await page.getByText('Credentials in this record').scrollIntoViewIfNeeded();
    await checkScreen(page, 'clr-verified');

    // A roster: one record per learner, as a job; a learner with nothing issued is skipped.
    await page.locator('[data-nav="clr"]').click();
    await page.getByTestId('clr-tab-roster').click();
    await dropFile(page, 'clr-roster-drop', 'class.csv', Buffer.from(`Name,Email\nAda Lovelace,${LEARNER}\nNo One,no.one@example.org\n`), 'text/csv');
    await page.getByText('Roster: class.csv').waitFor();
    await dropFile(page, 'clr-pool-drop', 'harbour-dashboards.json', Buffer.from(JSON.stringify(theirs)), 'application/json');
    await page.getByTestId('clr-batch-run').click();
    await page.getByTestId('clr-batch-done').waitFor();
    expect(await page.locator('#clr-batch-done').textContent()).toBe('1 record signed');
    expect(await page.getByTestId('clr-batch-done').locator('.items li').allTextContents()).toEqual([expect.stringMatching(/created\s*Ada Lovelace\s*2 credentials/), expect.stringMatching(/skipped\s*No One.*no credential issued to this learner/)]);
    await checkScreen(page, 'clr-roster-done');
    // A stored record opens with its graph.
    await page.getByTestId('clr-tab-one').click();
    await page.getByRole('button', { name: 'Open Comprehensive Learner Record of Ada Lovelace' }).click();
    await page.getByTestId('clr-view').waitFor();
    expect(await page.getByTestId('clr-view').getByTestId('association-graph').locator('.edge').count()).toBe(3);
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);
});
