import { randomUUID } from 'node:crypto';
import { CONTEXTS, isKnownContext } from '../jsonld/index.ts';
import { ENUMS, describeEnumProblem, type AchievementType, type AlignmentTargetType, type EnumInfo, type IdentifierType, type ResultStatusType, type ResultType } from './enums.ts';
import { buildIdentityObject, type IdentityObjectInput } from './identity.ts';
import { checkPart, extensionTypesUsed, type RuleIssue } from './rules.ts';
import type {
  Achievement,
  AchievementCredential,
  AchievementSubject,
  Address,
  Alignment,
  Criteria,
  CredentialSchema,
  CredentialStatus,
  EndorsementCredential,
  EndorsementSubject,
  Evidence,
  GeoCoordinates,
  IdentifierEntry,
  IdentityObject,
  Image,
  Profile,
  RefreshService,
  Related,
  Result,
  ResultDescription,
  RubricCriterionLevel,
  TermsOfUse,
} from './types.ts';
import { childPath, isObject, normalizeDate, normalizeDateTime, type DateInput, type JsonObject } from './util.ts';
import { validationError } from './util.ts';
import { assertValid } from './validate.ts';

/**
 * Builders: author-facing input → the canonical JSON we sign (decisions.md §2). Each accepts its
 * own output too (building is idempotent), so a stored object can be fed back in. Unknown input
 * properties are refused with a VALIDATION error naming them, never dropped: a property the pinned
 * contexts don't define would make safe-mode signing fail later, far from the cause.
 * Optional strings that are empty or blank count as not given (form fields); required ones throw.
 */

export const SCHEMA_URLS = {
  achievementCredential: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json',
  endorsementCredential: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json',
  profile: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_profile_schema.json',
} as const;

export const SCHEMA_VALIDATOR_TYPE = '1EdTechJsonSchemaValidator2019';

// ---- input types ------------------------------------------------------------------------

/** A URL or data: URI string (converted to `{id, type: "Image"}`), or the object form. */
export type ImageInput = string | URL | { id: string | URL; type?: 'Image'; caption?: string };
/** One value or a list: builders always emit a list. */
export type OneOrMany<T> = T | readonly T[];
/** Extra type names; the base class name is always included (added first if missing). */
export type TypeInput = string | readonly string[];

export interface IdentifierEntryInput {
  identifier: string;
  identifierType: IdentifierType;
  type?: 'IdentifierEntry';
}

export interface GeoCoordinatesInput {
  latitude: number;
  longitude: number;
  type?: 'GeoCoordinates';
}

export interface AddressInput {
  type?: TypeInput;
  addressCountry?: string;
  /** ISO 3166-1 alpha-2, e.g. "US". */
  addressCountryCode?: string;
  addressRegion?: string;
  addressLocality?: string;
  streetAddress?: string;
  postOfficeBoxNumber?: string;
  postalCode?: string;
  geo?: GeoCoordinatesInput;
}

export interface ProfileInput {
  id: string;
  type?: TypeInput;
  name?: string;
  url?: string;
  phone?: string;
  email?: string;
  description?: string;
  image?: ImageInput;
  address?: AddressInput;
  otherIdentifier?: OneOrMany<IdentifierEntryInput>;
  official?: string;
  parentOrg?: ProfileInput;
  givenName?: string;
  familyName?: string;
  additionalName?: string;
  patronymicName?: string;
  honorificPrefix?: string;
  honorificSuffix?: string;
  familyNamePrefix?: string;
  /** `YYYY-MM-DD` or a Date (its UTC date). */
  dateOfBirth?: DateInput;
  /** Signed EndorsementCredentials, embedded as they are. */
  endorsement?: OneOrMany<EndorsementCredential>;
}

export interface CriteriaInput {
  /** URL of a page describing the criteria. */
  id?: string;
  /** Markdown: how to earn the achievement. */
  narrative?: string;
}

export interface AlignmentInput {
  targetName: string;
  targetUrl: string;
  targetCode?: string;
  targetDescription?: string;
  targetFramework?: string;
  targetType?: AlignmentTargetType;
  type?: TypeInput;
}

export interface RubricCriterionLevelInput {
  /** Default: a new `urn:uuid:`. */
  id?: string;
  name: string;
  description?: string;
  level?: string;
  points?: string | number;
  alignment?: OneOrMany<AlignmentInput>;
  type?: TypeInput;
}

export interface ResultDescriptionInput {
  /** Default: a new `urn:uuid:`. Results point at it by this id. */
  id?: string;
  name: string;
  resultType: ResultType;
  alignment?: OneOrMany<AlignmentInput>;
  /** Ordered low → high. */
  allowedValue?: OneOrMany<string | number>;
  /** Id of one of `rubricCriterionLevel`. */
  requiredLevel?: string;
  requiredValue?: string | number;
  /** Ordered low → high. */
  rubricCriterionLevel?: OneOrMany<RubricCriterionLevelInput>;
  valueMin?: string | number;
  valueMax?: string | number;
  type?: TypeInput;
}

export interface RelatedInput {
  id: string;
  inLanguage?: string;
  version?: string;
  type?: TypeInput;
}

export interface AchievementInput {
  /** Required: an https URL or `urn:uuid:`; the same achievement keeps the same id in every credential. */
  id: string;
  name: string;
  description: string;
  criteria: CriteriaInput;
  type?: TypeInput;
  achievementType?: AchievementType;
  alignment?: OneOrMany<AlignmentInput>;
  creator?: ProfileInput;
  creditsAvailable?: number;
  endorsement?: OneOrMany<EndorsementCredential>;
  fieldOfStudy?: string;
  humanCode?: string;
  image?: ImageInput;
  inLanguage?: string;
  otherIdentifier?: OneOrMany<IdentifierEntryInput>;
  related?: OneOrMany<RelatedInput>;
  resultDescription?: OneOrMany<ResultDescriptionInput>;
  specialization?: string;
  /** Keywords; blank entries are left out. */
  tag?: OneOrMany<string>;
  version?: string;
}

export interface ResultInput {
  /** Id of a ResultDescription of the same achievement. */
  resultDescription?: string;
  value?: string | number;
  /** Id of a rubric level of the linked ResultDescription. */
  achievedLevel?: string;
  status?: ResultStatusType;
  alignment?: OneOrMany<AlignmentInput>;
  type?: TypeInput;
}

export interface EvidenceInput {
  id?: string;
  narrative?: string;
  name?: string;
  description?: string;
  genre?: string;
  audience?: string;
  type?: TypeInput;
}

/** A plain string is taken as an e-mail address to hash (emailAddress, sha256, random salt). */
export type RecipientIdentifierInput = string | IdentityObjectInput | IdentityObject;

export interface AchievementSubjectInput {
  /** The learner's DID or URL. Give id, identifier, or both. */
  id?: string;
  /** The learner's name as wallets should show it. */
  name?: string;
  identifier?: OneOrMany<RecipientIdentifierInput>;
  achievement: AchievementInput;
  type?: TypeInput;
  result?: OneOrMany<ResultInput>;
  creditsEarned?: number;
  activityStartDate?: DateInput;
  activityEndDate?: DateInput;
  licenseNumber?: string;
  role?: string;
  term?: string;
  /** Markdown tying the evidence items together. (Evidence itself goes on the credential.) */
  narrative?: string;
  image?: ImageInput;
  /** The body that assessed the learner on the issuer's behalf. */
  source?: ProfileInput;
}

export interface CredentialSchemaInput {
  id: string;
  /** Default `1EdTechJsonSchemaValidator2019`. */
  type?: string;
}

interface EnvelopeInput {
  /** Default: `urn:uuid:<random>`. */
  id?: string;
  issuer: ProfileInput;
  /** Default: now. A string must carry a zone; a Date is written in UTC at whole seconds. */
  validFrom?: DateInput;
  validUntil?: DateInput;
  awardedDate?: DateInput;
  description?: string;
  evidence?: OneOrMany<EvidenceInput>;
  /** `[]` for none. */
  credentialSchema?: readonly CredentialSchemaInput[];
  credentialStatus?: CredentialStatus;
  refreshService?: RefreshService;
  termsOfUse?: OneOrMany<TermsOfUse>;
  /** Extra contexts after VC, OB (and extensions.json): only ones in the pinned bundle. */
  contexts?: readonly string[];
}

export interface AchievementCredentialInput extends EnvelopeInput {
  /** Default 'OpenBadgeCredential'. */
  type?: 'OpenBadgeCredential' | 'AchievementCredential';
  achievement: AchievementInput;
  subject: Omit<AchievementSubjectInput, 'achievement'>;
  /** Default: the achievement's name (wallets show it). */
  name?: string;
  image?: ImageInput;
  /** Signed EndorsementCredentials of this credential. */
  endorsement?: OneOrMany<EndorsementCredential>;
}

export interface EndorsementCredentialInput extends EnvelopeInput {
  name: string;
  /** What is endorsed: the id of a credential, an Achievement or a Profile. */
  subject: { id: string; endorsementComment?: string; type?: TypeInput };
}

// ---- small helpers ----------------------------------------------------------------------

const HINTS: Record<string, string> = {
  issuanceDate: 'VC 2.0 uses validFrom.',
  expirationDate: 'VC 2.0 uses validUntil.',
  recipient: 'name the learner with identifier (an IdentityObject) or id on the subject.',
  tags: 'the property is "tag".',
  alignments: 'the property is "alignment".',
  endorsementJwt:
    'the pinned signing context (context-3.0.3.json as published) does not define endorsementJwt (spec-digest §14); embed signed endorsements in "endorsement" instead.',
  proof: 'build first, then sign with core/proof.',
  '@context': 'builders write @context themselves.',
  'AchievementSubject.evidence': 'evidence belongs on the credential: pass it as evidence to buildAchievementCredential (the subject has only a narrative tying it together).',
  'Achievement.narrative': 'put it in criteria.narrative.',
  'Achievement.evidence': 'evidence belongs on the credential.',
};

function checkKeys(input: JsonObject, allowed: readonly string[], cls: string, path: string): void {
  for (const key of Object.keys(input)) {
    if (allowed.includes(key)) continue;
    const hint = HINTS[`${cls}.${key}`] ?? HINTS[key];
    throw validationError(
      `"${key}" is not a property of ${cls}: the pinned JSON-LD contexts don't define it here, so it can't be signed.${hint ? ` ${hint}` : ' Remove it.'}`,
      childPath(path, key),
      { path: childPath(path, key), property: key },
    );
  }
}

function asObject(v: unknown, path: string, what: string): JsonObject {
  if (!isObject(v)) throw validationError(`${what} must be an object.`, path);
  return v;
}

function optStr(o: JsonObject, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw validationError(`${key} must be a string.`, childPath(path, key));
  return v.trim() === '' ? undefined : v;
}

function reqStr(o: JsonObject, key: string, path: string, why = ''): string {
  const v = optStr(o, key, path);
  if (v === undefined) throw validationError(`${key} is required${why}.`, childPath(path, key));
  return v;
}

/** Numbers become strings where the model says String (points, values). */
function optText(o: JsonObject, key: string, path: string): string | undefined {
  const v = o[key];
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw validationError(`${key} must be a finite number.`, childPath(path, key));
    return String(v);
  }
  return optStr(o, key, path);
}

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

function checkUri(v: string, path: string): string {
  if (!URI.test(v)) throw validationError(`"${v}" is not a URI: it needs a scheme, e.g. https://…, urn:uuid:…, did:…`, path);
  return v;
}

function optUri(o: JsonObject, key: string, path: string): string | undefined {
  const v = o[key] instanceof URL ? String(o[key]) : optStr(o, key, path);
  return v === undefined ? undefined : checkUri(v, childPath(path, key));
}

function reqUri(o: JsonObject, key: string, path: string, why = ''): string {
  const v = optUri(o, key, path);
  if (v === undefined) throw validationError(`${key} is required${why}.`, childPath(path, key));
  return v;
}

function optNumber(o: JsonObject, key: string, path: string, min?: number, max?: number): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw validationError(`${key} must be a finite number.`, childPath(path, key));
  if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
    throw validationError(`${key} must be ${max === undefined ? `at least ${min}` : `between ${min} and ${max}`} (got ${v}).`, childPath(path, key));
  }
  return v;
}

function optEnum<T extends string>(o: JsonObject, key: string, info: EnumInfo, path: string): T | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  const problem = describeEnumProblem(info, v);
  if (problem) throw validationError(problem, childPath(path, key));
  return v as T;
}

function list(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** Builds each item; returns undefined instead of an empty list. */
function many<T>(v: unknown, path: string, build: (item: unknown, path: string) => T): T[] | undefined {
  const isList = Array.isArray(v);
  const out = list(v).map((item, i) => build(item, isList ? childPath(path, i) : path));
  return out.length > 0 ? out : undefined;
}

function typeList(v: unknown, base: string, path: string): string[] {
  if (v === undefined || v === null) return [base];
  const items = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
  if (!items || items.some((t) => typeof t !== 'string' || t.trim() === '')) throw validationError(`type must be a type name or a list of them (always including "${base}").`, childPath(path, 'type'));
  const unique = [...new Set(items as string[])];
  return unique.includes(base) ? unique : [base, ...unique];
}

function scalarType(o: JsonObject, cls: string, path: string): void {
  const t = o.type;
  if (t === undefined || t === cls) return;
  throw validationError(`type of ${cls} must be the string "${cls}"${Array.isArray(t) ? ', not an array (a scalar-only class)' : ''}.`, childPath(path, 'type'));
}

/** Sets only defined values, so no undefined ever reaches the output. */
function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

function throwRuleErrors(issues: readonly RuleIssue[]): void {
  const errors = issues.filter((i) => i.severity === 'error');
  const first = errors[0];
  if (first) throw validationError(first.message, first.path, { path: first.path, issues: errors });
}

/** Signed or foreign objects are copied as they are, but must hold nothing we would never emit. */
function checkClean(v: unknown, path: string): void {
  if (v === null) throw validationError('null values are not allowed: leave the property out.', path);
  if (v === '') throw validationError('empty strings are not allowed: leave the property out.', path);
  if (typeof v === 'number' && !Number.isFinite(v)) throw validationError('numbers must be finite.', path);
  if (Array.isArray(v)) {
    if (v.length === 0) throw validationError('empty arrays are not allowed: leave the property out.', path);
    v.forEach((x, i) => checkClean(x, childPath(path, i)));
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) if (x !== undefined) checkClean(x, childPath(path, k));
  }
}

function copyJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function newUrn(): string {
  return `urn:uuid:${randomUUID()}`;
}

// ---- leaf classes -----------------------------------------------------------------------

export function buildImage(input: ImageInput, path = '$'): Image {
  if (typeof input === 'string' || input instanceof URL) {
    const id = String(input);
    if (id.trim() === '') throw validationError('the image URL is empty.', path);
    return { id: checkUri(id, path), type: 'Image' };
  }
  const o = asObject(input, path, 'image');
  checkKeys(o, ['id', 'type', 'caption'], 'Image', path);
  scalarType(o, 'Image', path);
  const out: Image = { id: reqUri(o, 'id', path, ' (the image URL or data: URI)'), type: 'Image' };
  put(out, 'caption', optStr(o, 'caption', path));
  return out;
}

function identifierEntry(v: unknown, path: string): IdentifierEntry {
  const o = asObject(v, path, 'otherIdentifier entry');
  checkKeys(o, ['type', 'identifier', 'identifierType'], 'IdentifierEntry', path);
  scalarType(o, 'IdentifierEntry', path);
  const identifierType = optEnum<IdentifierType>(o, 'identifierType', ENUMS.IdentifierTypeEnum, path);
  if (!identifierType) throw validationError('identifierType is required.', childPath(path, 'identifierType'));
  return { type: 'IdentifierEntry', identifier: reqStr(o, 'identifier', path), identifierType };
}

function geo(v: unknown, path: string): GeoCoordinates {
  const o = asObject(v, path, 'geo');
  checkKeys(o, ['type', 'latitude', 'longitude'], 'GeoCoordinates', path);
  scalarType(o, 'GeoCoordinates', path);
  const latitude = optNumber(o, 'latitude', path, -90, 90);
  const longitude = optNumber(o, 'longitude', path, -180, 180);
  if (latitude === undefined || longitude === undefined) throw validationError('geo needs both latitude and longitude.', path);
  return { type: 'GeoCoordinates', latitude, longitude };
}

function address(v: unknown, path: string): Address {
  const o = asObject(v, path, 'address');
  const keys = ['addressCountry', 'addressCountryCode', 'addressRegion', 'addressLocality', 'streetAddress', 'postOfficeBoxNumber', 'postalCode'] as const;
  checkKeys(o, ['type', ...keys, 'geo'], 'Address', path);
  const out: Address = { type: typeList(o.type, 'Address', path) };
  for (const k of keys) put(out, k, optStr(o, k, path));
  if (out.addressCountryCode !== undefined && !/^[A-Z]{2}$/.test(out.addressCountryCode)) {
    throw validationError(`addressCountryCode must be an ISO 3166-1 alpha-2 code in capitals, e.g. "US" (got "${out.addressCountryCode}").`, childPath(path, 'addressCountryCode'));
  }
  if (o.geo !== undefined && o.geo !== null) out.geo = geo(o.geo, childPath(path, 'geo'));
  return out;
}

function endorsementList(v: unknown, path: string): EndorsementCredential[] | undefined {
  return many(v, path, (item, p) => {
    const o = asObject(item, p, 'an endorsement (a signed EndorsementCredential)');
    const types = list(o.type);
    if (!types.includes('EndorsementCredential')) throw validationError('an endorsement must be an EndorsementCredential (its type must include "EndorsementCredential").', childPath(p, 'type'));
    checkClean(o, p);
    return copyJson(o) as unknown as EndorsementCredential;
  });
}

const PERSON_NAMES = ['givenName', 'familyName', 'additionalName', 'patronymicName', 'honorificPrefix', 'honorificSuffix', 'familyNamePrefix'] as const;

function profileAt(v: unknown, path: string, depth = 0): Profile {
  const o = asObject(v, path, 'a profile');
  checkKeys(o, ['id', 'type', 'name', 'phone', 'description', 'official', ...PERSON_NAMES, 'url', 'email', 'image', 'address', 'otherIdentifier', 'parentOrg', 'dateOfBirth', 'endorsement'], 'Profile', path);
  const out: Profile = { id: reqUri(o, 'id', path, ' (the organisation\'s or person\'s URL or DID)'), type: typeList(o.type, 'Profile', path) };
  put(out, 'name', optStr(o, 'name', path));
  put(out, 'url', optUri(o, 'url', path));
  put(out, 'phone', optStr(o, 'phone', path));
  const email = optStr(o, 'email', path);
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw validationError(`"${email}" is not an e-mail address.`, childPath(path, 'email'));
  put(out, 'email', email);
  put(out, 'description', optStr(o, 'description', path));
  if (o.image !== undefined && o.image !== null && o.image !== '') out.image = buildImage(o.image as ImageInput, childPath(path, 'image'));
  if (o.address !== undefined && o.address !== null) out.address = address(o.address, childPath(path, 'address'));
  put(out, 'otherIdentifier', many(o.otherIdentifier, childPath(path, 'otherIdentifier'), identifierEntry));
  put(out, 'official', optStr(o, 'official', path));
  if (o.parentOrg !== undefined && o.parentOrg !== null) {
    if (depth > 10) throw validationError('parentOrg nests more than 10 levels deep.', childPath(path, 'parentOrg'));
    out.parentOrg = profileAt(o.parentOrg, childPath(path, 'parentOrg'), depth + 1);
  }
  for (const k of PERSON_NAMES) put(out, k, optStr(o, k, path));
  if (o.dateOfBirth !== undefined && o.dateOfBirth !== null && o.dateOfBirth !== '') out.dateOfBirth = normalizeDate(o.dateOfBirth as DateInput, childPath(path, 'dateOfBirth'));
  put(out, 'endorsement', endorsementList(o.endorsement, childPath(path, 'endorsement')));
  return out;
}

/**
 * A Profile (issuer, creator, source, endorser). With `context: true` it gets
 * `@context: [OB 3.0.3]`, the form the OB API's putProfile/getProfile exchange.
 */
export function buildProfile(input: ProfileInput, options: { context?: boolean } = {}): Profile {
  const out = profileAt(input, '$');
  throwRuleErrors(checkPart('Profile', out));
  return options.context ? ({ '@context': [CONTEXTS.OB_303], ...out } as Profile) : out;
}

// ---- achievement ------------------------------------------------------------------------

function alignmentAt(v: unknown, path: string): Alignment {
  const o = asObject(v, path, 'an alignment');
  checkKeys(o, ['type', 'targetName', 'targetUrl', 'targetCode', 'targetDescription', 'targetFramework', 'targetType'], 'Alignment', path);
  const out: Alignment = {
    type: typeList(o.type, 'Alignment', path),
    targetName: reqStr(o, 'targetName', path),
    targetUrl: reqUri(o, 'targetUrl', path, ' (the URL of the competency, standard or course aligned to)'),
  };
  put(out, 'targetCode', optStr(o, 'targetCode', path));
  put(out, 'targetDescription', optStr(o, 'targetDescription', path));
  put(out, 'targetFramework', optStr(o, 'targetFramework', path));
  put(out, 'targetType', optEnum<AlignmentTargetType>(o, 'targetType', ENUMS.AlignmentTargetType, path));
  return out;
}

function alignments(o: JsonObject, path: string): Alignment[] | undefined {
  return many(o.alignment, childPath(path, 'alignment'), alignmentAt);
}

function levelAt(v: unknown, path: string): RubricCriterionLevel {
  const o = asObject(v, path, 'a rubric level');
  checkKeys(o, ['id', 'type', 'name', 'description', 'level', 'points', 'alignment'], 'RubricCriterionLevel', path);
  const out: RubricCriterionLevel = { id: optUri(o, 'id', path) ?? newUrn(), type: typeList(o.type, 'RubricCriterionLevel', path), name: reqStr(o, 'name', path) };
  put(out, 'description', optStr(o, 'description', path));
  put(out, 'level', optStr(o, 'level', path));
  put(out, 'points', optText(o, 'points', path));
  put(out, 'alignment', alignments(o, path));
  return out;
}

function resultDescriptionAt(v: unknown, path: string): ResultDescription {
  const o = asObject(v, path, 'a result description');
  checkKeys(o, ['id', 'type', 'name', 'resultType', 'alignment', 'allowedValue', 'requiredLevel', 'requiredValue', 'rubricCriterionLevel', 'valueMin', 'valueMax'], 'ResultDescription', path);
  const resultType = optEnum<ResultType>(o, 'resultType', ENUMS.ResultType, path);
  if (!resultType) throw validationError('resultType is required (e.g. LetterGrade, Percent, RubricCriterionLevel, Status).', childPath(path, 'resultType'));
  const out: ResultDescription = { id: optUri(o, 'id', path) ?? newUrn(), type: typeList(o.type, 'ResultDescription', path), name: reqStr(o, 'name', path), resultType };
  put(out, 'alignment', alignments(o, path));
  put(
    out,
    'allowedValue',
    many(o.allowedValue, childPath(path, 'allowedValue'), (x, p) => {
      const s = optText({ v: x }, 'v', p);
      if (s === undefined) throw validationError('allowed values must not be empty.', p);
      return s;
    }),
  );
  put(out, 'requiredLevel', optUri(o, 'requiredLevel', path));
  put(out, 'requiredValue', optText(o, 'requiredValue', path));
  put(out, 'rubricCriterionLevel', many(o.rubricCriterionLevel, childPath(path, 'rubricCriterionLevel'), levelAt));
  put(out, 'valueMin', optText(o, 'valueMin', path));
  put(out, 'valueMax', optText(o, 'valueMax', path));
  return out;
}

function relatedAt(v: unknown, path: string): Related {
  const o = asObject(v, path, 'a related achievement');
  checkKeys(o, ['id', 'type', 'inLanguage', 'version'], 'Related', path);
  const out: Related = { id: reqUri(o, 'id', path, ' (the related achievement\'s id)'), type: typeList(o.type, 'Related', path) };
  put(out, 'inLanguage', optStr(o, 'inLanguage', path));
  put(out, 'version', optStr(o, 'version', path));
  return out;
}

function criteriaAt(v: unknown, path: string): Criteria {
  const o = asObject(v, path, 'criteria');
  checkKeys(o, ['id', 'narrative'], 'Criteria', path);
  const out: Criteria = {};
  put(out, 'id', optUri(o, 'id', path));
  put(out, 'narrative', optStr(o, 'narrative', path));
  if (out.id === undefined && out.narrative === undefined) {
    throw validationError('criteria needs a narrative (Markdown: how to earn this) or an id (URL of a page describing the criteria).', path);
  }
  return out;
}

function achievementAt(v: unknown, path: string): Achievement {
  const o = asObject(v, path, 'an achievement');
  checkKeys(
    o,
    ['id', 'type', 'name', 'description', 'criteria', 'achievementType', 'alignment', 'creator', 'creditsAvailable', 'endorsement', 'fieldOfStudy', 'humanCode', 'image', 'inLanguage', 'otherIdentifier', 'related', 'resultDescription', 'specialization', 'tag', 'version'],
    'Achievement',
    path,
  );
  const out: Achievement = {
    id: reqUri(o, 'id', path, ': an https URL or urn:uuid: that stays the same for every credential awarding this achievement'),
    type: typeList(o.type, 'Achievement', path),
    name: reqStr(o, 'name', path),
    description: reqStr(o, 'description', path),
    criteria: criteriaAt(o.criteria ?? {}, childPath(path, 'criteria')),
  };
  put(out, 'achievementType', optEnum<AchievementType>(o, 'achievementType', ENUMS.AchievementType, path));
  put(out, 'alignment', alignments(o, path));
  if (o.creator !== undefined && o.creator !== null) out.creator = profileAt(o.creator, childPath(path, 'creator'));
  put(out, 'creditsAvailable', optNumber(o, 'creditsAvailable', path, 0));
  put(out, 'endorsement', endorsementList(o.endorsement, childPath(path, 'endorsement')));
  put(out, 'fieldOfStudy', optStr(o, 'fieldOfStudy', path));
  put(out, 'humanCode', optStr(o, 'humanCode', path));
  if (o.image !== undefined && o.image !== null && o.image !== '') out.image = buildImage(o.image as ImageInput, childPath(path, 'image'));
  put(out, 'inLanguage', optStr(o, 'inLanguage', path));
  put(out, 'otherIdentifier', many(o.otherIdentifier, childPath(path, 'otherIdentifier'), identifierEntry));
  put(out, 'related', many(o.related, childPath(path, 'related'), relatedAt));
  put(out, 'resultDescription', many(o.resultDescription, childPath(path, 'resultDescription'), resultDescriptionAt));
  put(out, 'specialization', optStr(o, 'specialization', path));
  if (o.tag !== undefined && o.tag !== null) {
    const tags = list(o.tag);
    if (tags.some((t) => typeof t !== 'string')) throw validationError('tag must be a string or a list of strings.', childPath(path, 'tag'));
    const kept = (tags as string[]).filter((t) => t.trim() !== '');
    if (kept.length > 0) out.tag = kept;
  }
  put(out, 'version', optStr(o, 'version', path));
  return out;
}

/** An Achievement (the badge definition): id, name, description and criteria are required. */
export function buildAchievement(input: AchievementInput): Achievement {
  const out = achievementAt(input, '$');
  throwRuleErrors(checkPart('Achievement', out));
  return out;
}

// ---- subject ----------------------------------------------------------------------------

function resultAt(v: unknown, path: string): Result {
  const o = asObject(v, path, 'a result');
  checkKeys(o, ['type', 'resultDescription', 'value', 'achievedLevel', 'status', 'alignment'], 'Result', path);
  const out: Result = { type: typeList(o.type, 'Result', path) };
  put(out, 'resultDescription', optUri(o, 'resultDescription', path));
  put(out, 'value', optText(o, 'value', path));
  put(out, 'achievedLevel', optUri(o, 'achievedLevel', path));
  put(out, 'status', optEnum<ResultStatusType>(o, 'status', ENUMS.ResultStatusType, path));
  put(out, 'alignment', alignments(o, path));
  return out;
}

function recipientAt(v: unknown, path: string): IdentityObject {
  if (typeof v === 'string') return buildIdentityObject({ identifier: v }, path);
  return buildIdentityObject(asObject(v, path, 'an identifier') as unknown as IdentityObjectInput, path);
}

function subjectAt(v: unknown, path: string): AchievementSubject {
  const o = asObject(v, path, 'the subject');
  checkKeys(
    o,
    ['id', 'type', 'name', 'achievement', 'identifier', 'activityStartDate', 'activityEndDate', 'creditsEarned', 'image', 'licenseNumber', 'narrative', 'result', 'role', 'source', 'term'],
    'AchievementSubject',
    path,
  );
  const out = {} as AchievementSubject;
  put(out, 'id', optUri(o, 'id', path));
  out.type = typeList(o.type, 'AchievementSubject', path);
  // The learner's display name: VC 2.0 defines `name` on any node, and wallets show it.
  put(out, 'name', optStr(o, 'name', path));
  if (o.achievement === undefined || o.achievement === null) throw validationError('achievement is required.', childPath(path, 'achievement'));
  out.achievement = achievementAt(o.achievement, childPath(path, 'achievement'));
  put(out, 'identifier', many(o.identifier, childPath(path, 'identifier'), recipientAt));
  if (out.id === undefined && out.identifier === undefined) {
    throw validationError("the subject names no recipient: give id (the learner's DID or URL) or identifier (e.g. the e-mail address to hash).", path);
  }
  for (const k of ['activityStartDate', 'activityEndDate'] as const) {
    const d = o[k];
    if (d !== undefined && d !== null && d !== '') out[k] = normalizeDateTime(d as DateInput, childPath(path, k));
  }
  put(out, 'creditsEarned', optNumber(o, 'creditsEarned', path, 0));
  if (o.image !== undefined && o.image !== null && o.image !== '') out.image = buildImage(o.image as ImageInput, childPath(path, 'image'));
  put(out, 'licenseNumber', optStr(o, 'licenseNumber', path));
  put(out, 'narrative', optStr(o, 'narrative', path));
  put(out, 'result', many(o.result, childPath(path, 'result'), resultAt));
  put(out, 'role', optStr(o, 'role', path));
  if (o.source !== undefined && o.source !== null) out.source = profileAt(o.source, childPath(path, 'source'));
  put(out, 'term', optStr(o, 'term', path));
  return out;
}

/**
 * The AchievementSubject: the learner (id and/or identifier), the achievement and the results.
 * Results are checked against the achievement's ResultDescriptions here, where both are known.
 */
export function buildAchievementSubject(input: AchievementSubjectInput): AchievementSubject {
  const out = subjectAt(input, '$');
  throwRuleErrors(checkPart('AchievementSubject', out));
  return out;
}

// ---- credentials ------------------------------------------------------------------------

function evidenceAt(v: unknown, path: string): Evidence {
  const o = asObject(v, path, 'evidence');
  checkKeys(o, ['id', 'type', 'narrative', 'name', 'description', 'genre', 'audience'], 'Evidence', path);
  const out = {} as Evidence;
  put(out, 'id', optUri(o, 'id', path));
  out.type = typeList(o.type, 'Evidence', path);
  for (const k of ['narrative', 'name', 'description', 'genre', 'audience'] as const) put(out, k, optStr(o, k, path));
  if (Object.keys(out).length === 1) throw validationError('evidence says nothing: give at least an id (URL), a name or a narrative.', path);
  return out;
}

function credentialSchemas(v: unknown, path: string, defaultUrl: string): CredentialSchema[] | undefined {
  if (v === undefined) return [{ id: defaultUrl, type: SCHEMA_VALIDATOR_TYPE }];
  if (!Array.isArray(v)) throw validationError('credentialSchema must be a list (use [] for none).', path);
  return many(v, path, (item, p) => {
    const o = asObject(item, p, 'a credentialSchema entry');
    checkKeys(o, ['id', 'type'], 'CredentialSchema', p);
    return { id: reqUri(o, 'id', p, ' (the schema URL)'), type: optStr(o, 'type', p) ?? SCHEMA_VALIDATOR_TYPE };
  });
}

function passThrough<T>(v: unknown, path: string, what: string, needId: boolean): T {
  const o = asObject(v, path, what);
  if (typeof o.type !== 'string' || o.type.trim() === '') throw validationError(`${what} needs a type (a single string).`, childPath(path, 'type'));
  if (needId && (typeof o.id !== 'string' || o.id.trim() === '')) throw validationError(`${what} needs an id${what === 'credentialStatus' ? ' (the strict schema build requires CredentialStatus.id; for a BitstringStatusListEntry use <list URL>#<index>)' : ''}.`, childPath(path, 'id'));
  if (typeof o.id === 'string') checkUri(o.id, childPath(path, 'id'));
  checkClean(o, path);
  return copyJson(o) as T;
}

function extraContexts(v: unknown, path: string): string[] {
  const out: string[] = [];
  list(v).forEach((c, i) => {
    const p = childPath(path, i);
    if (typeof c !== 'string') throw validationError('extra contexts must be URLs.', p);
    if (c === CONTEXTS.VC_V2 || c === CONTEXTS.OB_303 || c === CONTEXTS.OB_EXTENSIONS) return; // already placed in their fixed positions
    if (!isKnownContext(c)) throw validationError(`the context ${c} is not in Laurel Studio's pinned bundle; contexts are never fetched, so it can't be signed.`, p);
    if (!out.includes(c)) out.push(c);
  });
  return out;
}

function contextsFor(out: object, extras: readonly string[]): string[] {
  const used: Array<{ type: string; path: string }> = [];
  extensionTypesUsed(out, '$', true, used);
  return [CONTEXTS.VC_V2, CONTEXTS.OB_303, ...(used.length > 0 ? [CONTEXTS.OB_EXTENSIONS] : []), ...extras];
}

interface Envelope {
  id: string;
  issuer: Profile;
  validFrom: string;
  validUntil?: string;
  awardedDate?: string;
  description?: string;
  evidence?: Evidence[];
  credentialSchema?: CredentialSchema[];
  credentialStatus?: CredentialStatus;
  refreshService?: RefreshService;
  termsOfUse?: TermsOfUse[];
  contexts: string[];
}

function envelope(o: JsonObject, defaultSchema: string): Envelope {
  const id = optUri(o, 'id', '$') ?? newUrn();
  if (o.issuer === undefined || o.issuer === null) throw validationError('issuer is required (a Profile with id, type and name).', '$.issuer');
  const issuer = profileAt(o.issuer, '$.issuer');
  throwRuleErrors(checkPart('Profile', issuer, '$.issuer'));
  if (issuer.name === undefined) throw validationError('issuer.name is required: Displayers must show who issued the credential.', '$.issuer.name');
  const validFrom = normalizeDateTime((o.validFrom ?? new Date()) as DateInput, '$.validFrom');
  const env: Envelope = { id, issuer, validFrom, contexts: extraContexts(o.contexts, '$.contexts') };
  if (o.validUntil !== undefined && o.validUntil !== null && o.validUntil !== '') {
    env.validUntil = normalizeDateTime(o.validUntil as DateInput, '$.validUntil');
    if (Date.parse(env.validUntil) <= Date.parse(validFrom)) throw validationError(`validUntil (${env.validUntil}) must be after validFrom (${validFrom}).`, '$.validUntil');
  }
  if (o.awardedDate !== undefined && o.awardedDate !== null && o.awardedDate !== '') env.awardedDate = normalizeDateTime(o.awardedDate as DateInput, '$.awardedDate');
  put(env, 'description', optStr(o, 'description', '$'));
  put(env, 'evidence', many(o.evidence, '$.evidence', evidenceAt));
  put(env, 'credentialSchema', credentialSchemas(o.credentialSchema, '$.credentialSchema', defaultSchema));
  if (o.credentialStatus !== undefined && o.credentialStatus !== null) env.credentialStatus = passThrough<CredentialStatus>(o.credentialStatus, '$.credentialStatus', 'credentialStatus', true);
  if (o.refreshService !== undefined && o.refreshService !== null) env.refreshService = passThrough<RefreshService>(o.refreshService, '$.refreshService', 'refreshService', true);
  put(env, 'termsOfUse', many(o.termsOfUse, '$.termsOfUse', (x, p) => passThrough<TermsOfUse>(x, p, 'termsOfUse', false)));
  return env;
}

/** Writes the envelope's tail in a fixed order (our output is stable for diffs and tests). */
function tail(target: Record<string, unknown>, env: Envelope): void {
  target.issuer = env.issuer;
  target.validFrom = env.validFrom;
  put(target, 'validUntil', env.validUntil);
  put(target, 'credentialSchema', env.credentialSchema);
  put(target, 'credentialStatus', env.credentialStatus);
  put(target, 'refreshService', env.refreshService);
  put(target, 'termsOfUse', env.termsOfUse);
}

/**
 * An unsigned OpenBadgeCredential. Output passes both schema builds, the spec rules and the
 * pinned-context term check (asserted before returning); sign it with core/proof.
 */
export function buildAchievementCredential(input: AchievementCredentialInput): AchievementCredential {
  const o = asObject(input, '$', 'the credential input');
  checkKeys(
    o,
    ['id', 'type', 'issuer', 'achievement', 'subject', 'validFrom', 'validUntil', 'awardedDate', 'name', 'description', 'image', 'credentialSchema', 'credentialStatus', 'refreshService', 'termsOfUse', 'evidence', 'endorsement', 'contexts'],
    'AchievementCredential',
    '$',
  );
  const credType = o.type ?? 'OpenBadgeCredential';
  if (credType !== 'OpenBadgeCredential' && credType !== 'AchievementCredential') {
    throw validationError('type must be "OpenBadgeCredential" or "AchievementCredential" (aliases; VerifiableCredential is added).', '$.type');
  }
  const subjectInput = asObject(o.subject, '$.credentialSubject', 'subject');
  if (subjectInput.achievement !== undefined && o.achievement !== undefined) {
    throw validationError('give the achievement once: as achievement, not also inside subject.', '$.credentialSubject.achievement');
  }
  const subject = subjectAt({ ...subjectInput, achievement: o.achievement ?? subjectInput.achievement }, '$.credentialSubject');
  // Part checks first, so a wrong result link is reported as itself rather than among everything.
  throwRuleErrors(checkPart('AchievementSubject', subject, '$.credentialSubject'));
  const env = envelope(o, SCHEMA_URLS.achievementCredential);
  const out: Record<string, unknown> = { '@context': [], id: env.id, type: ['VerifiableCredential', credType] };
  out.name = optStr(o, 'name', '$') ?? subject.achievement.name;
  put(out, 'description', env.description);
  if (o.image !== undefined && o.image !== null && o.image !== '') out.image = buildImage(o.image as ImageInput, '$.image');
  put(out, 'awardedDate', env.awardedDate);
  out.credentialSubject = subject;
  put(out, 'endorsement', endorsementList(o.endorsement, '$.endorsement'));
  put(out, 'evidence', env.evidence);
  tail(out, env);
  out['@context'] = contextsFor(out, env.contexts);
  assertValid(out, { kind: 'achievement' });
  return out as unknown as AchievementCredential;
}

/** An unsigned EndorsementCredential: `issuer` is the endorser, `subject.id` what is endorsed. */
export function buildEndorsementCredential(input: EndorsementCredentialInput): EndorsementCredential {
  const o = asObject(input, '$', 'the endorsement input');
  checkKeys(
    o,
    ['id', 'issuer', 'subject', 'name', 'description', 'validFrom', 'validUntil', 'awardedDate', 'credentialSchema', 'credentialStatus', 'refreshService', 'termsOfUse', 'evidence', 'contexts'],
    'EndorsementCredential',
    '$',
  );
  const s = asObject(o.subject, '$.credentialSubject', 'subject');
  checkKeys(s, ['id', 'type', 'endorsementComment'], 'EndorsementSubject', '$.credentialSubject');
  const subject: EndorsementSubject = {
    id: reqUri(s, 'id', '$.credentialSubject', ': the id of the endorsed credential, achievement or profile'),
    type: typeList(s.type, 'EndorsementSubject', '$.credentialSubject'),
  };
  put(subject, 'endorsementComment', optStr(s, 'endorsementComment', '$.credentialSubject'));
  const env = envelope(o, SCHEMA_URLS.endorsementCredential);
  const out: Record<string, unknown> = { '@context': [], id: env.id, type: ['VerifiableCredential', 'EndorsementCredential'] };
  out.name = reqStr(o, 'name', '$', ' on an EndorsementCredential');
  put(out, 'description', env.description);
  put(out, 'awardedDate', env.awardedDate);
  out.credentialSubject = subject;
  put(out, 'evidence', env.evidence);
  tail(out, env);
  out['@context'] = contextsFor(out, env.contexts);
  assertValid(out, { kind: 'endorsement' });
  return out as unknown as EndorsementCredential;
}
