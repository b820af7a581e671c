/**
 * `laurel framework import|export|list` and `laurel clr create|batch` as a user runs them: a child
 * process, a key file, no network. The CLR files written are read back by an independent path
 * (unbake, our verifier, verifier-core for each bundled credential).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { unbake } from '../../core/bake/index.ts';
import { buildAchievementCredential } from '../../core/model/index.ts';
import { signDataIntegrity, type JsonObject } from '../../core/proof/index.ts';
import { describeVerdict, verifyCredential } from '../../core/verify/index.ts';
import { laurel } from '../cli/helpers.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { PASSPHRASE, openStudio, scratchDir } from '../issue/helpers.ts';
import { makeIssuer } from '../verify/helpers.ts';

const LEARNER = 'grace@example.org';
const A = { id: 'https://acme.example/achievements/networks', name: 'Networks', description: 'Sets up networks.', criteria: { narrative: 'Lab passed.' } };
const B = { id: 'https://acme.example/achievements/security', name: 'Security', description: 'Secures systems.', criteria: { narrative: 'Lab passed.' } };
const DIPLOMA = { id: 'https://acme.example/programs/it-diploma', name: 'IT Diploma', description: 'Two-year IT diploma.', criteria: { narrative: 'All modules.' }, achievementType: 'Diploma' };

let dir: string;
let env: Record<string, string>;
let keystore: string;
let issuerId: string;
let ids: string[];
let foreignFile: string;
let diplomaFile: string;
const run = (args: string[]) => laurel([...args, '--keystore', keystore], { env });

beforeAll(async () => {
  dir = scratchDir('clr-cli');
  const studio = openStudio(dir);
  issuerId = (await studio.createIssuer({ name: 'Acme Institute' })).id;
  ids = [];
  for (const a of [A, B]) ids.push((await studio.issueCredential({ issuer: issuerId, achievement: a, recipient: LEARNER })).credentialId);
  studio.close();
  const other = makeIssuer('Ed25519', { kind: 'did:key' }, 'Other College');
  const vc = buildAchievementCredential({ issuer: { id: other.id, name: other.name }, achievement: { id: 'https://other.example/a/english', name: 'English B2', description: 'English at B2.', criteria: { narrative: 'Exam.' } }, subject: { identifier: LEARNER } } as never);
  foreignFile = path.join(dir, 'english.json');
  writeFileSync(foreignFile, JSON.stringify(await signDataIntegrity(vc as unknown as JsonObject, other.signer), null, 2));
  diplomaFile = path.join(dir, 'diploma.json');
  writeFileSync(diplomaFile, JSON.stringify(DIPLOMA));
  env = { LAUREL_WORKSPACE: path.join(dir, 'ws'), LAUREL_KEY_PASSPHRASE: PASSPHRASE };
  keystore = `file:${path.join(dir, 'keys.laurel')}`;
});

describe('laurel framework', () => {
  it('imports a CSV, exports CASE, and the export imports again to the same package', async () => {
    const csv = path.join(dir, 'it-skills.csv');
    writeFileSync(csv, 'code,statement,parent\nIT1,Networking,\nIT1.1,Configure a router,IT1\nIT2,Security,\n');
    const imp = await run(['framework', 'import', csv, '--title', 'IT skills', '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const { id, items } = JSON.parse(imp.stdout) as { id: string; items: number };
    expect(items).toBe(3);
    const out = path.join(dir, 'it-skills.case.json');
    const exp = await run(['framework', 'export', id, '--out', out]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(exp.stdout).toContain('(3 items)');
    const pkg = JSON.parse(readFileSync(out, 'utf8')) as { CFDocument: { title: string }; CFAssociations: Array<{ associationType: string }> };
    expect(pkg.CFDocument.title).toBe('IT skills');
    expect(pkg.CFAssociations.map((a) => a.associationType)).toEqual(['isChildOf', 'isChildOf', 'isChildOf']);
    // Same identifier: refused, then replaced; the export after that is the same file.
    const again = await run(['framework', 'import', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is already in this workspace');
    expect((await run(['framework', 'import', out, '--replace'])).code).toBe(0);
    const out2 = path.join(dir, 'again.json');
    expect((await run(['framework', 'export', id, '--out', out2])).code).toBe(0);
    expect(readFileSync(out2, 'utf8')).toBe(readFileSync(out, 'utf8'));
    const listed = await run(['framework', 'list']);
    expect(listed.stdout).toContain(`IT skills: 3 competencies\n  id: ${id}`);
    expect(listed.network).toEqual([]);
    const missing = await run(['framework', 'export', 'nope', '--out', path.join(dir, 'x.json')]);
    expect(missing).toMatchObject({ code: 2, stderr: 'laurel: No framework nope in this workspace.\n' });
  });
});

describe('laurel clr create', () => {
  it('bundles our credentials (by id) and another issuer’s (a file) into a signed, baked CLR', async () => {
    const out = path.join(dir, 'grace.png');
    const r = await run([
      'clr', 'create', '--issuer', issuerId, '--recipient', LEARNER, '--learner-name', 'Grace Hopper',
      '--credential', ids[0]!, '--credential', ids[1]!, '--credential', foreignFile,
      '--achievement', diplomaFile,
      '--association', `${A.id} isChildOf ${DIPLOMA.id}`, '--association', `${B.id} isChildOf ${DIPLOMA.id}`, '--association', `${A.id} precedes ${B.id}`,
      '--partial', '--out', out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Signed the CLR urn:uuid:[0-9a-f-]+ for grace@example.org \(3 credentials\)\n  - Networks from Acme Institute\n  - Security from Acme Institute\n  - English B2 from Other College\n/);
    expect(r.network).toEqual([]);
    const baked = unbake(readFileSync(out));
    expect(baked).toMatchObject({ kind: 'clr2', keyword: 'clrcredential' });
    const clr = JSON.parse(baked.text) as { name: string; partial: boolean; credentialSubject: { verifiableCredential: JsonObject[]; association: unknown[] } };
    expect(clr).toMatchObject({ name: 'Comprehensive Learner Record of Grace Hopper', partial: true });
    expect(clr.credentialSubject.association).toHaveLength(3);
    expect(clr.credentialSubject.verifiableCredential[2]).toEqual(JSON.parse(readFileSync(foreignFile, 'utf8')));
    expect(describeVerdict(await verifyCredential(readFileSync(out)))).toBe('valid');
    for (const vc of clr.credentialSubject.verifiableCredential) expect(dccAccepts(await dccVerify(vc))).toBe(true);
    // laurel verify reads it as a record of three credentials.
    const v = await laurel(['verify', out], { env });
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toContain('all 3 bundled credentials verified');
  });

  it('says exactly what is wrong', async () => {
    const base = ['clr', 'create', '--issuer', issuerId, '--recipient', LEARNER, '--credential', ids[0]!, '--credential', ids[1]!];
    const contradict = await run([...base, '--association', `${A.id} isChildOf ${B.id}`, '--association', `${B.id} isChildOf ${A.id}`, '--out', path.join(dir, 'c.json')]);
    expect(contradict.code).toBe(2);
    expect(contradict.stderr).toContain(`association 2 "${B.id} isChildOf ${A.id}" contradicts association 1 "${A.id} isChildOf ${B.id}": "Networks" can't be both a child and the parent of "Security".`);
    const dangling = await run([...base, '--association', `${A.id} isPartOf ${foreignFile}`, '--out', path.join(dir, 'd.json')]);
    expect(dangling.stderr).toContain(`targetId ${foreignFile} is not the id of an achievement in this record`);
    const badType = await run([...base, '--association', `${A.id} childOf ${B.id}`, '--out', path.join(dir, 'e.json')]);
    expect(badType.stderr).toContain('"childOf" in the association');
    const badOut = await run([...base, '--out', path.join(dir, 'e.jwt')]);
    expect(badOut.stderr).toContain('must end in .json, .png or .svg');
    const none = await run(['clr', 'create', '--issuer', issuerId, '--recipient', LEARNER, '--out', path.join(dir, 'f.json')]);
    expect(none.stderr).toContain('missing --credential');
    expect([contradict, dangling, badType, badOut, none].map((x) => x.code)).toEqual([2, 2, 2, 2, 2]);
  });
});

describe('help', () => {
  it('every framework and clr command answers --help; the groups need a subcommand', async () => {
    for (const cmd of [['framework', 'import'], ['framework', 'export'], ['framework', 'list'], ['clr', 'create'], ['clr', 'batch']]) {
      const r = await laurel([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toContain(`Usage: laurel ${cmd.join(' ')}`);
    }
    const top = await laurel(['--help']);
    expect(top.stdout).toContain('clr create        sign a Comprehensive Learner Record (CLR 2.0)');
    const bare = await laurel(['clr']);
    expect(bare).toMatchObject({ code: 2, stderr: "laurel: 'laurel clr' needs a subcommand (see: laurel --help)\n" });
  });
});

describe('laurel clr batch', () => {
  it('writes one record per learner who has credentials', async () => {
    const roster = path.join(dir, 'class.csv');
    writeFileSync(roster, `Name,Email\nGrace Hopper,${LEARNER}\nNo One,none@example.org\n`);
    const out = path.join(dir, 'batch');
    const r = await run(['clr', 'batch', '--issuer', issuerId, '--roster', roster, '--credential', foreignFile, '--format', 'json,svg', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { created: number; skipped: number; items: Array<{ files?: string[] }> };
    expect(s).toMatchObject({ created: 1, skipped: 1 });
    expect(s.items[0]!.files).toEqual(['Grace Hopper.json', 'Grace Hopper.svg']);
    const rec = await verifyCredential(readFileSync(path.join(out, 'Grace Hopper.svg')));
    expect(describeVerdict(rec)).toBe('valid');
    expect(rec.inner).toHaveLength(3);
  });
});
