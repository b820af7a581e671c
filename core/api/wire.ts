/**
 * What crosses the boundary between the core and a UI besides arguments and results: errors
 * (`{ code, message }`, never a stack, never key material) and events (job progress, shell
 * notifications), plus the job runner that long operations use to emit progress.
 */
import { randomUUID } from 'node:crypto';
import { isLaurelError, type ErrorCode } from '../util/errors.ts';

/** The core's codes, plus INTERNAL (a bug), UNAUTHORIZED and UNAVAILABLE (said by a shell, not the core). */
export type WireErrorCode = ErrorCode | 'INTERNAL' | 'UNAUTHORIZED' | 'UNAVAILABLE';

/** An error as a UI receives it. */
export interface WireError {
  code: WireErrorCode;
  message: string;
  /**
   * Structured help for the UI, only for codes whose details are plain data about the user's own
   * input: ENCODING_REQUIRED (`guess`, `line`, `sample`) and VALIDATION (roster `problems`,
   * designer `issues` with JSON paths); and any error that connecting to a publishing host again
   * fixes (`action: 'connect'`, `host`: core/publish ReconnectDetails), so the UI offers Connect.
   */
  details?: unknown;
}

const DETAILED: ReadonlySet<string> = new Set(['ENCODING_REQUIRED', 'VALIDATION']);

/**
 * A LaurelError keeps its code and message (they are written for people and never hold secrets);
 * anything else is a bug, whose message may hold internals, so the UI gets a generic one and the
 * shell logs the real error where the user can find it.
 */
export function toWireError(e: unknown): WireError {
  if (isLaurelError(e)) {
    if (e.details !== undefined && (DETAILED.has(e.code) || (e.details as { action?: unknown } | null)?.action === 'connect')) {
      try {
        const json = JSON.stringify(e.details);
        if (json.length <= 512 * 1024) return { code: e.code, message: e.message, details: JSON.parse(json) as unknown };
      } catch {
        // details that are not plain data stay behind
      }
    }
    return { code: e.code, message: e.message };
  }
  return { code: 'INTERNAL', message: 'Something went wrong inside Laurel Studio. Nothing was changed by the failed step; details are in the log of the window that started it.' };
}

/** Events a job emits, all carrying its id. */
export type JobEvent =
  | { jobId: string; type: 'progress'; done: number; total?: number; message?: string; detail?: unknown }
  | { jobId: string; type: 'done'; result: unknown }
  | { jobId: string; type: 'failed'; error: WireError }
  | { jobId: string; type: 'cancelled' };

/** Events the shell itself sends (a menu command, a file opened from the OS). */
export interface ShellEvent {
  type: 'menu';
  command: 'open-verify' | 'go-issue' | 'go-verify' | 'go-settings';
}

export type StudioEvent = JobEvent | ShellEvent;

/** Where events go: the web shell writes them to its SSE clients, Electron to webContents.send. */
export type EventSink = (event: StudioEvent) => void;

export interface JobHandle {
  readonly jobId: string;
  /** Aborted when the user cancels the job. */
  readonly signal: AbortSignal;
  /** Reports progress; events are throttled to about ten a second except the last one. `detail`: JSON data (a batch's rate and time left). */
  progress(done: number, total?: number, message?: string, detail?: unknown): void;
}

export interface JobStarted {
  jobId: string;
}

/**
 * Runs long operations in the background of the process that holds the core. A method that starts
 * a job returns `{ jobId }` at once; the outcome arrives as a `done`, `failed` or `cancelled` event.
 */
export class JobRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly emit: EventSink;
  private readonly onInternalError: ((e: unknown) => void) | undefined;

  /** `onInternalError` gets failures that are bugs (not LaurelErrors), for the shell's log. */
  constructor(emit: EventSink, onInternalError?: (e: unknown) => void) {
    this.emit = emit;
    this.onInternalError = onInternalError;
  }

  start<R>(run: (job: JobHandle) => Promise<R>): JobStarted {
    const jobId = randomUUID();
    const controller = new AbortController();
    this.running.set(jobId, controller);
    let last = 0;
    const handle: JobHandle = {
      jobId,
      signal: controller.signal,
      progress: (done, total, message, detail) => {
        const now = Date.now();
        if (now - last < 100 && (total === undefined || done < total)) return;
        last = now;
        this.emit({ jobId, type: 'progress', done, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}), ...(detail !== undefined ? { detail } : {}) });
      },
    };
    // Started on the next tick so the caller has the id before the first event.
    setImmediate(() => {
      run(handle)
        .then(
          (result) => this.emit(controller.signal.aborted ? { jobId, type: 'cancelled' } : { jobId, type: 'done', result }),
          (e: unknown) => {
            if (controller.signal.aborted || (isLaurelError(e) && e.code === 'CANCELLED')) return this.emit({ jobId, type: 'cancelled' });
            const error = toWireError(e);
            if (error.code === 'INTERNAL') this.onInternalError?.(e);
            this.emit({ jobId, type: 'failed', error });
          },
        )
        .finally(() => this.running.delete(jobId));
    });
    return { jobId };
  }

  /** True when the job was running and is now asked to stop. */
  cancel(jobId: string): boolean {
    const c = this.running.get(jobId);
    if (!c) return false;
    c.abort();
    return true;
  }

  get active(): number {
    return this.running.size;
  }
}
