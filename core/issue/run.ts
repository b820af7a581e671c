// Running a batch: sign what is pending, store it, export it; resume whatever an earlier run left.
//
// Resume protocol (every step is safe to kill at any moment):
//  1. Each item's credential id (and status entry) was fixed when the batch was prepared.
//  2. Worker threads build and canonicalize; the main thread signs the hash, then stores every
//     signed form and marks the item 'signed' in ONE transaction (a group of items per commit).
//     Killed before the commit: nothing of those items exists, they are still 'pending' and are
//     signed on resume (the discarded signatures never left the process). After: they are stored.
//     A unique index on credentials(batch_id, credential_id, format) refuses a second row.
//  3. Files are written from the stored bytes (atomic rename), then the item is marked 'exported'.
//     On resume, 'signed' items are exported from the database, never signed again, and files of
//     'exported' items are checked against their recorded SHA-256 and rewritten if they differ.
//  4. manifest.json and summary.csv are rewritten from the database at the end of every run.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { withReceivedEndorsements } from '../endorse/embed.ts';
import type { Signer } from '../keys/index.ts';
import {
  appendAudit,
  batchItemCredentials,
  countBatchItems,
  getAchievementVersion,
  getBatch,
  getIssuer,
  listBatchItems,
  markBatchItemExported,
  markBatchItemFailed,
  markBatchItemSigned,
  retryFailedBatchItems,
  setBatchState,
  type BatchItemRecord,
  type BatchRecord,
  type BatchState,
  type Db,
  type IssuerRecord,
} from '../store/index.ts';
import { LaurelError, isLaurelError } from '../util/errors.ts';
import { finishJsonCredential, signJwtCredential, storeIssuedCredential } from './credential.ts';
import {
  filesIntact,
  recipientOf,
  removeStaleTempFiles,
  writeItemFiles,
  writeManifest,
  writeSummaryCsv,
  type ExportSettings,
  type Manifest,
} from './export.ts';
import { BuildPool, defaultWorkerCount } from './pool.ts';
import { checkOutDir, readBatchImage, type BatchOptions, type IssueContext, type ItemData } from './prepare.ts';
import type { BatchProgress, BatchSummary, RunBatchOptions } from './types.ts';
import type { WorkerInit, WorkerResult } from './worker.ts';

export interface RunContext extends IssueContext {
  /**
   * The issuer's signer; its private key stays on this thread. Absent for a batch signed on
   * another machine (core/airgap): its items arrive signed and the run only exports them.
   */
  signer?: Signer;
}

/** Learners per worker request: large enough to make messaging negligible, small enough to keep both cores busy. */
const CHUNK = 16;

function nowSeconds(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------- one run at a time

function lockFile(workspaceDir: string, batchId: string): string {
  return path.join(workspaceDir, 'batches', `${batchId}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file with our pid; a lock whose process is gone (killed run) is taken over. */
function acquireLock(workspaceDir: string, batchId: string): () => void {
  const file = lockFile(workspaceDir, batchId);
  mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new LaurelError('CONFLICT', `Batch ${batchId} is being issued by another process (pid ${pid}); wait for it to finish or stop it.`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new LaurelError('CONFLICT', `Could not lock batch ${batchId} (${file}).`);
}

// ---------------------------------------------------------------- helpers

function exportSettings(ctx: IssueContext, o: BatchOptions): ExportSettings {
  const s: ExportSettings = { outDir: o.outDir, formats: o.formats, bakeForm: o.bakeForm };
  if (o.images.png) s.png = readBatchImage(ctx.workspaceDir, o.images.png.sha256, 'png');
  if (o.images.svg) s.svg = new TextDecoder().decode(readBatchImage(ctx.workspaceDir, o.images.svg.sha256, 'svg'));
  return s;
}

function storedBodies(db: Db, batchId: string, item: BatchItemRecord): Partial<Record<'json' | 'jwt', string>> {
  const bodies: Partial<Record<'json' | 'jwt', string>> = {};
  for (const c of batchItemCredentials(db, batchId, item.credentialId)) bodies[c.format] = c.body.toString('utf8');
  return bodies;
}

function buildManifest(db: Db, batch: BatchRecord, issuer: IssuerRecord, complete: boolean): Manifest {
  const o = batch.options as unknown as BatchOptions;
  const ach = getAchievementVersion(db, batch.achievementRowid);
  const manifest: Manifest = {
    format: 'laurel-studio-batch-manifest',
    version: 1,
    batchId: batch.id,
    complete,
    issuer: { id: issuer.id, name: issuer.name },
    achievement: { id: ach?.achievementId ?? '', version: ach?.version ?? 0, name: String(ach?.achievement.name ?? '') },
    roster: { file: o.rosterName, sha256: batch.rosterSha256 },
    identity: o.identity,
    formats: o.formats,
    updatedAt: new Date().toISOString(),
    items: [],
    skipped: [],
    failed: [],
  };
  for (const it of listBatchItems(db, batch.id)) {
    if (it.state === 'exported') {
      const data = it.row as unknown as ItemData;
      manifest.items.push({ seq: it.seq, line: it.line, recipient: recipientOf(data.learner), credentialId: it.credentialId, files: it.files ?? [] });
    } else if (it.state === 'skipped') manifest.skipped.push({ line: it.line, reason: it.error ?? '' });
    else if (it.state === 'failed') manifest.failed.push({ line: it.line, reason: it.error ?? '' });
  }
  return manifest;
}

/** Wakes the dispatch loop when something finishes. */
class Wakeup {
  private waiters: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
  fire(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}

// ---------------------------------------------------------------- the run

export async function runBatch(ctx: RunContext, batchId: string, options: RunBatchOptions = {}): Promise<BatchSummary> {
  const started = performance.now();
  const { db, signer } = ctx;
  const batch = getBatch(db, batchId);
  if (!batch) throw new LaurelError('NOT_FOUND', `No batch ${batchId} in this workspace.`);
  const o = batch.options as unknown as BatchOptions;
  const issuer = getIssuer(db, batch.issuerId);
  if (!issuer) throw new LaurelError('NOT_FOUND', `The batch's issuer ${batch.issuerId} is no longer in this workspace.`);
  if (signer && (signer.controller !== issuer.id || signer.verificationMethod !== issuer.verificationMethod)) {
    throw new LaurelError('INVALID_INPUT', `The signer (${signer.verificationMethod}) is not the batch issuer's key (${issuer.verificationMethod}).`);
  }
  const achievement = getAchievementVersion(db, batch.achievementRowid);
  if (!achievement) throw new LaurelError('NOT_FOUND', `The batch's achievement version (${batch.achievementRowid}) is missing.`);
  const signal = options.signal;
  const interval = options.progressIntervalMs ?? 100;

  const release = acquireLock(ctx.workspaceDir, batchId);
  try {
    await mkdir(o.outDir, { recursive: true });
    // A run killed while claiming the folder leaves only a temp file: clear ours before checking.
    await removeStaleTempFiles(o.outDir);
    checkOutDir(o.outDir, batchId);
    const settings = exportSettings(ctx, o);
    const wasComplete = batch.state === 'completed';
    if (!wasComplete) {
      setBatchState(db, batchId, 'running');
      retryFailedBatchItems(db, batchId); // a resume tries failed items again
    }
    // Claim the folder before the first credential file lands in it.
    await writeManifest(o.outDir, buildManifest(db, batch, issuer, false));

    const initial = countBatchItems(db, batchId);
    const total = batch.total;
    const signedBefore = initial.signed + initial.exported;
    const counters = { signed: signedBefore, exported: initial.exported, failed: initial.failed, signedThisRun: 0 };
    const failures: BatchSummary['failures'] = [];

    // Progress: throttled; the rate is over the last ~5 s of this run, counted from the first
    // signature (worker start-up is not signing time).
    let lastEmit = 0;
    const samples: Array<{ t: number; n: number }> = [];
    const emit = (phase: BatchProgress['phase'], force = false): void => {
      if (!options.onProgress) return;
      const t = performance.now();
      if (!force && t - lastEmit < interval) return;
      lastEmit = t;
      if (counters.signedThisRun > 0) samples.push({ t, n: counters.signedThisRun });
      while (samples.length > 2 && t - samples[1]!.t > 5000) samples.shift();
      const first = samples[0];
      const rate = first && t > first.t ? ((counters.signedThisRun - first.n) * 1000) / (t - first.t) : 0;
      const remaining = total - counters.signed - counters.failed;
      options.onProgress({
        batchId,
        done: counters.exported + counters.failed,
        total,
        signed: counters.signed,
        exported: counters.exported,
        failed: counters.failed,
        ratePerSec: Math.round(rate * 10) / 10,
        etaSeconds: remaining <= 0 ? 0 : rate > 0 ? Math.ceil(remaining / rate) : null,
        phase,
      });
    };

    // 1. Files of exported items that are missing or differ are written again from the stored bytes.
    let repairedFiles = 0;
    for (const item of initial.exported ? listBatchItems(db, batchId, ['exported']) : []) {
      if (item.files && (await filesIntact(o.outDir, item.files))) continue;
      const data = item.row as unknown as ItemData;
      const files = await writeItemFiles(settings, { fileBase: data.fileBase, bodies: storedBodies(db, batchId, item) });
      markBatchItemExported(db, batchId, item.seq, files);
      repairedFiles += files.length;
    }

    // 2. Signed before a crash, not yet exported: export from the database, never sign again.
    for (const item of initial.signed ? listBatchItems(db, batchId, ['signed']) : []) {
      const data = item.row as unknown as ItemData;
      const files = await writeItemFiles(settings, { fileBase: data.fileBase, bodies: storedBodies(db, batchId, item) });
      markBatchItemExported(db, batchId, item.seq, files);
      counters.exported++;
      emit('export-signed');
    }

    // 3. Pending items: build + canonicalize in workers, sign + store here, then export.
    const signPending = async (signer: Signer): Promise<boolean> => {
      const pending = listBatchItems(db, batchId, ['pending']);
      const bySeq = new Map(pending.map((it) => [it.seq, it]));
      const chunks: BatchItemRecord[][] = [];
      for (let i = 0; i < pending.length; i += CHUNK) chunks.push(pending.slice(i, i + CHUNK));
      const json = o.signForms.includes('json');
      // Endorsements attached by the time this run starts; JWT ones only when no JSON form is signed.
      const endorsed = withReceivedEndorsements(db, issuer!.profile, achievement!.achievement, { jwtOnly: !json });
      const init: WorkerInit = {
        issuer: endorsed.issuer,
        achievement: endorsed.achievement,
        ...(endorsed.endorsementJwt ? { endorsementJwt: endorsed.endorsementJwt } : {}),
        recipient: { identity: o.identity, plaintext: o.plaintextIdentity },
        validFrom: o.validFrom,
        ...(o.validUntil ? { validUntil: o.validUntil } : {}),
        json,
        key: { algorithm: signer.algorithm, verificationMethod: signer.verificationMethod },
        created: nowSeconds(),
      };
      // A tiny batch needs no second worker (starting one costs more than it saves).
      const size = Math.max(1, Math.min(options.workers ?? defaultWorkerCount(), chunks.length));
      const pool = await BuildPool.start(size, init);
      const wake = new Wakeup();
      let fatal: unknown;
      // Two backlogs, bounded separately: chunks sent to workers and not yet stored (keeps every
      // worker busy), and items stored and not yet exported (file writes wait on fsync, so they
      // may lag behind signing for a while without holding the workers up).
      let outstanding = 0; // chunks sent and not yet fully handled (stored and exported, or dropped)
      let unsigned = 0; // chunks sent and not yet stored
      let unexported = 0; // items stored and not yet exported
      const signLimit = size * 3;
      const exportLimit = 1024;
      let commitChain: Promise<void> = Promise.resolve();
      let exportChain: Promise<void> = Promise.resolve();
      const onAbort = () => {
        void pool.close();
        wake.fire();
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      const commit = async (results: WorkerResult[]): Promise<Array<{ item: BatchItemRecord; bodies: Partial<Record<'json' | 'jwt', string>> }>> => {
        // Sign on this thread: the private key never leaves it. A failing signer is fatal, not a row problem.
        const signed = await Promise.all(
          results.map(async (r) => {
            const item = bySeq.get(r.seq)!;
            if (!r.ok) return { item, error: r.error.message };
            const bodies: Partial<Record<'json' | 'jwt', string>> = {};
            if (json) bodies.json = await finishJsonCredential(r.credential, r.prepared!, signer);
            if (o.signForms.includes('jwt')) bodies.jwt = await signJwtCredential(r.credential, signer, o.allowEdDSA);
            return { item, bodies };
          }),
        );
        const ok: Array<{ item: BatchItemRecord; bodies: Partial<Record<'json' | 'jwt', string>> }> = [];
        db.transaction(() => {
          for (const s of signed) {
            if ('error' in s) {
              markBatchItemFailed(db, batchId, s.item.seq, s.error!);
              continue;
            }
            const recipient = recipientLabel(s.item, o);
            let primary: number | undefined;
            for (const form of o.signForms) {
              const row = storeIssuedCredential(db, {
                credentialId: s.item.credentialId,
                issuerId: issuer!.id,
                recipient,
                format: form,
                body: s.bodies[form]!,
                actor: ctx.actor,
                batchId,
                achievementRowid: batch!.achievementRowid,
              });
              primary ??= row.rowId;
            }
            markBatchItemSigned(db, batchId, s.item.seq, primary!);
            ok.push(s);
          }
        })();
        for (const s of signed) {
          if ('error' in s) {
            counters.failed++;
            failures.push({ seq: s.item.seq, line: s.item.line, error: s.error! });
          } else {
            counters.signed++;
            counters.signedThisRun++;
          }
        }
        emit('signing');
        return ok;
      };

      const exportItems = async (list: Array<{ item: BatchItemRecord; bodies: Partial<Record<'json' | 'jwt', string>> }>): Promise<void> => {
        // Written from the very strings just stored: the same bytes as the database holds.
        const files = await Promise.all(list.map((s) => writeItemFiles(settings, { fileBase: (s.item.row as unknown as ItemData).fileBase, bodies: s.bodies })));
        db.transaction(() => list.forEach((s, k) => markBatchItemExported(db, batchId, s.item.seq, files[k]!)))();
        counters.exported += list.length;
        emit('signing');
      };

      const dispatch = (chunk: BatchItemRecord[]): void => {
        outstanding++;
        const items = chunk.map((it) => {
          const data = it.row as unknown as ItemData;
          return { seq: it.seq, credentialId: it.credentialId, learner: data.learner, ...(data.credentialStatus ? { credentialStatus: data.credentialStatus } : {}) };
        });
        unsigned++;
        const stored = (): void => {
          unsigned--;
          wake.fire();
        };
        const done = (): void => {
          outstanding--;
          wake.fire();
        };
        pool.submit(items).then(
          (res) => {
            commitChain = commitChain.then(async () => {
              let list;
              try {
                if (fatal) return;
                list = await commit(res.results);
              } catch (e) {
                fatal ??= e;
                return;
              } finally {
                stored();
                if (!list) done();
              }
              unexported += list.length;
              exportChain = exportChain.then(async () => {
                try {
                  if (!fatal) await exportItems(list);
                } catch (e) {
                  fatal ??= e;
                }
                unexported -= list.length;
                done();
              });
            });
          },
          (e: unknown) => {
            // Cancelled requests leave their items pending; anything else stops the run.
            if (!(isLaurelError(e) && e.code === 'CANCELLED')) fatal ??= e;
            stored();
            done();
          },
        );
      };

      try {
        let next = 0;
        for (;;) {
          while (!fatal && !signal?.aborted && next < chunks.length && unsigned < signLimit && unexported < exportLimit) dispatch(chunks[next++]!);
          if (outstanding === 0 && (fatal || signal?.aborted || next >= chunks.length)) break;
          await wake.wait();
        }
        await commitChain;
        await exportChain;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        await pool.close();
      }
      if (fatal) throw fatal;
      return signal?.aborted === true;
    };
    let cancelled = signal?.aborted === true;
    if (!wasComplete && initial.pending > 0 && !cancelled) {
      if (!signer) throw new LaurelError('UNSUPPORTED', `Batch ${batchId} has ${initial.pending} credential(s) not signed yet, and this run has no key to sign them.`);
      cancelled = await signPending(signer);
    }

    // 4. Manifest and mail-merge summary, from the database.
    emit('finishing', true);
    const counts = countBatchItems(db, batchId);
    const complete = counts.pending === 0 && counts.signed === 0 && counts.failed === 0;
    const state: BatchState = complete ? 'completed' : cancelled ? 'cancelled' : counts.failed > 0 ? 'failed' : 'paused';
    const fresh = getBatch(db, batchId)!;
    const manifest = buildManifest(db, fresh, issuer, complete);
    const manifestFile = await writeManifest(o.outDir, manifest);
    const summaryCsv = await writeSummaryCsv(o.outDir, manifest);
    if (!wasComplete || repairedFiles > 0) {
      db.transaction(() => {
        setBatchState(db, batchId, state);
        appendAudit(db, {
          actor: ctx.actor,
          action: complete ? 'batch.complete' : cancelled ? 'batch.cancel' : 'batch.stop',
          subject: batchId,
          details: { ...counts, signedThisRun: counters.signedThisRun, repairedFiles },
        });
      })();
    }
    if (failures.length === 0 && counts.failed > 0) {
      for (const it of listBatchItems(db, batchId, ['failed'])) failures.push({ seq: it.seq, line: it.line, error: it.error ?? '' });
    }
    options.onProgress?.({
      batchId,
      done: counts.exported + counts.failed,
      total,
      signed: counts.signed + counts.exported,
      exported: counts.exported,
      failed: counts.failed,
      ratePerSec: 0,
      etaSeconds: complete ? 0 : null,
      phase: 'finishing',
    });
    return {
      batchId,
      state,
      total,
      counts,
      signedThisRun: counters.signedThisRun,
      signedBefore,
      repairedFiles,
      outDir: o.outDir,
      manifest: manifestFile,
      summaryCsv,
      failures,
      elapsedMs: Math.round(performance.now() - started),
    };
  } catch (e) {
    // Not cancelled: stopped by an error. Everything committed stays; the same command resumes.
    const current = getBatch(db, batchId);
    if (current && current.state === 'running') setBatchState(db, batchId, 'failed');
    throw e;
  } finally {
    release();
  }
}

function recipientLabel(item: BatchItemRecord, o: BatchOptions): string {
  const l = (item.row as unknown as ItemData).learner;
  return (o.identity === 'email' ? l.email : o.identity === 'did' ? l.did : l.learnerId) ?? l.email ?? l.did ?? l.learnerId ?? '';
}
