/**
 * The verification report: one entry per check, each passed, failed or unknown (could not be
 * checked, with the reason). Nothing is reported as passed that was not checked.
 * 'not-applicable' says a check has nothing to look at (a credential without credentialStatus
 * can't be revoked): it is shown as such, never counted as passed, and doesn't change the verdict.
 */
export type CheckStatus = 'passed' | 'failed' | 'unknown' | 'not-applicable';

export type CheckId =
  | 'parse'
  | 'context-type'
  | 'schema'
  | 'proof'
  | 'key-binding'
  | 'valid-from'
  | 'valid-until'
  | 'jwt-claims'
  | 'status'
  | 'refresh'
  | 'recipient'
  | 'endorsements'
  | 'inner-credentials';

/**
 * A machine-readable reading of a failed check, for UIs that show these differently from a forgery:
 * 'expired' (valid-until), 'not-yet-valid' (valid-from), 'revoked' / 'suspended' (status).
 */
export type CheckCode = 'expired' | 'not-yet-valid' | 'revoked' | 'suspended';

export interface Check {
  id: CheckId;
  /** Short title a person reads: "Signature", "Issuer's key", … */
  label: string;
  status: CheckStatus;
  /** Plain words: why it passed, failed or could not be checked. */
  reason: string;
  /** True when the check passed but something deviates harmlessly from the spec. */
  warning?: boolean;
  /** Set on a failed date or status check whose failure is not a forgery (see CheckCode). */
  code?: CheckCode;
  details?: unknown;
}

export type Verdict = 'valid' | 'invalid' | 'indeterminate';

/**
 * What the input turned out to be, decided from its content before any JSON-LD processing:
 * an Open Badges 3.0 credential, a CLR 2.0, an endorsement, a status list credential, an Open
 * Badges 2.0 badge (not verified; it can be upgraded), or not a credential at all.
 */
export type CredentialRoute = 'ob3' | 'clr2' | 'endorsement' | 'status-list' | 'ob2' | 'not-a-credential';

export interface SummaryProfile {
  id?: string;
  name?: string;
  url?: string;
  email?: string;
  image?: string;
}

export interface SummaryAchievement {
  id?: string;
  name?: string;
  description?: string;
  achievementType?: string;
  criteria?: string;
  image?: string;
  creator?: SummaryProfile;
}

export interface SummaryRecipient {
  id?: string;
  name?: string;
  /** The subject's identifiers; `value` only for plain (unhashed) ones. */
  identifiers?: Array<{ identityType?: string; hashed: boolean; value?: string }>;
}

export interface CredentialSummary {
  /** The credential type (OpenBadgeCredential, ClrCredential, …). The routing result is `report.kind`. */
  kind?: string;
  id?: string;
  issuerId?: string;
  issuerName?: string;
  achievementName?: string;
  achievementDescription?: string;
  recipient?: string;
  validFrom?: string;
  validUntil?: string;
  /** The image to show first: the achievement's, else the credential's, else the issuer's. */
  image?: string;
  /** The credential's own name and description (a CLR's title; an endorsement's name). */
  name?: string;
  description?: string;
  issuer?: SummaryProfile;
  achievement?: SummaryAchievement;
  recipientDetails?: SummaryRecipient;
  /** validFrom/validUntil (issuanceDate/expirationDate in VC 1.1), awardedDate, and the proof's created. */
  dates?: { validFrom?: string; validUntil?: string; awardedDate?: string; signed?: string };
  images?: { issuer?: string; achievement?: string; credential?: string };
  /** For a ClrCredential: how many credentials it bundles and the achievements it names. */
  clr?: { credentials: number; achievements: string[] };
  /** For a status list credential: what it is for and how many entries are set. */
  statusList?: { purpose?: string; entries?: number; set?: number };
}

export interface EndorsementItem {
  /** Where it sits in the endorsed credential, e.g. `$.credentialSubject.achievement.endorsement[0]`. */
  path: string;
  /** 'json': an embedded EndorsementCredential; 'jwt': an `endorsementJwt` string. */
  format: 'json' | 'jwt';
  /** Who endorses and what they say. */
  endorser?: string;
  comment?: string;
  outcome: VerdictDescription;
  report: VerificationReport;
}

export interface VerificationReport {
  verdict: Verdict;
  /** What the input was: a JSON credential with an embedded proof, or a VC-JWT. */
  format: 'json' | 'jwt' | 'unknown';
  /** The routing result (see CredentialRoute). */
  kind?: CredentialRoute;
  /** Set when the credential came out of an image. */
  container?: 'png' | 'svg';
  /** Set when the credential was fetched from an address. */
  url?: string;
  checks: Check[];
  summary: CredentialSummary;
  credential?: Record<string, unknown>;
  /** Every embedded endorsement, verified on its own (also summed up by the 'endorsements' check). */
  endorsements?: EndorsementItem[];
  /** A CLR's bundled credentials, each verified in full (also summed up by 'inner-credentials'). */
  inner?: VerificationReport[];
  /** Set when the issuer's refresh service supplied a newer version and this report is about it. */
  refreshedFrom?: { url: string; original: VerificationReport };
  verifiedAt: string;
}

/** 'not-applicable' checks don't count either way. */
export function verdictOf(checks: readonly Check[]): Verdict {
  if (checks.some((c) => c.status === 'failed')) return 'invalid';
  if (checks.some((c) => c.status === 'unknown')) return 'indeterminate';
  return 'valid';
}

/** CLI exit code: 0 all passed, 1 one failed, 3 none failed but one unknown (2 = unusable input). */
export function exitCodeOf(report: VerificationReport): 0 | 1 | 2 | 3 {
  if (report.checks.some((c) => c.id === 'parse' && c.status === 'failed')) return 2;
  return report.verdict === 'valid' ? 0 : report.verdict === 'invalid' ? 1 : 3;
}

/**
 * One word for how a UI should present a report, so that an expired, revoked, suspended or
 * not-yet-valid credential (genuine, but not valid now) and a credential that could not be fully
 * checked look different from a forged or broken one ('invalid').
 * - any failure other than those four → 'invalid' (a forged credential that is also expired is invalid);
 * - else revoked > suspended > expired > not-yet-valid;
 * - else a check that could not be done → 'could-not-check'; else 'valid'.
 * An Open Badges 2.0 badge (not verified here) is 'could-not-check'; other unreadable input 'invalid'.
 */
export type VerdictDescription = 'valid' | 'invalid' | 'expired' | 'not-yet-valid' | 'revoked' | 'suspended' | 'could-not-check';

export function describeVerdict(report: Pick<VerificationReport, 'checks' | 'kind'>): VerdictDescription {
  const parse = report.checks.find((c) => c.id === 'parse');
  if (parse?.status === 'failed') return report.kind === 'ob2' ? 'could-not-check' : 'invalid';
  const failed = report.checks.filter((c) => c.status === 'failed');
  if (failed.length) {
    if (failed.some((c) => !c.code)) return 'invalid';
    for (const code of ['revoked', 'suspended', 'expired', 'not-yet-valid'] as const) if (failed.some((c) => c.code === code)) return code;
  }
  if (report.checks.some((c) => c.status === 'unknown')) return 'could-not-check';
  return 'valid';
}
