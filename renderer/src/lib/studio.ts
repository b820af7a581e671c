// The renderer's only way into the core: window.studio (Electron preload or the web client), with
// its { ok, value | error } answers turned into values and thrown StudioErrors.
import type { Outcome, StudioBridge, WireError, WireErrorCode } from '../../../core/api/contract.ts';

export type { AchievementSummary, IssuerView, IssuedCredential, SavedAchievement, StatusSource } from '../../../core/api/studio.ts';
export type { PickedFile, RecentAchievement, RosterInspectionView, StudioEvent, WireFile, WorkspaceInfo } from '../../../core/api/contract.ts';
export type { CatalogFacets, CredentialDetail, CredentialRow } from '../../../core/catalog/index.ts';
export type { DesignIssue } from '../../../core/design/achievement.ts';
export type { BatchSummary, BatchView } from '../../../core/issue/types.ts';
export type { MappingGuess, RosterProblem } from '../../../core/import/index.ts';
export type { Check, CheckStatus, VerificationReport } from '../../../core/verify/report.ts';
export type { HostView, PublishSummary } from '../../../core/publish/index.ts';
export type { RequestReview, ReviewRecipient, ReviewWarning } from '../../../core/airgap/signer.ts';
export type { SigningRequestSummary } from '../../../core/store/signing.ts';
export type { Framework, FrameworkItem, FrameworkSummary, FrameworkVersion } from '../../../core/frameworks/index.ts';
export type { AssociationIssue, AssociationType } from '../../../core/clr/associations.ts';
export type { ClrRecord } from '../../../core/store/clrs.ts';

export class StudioError extends Error {
  readonly code: WireErrorCode;
  /** Structured help (ENCODING_REQUIRED: guess; VALIDATION: problems or issues). */
  readonly details: unknown;
  constructor(error: WireError) {
    super(error.message);
    this.name = 'StudioError';
    this.code = error.code;
    this.details = error.details;
  }
}

type Unwrapped<F> = F extends (...args: infer A) => Promise<Outcome<infer T>> ? (...args: A) => Promise<T> : never;
export type Api = { [K in Exclude<keyof StudioBridge, 'onEvent'>]: Unwrapped<StudioBridge[K]> };

export const api = new Proxy({} as Api, {
  get(_target, name) {
    return async (args?: unknown) => {
      const bridge = window.studio as unknown as Record<string, ((a?: unknown) => Promise<Outcome<unknown>>) | undefined>;
      const fn = typeof name === 'string' ? bridge[name] : undefined;
      if (!fn) throw new StudioError({ code: 'UNSUPPORTED', message: `This version of the studio has no ${String(name)}.` });
      const outcome = await fn(args);
      if (outcome.ok) return outcome.value;
      throw new StudioError(outcome.error);
    };
  },
});

export function onStudioEvent(listener: Parameters<StudioBridge['onEvent']>[0]): () => void {
  return window.studio.onEvent(listener);
}

/** A message for any error, for the UI. */
export function messageOf(e: unknown): string {
  if (e instanceof StudioError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
