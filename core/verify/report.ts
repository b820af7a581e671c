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
  | 'status';

export interface Check {
  id: CheckId;
  /** Short title a person reads: "Signature", "Issuer's key", … */
  label: string;
  status: CheckStatus;
  /** Plain words: why it passed, failed or could not be checked. */
  reason: string;
  /** True when the check passed but something deviates harmlessly from the spec. */
  warning?: boolean;
  details?: unknown;
}

export type Verdict = 'valid' | 'invalid' | 'indeterminate';

export interface CredentialSummary {
  kind?: string;
  id?: string;
  issuerId?: string;
  issuerName?: string;
  achievementName?: string;
  achievementDescription?: string;
  recipient?: string;
  validFrom?: string;
  validUntil?: string;
  image?: string;
}

export interface VerificationReport {
  verdict: Verdict;
  /** What the input was: a JSON credential with an embedded proof, or a VC-JWT. */
  format: 'json' | 'jwt' | 'unknown';
  checks: Check[];
  summary: CredentialSummary;
  credential?: Record<string, unknown>;
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
