import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AchievementCredentialInput } from '../../core/model/index.ts';

export const SHARED_SPEC = path.resolve(import.meta.dirname, '../../../shared/spec');
export const EXAMPLES_DIR = path.join(SHARED_SPEC, 'ob3/examples/spec');

export function readExample(name: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(EXAMPLES_DIR, name), 'utf8')) as Record<string, any>;
}

export function readShared(rel: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(SHARED_SPEC, rel), 'utf8')) as Record<string, any>;
}

export const RD_GRADE = 'urn:uuid:6f3a1a3e-8f1e-4c55-9a53-2b0c7d1d0a01';
export const RD_RUBRIC = 'urn:uuid:6f3a1a3e-8f1e-4c55-9a53-2b0c7d1d0a02';
export const RD_STATUS = 'urn:uuid:6f3a1a3e-8f1e-4c55-9a53-2b0c7d1d0a03';
export const LEVEL_BASIC = 'urn:uuid:6f3a1a3e-8f1e-4c55-9a53-2b0c7d1d0a11';
export const LEVEL_MASTERED = 'urn:uuid:6f3a1a3e-8f1e-4c55-9a53-2b0c7d1d0a12';

/** An input that uses every author-facing field of the builders. */
export function fullInput(): AchievementCredentialInput {
  return {
    id: 'urn:uuid:0b5e2f5c-6a55-4f43-9d5e-3f2a7c0e1a10',
    issuer: {
      id: 'did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi',
      name: 'Laurel Community College',
      url: 'https://laurel.example',
      email: 'registrar@laurel.example',
      image: 'data:image/png;base64,iVBORw0KGgo=',
      address: { addressCountry: 'Ireland', addressCountryCode: 'IE', addressLocality: 'Cork', geo: { latitude: 51.9, longitude: -8.47 } },
      otherIdentifier: [{ identifier: 'LCC-1', identifierType: 'sourcedId' }],
      parentOrg: { id: 'https://state.example/colleges', name: 'State Colleges' },
    },
    achievement: {
      id: 'https://laurel.example/achievements/robotics-101',
      name: 'Robotics 101',
      description: 'Builds and programs a simple robot.',
      criteria: { id: 'https://laurel.example/achievements/robotics-101/criteria', narrative: '# Criteria\nBuild a robot that beeps.' },
      achievementType: 'Course',
      alignment: [{ targetName: 'Robot Programming', targetUrl: 'https://framework.example/robot-programming', targetType: 'CFItem', targetCode: 'RP-1', targetFramework: 'Example Robotics', targetDescription: 'Programs robots' }],
      creator: { id: 'https://dept.example', name: 'Engineering Dept', image: { id: 'https://dept.example/logo.png', caption: 'Logo' } },
      creditsAvailable: 3,
      fieldOfStudy: 'Engineering',
      humanCode: 'ROB101',
      specialization: 'Embedded software',
      inLanguage: 'en-US',
      tag: ['robotics', 'programming'],
      version: '2.1',
      image: { id: 'https://laurel.example/achievements/robotics-101/badge.png', caption: 'Robotics badge' },
      otherIdentifier: { identifier: 'CIP-14.4201', identifierType: 'ext:CipCode' },
      related: [{ id: 'https://laurel.example/achievements/robotica-101', inLanguage: 'es', version: '2.1' }],
      resultDescription: [
        { id: RD_GRADE, name: 'Final grade', resultType: 'LetterGrade', allowedValue: ['D', 'C', 'B', 'A'], requiredValue: 'C' },
        {
          id: RD_RUBRIC,
          name: 'Project rubric',
          resultType: 'RubricCriterionLevel',
          requiredLevel: LEVEL_BASIC,
          rubricCriterionLevel: [
            { id: LEVEL_BASIC, name: 'Basic', level: 'Basic', points: 2 },
            { id: LEVEL_MASTERED, name: 'Mastery', level: 'Mastered', points: '4', description: 'Exceeds', alignment: { targetName: 'Mastery', targetUrl: 'https://framework.example/levels/mastered', targetType: 'CFRubricCriterionLevel' } },
          ],
        },
        { id: RD_STATUS, name: 'Course status', resultType: 'Status' },
      ],
    },
    subject: {
      id: 'did:example:learner-42',
      identifier: ['learner@example.com', { identifier: 'S-42', identityType: 'sisSourcedId', hashed: false }],
      result: [
        { resultDescription: RD_GRADE, value: 'A' },
        { resultDescription: RD_RUBRIC, achievedLevel: LEVEL_MASTERED },
        { resultDescription: RD_STATUS, status: 'Completed' },
      ],
      creditsEarned: 3,
      activityStartDate: '2024-01-15T09:00:00+01:00',
      activityEndDate: new Date('2024-05-30T17:00:00Z'),
      licenseNumber: 'L-123',
      role: 'Team lead',
      term: 'Spring 2024',
      narrative: 'See the project report and the code.',
      image: 'https://laurel.example/credentials/42/badge.png',
      source: { id: 'https://lab.example', name: 'Robotics Lab' },
    },
    name: 'Robotics 101 for Learner 42',
    description: 'Awarded for completing Robotics 101.',
    image: 'https://laurel.example/credentials/42/image.png',
    validFrom: '2024-06-01T00:00:00Z',
    validUntil: new Date('2029-06-01T00:00:00Z'),
    awardedDate: '2024-06-01T00:00:00Z',
    evidence: [
      { id: 'https://laurel.example/evidence/42/report', name: 'Project report', narrative: 'The final report.', genre: 'Report', audience: 'Faculty' },
      { name: 'Demo day', description: 'Live demonstration.' },
    ],
    credentialStatus: {
      id: 'https://laurel.example/status/1#42',
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '42',
      statusListCredential: 'https://laurel.example/status/1',
    },
  };
}

export function minimalInput(): AchievementCredentialInput {
  return {
    issuer: { id: 'https://issuer.example', name: 'Issuer' },
    achievement: { id: 'https://issuer.example/a/1', name: 'Badge', description: 'A badge.', criteria: { narrative: 'Earn it.' } },
    subject: { id: 'did:example:1' },
  };
}
