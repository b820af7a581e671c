/**
 * OB 3.0 enumerations, exact values from the spec (digest §3) and the schemas. Extensible
 * enumerations (EnumExt) also accept `ext:<Name>`; closed ones don't.
 */

export const ACHIEVEMENT_TYPES = [
  'Achievement',
  'ApprenticeshipCertificate',
  'Assessment',
  'Assignment',
  'AssociateDegree',
  'Award',
  'Badge',
  'BachelorDegree',
  'Certificate',
  'CertificateOfCompletion',
  'Certification',
  'CommunityService',
  'Competency',
  'Course',
  'CoCurricular',
  'Degree',
  'Diploma',
  'DoctoralDegree',
  'Fieldwork',
  'GeneralEducationDevelopment',
  'JourneymanCertificate',
  'LearningProgram',
  'License',
  'Membership',
  'ProfessionalDoctorate',
  'QualityAssuranceCredential',
  'MasterCertificate',
  'MasterDegree',
  'MicroCredential',
  'ResearchDoctorate',
  'SecondarySchoolDiploma',
] as const;

export const ALIGNMENT_TARGET_TYPES = [
  'ceasn:Competency',
  'ceterms:Credential',
  'CFItem',
  'CFRubric',
  'CFRubricCriterion',
  'CFRubricCriterionLevel',
  'CTDL',
] as const;

export const RESULT_TYPES = [
  'GradePointAverage',
  'LetterGrade',
  'Percent',
  'PerformanceLevel',
  'PredictedScore',
  'RawScore',
  'Result',
  'RubricCriterion',
  'RubricCriterionLevel',
  'RubricScore',
  'ScaledScore',
  'Status',
] as const;

/** Closed: no `ext:` values. */
export const RESULT_STATUS_TYPES = ['Completed', 'Enrolled', 'Failed', 'InProgress', 'OnHold', 'Provisional', 'Withdrew'] as const;

export const IDENTIFIER_TYPES = [
  'name',
  'sourcedId',
  'systemId',
  'productId',
  'userName',
  'accountId',
  'emailAddress',
  'nationalIdentityNumber',
  'isbn',
  'issn',
  'lisSourcedId',
  'oneRosterSourcedId',
  'sisSourcedId',
  'ltiContextId',
  'ltiDeploymentId',
  'ltiToolId',
  'ltiPlatformId',
  'ltiUserId',
  'identifier',
] as const;

/** An extension value as we emit it: exactly `ext:<Name>`. */
export type ExtValue = `ext:${string}`;

export type AchievementType = (typeof ACHIEVEMENT_TYPES)[number] | ExtValue;
export type AlignmentTargetType = (typeof ALIGNMENT_TARGET_TYPES)[number] | ExtValue;
export type ResultType = (typeof RESULT_TYPES)[number] | ExtValue;
export type ResultStatusType = (typeof RESULT_STATUS_TYPES)[number];
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number] | ExtValue;

// The schema's own pattern `(ext:)[a-z|A-Z|0-9|.|-|_]+` is unanchored (and lets `|` through), so
// it accepts any string that merely contains `ext:x`. We hold emitted and checked values to this.
const EXT_VALUE = /^ext:[A-Za-z0-9._-]+$/;

export function isExtValue(value: unknown): value is ExtValue {
  return typeof value === 'string' && EXT_VALUE.test(value);
}

export interface EnumInfo {
  /** Name used in messages, e.g. "AchievementType". */
  name: string;
  values: readonly string[];
  extensible: boolean;
}

export const ENUMS = {
  AchievementType: { name: 'AchievementType', values: ACHIEVEMENT_TYPES, extensible: true },
  AlignmentTargetType: { name: 'AlignmentTargetType', values: ALIGNMENT_TARGET_TYPES, extensible: true },
  ResultType: { name: 'ResultType', values: RESULT_TYPES, extensible: true },
  ResultStatusType: { name: 'ResultStatusType', values: RESULT_STATUS_TYPES, extensible: false },
  IdentifierTypeEnum: { name: 'IdentifierTypeEnum', values: IDENTIFIER_TYPES, extensible: true },
} as const satisfies Record<string, EnumInfo>;

/** Is `value` a known member of the enumeration, or (for extensible ones) a well-formed `ext:` value? */
export function isEnumValue(info: EnumInfo, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  return info.values.includes(value) || (info.extensible && isExtValue(value));
}

export function isAchievementType(v: unknown): v is AchievementType {
  return isEnumValue(ENUMS.AchievementType, v);
}
export function isAlignmentTargetType(v: unknown): v is AlignmentTargetType {
  return isEnumValue(ENUMS.AlignmentTargetType, v);
}
export function isResultType(v: unknown): v is ResultType {
  return isEnumValue(ENUMS.ResultType, v);
}
export function isResultStatusType(v: unknown): v is ResultStatusType {
  return isEnumValue(ENUMS.ResultStatusType, v);
}
export function isIdentifierType(v: unknown): v is IdentifierType {
  return isEnumValue(ENUMS.IdentifierTypeEnum, v);
}

/**
 * Says what is wrong with an enum value and what to write instead, or undefined if it is fine.
 * Catches the common near-misses: wrong case, a missing `ext:` prefix, a malformed `ext:` name.
 */
export function describeEnumProblem(info: EnumInfo, value: unknown): string | undefined {
  if (isEnumValue(info, value)) return undefined;
  const some = info.values.length > 8 ? `${info.values.slice(0, 6).join(', ')}, … (${info.values.length} values)` : info.values.join(', ');
  const ext = info.extensible ? ', or an extension value written exactly ext:<Name> (letters, digits, . _ -)' : '';
  if (typeof value !== 'string') return `${info.name} must be a string: one of ${some}${ext}.`;
  const caseMatch = info.values.find((v) => v.toLowerCase() === value.toLowerCase());
  if (caseMatch) return `"${value}" is not a ${info.name} value; values are case-sensitive: write "${caseMatch}".`;
  if (info.extensible && value.includes('ext:')) {
    return `"${value}" is not a well-formed extension value: write exactly ext:<Name>, where Name uses only letters, digits, ".", "_" and "-".`;
  }
  if (info.extensible) {
    const name = value.replace(/[^A-Za-z0-9._-]/g, '');
    return `"${value}" is not a ${info.name} value. Use one of ${some}, or mark your own term as an extension${name ? `: "ext:${name}"` : ' (ext:<Name>)'}.`;
  }
  return `"${value}" is not a ${info.name} value. Use one of ${some}.`;
}
