/**
 * core/model: the OB 3.0 data model (types and enumerations), builders that turn author input
 * into canonical credential JSON, and validation against both official schema builds plus the
 * spec rules schemas can't express.
 */
export type * from './types.ts';

export {
  ACHIEVEMENT_TYPES,
  ALIGNMENT_TARGET_TYPES,
  RESULT_TYPES,
  RESULT_STATUS_TYPES,
  IDENTIFIER_TYPES,
  ENUMS,
  isExtValue,
  isEnumValue,
  isAchievementType,
  isAlignmentTargetType,
  isResultType,
  isResultStatusType,
  isIdentifierType,
  describeEnumProblem,
} from './enums.ts';
export type { AchievementType, AlignmentTargetType, ResultType, ResultStatusType, IdentifierType, ExtValue, EnumInfo } from './enums.ts';

export { hashIdentity, randomSalt, buildIdentityObject, describeIdentityHashProblem } from './identity.ts';
export type { IdentityHashAlgorithm, IdentityObjectInput } from './identity.ts';

export {
  buildProfile,
  buildImage,
  buildAchievement,
  buildAchievementSubject,
  buildAchievementCredential,
  buildEndorsementCredential,
  SCHEMA_URLS,
  SCHEMA_VALIDATOR_TYPE,
} from './builders.ts';
export type {
  ImageInput,
  OneOrMany,
  TypeInput,
  IdentifierEntryInput,
  GeoCoordinatesInput,
  AddressInput,
  ProfileInput,
  CriteriaInput,
  AlignmentInput,
  RubricCriterionLevelInput,
  ResultDescriptionInput,
  RelatedInput,
  AchievementInput,
  ResultInput,
  EvidenceInput,
  RecipientIdentifierInput,
  AchievementSubjectInput,
  CredentialSchemaInput,
  AchievementCredentialInput,
  EndorsementCredentialInput,
} from './builders.ts';

export { validateCredential, assertValid, detectKind, formatIssues } from './validate.ts';
export type { ValidationIssue, ValidationResult, ValidateOptions, CredentialKind } from './validate.ts';

export { warmUpSchemas, schemaIssues } from './schemas.ts';
export type { SchemaBuild, SchemaIssue, SchemaKind } from './schemas.ts';

export { validateClrCredential, CLR_CONTEXT_PATTERN } from './clr.ts';
export { OB_CONTEXT_PATTERN } from './rules.ts';
export type { ValidateClrOptions } from './clr.ts';

export { checkTerms } from './terms.ts';
export type { TermIssue } from './terms.ts';

export { describeDateTimeProblem, normalizeDateTime } from './util.ts';
export type { DateInput } from './util.ts';
