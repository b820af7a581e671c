import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ACHIEVEMENT_TYPES,
  ALIGNMENT_TARGET_TYPES,
  buildIdentityObject,
  describeIdentityHashProblem,
  hashIdentity,
  IDENTIFIER_TYPES,
  isAchievementType,
  isExtValue,
  isResultStatusType,
  RESULT_STATUS_TYPES,
  RESULT_TYPES,
} from '../../core/model/index.ts';
import { readShared } from './fixtures.ts';

describe('hashIdentity', () => {
  it('matches both digest examples of spec-digest §2.9 (salt appended, sha256$ prefix)', () => {
    expect(hashIdentity('a@example.com', 'Kosher')).toBe('sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399');
    expect(hashIdentity('jjefferson18@example.com', 'FleurDeSel')).toBe('sha256$658625b25ab3d75d613ca97d9a5a77f70e2192feca5557f4ad09a4d4f121f5fc');
  });

  it('is not the salt-first form, hashes UTF-8, and can produce md5 for old credentials', () => {
    expect(hashIdentity('a@example.com', 'Kosher')).not.toBe(hashIdentity('Kosher', 'a@example.com'));
    expect(hashIdentity('zoë@example.com', 'x')).toBe('sha256$' + createHash('sha256').update(Buffer.from('zoë@example.comx', 'utf8')).digest('hex'));
    expect(hashIdentity('a@example.com', 'Kosher', 'md5')).toMatch(/^md5\$[0-9a-f]{32}$/);
  });
});

describe('buildIdentityObject', () => {
  it('defaults: emailAddress, hashed, a random 16-byte hex salt', () => {
    const a = buildIdentityObject({ identifier: 'learner@example.com' });
    const b = buildIdentityObject({ identifier: 'learner@example.com' });
    expect(a.type).toBe('IdentityObject');
    expect(a.identityType).toBe('emailAddress');
    expect(a.hashed).toBe(true);
    expect(a.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(a.salt).not.toBe(b.salt);
    expect(a.identityHash).toBe(hashIdentity('learner@example.com', a.salt));
  });

  it('uses a given salt, and stores the plain value when hashed is false', () => {
    expect(buildIdentityObject({ identifier: 'a@example.com', salt: 'Kosher' }).identityHash).toBe('sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399');
    expect(buildIdentityObject({ identifier: 'S-1', identityType: 'sisSourcedId', hashed: false })).toEqual({ type: 'IdentityObject', hashed: false, identityHash: 'S-1', identityType: 'sisSourcedId' });
  });

  it('refuses identityType "email" and unknown types', () => {
    expect(() => buildIdentityObject({ identifier: 'a@example.com', identityType: 'email' as any })).toThrow(/write "emailAddress"/);
    expect(() => buildIdentityObject({ identifier: 'a@example.com', identityType: 'phone' as any })).toThrow(/ext:phone/);
    expect(buildIdentityObject({ identifier: '+353 1 234', identityType: 'ext:phoneNumber' }).identityType).toBe('ext:phoneNumber');
  });

  it('checks an IdentityObject given back to it', () => {
    const io = buildIdentityObject({ identifier: 'a@example.com' });
    expect(buildIdentityObject(io)).toEqual(io);
    expect(() => buildIdentityObject({ ...io, identityHash: io.identityHash.slice(7) })).toThrow(/no algorithm prefix: write "sha256\$/);
  });

  it('describes malformed hashes', () => {
    expect(describeIdentityHashProblem('sha256$abc')).toMatch(/64 hexadecimal/);
    expect(describeIdentityHashProblem('sha1$' + 'a'.repeat(40))).toMatch(/sha256 or md5/);
    expect(describeIdentityHashProblem('md5$' + 'A'.repeat(32))).toBeUndefined();
  });
});

describe('enumerations', () => {
  it('have the spec values (31 AchievementTypes) and match the official schema enums', () => {
    expect(ACHIEVEMENT_TYPES).toHaveLength(31);
    expect(new Set(ACHIEVEMENT_TYPES).size).toBe(31);
    const schema = readShared('ob3/schemas/formal-2024-07/achievementcredential.json');
    const defs = schema.$defs;
    expect([...ACHIEVEMENT_TYPES]).toEqual(defs.Achievement.properties.achievementType.oneOf[0].enum);
    expect([...ALIGNMENT_TARGET_TYPES]).toEqual(defs.Alignment.properties.targetType.oneOf[0].enum);
    expect([...RESULT_TYPES]).toEqual(defs.ResultDescription.properties.resultType.oneOf[0].enum);
    expect([...RESULT_STATUS_TYPES]).toEqual(defs.Result.properties.status.enum);
    expect([...IDENTIFIER_TYPES]).toEqual(defs.IdentityObject.properties.identityType.oneOf[0].enum);
    expect([...IDENTIFIER_TYPES]).toEqual(defs.IdentifierEntry.properties.identifierType.oneOf[0].enum);
  });

  it('isExtValue accepts exactly ext:<Name> with [A-Za-z0-9._-]', () => {
    for (const ok of ['ext:MyType', 'ext:a.b-c_d9']) expect(isExtValue(ok)).toBe(true);
    // The schema's unanchored pattern would accept the last three; we don't.
    for (const bad of ['ext:', 'MyType', 'ext:My Type', 'ext:a|b', 'xext:Foo', 'ext:Foo bar']) expect(isExtValue(bad)).toBe(false);
  });

  it('extensible enums take ext: values; ResultStatusType is closed', () => {
    expect(isAchievementType('ext:Apprenticeship')).toBe(true);
    expect(isAchievementType('badge')).toBe(false);
    expect(isResultStatusType('Completed')).toBe(true);
    expect(isResultStatusType('ext:Completed')).toBe(false);
  });
});
