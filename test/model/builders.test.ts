import { describe, expect, it } from 'vitest';
import { CONTEXTS } from '../../core/jsonld/index.ts';
import {
  buildAchievement,
  buildAchievementCredential,
  buildAchievementSubject,
  buildEndorsementCredential,
  buildImage,
  buildProfile,
  SCHEMA_URLS,
  validateCredential,
  type AchievementCredentialInput,
} from '../../core/model/index.ts';
import { schemaIssues } from '../../core/model/schemas.ts';
import { LaurelError } from '../../core/util/errors.ts';
import { fullInput, LEVEL_BASIC, minimalInput, RD_GRADE, RD_RUBRIC, RD_STATUS } from './fixtures.ts';

/** Walks a JSON value and reports anything our output rules forbid. */
function outputRuleViolations(v: unknown, path = '$', out: string[] = []): string[] {
  if (v === undefined) out.push(`${path}: undefined`);
  else if (v === null) out.push(`${path}: null`);
  else if (v === '') out.push(`${path}: empty string`);
  else if (Array.isArray(v)) {
    if (v.length === 0) out.push(`${path}: empty array`);
    v.forEach((x, i) => outputRuleViolations(x, `${path}[${i}]`, out));
  } else if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) outputRuleViolations(x, `${path}.${k}`, out);
  }
  return out;
}

function expectVALIDATION(fn: () => unknown, path: string, text?: RegExp): LaurelError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LaurelError);
    const err = e as LaurelError;
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toContain(path);
    if (text) expect(err.message).toMatch(text);
    return err;
  }
  throw new Error(`expected a VALIDATION error at ${path}`);
}

function withInput(change: (i: AchievementCredentialInput & Record<string, any>) => void): AchievementCredentialInput {
  const input = fullInput() as AchievementCredentialInput & Record<string, any>;
  change(input);
  return input;
}

describe('buildAchievementCredential', () => {
  it('builds a credential using every author-facing field that passes both schema builds and every rule', () => {
    const c = buildAchievementCredential(fullInput());
    expect(schemaIssues(c, 'achievement', 'json-ld')).toEqual([]);
    expect(schemaIssues(c, 'achievement', 'formal')).toEqual([]);
    expect(validateCredential(c)).toEqual({ valid: true, issues: [] });
    expect(outputRuleViolations(c)).toEqual([]);
  });

  it('applies the output rules: contexts, type, arrays, images, dates, defaults', () => {
    const c = buildAchievementCredential(fullInput()) as any;
    // A 1EdTech* type (the default credentialSchema) appears, so extensions.json follows VC and OB.
    expect(c['@context']).toEqual([CONTEXTS.VC_V2, CONTEXTS.OB_303, CONTEXTS.OB_EXTENSIONS]);
    expect(c.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(c.credentialSchema).toEqual([{ id: SCHEMA_URLS.achievementCredential, type: '1EdTechJsonSchemaValidator2019' }]);
    expect(c.image).toEqual({ id: 'https://laurel.example/credentials/42/image.png', type: 'Image' });
    expect(c.issuer.image).toEqual({ id: 'data:image/png;base64,iVBORw0KGgo=', type: 'Image' });
    expect(c.issuer.type).toEqual(['Profile']);
    expect(c.issuer.parentOrg).toEqual({ id: 'https://state.example/colleges', type: ['Profile'], name: 'State Colleges' });
    expect(c.issuer.address.geo).toEqual({ type: 'GeoCoordinates', latitude: 51.9, longitude: -8.47 });
    expect(c.issuer.otherIdentifier).toEqual([{ type: 'IdentifierEntry', identifier: 'LCC-1', identifierType: 'sourcedId' }]);
    const a = c.credentialSubject.achievement;
    expect(a.type).toEqual(['Achievement']);
    expect(a.otherIdentifier).toEqual([{ type: 'IdentifierEntry', identifier: 'CIP-14.4201', identifierType: 'ext:CipCode' }]);
    expect(a.alignment[0].type).toEqual(['Alignment']);
    expect(a.related[0]).toEqual({ id: 'https://laurel.example/achievements/robotica-101', type: ['Related'], inLanguage: 'es', version: '2.1' });
    expect(a.resultDescription[1].rubricCriterionLevel[0]).toEqual({ id: LEVEL_BASIC, type: ['RubricCriterionLevel'], name: 'Basic', level: 'Basic', points: '2' });
    expect(a.resultDescription[1].rubricCriterionLevel[1].alignment).toHaveLength(1);
    expect(a.creator.image).toEqual({ id: 'https://dept.example/logo.png', type: 'Image', caption: 'Logo' });
    const s = c.credentialSubject;
    expect(s.type).toEqual(['AchievementSubject']);
    expect(s.identifier[0]).toMatchObject({ type: 'IdentityObject', hashed: true, identityType: 'emailAddress' });
    expect(s.identifier[0].identityHash).toMatch(/^sha256\$[0-9a-f]{64}$/);
    expect(s.identifier[1]).toEqual({ type: 'IdentityObject', hashed: false, identityHash: 'S-42', identityType: 'sisSourcedId' });
    expect(s.activityStartDate).toBe('2024-01-15T09:00:00+01:00');
    expect(s.activityEndDate).toBe('2024-05-30T17:00:00Z');
    expect(s.result.map((r: any) => r.type)).toEqual([['Result'], ['Result'], ['Result']]);
    expect(c.validUntil).toBe('2029-06-01T00:00:00Z');
    expect(c.evidence[1]).toEqual({ type: ['Evidence'], name: 'Demo day', description: 'Live demonstration.' });
    expect(c.credentialStatus.type).toBe('BitstringStatusListEntry');
  });

  it('fills defaults for a minimal input: urn:uuid id, now as validFrom, name from the achievement', () => {
    const before = Date.now();
    const c = buildAchievementCredential(minimalInput()) as any;
    expect(c.id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c.validFrom).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(c.validFrom)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(c.name).toBe('Badge');
    expect(c.issuer).toEqual({ id: 'https://issuer.example', type: ['Profile'], name: 'Issuer' });
    expect(validateCredential(c).valid).toBe(true);
    // Two builds never share an id.
    expect(buildAchievementCredential(minimalInput()).id).not.toBe(c.id);
  });

  it('leaves extensions.json out when no 1EdTech* type is used, and accepts AchievementCredential', () => {
    const c = buildAchievementCredential({ ...minimalInput(), credentialSchema: [], type: 'AchievementCredential' }) as any;
    expect(c['@context']).toEqual([CONTEXTS.VC_V2, CONTEXTS.OB_303]);
    expect(c.credentialSchema).toBeUndefined();
    expect(c.type).toEqual(['VerifiableCredential', 'AchievementCredential']);
    expect(validateCredential(c)).toEqual({ valid: true, issues: [] });
  });

  it('is idempotent: its output fed back in gives the same JSON', () => {
    const c = buildAchievementCredential(fullInput()) as any;
    const again = buildAchievementCredential({
      id: c.id,
      issuer: c.issuer,
      achievement: c.credentialSubject.achievement,
      subject: { ...c.credentialSubject, achievement: undefined },
      name: c.name,
      description: c.description,
      image: c.image,
      validFrom: c.validFrom,
      validUntil: c.validUntil,
      awardedDate: c.awardedDate,
      evidence: c.evidence,
      credentialSchema: c.credentialSchema,
      credentialStatus: c.credentialStatus,
    });
    expect(again).toEqual(c);
  });

  it('treats blank optional strings as not given, and drops blank tags', () => {
    const c = buildAchievementCredential(
      withInput((i) => {
        i.description = '  ';
        i.achievement.tag = ['robotics', ''];
        i.subject.role = '';
      }),
    ) as any;
    expect(c.description).toBeUndefined();
    expect(c.credentialSubject.role).toBeUndefined();
    expect(c.credentialSubject.achievement.tag).toEqual(['robotics']);
  });

  it('writes a Date at whole seconds in UTC and keeps a zoned string as written', () => {
    const c = buildAchievementCredential({ ...minimalInput(), validFrom: new Date('2024-05-01T12:34:56.789Z'), awardedDate: '2024-04-30t10:00:00+02:00' }) as any;
    expect(c.validFrom).toBe('2024-05-01T12:34:56Z');
    expect(c.awardedDate).toBe('2024-04-30T10:00:00+02:00');
  });

  describe('refuses what it would otherwise have to drop or guess', () => {
    it('an unknown property, naming it', () => {
      const err = expectVALIDATION(() => buildAchievementCredential(withInput((i) => ((i.achievement as any).foo = 'bar'))), '$.credentialSubject.achievement.foo', /"foo" is not a property of Achievement/);
      expect(err.details).toMatchObject({ property: 'foo' });
    });
    it('evidence on the subject (it belongs on the credential)', () => {
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => ((i.subject as any).evidence = [{ name: 'x' }]))), '$.credentialSubject.evidence', /belongs on the credential/);
    });
    it('VC 1.1 names', () => {
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => (i.issuanceDate = '2024-01-01T00:00:00Z'))), '$.issuanceDate', /validFrom/);
    });
    it('endorsementJwt (not in the pinned signing context)', () => {
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => (i.endorsementJwt = ['a.b.c']))), '$.endorsementJwt', /does not define endorsementJwt/);
    });
    it('a date-time without a zone', () => {
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), validFrom: '2024-05-01T00:00:00' }), '$.validFrom', /no time zone.*2024-05-01T00:00:00Z/);
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), validFrom: '2024-05-01' }), '$.validFrom', /T00:00:00Z/);
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), validFrom: '2024-02-30T00:00:00Z' }), '$.validFrom', /not a real date/);
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), validFrom: new Date('nope') }), '$.validFrom', /invalid Date/);
    });
    it('validUntil not after validFrom', () => {
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), validFrom: '2024-05-01T00:00:00Z', validUntil: '2024-05-01T00:00:00Z' }), '$.validUntil', /must be after validFrom/);
    });
    it('an issuer without a name', () => {
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), issuer: { id: 'https://issuer.example' } }), '$.issuer.name', /Displayers/);
    });
    it('an id that is not a URI', () => {
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), issuer: { id: 'issuer.example', name: 'X' } }), '$.issuer.id', /needs a scheme/);
    });
    it('a subject with neither id nor identifier', () => {
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), subject: {} }), '$.credentialSubject', /names no recipient/);
    });
    it('empty criteria', () => {
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => (i.achievement.criteria = { narrative: ' ' }))), '$.credentialSubject.achievement.criteria', /narrative.*or an id/);
    });
    it('unknown enum values, with the fix', () => {
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => (i.achievement.achievementType = 'MyBadge' as any))), '$.credentialSubject.achievement.achievementType', /"ext:MyBadge"/);
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => (i.achievement.achievementType = 'badge' as any))), '$.credentialSubject.achievement.achievementType', /write "Badge"/);
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => (i.achievement.achievementType = 'ext:My Badge' as any))), '$.credentialSubject.achievement.achievementType', /well-formed extension/);
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => ((i.subject.result as any)[2].status = 'ext:Done'))), '$.credentialSubject.result[2].status', /ResultStatusType/);
    });
    it('an IdentityObject or Image type written as an array', () => {
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => (i.image = { id: 'https://x.example/i.png', type: ['Image'] as any }))), '$.image.type', /not an array/);
      expectVALIDATION(
        () => buildAchievementCredential(withInput((i) => (i.subject.identifier = { type: ['IdentityObject'], hashed: false, identityHash: 'x', identityType: 'emailAddress' } as any))),
        '$.credentialSubject.identifier.type',
        /IdentityObject/,
      );
    });
    it('result links that point nowhere, or at the wrong description', () => {
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => ((i.subject.result as any)[0].resultDescription = 'urn:uuid:nope'))), '$.credentialSubject.result[0].resultDescription', /not the id of a ResultDescription/);
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => ((i.subject.result as any)[0].achievedLevel = LEVEL_BASIC))), '$.credentialSubject.result[0].achievedLevel', new RegExp(`rubric level of ResultDescription "${RD_RUBRIC}"`));
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => delete (i.subject.result as any)[2].status)), '$.credentialSubject.result[2].status', /resultType Status/);
    });
    it('a requiredLevel that is not one of its levels', () => {
      expectVALIDATION(() => buildAchievement({ ...fullInput().achievement, resultDescription: [{ id: RD_RUBRIC, name: 'r', resultType: 'RubricCriterionLevel', requiredLevel: 'urn:x:none', rubricCriterionLevel: [{ name: 'a' }] }] }), '$.resultDescription[0].requiredLevel');
    });
    it('a bad inLanguage', () => {
      expectVALIDATION(() => buildAchievement({ ...fullInput().achievement, inLanguage: 'EN_us' }), '$.inLanguage', /language code/);
    });
    it('a credentialStatus without id (the strict schema requires it)', () => {
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' } }), '$.credentialStatus.id', /strict schema/);
    });
    it('a termsOfUse type the pinned contexts do not define (found by the term check)', () => {
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), termsOfUse: [{ type: 'TrustFrameworkPolicy' }] }), '$.termsOfUse[0].type', /relative IRI/);
    });
    it('a context that is not bundled', () => {
      expectVALIDATION(() => buildAchievementCredential({ ...minimalInput(), contexts: ['https://www.w3.org/2018/credentials/examples/v2'] }), '$.contexts[0]', /pinned bundle/);
    });
    it('numbers out of range', () => {
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => (i.subject.creditsEarned = -1))), '$.credentialSubject.creditsEarned', /at least 0/);
      expectVALIDATION(() => buildAchievementCredential(withInput((i) => (i.issuer.address!.geo = { latitude: 91, longitude: 0 }))), '$.issuer.address.geo.latitude', /between -90 and 90/);
    });
  });
});

describe('part builders', () => {
  it('buildImage converts a URL or data: URI and keeps a caption', () => {
    expect(buildImage('https://x.example/a.png')).toEqual({ id: 'https://x.example/a.png', type: 'Image' });
    expect(buildImage(new URL('https://x.example/a b.png'))).toEqual({ id: 'https://x.example/a%20b.png', type: 'Image' });
    expect(buildImage({ id: 'data:image/svg+xml;base64,PHN2Zy8+', caption: 'c' })).toEqual({ id: 'data:image/svg+xml;base64,PHN2Zy8+', type: 'Image', caption: 'c' });
  });

  it('buildProfile emits the Profile and, for the API, with only the OB context', () => {
    const p = buildProfile({ id: 'https://example.edu/issuers/565049', name: 'Example University', phone: '111-222-3333', dateOfBirth: new Date('2000-02-29T12:00:00Z') });
    expect(p).toEqual({ id: 'https://example.edu/issuers/565049', type: ['Profile'], name: 'Example University', phone: '111-222-3333', dateOfBirth: '2000-02-29' });
    const withCtx = buildProfile({ id: 'https://example.edu/issuers/565049', name: 'Example University' }, { context: true }) as any;
    expect(withCtx['@context']).toEqual([CONTEXTS.OB_303]);
    expect(validateCredential(withCtx, { kind: 'profile' })).toEqual({ valid: true, issues: [] });
  });

  it('buildAchievement assigns urn:uuid ids to result descriptions and levels that have none', () => {
    const a = buildAchievement({ id: 'urn:uuid:5d6f4c1e-4a3e-4f59-9b6c-1a2b3c4d5e6f', name: 'n', description: 'd', criteria: { narrative: 'x' }, resultDescription: { name: 'r', resultType: 'RubricScore', rubricCriterionLevel: [{ name: 'l' }] } });
    expect(a.resultDescription?.[0]?.id).toMatch(/^urn:uuid:/);
    expect(a.resultDescription?.[0]?.rubricCriterionLevel?.[0]?.id).toMatch(/^urn:uuid:/);
  });

  it('buildAchievementSubject checks results against the achievement it carries', () => {
    const input = fullInput();
    const s = buildAchievementSubject({ ...input.subject, achievement: input.achievement });
    expect(s.result?.map((r) => r.resultDescription)).toEqual([RD_GRADE, RD_RUBRIC, RD_STATUS]);
    expectVALIDATION(() => buildAchievementSubject({ id: 'did:x:1', achievement: input.achievement, result: { achievedLevel: 'urn:x:nowhere' } }), '$.result[0].achievedLevel', /not the id of any rubricCriterionLevel/);
  });
});

describe('buildEndorsementCredential', () => {
  it('builds an endorsement that passes both endorsement schema builds', () => {
    const e = buildEndorsementCredential({
      issuer: { id: 'https://accreditor.example', name: 'Accreditor' },
      name: 'Accreditation',
      subject: { id: 'https://laurel.example/achievements/robotics-101', endorsementComment: 'Meets the standard.' },
      validFrom: '2024-01-01T00:00:00Z',
    }) as any;
    expect(e.type).toEqual(['VerifiableCredential', 'EndorsementCredential']);
    expect(e.credentialSubject).toEqual({ id: 'https://laurel.example/achievements/robotics-101', type: ['EndorsementSubject'], endorsementComment: 'Meets the standard.' });
    expect(e.credentialSchema[0].id).toBe(SCHEMA_URLS.endorsementCredential);
    expect(schemaIssues(e, 'endorsement', 'json-ld')).toEqual([]);
    expect(schemaIssues(e, 'endorsement', 'formal')).toEqual([]);
    expect(validateCredential(e)).toEqual({ valid: true, issues: [] });
  });

  it('requires a name', () => {
    expectVALIDATION(() => buildEndorsementCredential({ issuer: { id: 'https://a.example', name: 'A' }, subject: { id: 'https://b.example' } } as any), '$.name', /required/);
  });

  it('can be embedded (signed by someone else) in a credential, an achievement and a profile', () => {
    const e = buildEndorsementCredential({ issuer: { id: 'https://accreditor.example', name: 'Accreditor' }, name: 'Accreditation', subject: { id: 'https://issuer.example' }, validFrom: '2024-01-01T00:00:00Z', credentialSchema: [] });
    const signed = { ...e, proof: [{ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', created: '2024-01-01T00:00:00Z', proofPurpose: 'assertionMethod', verificationMethod: 'https://accreditor.example#z6Mk', proofValue: 'z3' }] };
    const input = minimalInput();
    const c = buildAchievementCredential({ ...input, endorsement: [signed], issuer: { ...input.issuer, endorsement: signed }, achievement: { ...input.achievement, endorsement: [signed] } }) as any;
    expect(c.endorsement).toEqual([signed]);
    expect(c.issuer.endorsement).toEqual([signed]);
    expect(c.credentialSubject.achievement.endorsement).toEqual([signed]);
    expect(validateCredential(c).valid).toBe(true);
  });
});
