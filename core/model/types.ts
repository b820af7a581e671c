import type { AchievementType, AlignmentTargetType, IdentifierType, ResultStatusType, ResultType } from './enums.ts';

/**
 * The OB 3.0 data model as Laurel Studio emits it (decisions.md §2): every 0..* property is an
 * array, `type` is an array except on the scalar-only classes (Image, IdentityObject,
 * IdentifierEntry, GeoCoordinates), images are objects, dates carry a zone. Received
 * credentials may use other forms (single values, language maps); validation accepts what the
 * JSON-LD schema build accepts, and these types describe our output.
 */

/** A URI or IRI (https URL, `urn:uuid:…`, DID, data: URI). */
export type Uri = string;
/** ISO 8601 / RFC 3339 date-time with a zone (`Z` or `±hh:mm`), e.g. `2024-05-01T00:00:00Z`. */
export type DateTimeZ = string;
/** Markdown text. */
export type Markdown = string;

export interface Image {
  id: Uri;
  type: 'Image';
  caption?: string;
}

export interface IdentifierEntry {
  type: 'IdentifierEntry';
  identifier: string;
  identifierType: IdentifierType;
}

export interface IdentityObject {
  type: 'IdentityObject';
  hashed: boolean;
  /** `sha256$<hex>` / `md5$<hex>` when hashed, else the plain value. */
  identityHash: string;
  identityType: IdentifierType;
  salt?: string;
}

export interface GeoCoordinates {
  type: 'GeoCoordinates';
  latitude: number;
  longitude: number;
}

export interface Address {
  type: string[];
  addressCountry?: string;
  addressCountryCode?: string;
  addressRegion?: string;
  addressLocality?: string;
  streetAddress?: string;
  postOfficeBoxNumber?: string;
  postalCode?: string;
  geo?: GeoCoordinates;
}

export interface Profile {
  id: Uri;
  type: string[];
  name?: string;
  url?: Uri;
  phone?: string;
  email?: string;
  description?: string;
  image?: Image;
  address?: Address;
  otherIdentifier?: IdentifierEntry[];
  official?: string;
  parentOrg?: Profile;
  givenName?: string;
  familyName?: string;
  additionalName?: string;
  patronymicName?: string;
  honorificPrefix?: string;
  honorificSuffix?: string;
  familyNamePrefix?: string;
  /** `YYYY-MM-DD` */
  dateOfBirth?: string;
  endorsement?: EndorsementCredential[];
}

export interface Criteria {
  id?: Uri;
  narrative?: Markdown;
}

export interface Alignment {
  type: string[];
  targetName: string;
  targetUrl: Uri;
  targetCode?: string;
  targetDescription?: string;
  targetFramework?: string;
  targetType?: AlignmentTargetType;
}

export interface RubricCriterionLevel {
  id: Uri;
  type: string[];
  name: string;
  description?: string;
  level?: string;
  points?: string;
  alignment?: Alignment[];
}

export interface ResultDescription {
  id: Uri;
  type: string[];
  name: string;
  resultType: ResultType;
  alignment?: Alignment[];
  /** Ordered low → high. */
  allowedValue?: string[];
  /** Id of one of this description's rubric levels. */
  requiredLevel?: Uri;
  requiredValue?: string;
  /** Ordered low → high. */
  rubricCriterionLevel?: RubricCriterionLevel[];
  valueMin?: string;
  valueMax?: string;
}

export interface Related {
  id: Uri;
  type: string[];
  inLanguage?: string;
  version?: string;
}

export interface Achievement {
  id: Uri;
  type: string[];
  name: string;
  description: string;
  criteria: Criteria;
  achievementType?: AchievementType;
  alignment?: Alignment[];
  creator?: Profile;
  creditsAvailable?: number;
  endorsement?: EndorsementCredential[];
  fieldOfStudy?: string;
  humanCode?: string;
  image?: Image;
  inLanguage?: string;
  otherIdentifier?: IdentifierEntry[];
  related?: Related[];
  resultDescription?: ResultDescription[];
  specialization?: string;
  tag?: string[];
  version?: string;
}

export interface Result {
  type: string[];
  /** Id of a ResultDescription of the same achievement. */
  resultDescription?: Uri;
  value?: string;
  /** Id of a RubricCriterionLevel of the linked ResultDescription. */
  achievedLevel?: Uri;
  status?: ResultStatusType;
  alignment?: Alignment[];
}

export interface Evidence {
  id?: Uri;
  type: string[];
  narrative?: Markdown;
  name?: string;
  description?: string;
  genre?: string;
  audience?: string;
}

export interface AchievementSubject {
  id?: Uri;
  name?: string;
  type: string[];
  achievement: Achievement;
  identifier?: IdentityObject[];
  activityStartDate?: DateTimeZ;
  activityEndDate?: DateTimeZ;
  creditsEarned?: number;
  image?: Image;
  licenseNumber?: string;
  narrative?: Markdown;
  result?: Result[];
  role?: string;
  source?: Profile;
  term?: string;
}

export interface CredentialSchema {
  id: Uri;
  type: string;
}

/** `BitstringStatusListEntry` (statusPurpose, statusListIndex, statusListCredential) or the legacy `1EdTechRevocationList`. */
export interface CredentialStatus {
  id?: Uri;
  type: string;
  [property: string]: unknown;
}

export interface RefreshService {
  id: Uri;
  type: string;
}

export interface TermsOfUse {
  type: string;
  id?: Uri;
  [property: string]: unknown;
}

export interface Proof {
  type: string;
  created?: DateTimeZ;
  cryptosuite?: string;
  challenge?: string;
  domain?: string;
  nonce?: string;
  proofPurpose?: string;
  proofValue?: string;
  verificationMethod?: Uri;
  [property: string]: unknown;
}

/** Fields shared by every credential we emit (the VC 2.0 envelope). */
export interface CredentialEnvelope {
  '@context': string[];
  id: Uri;
  type: string[];
  name?: string;
  description?: string;
  image?: Image;
  awardedDate?: DateTimeZ;
  issuer: Profile;
  validFrom: DateTimeZ;
  validUntil?: DateTimeZ;
  evidence?: Evidence[];
  credentialSchema?: CredentialSchema[];
  credentialStatus?: CredentialStatus;
  refreshService?: RefreshService;
  termsOfUse?: TermsOfUse[];
  proof?: Proof[];
}

export interface AchievementCredential extends CredentialEnvelope {
  credentialSubject: AchievementSubject;
  endorsement?: EndorsementCredential[];
}

/** Alias: OB 3.0 treats both type names the same. */
export type OpenBadgeCredential = AchievementCredential;

export interface EndorsementSubject {
  id: Uri;
  type: string[];
  endorsementComment?: Markdown;
}

export interface EndorsementCredential extends CredentialEnvelope {
  name: string;
  credentialSubject: EndorsementSubject;
}
