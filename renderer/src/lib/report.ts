// How a verification report reads to a person: an expired, revoked or not-yet-valid credential is
// not "forged", and a check that could not be done is neither passed nor failed.
import type { Check, VerificationReport } from './studio.ts';
import type { IconName } from '../components/Icon.svelte';

export type CheckKind = 'passed' | 'failed' | 'unknown' | 'expired' | 'not-yet' | 'revoked' | 'suspended' | 'na';

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
};

export type VerdictKind = 'valid' | 'invalid' | 'unknown' | 'expired' | 'not-yet' | 'revoked' | 'suspended' | 'unreadable';

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
