// The steps every issuance shares, one credential or ten thousand: build the credential for a
// learner, sign it (JSON with a Data Integrity proof, or a VC-JWT), store it with an audit entry.
// A batch runs `buildLearnerCredential` + `prepareProof` in worker threads and the rest on the
// thread that holds the key; Studio.issueCredential runs them one after the other.
import type { Signer } from '../keys/index.ts';
import { assertValid, buildAchievementCredential, type AchievementCredentialInput, type AchievementInput, type ProfileInput } from '../model/index.ts';
import { completeDataIntegrityProof, createProofPreparer, signJwt, type JsonObject, type PreparedProof, type ProofKeyInfo } from '../proof/index.ts';
import { appendAudit, insertCredential, type Db, type StoredCredential } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';

export type IdentityMode = 'email' | 'did' | 'learnerId';

/** One learner, as a roster row or the single-issue form names them. */
export interface Learner {
  name?: string | undefined;
  email?: string | undefined;
  /** Lowercased email: what is hashed (verifiers try the lowercased address first). */
  emailKey?: string | undefined;
  did?: string | undefined;
  learnerId?: string | undefined;
  resultValue?: string | undefined;
  evidenceUrl?: string | undefined;
  narrative?: string | undefined;
  creditsEarned?: number | undefined;
  activityStartDate?: string | undefined;
  activityEndDate?: string | undefined;
}

export interface RecipientOptions {
  /** Which value names the learner in the credential. */
  identity: IdentityMode;
  /** Write the identifier in clear (`hashed: false`) instead of salted SHA-256. */
  plaintext?: boolean;
}

/** Date-only roster values (YYYY-MM-DD) become midnight UTC: the model wants a date-time. */
function dateTime(v: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
}

/**
 * The AchievementSubject for a learner: a hashed IdentityObject with a fresh random salt by
 * default (salted per credential, so two credentials of one learner can't be linked by hash), the
 * identifier in clear when asked, or the learner's DID as the subject id.
 */
export function learnerSubject(learner: Learner, options: RecipientOptions, achievement?: Record<string, unknown>): AchievementCredentialInput['subject'] {
  const subject: Record<string, unknown> = {};
  const hashed = !options.plaintext;
  switch (options.identity) {
    case 'email': {
      const email = learner.emailKey ?? learner.email?.trim().toLowerCase();
      if (!email) throw new LaurelError('INVALID_INPUT', 'The learner has no email address.');
      subject.identifier = [{ identifier: email, identityType: 'emailAddress', hashed }];
      break;
    }
    case 'learnerId': {
      if (!learner.learnerId) throw new LaurelError('INVALID_INPUT', 'The learner has no learner id.');
      // A student number from a school or training system: OB's IdentifierTypeEnum calls it sisSourcedId.
      subject.identifier = [{ identifier: learner.learnerId, identityType: 'sisSourcedId', hashed }];
      break;
    }
    case 'did':
      if (!learner.did) throw new LaurelError('INVALID_INPUT', 'The learner has no DID.');
      break;
  }
  // A learner's DID is meant to be shared: it is the subject id whenever the roster has one.
  if (learner.did) subject.id = learner.did;
  if (learner.name) subject.name = learner.name;
  if (learner.narrative) subject.narrative = learner.narrative;
  if (learner.creditsEarned !== undefined) subject.creditsEarned = learner.creditsEarned;
  if (learner.activityStartDate) subject.activityStartDate = dateTime(learner.activityStartDate);
  if (learner.activityEndDate) subject.activityEndDate = dateTime(learner.activityEndDate);
  if (learner.resultValue) {
    const result: Record<string, unknown> = { value: learner.resultValue };
    // With exactly one result description (and not a status or rubric one), the value is its result.
    const rds = achievement?.resultDescription;
    if (Array.isArray(rds) && rds.length === 1) {
      const rd = rds[0] as Record<string, unknown>;
      if (rd.resultType !== 'Status' && rd.resultType !== 'RubricCriterionLevel' && typeof rd.id === 'string') result.resultDescription = rd.id;
    }
    subject.result = [result];
  }
  return subject as AchievementCredentialInput['subject'];
}

export interface CredentialParts {
  credentialId: string;
  issuer: Record<string, unknown>;
  achievement: Record<string, unknown>;
  learner: Learner;
  recipient: RecipientOptions;
  validFrom?: string | undefined;
  validUntil?: string | undefined;
  credentialStatus?: Record<string, unknown> | undefined;
  /**
   * Received endorsements as compact JWS, for a credential signed as a VC-JWT only (core/endorse
   * withReceivedEndorsements): the signing context does not define `endorsementJwt`, so the
   * builders refuse it and it is added here, checked against the verification context.
   */
  endorsementJwt?: { issuer?: string[] | undefined; achievement?: string[] | undefined } | undefined;
}

/** Whether a built credential carries `endorsementJwt` on its issuer or achievement. */
function hasEndorsementJwt(c: Record<string, unknown>): boolean {
  const issuer = c.issuer as Record<string, unknown> | undefined;
  const subject = c.credentialSubject as Record<string, unknown> | undefined;
  const achievement = subject?.achievement as Record<string, unknown> | undefined;
  return (typeof issuer === 'object' && issuer?.endorsementJwt !== undefined) || achievement?.endorsementJwt !== undefined;
}

/** The unsigned OpenBadgeCredential for one learner (validated by the builder). */
export function buildLearnerCredential(p: CredentialParts): JsonObject {
  const input: AchievementCredentialInput = {
    id: p.credentialId,
    issuer: p.issuer as unknown as ProfileInput,
    achievement: p.achievement as unknown as AchievementInput,
    subject: learnerSubject(p.learner, p.recipient, p.achievement),
  };
  if (p.validFrom) input.validFrom = p.validFrom;
  if (p.validUntil) input.validUntil = p.validUntil;
  if (p.learner.evidenceUrl) input.evidence = [{ id: p.learner.evidenceUrl }];
  if (p.credentialStatus) input.credentialStatus = p.credentialStatus as unknown as AchievementCredentialInput['credentialStatus'];
  const built = buildAchievementCredential(input) as unknown as JsonObject;
  const jwt = p.endorsementJwt;
  if (!jwt?.issuer?.length && !jwt?.achievement?.length) return built;
  const subject = built.credentialSubject as JsonObject;
  if (jwt.issuer?.length) built.issuer = { ...(built.issuer as JsonObject), endorsementJwt: [...jwt.issuer] };
  if (jwt.achievement?.length) subject.achievement = { ...(subject.achievement as JsonObject), endorsementJwt: [...jwt.achievement] };
  assertValid(built, { kind: 'achievement', terms: 'verify' });
  return built;
}

/**
 * Step 1 of a JSON credential, no key needed (worker threads): canonicalize and hash. For a batch
 * (`reuseExpansion`), JSON-LD expansion is reused across credentials of one structure.
 */
export function proofPreparer(key: ProofKeyInfo, created?: string, options: { reuseExpansion?: boolean } = {}): (credential: JsonObject) => Promise<PreparedProof> {
  return createProofPreparer(key, created ? { created } : {}, options);
}

/** Step 2 of a JSON credential, on the key's thread: sign, check, serialise. The result is stored verbatim. */
export async function finishJsonCredential(credential: JsonObject, prepared: PreparedProof, signer: Signer): Promise<string> {
  if (hasEndorsementJwt(credential)) throw new LaurelError('INVALID_INPUT', 'A credential with a Data Integrity proof cannot carry endorsementJwt: the signing context does not define it.');
  const signed = await completeDataIntegrityProof(credential, prepared, signer);
  return JSON.stringify(signed, null, 2) + '\n';
}

/** A VC-JWT of the credential (ES256, RS256; EdDSA only when allowed), its payload checked as a verifier reads it. */
export async function signJwtCredential(credential: JsonObject, signer: Signer, allowEdDSA: boolean): Promise<string> {
  const jws = await signJwt(credential, signer, { allowEdDSA });
  const payload = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  for (const claim of ['iss', 'jti', 'sub', 'nbf', 'exp']) delete payload[claim];
  // endorsementJwt is defined only by the verification copy of the OB context (see CredentialParts).
  assertValid(payload, hasEndorsementJwt(payload) ? { terms: 'verify' } : {});
  return jws;
}

/** Stores a signed credential and its audit entry. Run inside the caller's transaction. */
export function storeIssuedCredential(
  db: Db,
  c: {
    credentialId: string;
    issuerId: string;
    recipient: string;
    format: 'json' | 'jwt';
    body: string;
    actor: string;
    batchId?: string;
    achievementRowid?: number;
    /** The row this credential replaces (a re-issue). */
    reissueOf?: number;
    /** Extra audit details (never secrets). */
    auditDetails?: Record<string, unknown>;
  },
): StoredCredential {
  const row = insertCredential(db, {
    credentialId: c.credentialId,
    issuerId: c.issuerId,
    recipient: c.recipient,
    format: c.format,
    body: c.body,
    ...(c.batchId !== undefined ? { batchId: c.batchId } : {}),
    ...(c.achievementRowid !== undefined ? { achievementRowid: c.achievementRowid } : {}),
    ...(c.reissueOf !== undefined ? { reissueOf: c.reissueOf } : {}),
  });
  appendAudit(db, {
    actor: c.actor,
    action: 'credential.issue',
    subject: c.credentialId,
    sha256: row.sha256,
    details: { issuer: c.issuerId, format: c.format, ...(c.batchId ? { batch: c.batchId } : {}), ...c.auditDetails },
  });
  return row;
}
