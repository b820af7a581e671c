import { describe, expect, it } from 'vitest';
import { CONTEXTS } from '../../core/jsonld/index.ts';
import { assertValid, buildAchievementCredential, validateCredential, warmUpSchemas, type ValidationIssue } from '../../core/model/index.ts';
import { LaurelError } from '../../core/util/errors.ts';
import { fullInput, LEVEL_BASIC, minimalInput, readExample } from './fixtures.ts';

// Timing first, while nothing is compiled yet in this worker (vitest isolates test files).
describe('cost', () => {
  it('compiles each schema once and validates a credential in about a millisecond', () => {
    const t0 = performance.now();
    const perSchema = warmUpSchemas();
    const compileMs = performance.now() - t0;
    const again = performance.now();
    warmUpSchemas();
    expect(performance.now() - again).toBeLessThan(5); // cached
    const c = buildAchievementCredential(fullInput());
    const basic = readExample('basic-openbadgecredential.json');
    for (let i = 0; i < 20; i++) validateCredential(c); // warm the JIT
    const n = 200;
    let t = performance.now();
    for (let i = 0; i < n; i++) validateCredential(c);
    const fullMs = (performance.now() - t) / n;
    t = performance.now();
    for (let i = 0; i < n; i++) validateCredential(basic);
    const basicMs = (performance.now() - t) / n;
    const broken = { ...c, validFrom: '2024-01-01', image: 'x' };
    t = performance.now();
    for (let i = 0; i < n; i++) validateCredential(broken);
    const brokenMs = (performance.now() - t) / n;
    console.log(
      `[model] schema compile: ${compileMs.toFixed(0)} ms for 6 schemas (${Object.entries(perSchema)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ')}); validate: full-featured ${fullMs.toFixed(2)} ms, basic example ${basicMs.toFixed(2)} ms, invalid ${brokenMs.toFixed(2)} ms per credential`,
    );
    expect(fullMs).toBeLessThan(25);
  });
});

function built(): any {
  return JSON.parse(JSON.stringify(buildAchievementCredential(fullInput())));
}

function issuesAt(result: { issues: ValidationIssue[] }, path: string): ValidationIssue[] {
  return result.issues.filter((i) => i.path === path);
}

/** The mutation must make the credential invalid with a rule error at `path`, and no schema noise at that path. */
function expectRule(mutate: (c: any) => void, path: string, text: RegExp, opts: { alsoSchema?: boolean } = {}): ValidationIssue {
  const c = built();
  mutate(c);
  const r = validateCredential(c);
  expect(r.valid, JSON.stringify(r.issues, null, 1)).toBe(false);
  const here = issuesAt(r, path);
  const rule = here.find((i) => i.source === 'rule' && i.severity === 'error');
  expect(rule, `issues: ${JSON.stringify(r.issues, null, 1)}`).toBeDefined();
  expect(rule?.message).toMatch(text);
  if (!opts.alsoSchema) expect(here.filter((i) => i.source !== 'rule')).toEqual([]);
  return rule as ValidationIssue;
}

describe('rules the schemas cannot express', () => {
  it('the built fixture is valid to start with', () => {
    expect(validateCredential(built())).toEqual({ valid: true, issues: [] });
  });

  it('subject has id or identifier', () => {
    expectRule((c) => {
      delete c.credentialSubject.id;
      delete c.credentialSubject.identifier;
    }, '$.credentialSubject', /names no recipient/);
  });

  it('criteria has id or narrative', () => {
    expectRule((c) => (c.credentialSubject.achievement.criteria = {}), '$.credentialSubject.achievement.criteria', /narrative.*or an id/);
  });

  it('result.resultDescription names a ResultDescription of the same achievement', () => {
    expectRule((c) => (c.credentialSubject.result[0].resultDescription = 'urn:uuid:elsewhere'), '$.credentialSubject.result[0].resultDescription', /not the id of a ResultDescription/);
  });

  it('achievedLevel names a level of the linked ResultDescription', () => {
    expectRule((c) => (c.credentialSubject.result[1].achievedLevel = 'urn:uuid:not-a-level'), '$.credentialSubject.result[1].achievedLevel', /not the id of a rubricCriterionLevel of the linked/);
    expectRule((c) => (c.credentialSubject.result[0].achievedLevel = LEVEL_BASIC), '$.credentialSubject.result[0].achievedLevel', /not of the linked ResultDescription/);
  });

  it('status is required when the linked ResultDescription has resultType Status', () => {
    expectRule((c) => delete c.credentialSubject.result[2].status, '$.credentialSubject.result[2].status', /resultType Status/);
  });

  it('requiredLevel names one of the description\'s levels; ids are unique', () => {
    expectRule((c) => (c.credentialSubject.achievement.resultDescription[1].requiredLevel = 'urn:x'), '$.credentialSubject.achievement.resultDescription[1].requiredLevel', /not the id of one of/);
    expectRule((c) => (c.credentialSubject.achievement.resultDescription[2].id = c.credentialSubject.achievement.resultDescription[0].id), '$.credentialSubject.achievement.resultDescription[2].id', /used twice/);
  });

  it('validUntil is after validFrom', () => {
    expectRule((c) => (c.validUntil = '2020-01-01T00:00:00Z'), '$.validUntil', /must be after validFrom/);
  });

  it('dates parse and carry a zone (the rule message replaces the schema format error)', () => {
    expectRule((c) => (c.validFrom = '2024-06-01T00:00:00'), '$.validFrom', /no time zone/);
    expectRule((c) => (c.awardedDate = '2024-13-01T00:00:00Z'), '$.awardedDate', /not a real date/);
    expectRule((c) => (c.credentialSubject.activityStartDate = '2024-01-15'), '$.credentialSubject.activityStartDate', /without a time and zone/);
    expectRule((c) => (c.validUntil = '2029-06-01T00:00:00+0200'), '$.validUntil', /without a colon/);
    expectRule((c) => (c.issuer.dateOfBirth = '2000-02-30'), '$.issuer.dateOfBirth', /not a real date/);
  });

  it('inLanguage matches the spec pattern', () => {
    expectRule((c) => (c.credentialSubject.achievement.inLanguage = 'english'), '$.credentialSubject.achievement.inLanguage', /language code/);
    expectRule((c) => (c.credentialSubject.achievement.related[0].inLanguage = 'ES'), '$.credentialSubject.achievement.related[0].inLanguage', /language code/);
  });

  it('enumeration values are known or ext:<Name>', () => {
    expectRule((c) => (c.credentialSubject.achievement.achievementType = 'Bootcamp'), '$.credentialSubject.achievement.achievementType', /ext:Bootcamp/);
    // The schema's unanchored ext pattern accepts this; the rule doesn't.
    expectRule((c) => (c.credentialSubject.achievement.achievementType = 'my ext:Thing'), '$.credentialSubject.achievement.achievementType', /well-formed extension/);
    expectRule((c) => (c.credentialSubject.achievement.alignment[0].targetType = 'cfitem'), '$.credentialSubject.achievement.alignment[0].targetType', /write "CFItem"/);
    expectRule((c) => (c.credentialSubject.achievement.resultDescription[0].resultType = 'Grade'), '$.credentialSubject.achievement.resultDescription[0].resultType', /ResultType/);
    expectRule((c) => (c.credentialSubject.result[2].status = 'Done'), '$.credentialSubject.result[2].status', /ResultStatusType/);
    expectRule((c) => (c.issuer.otherIdentifier[0].identifierType = 'sourceId'), '$.issuer.otherIdentifier[0].identifierType', /IdentifierTypeEnum/);
  });

  it('a hashed identityHash has a sha256$/md5$ prefix and hex; the schema cannot see this', () => {
    const r = expectRule((c) => (c.credentialSubject.identifier[0].identityHash = c.credentialSubject.identifier[0].identityHash.slice(7)), '$.credentialSubject.identifier[0].identityHash', /no algorithm prefix/);
    expect(r.severity).toBe('error');
    expectRule((c) => (c.credentialSubject.identifier[0].identityHash = 'sha256$xyz'), '$.credentialSubject.identifier[0].identityHash', /64 hexadecimal/);
  });

  it('identityType is never "email"', () => {
    expectRule((c) => (c.credentialSubject.identifier[0].identityType = 'email'), '$.credentialSubject.identifier[0].identityType', /write "emailAddress"/);
  });

  it('Image, IdentityObject, IdentifierEntry and GeoCoordinates types are scalar; images are objects', () => {
    expectRule((c) => (c.image.type = ['Image']), '$.image.type', /not an array/);
    expectRule((c) => (c.credentialSubject.identifier[0].type = ['IdentityObject']), '$.credentialSubject.identifier[0].type', /not an array/);
    expectRule((c) => (c.issuer.otherIdentifier[0].type = ['IdentifierEntry']), '$.issuer.otherIdentifier[0].type', /not an array/);
    expectRule((c) => (c.issuer.address.geo.type = ['GeoCoordinates']), '$.issuer.address.geo.type', /not an array/);
    expectRule((c) => (c.credentialSubject.achievement.image = 'https://x.example/badge.png'), '$.credentialSubject.achievement.image', /OB 2.0 form/);
  });

  it('@context: VC v2 first, OB second, extensions.json when a 1EdTech* type is used', () => {
    expectRule((c) => c['@context'].reverse(), "$['@context'][0]", /first @context must be/);
    expectRule((c) => (c['@context'] = [CONTEXTS.VC_V2, CONTEXTS.OB_EXTENSIONS, CONTEXTS.OB_303]), "$['@context'][1]", /must come second/);
    expectRule((c) => (c['@context'] = [CONTEXTS.VC_V1, CONTEXTS.OB_303, CONTEXTS.OB_EXTENSIONS]), "$['@context'][0]", /VC Data Model 1.1/);
    expectRule((c) => (c['@context'] = [CONTEXTS.VC_V2, CONTEXTS.OB_303]), "$['@context']", /1EdTechJsonSchemaValidator2019 is used \(at \$\.credentialSchema\[0\]\).*extensions\.json/);
  });

  it('warns about empty arrays, empty strings and nulls without failing', () => {
    const c = built();
    c.credentialSubject.achievement.tag = [];
    c.credentialSubject.role = '';
    const r = validateCredential(c);
    expect(r.valid).toBe(true);
    expect(issuesAt(r, '$.credentialSubject.achievement.tag')).toEqual([expect.objectContaining({ source: 'rule', severity: 'warning', message: expect.stringMatching(/empty array/) })]);
    expect(issuesAt(r, '$.credentialSubject.role')).toEqual([expect.objectContaining({ severity: 'warning' })]);
  });

  it('undefined terms are errors with the property named (terms check, sign copy by default)', () => {
    const c = built();
    c.credentialSubject.givenName = 'Ada';
    c.credentialSubject.achievement.criteria.foo = 1;
    c.endorsementJwt = ['eyJh.eyJz.c2ln'];
    const r = validateCredential(c);
    expect(issuesAt(r, '$.credentialSubject.givenName')[0]?.message).toMatch(/not a term.*defined only on objects typed Profile/);
    expect(issuesAt(r, '$.credentialSubject.achievement.criteria.foo')).toHaveLength(1);
    expect(issuesAt(r, '$.endorsementJwt')).toHaveLength(1);
    // The verify copy of context-3.0.3 has endorsementJwt (added upstream in place, issue #639).
    expect(issuesAt(validateCredential(c, { terms: 'verify' }), '$.endorsementJwt')).toEqual([]);
  });
});

describe('schema issues, translated', () => {
  it('a missing required property: one message, JSON path of the property, reported once for both builds', () => {
    const c = built();
    delete c.credentialSubject.achievement.criteria;
    const r = validateCredential(c);
    expect(r.issues).toEqual([
      { path: '$.credentialSubject.achievement.criteria', message: 'required property "criteria" is missing (Achievement): add it.', source: 'schema:json-ld', severity: 'error' },
    ]);
  });

  it('collapses oneOf/anyOf noise to the useful message', () => {
    const c = built();
    c.credentialSubject.achievement.name = 42;
    delete c.issuer.id;
    c.credentialSubject.achievement.type = ['Badge'];
    const r = validateCredential(c);
    expect(issuesAt(r, '$.credentialSubject.achievement.name')).toEqual([expect.objectContaining({ message: 'name must be a string.', source: 'schema:json-ld' })]);
    expect(issuesAt(r, '$.issuer.id')).toEqual([expect.objectContaining({ message: 'required property "id" is missing (Profile): add it.' })]);
    expect(issuesAt(r, '$.credentialSubject.achievement.type')).toEqual([expect.objectContaining({ message: 'type must include "Achievement".' })]);
    expect(r.issues.every((i) => !/oneOf|anyOf|propertyNames|must match exactly/.test(i.message))).toBe(true);
  });

  it('marks what only the strict build rejects as schema:formal', () => {
    const c = built();
    c.credentialSchema = c.credentialSchema[0];
    c.credentialSubject.achievement.description = { en: 'A language map' };
    const r = validateCredential(c);
    expect(issuesAt(r, '$.credentialSchema')).toEqual([expect.objectContaining({ source: 'schema:formal', message: expect.stringMatching(/must be an array.*strict 2024/) })]);
    expect(issuesAt(r, '$.credentialSubject.achievement.description')).toEqual([expect.objectContaining({ source: 'schema:formal', message: 'description must be a string.' })]);
    // A language map the contexts can't read: "en" is not a term (no @language container).
    expect(issuesAt(r, '$.credentialSubject.achievement.description.en')).toEqual([expect.objectContaining({ source: 'rule' })]);
  });

  it('names the closed class and its allowed properties', () => {
    const c = built();
    c.image.width = 100;
    const r = validateCredential(c);
    expect(issuesAt(r, '$.image.width').find((i) => i.source === 'schema:json-ld')?.message).toBe('"width" is not allowed here: Image is a closed class (only id, type, caption). Remove it.');
  });

  it('a non-object is refused plainly', () => {
    expect(validateCredential('nope')).toEqual({ valid: false, issues: [{ path: '$', message: 'a credential must be a JSON object.', source: 'rule', severity: 'error' }] });
  });
});

describe('assertValid', () => {
  it('passes a valid credential and throws VALIDATION with the first errors and all issues in details', () => {
    expect(() => assertValid(buildAchievementCredential(minimalInput()))).not.toThrow();
    const c = built();
    c.validFrom = '2024-06-01';
    delete c.credentialSubject.achievement.criteria;
    try {
      assertValid(c);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LaurelError);
      const err = e as LaurelError;
      expect(err.code).toBe('VALIDATION');
      expect(err.message).toMatch(/^The achievement credential is not valid \(2 errors\):\n\$\.validFrom: validFrom "2024-06-01" is a date without a time and zone/);
      expect(err.message).toContain('$.credentialSubject.achievement.criteria: required property "criteria" is missing');
      expect((err.details as ValidationIssue[]).length).toBe(2);
    }
  });
});

describe('issuer display rule', () => {
  it('warns when the issuer is a bare URI or has no name', () => {
    const c = built();
    c.issuer = c.issuer.id;
    expect(validateCredential(c).issues).toEqual([expect.objectContaining({ path: '$.issuer', severity: 'warning', message: expect.stringMatching(/bare URI/) })]);
    const d = built();
    delete d.issuer.name;
    const r = validateCredential(d);
    expect(r.valid).toBe(true);
    expect(issuesAt(r, '$.issuer')).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/no name/) })]);
  });
});
