/**
 * Skill frameworks: the tree editor (add, move, reorder, loops refused, delete, versions), CASE 1.1
 * CFPackage import (fields and associations kept, every problem named by its path) and export that
 * round-trips, the CSV import, and alignments that end up in signed credentials both verifiers accept.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../core/api/index.ts';
import { verifyCredential } from '../../core/verify/index.ts';
import { dccAccepts, dccVerify } from '../helpers/verifier-core.ts';
import { openStudio, scratchDir, studioWithIssuer } from '../issue/helpers.ts';

const open: Studio[] = [];
afterAll(() => open.forEach((s) => s.close()));

function fresh(prefix: string): Studio {
  const s = openStudio(scratchDir(prefix));
  open.push(s);
  return s;
}

const codes = (s: Studio, id: string) => s.getFramework(id).items.map((i) => `${'  '.repeat(i.depth)}${i.code}`);

/** A small CASE package as a CASE tool publishes it: nested items, extra fields, a non-tree association. */
const DOC = 'c5fb0e1a-1111-4ccc-8000-000000000001';
const item = (n: number) => `c5fb0e1a-2222-4ccc-8000-00000000000${n}`;
const link = (id: string, title: string) => ({ title, identifier: id, uri: `https://case.example.org/uri/${id}` });
function casePackage() {
  const docLink = link(DOC, 'Data Skills');
  return {
    CFDocument: {
      identifier: DOC,
      uri: `https://case.example.org/uri/${DOC}`,
      creator: 'Example State Board',
      title: 'Data Skills',
      lastChangeDateTime: '2025-11-02T10:00:00+00:00',
      officialSourceURL: 'https://board.example.org/data-skills',
      language: 'en',
      version: '2.1',
      adoptionStatus: 'Adopted',
      subject: ['Computer Science'],
      CFPackageURI: docLink,
    },
    CFItems: [
      { identifier: item(1), uri: `https://case.example.org/uri/${item(1)}`, fullStatement: 'Work with data', humanCodingScheme: 'DS', CFItemType: 'Domain', lastChangeDateTime: '2025-11-01T00:00:00+00:00', CFDocumentURI: docLink },
      { identifier: item(2), uri: `https://case.example.org/uri/${item(2)}`, fullStatement: 'Query relational data with SQL', humanCodingScheme: 'DS.1', notes: 'SELECT, JOIN, GROUP BY', CFItemType: 'Competency', educationLevel: ['11', '12'], CFItemTypeURI: { title: 'Competency', identifier: 'x', uri: 'https://case.example.org/uri/x' }, lastChangeDateTime: '2025-11-01T00:00:00+00:00', CFDocumentURI: docLink },
      { identifier: item(3), uri: `https://case.example.org/uri/${item(3)}`, fullStatement: 'Clean a data set', humanCodingScheme: 'DS.2', CFItemType: 'Competency', language: 'en', lastChangeDateTime: '2025-11-01T00:00:00+00:00', CFDocumentURI: docLink },
      { identifier: item(4), uri: `https://case.example.org/uri/${item(4)}`, fullStatement: 'Write window functions', humanCodingScheme: 'DS.1.a', lastChangeDateTime: '2025-11-01T00:00:00+00:00', CFDocumentURI: docLink },
    ],
    CFAssociations: [
      // Out of order on purpose: sequenceNumber decides.
      { identifier: 'a-3', associationType: 'isChildOf', sequenceNumber: 2, uri: 'https://case.example.org/uri/a-3', originNodeURI: link(item(3), 'DS.2'), destinationNodeURI: link(item(1), 'DS'), lastChangeDateTime: '2025-11-01T00:00:00+00:00' },
      { identifier: 'a-1', associationType: 'isChildOf', sequenceNumber: 1, uri: 'https://case.example.org/uri/a-1', originNodeURI: link(item(1), 'DS'), destinationNodeURI: docLink, lastChangeDateTime: '2025-11-01T00:00:00+00:00' },
      { identifier: 'a-2', associationType: 'isChildOf', sequenceNumber: 1, uri: 'https://case.example.org/uri/a-2', originNodeURI: link(item(2), 'DS.1'), destinationNodeURI: link(item(1), 'DS'), lastChangeDateTime: '2025-11-01T00:00:00+00:00' },
      { identifier: 'a-4', associationType: 'isChildOf', sequenceNumber: 1, uri: 'https://case.example.org/uri/a-4', originNodeURI: link(item(4), 'DS.1.a'), destinationNodeURI: link(item(2), 'DS.1'), lastChangeDateTime: '2025-11-01T00:00:00+00:00' },
      { identifier: 'a-5', associationType: 'exactMatchOf', uri: 'https://case.example.org/uri/a-5', originNodeURI: link(item(2), 'DS.1'), destinationNodeURI: { title: 'SQL', identifier: 'ext-1', uri: 'https://other.example/sql' }, lastChangeDateTime: '2025-11-01T00:00:00+00:00' },
    ],
    CFDefinitions: { CFItemTypes: [{ identifier: 'x', title: 'Competency' }] },
  };
}

describe('the framework tree', () => {
  it('adds, moves, reorders and deletes items, refusing loops; versions freeze the package', () => {
    const s = fresh('fw-tree');
    const f = s.createFramework({ title: 'Welding', creator: 'Acme Training', language: 'en', baseUrl: 'https://acme.example/frameworks/welding' });
    expect(f.uri).toBe(`https://acme.example/frameworks/welding/${f.id}`);
    const safety = s.addFrameworkItem(f.id, { code: 'W1', statement: 'Work safely' });
    const mig = s.addFrameworkItem(f.id, { code: 'W2', statement: 'MIG welding', type: 'Competency' });
    const ppe = s.addFrameworkItem(f.id, { code: 'W1.1', statement: 'Wear protective equipment', parentId: safety.id });
    const fire = s.addFrameworkItem(f.id, { code: 'W1.2', statement: 'Prevent fires', parentId: safety.id });
    expect(ppe.uri).toBe(`https://acme.example/frameworks/welding/items/${ppe.id}`);
    expect(codes(s, f.id)).toEqual(['W1', '  W1.1', '  W1.2', 'W2']);
    // Reorder among siblings; insert at a position.
    s.moveFrameworkItem(f.id, fire.id, { parentId: safety.id, position: 0 });
    expect(codes(s, f.id)).toEqual(['W1', '  W1.2', '  W1.1', 'W2']);
    s.addFrameworkItem(f.id, { code: 'W0', statement: 'Read drawings', position: 0 });
    expect(codes(s, f.id)).toEqual(['W0', 'W1', '  W1.2', '  W1.1', 'W2']);
    // Move a subtree under another item.
    s.moveFrameworkItem(f.id, safety.id, { parentId: mig.id });
    expect(codes(s, f.id)).toEqual(['W0', 'W2', '  W1', '    W1.2', '    W1.1']);
    // Loops are refused with both items named.
    expect(() => s.moveFrameworkItem(f.id, mig.id, { parentId: ppe.id })).toThrow(/Can't move "W2" under "W1\.1": that item is inside it/);
    expect(() => s.moveFrameworkItem(f.id, mig.id, { parentId: mig.id })).toThrow(/its own parent/);
    // Positions stay dense 0..n-1 per parent.
    const rows = s.db.prepare('SELECT parent_id, group_concat(position) AS p FROM (SELECT * FROM framework_items WHERE framework_id = ? ORDER BY position) GROUP BY parent_id').all(f.id) as Array<{ p: string }>;
    for (const r of rows) expect(r.p.split(',').map(Number)).toEqual([...Array(r.p.split(',').length).keys()]);
    // Edits and bad input.
    expect(s.updateFrameworkItem(f.id, mig.id, { description: 'Metal inert gas', language: 'en-GB' }).description).toBe('Metal inert gas');
    expect(() => s.updateFrameworkItem(f.id, mig.id, { language: 'english' })).toThrow(/language "english" is not a language code/);
    expect(() => s.addFrameworkItem(f.id, { statement: '  ' })).toThrow(/statement must not be empty/);
    // Versions: the package as it was.
    const v1 = s.saveFrameworkVersion(f.id, 'first');
    expect(v1).toMatchObject({ version: 1, label: 'first', items: 5 });
    expect(() => s.saveFrameworkVersion(f.id)).toThrow(/Nothing changed since version 1 \(first\)/);
    expect(() => s.deleteFrameworkItem(f.id, safety.id)).toThrow(/has 2 item\(s\) under it/);
    s.deleteFrameworkItem(f.id, safety.id, { withChildren: true });
    expect(codes(s, f.id)).toEqual(['W0', 'W2']);
    expect(s.saveFrameworkVersion(f.id).version).toBe(2);
    expect((s.exportFramework(f.id, 1).CFItems as unknown[]).length).toBe(5);
    expect((s.exportFramework(f.id).CFItems as unknown[]).length).toBe(2);
    expect(s.frameworkVersions(f.id).map((v) => v.items)).toEqual([5, 2]);
  });
});

describe('CASE 1.1 CFPackage', () => {
  it('imports the tree from isChildOf by sequenceNumber and keeps every other field and association', () => {
    const s = fresh('fw-case');
    const f = s.importFramework({ bytes: Buffer.from(JSON.stringify(casePackage())), name: 'data.json' });
    expect(f).toMatchObject({ id: DOC, title: 'Data Skills', creator: 'Example State Board', version: '2.1', language: 'en', source: 'case' });
    expect(codes(s, f.id)).toEqual(['DS', '  DS.1', '    DS.1.a', '  DS.2']);
    const out = s.exportFramework(f.id) as ReturnType<typeof casePackage>;
    expect(out.CFDocument).toMatchObject({ officialSourceURL: 'https://board.example.org/data-skills', adoptionStatus: 'Adopted', subject: ['Computer Science'], lastChangeDateTime: '2025-11-02T10:00:00+00:00' });
    expect(out.CFItems.find((i) => i.identifier === item(2))).toMatchObject({ educationLevel: ['11', '12'], notes: 'SELECT, JOIN, GROUP BY', CFItemTypeURI: { title: 'Competency' } });
    expect(out.CFAssociations.find((a) => a.identifier === 'a-5')).toEqual(casePackage().CFAssociations[4]);
    expect(out.CFAssociations.find((a) => a.identifier === 'a-3')).toMatchObject({ sequenceNumber: 2, uri: 'https://case.example.org/uri/a-3', destinationNodeURI: { identifier: item(1) } });
    expect(out.CFDefinitions).toEqual(casePackage().CFDefinitions);
    // The same identifier again is a conflict unless replacing.
    expect(() => s.importFramework({ bytes: Buffer.from(JSON.stringify(casePackage())), name: 'data.json' })).toThrow(/already in this workspace/);
    // A broken .json file is called that, not read as a CSV.
    expect(() => s.importFramework({ bytes: Buffer.from('not json at all\n'), name: 'garbage.json' })).toThrow(/garbage\.json is not valid JSON/);
    s.saveFrameworkVersion(f.id, 'before the update');
    const newer = casePackage();
    newer.CFItems.pop();
    newer.CFAssociations.splice(3, 1);
    newer.CFDocument.version = '2.2';
    expect(s.importFramework({ bytes: Buffer.from(JSON.stringify(newer)), name: 'data.json', replace: true })).toMatchObject({ version: '2.2', items: { length: 3 } });
    // Replaced in place: the saved version is still there, as it was.
    expect(s.frameworkVersions(f.id)).toMatchObject([{ version: 1, label: 'before the update', items: 4 }]);
  });

  it('a package the studio exported re-imports to the same framework, and exports to the same bytes', () => {
    const a = fresh('fw-rt-a');
    const f = a.createFramework({ title: 'Nursing skills', creator: 'North College', description: 'Clinical skills for year 1', version: '1.0', language: 'en' });
    const p = a.addFrameworkItem(f.id, { code: 'N1', statement: 'Patient assessment', type: 'Domain' });
    a.addFrameworkItem(f.id, { code: 'N1.1', statement: 'Take vital signs', description: 'Pulse, blood pressure, temperature', parentId: p.id, language: 'en' });
    a.addFrameworkItem(f.id, { code: 'N1.2', statement: 'Record observations', parentId: p.id });
    a.addFrameworkItem(f.id, { code: 'N2', statement: 'Infection control' });
    const exported = a.exportFramework(f.id);
    const b = fresh('fw-rt-b');
    const again = b.importFramework({ bytes: Buffer.from(JSON.stringify(exported)), name: 'nursing.json' });
    const strip = (x: ReturnType<Studio['getFramework']>) => ({ ...x, source: undefined, createdAt: undefined, extra: undefined });
    expect(strip(again)).toEqual(strip(a.getFramework(f.id)));
    expect(JSON.stringify(b.exportFramework(again.id))).toBe(JSON.stringify(exported));
  });

  it('names each problem by its path', () => {
    const s = fresh('fw-case-bad');
    const imp = (p: unknown) => s.importFramework({ bytes: Buffer.from(JSON.stringify(p)), name: 'x.json' });
    const noStatement = casePackage();
    delete (noStatement.CFItems[2] as Partial<(typeof noStatement.CFItems)[2]>).fullStatement;
    expect(() => imp(noStatement)).toThrow('CASE package: $.CFItems[2].fullStatement is required.');
    const badType = casePackage();
    badType.CFAssociations[1]!.associationType = 'isChildof';
    expect(() => imp(badType)).toThrow(/\$\.CFAssociations\[1\]\.associationType "isChildof" is not a CASE association type/);
    const loop = casePackage();
    loop.CFAssociations[1]!.destinationNodeURI = link(item(4), 'DS.1.a'); // DS under DS.1.a, which is under DS
    expect(() => imp(loop)).toThrow(/form a loop \(DS(\.1(\.a)?)? → /);
    expect(() => imp({ CFItems: [] })).toThrow(/\$\.CFDocument is missing: this is not a CASE CFPackage/);
    expect(() => s.importFramework({ bytes: Buffer.from('{ nope'), name: 'x.json' })).toThrow(/x\.json is not valid JSON/);
    expect(s.listFrameworks()).toEqual([]);
  });
});

describe('CTDL-ASN (Credential Engine) frameworks', () => {
  const R = 'https://credentialengineregistry.org/resources/';
  const ce = (n: number) => `ce-7f1e0000-0000-4000-8000-00000000000${n}`;
  const ctdl = () => ({
    '@context': 'https://credreg.net/ctdlasn/schema/context/json',
    '@graph': [
      { '@id': R + ce(0), '@type': 'ceasn:CompetencyFramework', 'ceterms:ctid': ce(0), 'ceasn:name': { 'en-US': 'Cyber Skills' }, 'ceasn:publisherName': { 'en-US': 'Cyber Board' }, 'ceasn:inLanguage': ['en-US'], 'ceasn:hasTopChild': [R + ce(2), R + ce(1)] },
      { '@id': R + ce(1), '@type': 'ceasn:Competency', 'ceterms:ctid': ce(1), 'ceasn:competencyText': { 'en-US': 'Secure a network' }, 'ceasn:codedNotation': 'C1', 'ceasn:isPartOf': R + ce(0), 'ceasn:hasChild': [R + ce(4), R + ce(3)] },
      { '@id': R + ce(2), '@type': 'ceasn:Competency', 'ceterms:ctid': ce(2), 'ceasn:competencyText': { 'en-US': 'Respond to incidents' }, 'ceasn:codedNotation': 'C2', 'ceasn:isChildOf': R + ce(0) },
      { '@id': R + ce(3), '@type': 'ceasn:Competency', 'ceterms:ctid': ce(3), 'ceasn:competencyText': { 'en-US': 'Configure a firewall' }, 'ceasn:codedNotation': 'C1.1', 'ceasn:isChildOf': R + ce(1) },
      { '@id': R + ce(4), '@type': 'ceasn:Competency', 'ceterms:ctid': ce(4), 'ceasn:competencyText': { 'en-US': 'Segment a network' }, 'ceasn:codedNotation': 'C1.2' },
    ],
  });

  it('imports the tree (isChildOf, else hasChild/hasTopChild, in their order) and aligns as ceasn:Competency', () => {
    const s = fresh('fw-ctdl');
    const f = s.importFramework({ bytes: Buffer.from(JSON.stringify(ctdl())), name: 'cyber.json' });
    expect(f).toMatchObject({ id: '7f1e0000-0000-4000-8000-000000000000', title: 'Cyber Skills', creator: 'Cyber Board', source: 'ctdl', language: 'en-US' });
    expect(codes(s, f.id)).toEqual(['C2', 'C1', '  C1.2', '  C1.1']);
    expect(s.alignmentForItem(f.id, 'C1.1')).toEqual({ type: ['Alignment'], targetName: 'Configure a firewall', targetUrl: R + ce(3), targetCode: 'C1.1', targetFramework: 'Cyber Skills', targetType: 'ceasn:Competency' });
    // Its CASE export uses the CTIDs' UUIDs as identifiers and imports back.
    const pkg = s.exportFramework(f.id) as { CFItems: Array<{ identifier: string; uri: string }> };
    expect(pkg.CFItems.map((i) => i.identifier)).toEqual(['7f1e0000-0000-4000-8000-000000000002', '7f1e0000-0000-4000-8000-000000000001', '7f1e0000-0000-4000-8000-000000000004', '7f1e0000-0000-4000-8000-000000000003']);
    expect(fresh('fw-ctdl-case').importFramework({ bytes: Buffer.from(JSON.stringify(pkg)), name: 'cyber.case.json' }).items.map((i) => i.code)).toEqual(['C2', 'C1', 'C1.2', 'C1.1']);
    const bad = ctdl();
    delete (bad['@graph'][3] as Record<string, unknown>)['ceasn:competencyText'];
    expect(() => s.importFramework({ bytes: Buffer.from(JSON.stringify(bad)), name: 'bad.json', replace: true })).toThrow("CTDL framework: $['@graph'][3]['ceasn:competencyText'] is required.");
    const loop = ctdl();
    (loop['@graph'][1] as Record<string, unknown>)['ceasn:isChildOf'] = R + ce(3);
    expect(() => s.importFramework({ bytes: Buffer.from(JSON.stringify(loop)), name: 'loop.json', replace: true })).toThrow(/make a loop/);
  });
});

describe('CSV of competencies', () => {
  it('builds the tree from parent codes; says which line is wrong', () => {
    const s = fresh('fw-csv');
    const csv = '\uFEFFCode;Statement;Description;Parent;Type\nC1;Communicate;;;Domain\nC1.1;Write a report;"Clear, short; with a summary";C1;Skill\nC2;Lead a team;;;Domain\nC1.2;Present findings;;C1;Skill\n';
    const f = s.importFramework({ bytes: Buffer.from(csv), name: 'soft-skills.csv', targetType: 'CTDL' });
    expect(f).toMatchObject({ title: 'soft-skills', source: 'csv' });
    expect(codes(s, f.id)).toEqual(['C1', '  C1.1', '  C1.2', 'C2']);
    expect(f.items[1]).toMatchObject({ description: 'Clear, short; with a summary', type: 'Skill' });
    expect(s.alignmentForItem(f.id, 'C1.1')).toMatchObject({ targetType: 'CTDL', targetCode: 'C1.1', targetFramework: 'soft-skills' });
    const bad = (text: string) => () => s.importFramework({ bytes: Buffer.from(text), name: 'bad.csv' });
    expect(bad('code,statement,parent\nA,One,\nB,Two,Z\n')).toThrow('Line 3: the parent "Z" is not the code of any competency in the file.');
    expect(bad('code,statement\nA,One\nA,Two\n')).toThrow('Line 3: the code "A" is already used on line 2.');
    expect(bad('code,statement,parent\nA,One,B\nB,Two,A\n')).toThrow(/makes a loop/);
    expect(bad('code,title\nA,\n')).toThrow('Line 2: the statement is empty.');
    expect(bad('code,label\nA,x\n')).toThrow(/no statement column \(headers: code, label\)/);
  });
});

describe('alignments', () => {
  it('an alignment made from an exported-and-reimported framework appears in issued credentials that both verifiers accept', async () => {
    const { studio, issuerId } = await studioWithIssuer('fw-align');
    open.push(studio);
    const f = studio.importFramework({ bytes: Buffer.from(JSON.stringify(casePackage())), name: 'data.json' });
    // Round trip through a file in another workspace, then align from the re-imported copy.
    const other = fresh('fw-align-b');
    const again = other.importFramework({ bytes: Buffer.from(JSON.stringify(studio.exportFramework(f.id))), name: 'data.json' });
    studio.deleteFramework(f.id);
    studio.importFramework({ bytes: Buffer.from(JSON.stringify(other.exportFramework(again.id))), name: 'data.json' });

    const hits = studio.searchFrameworkItems('sql');
    expect(hits.map((h) => h.item.code)).toEqual(['DS.1']);
    expect(hits[0]!.alignment).toEqual({
      type: ['Alignment'],
      targetName: 'Query relational data with SQL',
      targetUrl: `https://case.example.org/uri/${item(2)}`,
      targetCode: 'DS.1',
      targetDescription: 'SELECT, JOIN, GROUP BY',
      targetFramework: 'Data Skills',
      targetType: 'CFItem',
    });
    expect(studio.searchFrameworkItems('ds.').map((h) => h.item.code)).toEqual(['DS.1', 'DS.1.a', 'DS.2']);
    expect(studio.searchFrameworkItems('100%')).toEqual([]);

    // A single-skill achievement in one step, and a course aligned to two items.
    const skill = studio.createCompetencyAchievement(DOC, item(3));
    expect(skill.achievement).toMatchObject({ achievementType: 'Competency', name: 'Clean a data set', humanCode: 'DS.2', inLanguage: 'en', alignment: [{ targetCode: 'DS.2', targetType: 'CFItem' }] });
    const course = {
      id: 'https://acme.example/achievements/data-101',
      name: 'Data 101',
      description: 'An introduction to working with data.',
      criteria: { narrative: 'Passed the course.' },
      alignment: [studio.alignmentForItem(DOC, 'DS.1'), studio.alignmentForItem(DOC, item(4))],
    };
    for (const achievement of [skill.achievement, course]) {
      const issued = await studio.issueCredential({ issuer: issuerId, achievement, recipient: 'ada@example.org', name: 'Ada' });
      const vc = JSON.parse(issued.body) as { credentialSubject: { achievement: { alignment: unknown[] } } };
      const want = (achievement as { alignment: unknown[] }).alignment;
      expect(vc.credentialSubject.achievement.alignment).toEqual(want);
      const ours = await verifyCredential(issued.body);
      expect(ours.verdict, JSON.stringify(ours.checks)).toBe('valid');
      expect(dccAccepts(await dccVerify(vc))).toBe(true);
    }
  });
});
