// A small pool of worker threads for batch issuance: each worker takes chunks of learners and
// answers with built, canonicalized and hashed credentials. Requests go to the worker with the
// fewest in flight; a worker that dies fails the run (the batch stays resumable).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LaurelError } from '../util/errors.ts';
import type { WorkerInit, WorkerItem, WorkerResponse } from './worker.ts';

const WORKER_ENTRY = new URL('./worker.mjs', import.meta.url);
const WORKER_OLD_GENERATION_MB = 160;

/**
 * Default size: one worker per core, between 2 and 4. Two workers on two cores measured best:
 * the main thread's share (signing 64 bytes, SQLite, baking, writing files) is small, and a
 * third worker only adds contention. LAUREL_ISSUE_WORKERS overrides it.
 */
export function defaultWorkerCount(): number {
  const env = Number(process.env.LAUREL_ISSUE_WORKERS);
  if (Number.isInteger(env) && env >= 1 && env <= 32) return env;
  return Math.min(Math.max(availableParallelism(), 2), 4);
}

interface Slot {
  worker: Worker;
  inflight: Map<number, { resolve: (r: WorkerResponse) => void; reject: (e: Error) => void }>;
}

export class BuildPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private failure: Error | undefined;
  private closed = false;

  private constructor() {}

  /** Starts `size` workers and waits until each has loaded (and checked the context bundle). */
  static async start(size: number, init: WorkerInit): Promise<BuildPool> {
    const pool = new BuildPool();
    const ready: Array<Promise<void>> = [];
    for (let i = 0; i < size; i++) {
      // A capped old generation: jsonld allocates heavily and V8 would otherwise let each
      // worker's heap grow far past its live data (measured: ~140 MB less peak RSS, same speed).
      const worker = new Worker(WORKER_ENTRY, { workerData: init, resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB } });
      const slot: Slot = { worker, inflight: new Map() };
      pool.slots.push(slot);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (m: unknown) => {
            if ((m as { ready?: boolean }).ready) {
              worker.off('error', reject);
              resolve();
              return;
            }
            const res = m as WorkerResponse;
            const p = slot.inflight.get(res.id);
            if (p) {
              slot.inflight.delete(res.id);
              p.resolve(res);
            }
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
          worker.on('error', (e) => pool.fail(e));
          worker.on('exit', (code) => {
            if (!pool.closed) pool.fail(new Error(`a batch worker thread stopped (exit code ${code})`));
          });
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.failure ??= e;
    for (const s of this.slots) {
      for (const p of s.inflight.values()) p.reject(e);
      s.inflight.clear();
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** Requests in flight across all workers. */
  get inflight(): number {
    return this.slots.reduce((n, s) => n + s.inflight.size, 0);
  }

  submit(items: WorkerItem[]): Promise<WorkerResponse> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LaurelError('CANCELLED', 'the batch worker pool is closed'));
    const slot = this.slots.reduce((best, s) => (s.inflight.size < best.inflight.size ? s : best));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.inflight.set(id, { resolve, reject });
      slot.worker.postMessage({ id, items });
    });
  }

  /** Stops every worker; requests still in flight are rejected (their items stay pending). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const cancelled = new LaurelError('CANCELLED', 'the batch was stopped');
    for (const s of this.slots) {
      for (const p of s.inflight.values()) p.reject(cancelled);
      s.inflight.clear();
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
