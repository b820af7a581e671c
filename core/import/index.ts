// Public face of core/import: CSV rosters (decode → parse → map → check → report).
export { decodeRoster, guessLegacyEncoding, repairDoubleEncoding, resolveEncoding, ROSTER_MAX_BYTES } from './decode.ts';
export type { DecodeOptions, EncodingGuess } from './decode.ts';
export { parseRoster, sniffDelimiter, ROSTER_MAX_ROWS, ROSTER_MAX_CHARS } from './csv.ts';
export type { ParseOptions } from './csv.ts';
export { FIELD_LABELS, guessMapping, mergeMapping, normalizeHeader, parseMappingArgs, resolveField } from './mapping.ts';
export type { GuessedMapping, MappingConfidence, MappingGuess, MappingOverrides } from './mapping.ts';
export { checkRoster, formatProblems, formatSummary } from './roster.ts';
export type { CheckOptions, FormatOptions } from './roster.ts';
export { checkDate, checkEmail, checkHttpUrl, checkNumber, checkSubjectId, isDid } from './validate.ts';
export { ROSTER_FIELDS } from './types.ts';
export type {
  DecodedRoster,
  DecodeWarning,
  IdentityField,
  ParsedRoster,
  RosterCheck,
  RosterDelimiter,
  RosterEncoding,
  RosterField,
  RosterMapping,
  RosterProblem,
  RosterRecord,
  RosterRow,
  RosterStats,
} from './types.ts';
