// How a verification report reads to a person: an expired, revoked or not-yet-valid credential is
// not "forged", and a check that could not be done is neither passed nor failed.
import type { Check, VerificationReport } from './studio.ts';
import type { IconName } from '../components/Icon.svelte';

export type CheckKind = 'passed' | 'failed' | 'unknown' | 'expired' | 'not-yet' | 'revoked' | 'suspended' | 'na' | 'older';

export function kindOf(c: Check): CheckKind {
  // Compared as text: the verifier may add statuses ('not-applicable': nothing to check, e.g. no
  // credentialStatus to look up) and anything unrecognised must not read as a failure.
  const status = c.status as string;
  if (status === 'passed') return 'passed';
  if (status === 'not-applicable') return 'na';
  if (status !== 'failed') return 'unknown';
  // The verifier names failures that are not forgeries (check.code); older reports only had the id.
  const code = (c as { code?: string }).code;
  if (code === 'revoked' || code === 'suspended' || code === 'expired') return code;
  if (code === 'not-yet-valid') return 'not-yet';
  const id = c.id as string;
  if (id === 'valid-until') return 'expired';
  if (id === 'valid-from') return 'not-yet';
  if (id === 'status' || id === 'revocation') return /suspend/i.test(c.reason) ? 'suspended' : 'revoked';
  return 'failed';
}

export const CHECK_LOOK: Record<CheckKind, { icon: IconName; word: string }> = {
  passed: { icon: 'checkCircle', word: 'Passed' },
  failed: { icon: 'xCircle', word: 'Failed' },
  unknown: { icon: 'help', word: 'Could not check' },
  expired: { icon: 'clock', word: 'Expired' },
  'not-yet': { icon: 'clock', word: 'Not yet valid' },
  revoked: { icon: 'ban', word: 'Revoked' },
  suspended: { icon: 'ban', word: 'Suspended' },
  na: { icon: 'minus', word: 'Not applicable' },
  older: { icon: 'info', word: 'Open Badges 2.0' },
};

/** How one check of a report reads: reading an OB 2.0 file "fails" only because it is the older format. */
export function checkKindIn(r: VerificationReport, c: Check): CheckKind {
  return r.kind === 'ob2' && c.id === 'parse' ? 'older' : kindOf(c);
}

/** A check's reason as the screen shows it: for an OB 2.0 file, what it is, without the CLI's upgrade command. */
export function checkReasonIn(r: VerificationReport, c: Check): string {
  return checkKindIn(r, c) === 'older' ? firstSentence(c.reason) : c.reason;
}

function firstSentence(reason: string): string {
  const what = reason.split('. ')[0] ?? '';
  return what ? `${what.charAt(0).toUpperCase()}${what.slice(1)}.` : reason;
}

export type VerdictKind = 'valid' | 'invalid' | 'unknown' | 'expired' | 'not-yet' | 'revoked' | 'suspended' | 'unreadable' | 'older';

export interface VerdictLook {
  kind: VerdictKind;
  icon: IconName;
  title: string;
  text: string;
}

export function verdictOf(r: VerificationReport): VerdictLook {
  const failed = r.checks.filter((c) => c.status === 'failed');
  const unknown = r.checks.filter((c) => c.status === 'unknown');
  const unknownNote = unknown.length ? ` ${unknown.length === 1 ? 'One check' : `${unknown.length} checks`} could not be done.` : '';
  // An Open Badges 2.0 file is a format the studio recognises and can upgrade, not a failure.
  if (r.kind === 'ob2') return olderFormat(r.checks[0]?.reason ?? '');
  if (r.checks.some((c) => c.id === 'parse' && c.status === 'failed')) {
    return { kind: 'unreadable', icon: 'xCircle', title: 'Not a credential the studio can read', text: r.checks[0]?.reason ?? '' };
  }
  if (r.verdict === 'valid') return { kind: 'valid', icon: 'checkCircle', title: 'Valid credential', text: 'Every check passed: it was signed by its issuer and has not been changed since.' };
  if (r.verdict === 'indeterminate') {
    return { kind: 'unknown', icon: 'help', title: 'Could not be fully checked', text: `Nothing failed, but ${unknown.length === 1 ? 'one check' : `${unknown.length} checks`} could not be done; see why below.` };
  }
  const kinds = new Set(failed.map(kindOf));
  if (kinds.has('revoked')) return { kind: 'revoked', icon: 'ban', title: 'Revoked', text: `The issuer has revoked this credential.${unknownNote}` };
  if (kinds.has('suspended') && kinds.size === 1) return { kind: 'suspended', icon: 'ban', title: 'Suspended', text: `The issuer has suspended this credential for now.${unknownNote}` };
  if (kinds.size === 1 && kinds.has('expired')) return { kind: 'expired', icon: 'clock', title: 'Expired', text: `The credential is genuine but its validity period has ended.${unknownNote}` };
  if (kinds.size === 1 && kinds.has('not-yet')) return { kind: 'not-yet', icon: 'clock', title: 'Not yet valid', text: `The credential is genuine but only becomes valid later.${unknownNote}` };
  return { kind: 'invalid', icon: 'xCircle', title: 'Not valid', text: `${failed.length === 1 ? 'One check' : `${failed.length} checks`} failed: do not rely on this credential.${unknownNote}` };
}

function olderFormat(reason: string): VerdictLook {
  // The verifier's reason ends with the CLI's upgrade command; the screen offers its own upgrade.
  const what = reason.split('. ')[0] ?? '';
  const sentence = what ? `${firstSentence(reason)} ` : '';
  if (/BadgeClass|issuer profile/.test(what)) {
    const title = /BadgeClass/.test(what) ? 'An Open Badges 2.0 badge definition' : 'An Open Badges 2.0 issuer profile';
    return { kind: 'older', icon: 'info', title, text: `${sentence}Only an awarded 2.0 badge (an assertion) can be upgraded to Open Badges 3.0.` };
  }
  return {
    kind: 'older',
    icon: 'info',
    title: 'An Open Badges 2.0 badge — upgrade it to 3.0',
    text: `${sentence}The studio verifies Open Badges 3.0 and CLR 2.0; upgrading re-issues it as a 3.0 credential from one of your issuers, pointing at the original.`,
  };
}
