// One CLR per learner of a roster: each learner's credentials are the JSON credentials this
// workspace issued to them (not revoked, not CLRs) plus the third-party credentials given that
// were issued to them; grouping achievements are shared, associations kept where both ends are in
// the learner's record. A job: progress after each learner, cancel between learners.
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { FileNamer } from '../issue/index.ts';
import type { Db } from '../store/index.ts';
import type { JsonObject } from '../proof/index.ts';
import { atomicWrite } from '../util/fs.ts';
import { isLaurelError, LaurelError } from '../util/errors.ts';
import { checkRecipient, parseInput } from '../verify/index.ts';
import { achievementIndex, innerAchievement } from './build.ts';
import type { AssociationInput } from './associations.ts';
import { clrFile, createClr, type ClrContext, type ClrCredentialSource, type ClrFileFormat } from './index.ts';

type Json = Record<string, unknown>;

export interface ClrBatchLearner {
  /** How the record names the learner: an e-mail address or a DID. */
  recipient: string;
  /** Other values the workspace's credentials may name them by (learner id, the other of e-mail/DID). */
  aliases?: string[];
  name?: string;
  /** Roster line, for messages. */
  line?: number;
}

export interface ClrBatchInput {
  batchId: string;
  learners: readonly ClrBatchLearner[];
  /** The record's name; `{name}` is replaced by the learner's name (or their e-mail / DID). */
  name: string;
  description?: string;
  achievements?: readonly unknown[];
  associations?: readonly AssociationInput[];
  partial?: boolean;
  /** Third-party credentials; each goes into the record of the learner it was issued to. */
  pool?: readonly ClrCredentialSource[];
  /** Where to write each record (default: nowhere, stored only). */
  outDir?: string;
  formats?: readonly ClrFileFormat[];
  image?: { png?: Uint8Array; svg?: Uint8Array };
}

export interface ClrBatchProgress {
  done: number;
  total: number;
  created: number;
  skipped: number;
  failed: number;
}

export interface ClrBatchItem {
  recipient: string;
  name?: string;
  line?: number;
  outcome: 'created' | 'skipped' | 'failed';
  credentialId?: string;
  credentials?: number;
  files?: string[];
  /** Associations left out because an end is not in this learner's record. */
  droppedAssociations?: number;
  reason?: string;
}

export interface ClrBatchSummary extends ClrBatchProgress {
  batchId: string;
  cancelled: boolean;
  outDir: string | null;
  items: ClrBatchItem[];
}

export interface LearnerCredential {
  credentialId: string;
  issuerId: string;
  createdAt: string;
  credential: Json;
}

/**
 * The workspace's credentials issued to this recipient that a record can bundle: JSON form, not
 * revoked or suspended, not replaced by a re-issue, not CLRs themselves; oldest first.
 */
export function learnerCredentials(db: Db, recipient: string | readonly string[], limit = 500): LearnerCredential[] {
  const names = [...new Set((typeof recipient === 'string' ? [recipient] : recipient).map((r) => r.trim()).filter(Boolean))];
  if (!names.length) return [];
  const rows = db
    .prepare(
      `SELECT c.credential_id, c.issuer_id, c.created_at, c.body FROM credentials c
       WHERE c.recipient COLLATE NOCASE IN (${names.map(() => '?').join(', ')}) AND c.format = 'json' AND c.status = 'active'
         AND NOT EXISTS (SELECT 1 FROM clrs k WHERE k.credential_rowid = c.rowid_pk)
         AND NOT EXISTS (SELECT 1 FROM credentials n WHERE n.reissue_of = c.rowid_pk)
       ORDER BY c.rowid_pk LIMIT ?`,
    )
    .all(...names, limit) as Array<{ credential_id: string; issuer_id: string; created_at: string; body: Buffer }>;
  return rows.map((r) => ({ credentialId: r.credential_id, issuerId: r.issuer_id, createdAt: r.created_at, credential: JSON.parse(r.body.toString('utf8')) as Json }));
}

function ownCredentials(ctx: ClrContext, names: readonly string[]): ClrCredentialSource[] {
  return learnerCredentials(ctx.db, names).map((c) => ({ label: c.credentialId, credential: c.credential }));
}

function parsedPool(pool: readonly ClrCredentialSource[]): Array<{ source: ClrCredentialSource; credential: Json }> {
  return pool.map((source) => {
    if (source.credential) return { source, credential: source.credential };
    const parsed = parseInput(source.bytes ?? '');
    if (!parsed.ok || parsed.format !== 'json') throw new LaurelError('INVALID_INPUT', `${source.label}: ${parsed.ok ? 'a VC-JWT has no slot in a CLR; use the JSON form' : parsed.reason}.`);
    return { source: { label: source.label, credential: parsed.credential as Json }, credential: parsed.credential as Json };
  });
}

export async function runClrBatch(
  ctx: ClrContext,
  input: ClrBatchInput,
  options: { onProgress?: (p: ClrBatchProgress) => void; signal?: AbortSignal } = {},
): Promise<ClrBatchSummary> {
  if (!input.learners.length) throw new LaurelError('INVALID_INPUT', 'The roster has no learners.');
  if (!input.name?.trim()) throw new LaurelError('INVALID_INPUT', 'A CLR needs a name, e.g. "Transcript of {name}".');
  const pool = parsedPool(input.pool ?? []);
  const formats = input.formats ?? (input.outDir ? ['json'] : []);
  const namer = new FileNamer();
  if (input.outDir) {
    mkdirSync(input.outDir, { recursive: true });
    for (const f of readdirSync(input.outDir)) namer.reserve(f.replace(/\.(json|png|svg)$/i, ''));
  }
  const progress: ClrBatchProgress = { done: 0, total: input.learners.length, created: 0, skipped: 0, failed: 0 };
  const items: ClrBatchItem[] = [];
  let cancelled = false;
  for (const learner of input.learners) {
    if (options.signal?.aborted) {
      cancelled = true;
      break;
    }
    const item: ClrBatchItem = { recipient: learner.recipient, ...(learner.name ? { name: learner.name } : {}), ...(learner.line !== undefined ? { line: learner.line } : {}), outcome: 'skipped' };
    try {
      const theirs = pool.filter((p) => checkRecipient(p.credential as JsonObject, { identifier: learner.recipient }).status === 'passed').map((p) => p.source);
      const sources = [...ownCredentials(ctx, [learner.recipient, ...(learner.aliases ?? [])]), ...theirs];
      if (!sources.length) {
        item.reason = 'no credential issued to this learner';
        progress.skipped++;
      } else {
        const creds = sources.map((s) => s.credential!);
        const ids = achievementIndex(creds, (input.achievements ?? []) as Json[]);
        for (const a of creds) {
          const ia = innerAchievement(a);
          if (ia) ids.set(ia.id, ia.name);
        }
        const associations = (input.associations ?? []).filter((a) => ids.has(a.sourceId) && ids.has(a.targetId));
        const dropped = (input.associations ?? []).length - associations.length;
        const display = learner.name?.trim() || learner.recipient;
        const created = await createClr(ctx, {
          name: input.name.replace(/\{name\}/g, display),
          learner: { recipient: learner.recipient, ...(learner.name ? { name: learner.name } : {}), ...(learner.aliases?.length ? { aliases: learner.aliases } : {}) },
          credentials: sources,
          ...(input.description ? { description: input.description.replace(/\{name\}/g, display) } : {}),
          ...(input.achievements?.length ? { achievements: input.achievements } : {}),
          ...(associations.length ? { associations } : {}),
          ...(input.partial ? { partial: true } : {}),
          batchId: input.batchId,
        });
        item.outcome = 'created';
        item.credentialId = created.credentialId;
        item.credentials = created.credentials.length;
        if (dropped) item.droppedAssociations = dropped;
        if (input.outDir && formats.length) {
          const base = namer.next(display, 'learner');
          item.files = [];
          for (const format of formats) {
            const file = `${base}.${format}`;
            const image = format === 'png' ? input.image?.png : format === 'svg' ? input.image?.svg : undefined;
            await atomicWrite(path.join(input.outDir, file), clrFile(created.body, format, image).bytes, 0o644);
            item.files.push(file);
          }
        }
        progress.created++;
      }
    } catch (e) {
      if (!isLaurelError(e)) throw e;
      item.outcome = 'failed';
      item.reason = e.message;
      progress.failed++;
    }
    items.push(item);
    progress.done++;
    options.onProgress?.({ ...progress });
  }
  return { ...progress, batchId: input.batchId, cancelled, outDir: input.outDir ?? null, items };
}
