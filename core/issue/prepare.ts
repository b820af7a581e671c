// Preparing a batch: read and check the roster, fix the achievement version, and record the batch
// with a credential id (and status entry) for every learner, all in one transaction. Nothing is
// signed here; a batch prepared from the same roster bytes and options is found again, not
// prepared twice.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { checkBadgeImage, sanitizeSvg } from '../bake/index.ts';
import {
  checkRoster,
  decodeRoster,
  formatProblems,
  formatSummary,
  guessMapping,
  mergeMapping,
  parseMappingArgs,
  parseRoster,
  type IdentityField,
  type RosterRow,
} from '../import/index.ts';
import {
  appendAudit,
  countBatchItems,
  findBatchByKey,
  getAchievementVersion,
  getBatchSigning,
  getIssuer,
  insertBatch,
  insertBatchItem,
  insertRecipient,
  setBatchOptions,
  type AchievementVersion,
  type BatchRecord,
  type Db,
  type IssuerRecord,
} from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import { atomicWrite } from '../util/fs.ts';
import { achievementVersionFor, storedAchievement } from './achievement.ts';
import type { IdentityMode, Learner } from './credential.ts';
import { defaultBadgePng, defaultBadgeSvg } from './default-badge.ts';
import { FileNamer } from './filenames.ts';
import { MANIFEST_FILE, SUMMARY_FILE, isStaleTempFile, readManifestBatchId } from './export.ts';
import { allocateBatchStatus, issuerHasStatusLists } from './status.ts';
import { EXPORT_FORMATS, type BatchView, type ExportFormat, type PreparedBatch, type PrepareBatchInput, type RosterInspection, type RosterSource } from './types.ts';

export interface IssueContext {
  db: Db;
  workspaceDir: string;
  /** Who acts, for the audit log. */
  actor: string;
}

/** Options a batch keeps (batches.options_json). */
export interface BatchOptions {
  key: string;
  formats: ExportFormat[];
  /** Forms signed and stored: JSON (Data Integrity) and/or VC-JWT. */
  signForms: Array<'json' | 'jwt'>;
  /** Which signed form goes into baked images. */
  bakeForm: 'json' | 'jwt';
  identity: IdentityMode;
  plaintextIdentity: boolean;
  allowEdDSA: boolean;
  mapping: Record<string, string>;
  encoding: string;
  skipBadRows: boolean;
  outDir: string;
  rosterName: string | null;
  images: Partial<Record<'png' | 'svg', { sha256: string; name: string; isDefault: boolean }>>;
  validFrom: string;
  validUntil?: string;
  /** Credentials carry a BitstringStatusListEntry allocated at prepare time. */
  statusEntries: boolean;
}

/** What a batch item remembers (batch_items.row_json). */
export interface ItemData {
  learner: Learner;
  /** Export file name without extension, unique in the batch folder. */
  fileBase: string;
  credentialStatus?: Record<string, unknown>;
}

const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------- roster

/** Decode, parse, map and check a roster: everything the mapping preview and the row report need. */
export function inspectRoster(source: RosterSource): RosterInspection {
  const decoded = decodeRoster(source.bytes, source.encoding ? { encoding: source.encoding } : {});
  const parsed = parseRoster(decoded.text);
  const guess = guessMapping(parsed.headers);
  const overrides = parseMappingArgs(source.map ?? [], parsed.headers);
  const mapping = mergeMapping(guess.mapping, overrides);
  const identity: IdentityField = source.identity ?? (mapping.did ? 'did' : mapping.email ? 'email' : mapping.learnerId ? 'learnerId' : 'email');
  const check = checkRoster(parsed, mapping, { identity });
  return {
    encoding: decoded.encoding,
    delimiter: parsed.delimiter,
    headers: parsed.headers,
    guess,
    mapping,
    explicit: Object.keys(overrides),
    identity,
    check,
    warnings: decoded.warnings.map((w) => (w.line ? `line ${w.line}: ${w.message}` : w.message)),
    rosterSha256: sha256Hex(source.bytes),
  };
}

/** The refusal when rows are bad: the summary, one line per problem line, and the way out. */
export function badRowsError(inspection: RosterInspection): LaurelError {
  const lines = formatProblems(inspection.check.problems.filter((p) => p.severity === 'error'));
  return new LaurelError(
    'VALIDATION',
    [
      `${formatSummary(inspection.check)} Nothing was signed.`,
      ...lines.map((l) => `  ${l}`),
      'Fix these rows in the file and run the same command again, or add --skip-bad-rows to issue the good rows and list the skipped ones.',
    ].join('\n'),
    { details: { problems: inspection.check.problems, stats: inspection.check.stats } },
  );
}

function learnerOf(row: RosterRow): Learner {
  const l: Learner = {};
  for (const k of ['name', 'email', 'emailKey', 'did', 'learnerId', 'resultValue', 'evidenceUrl', 'narrative', 'creditsEarned', 'activityStartDate', 'activityEndDate'] as const) {
    if (row[k] !== undefined) (l as Record<string, unknown>)[k] = row[k];
  }
  return l;
}

// ---------------------------------------------------------------- formats and images

function resolveForms(formats: readonly ExportFormat[], issuer: IssuerRecord, allowEdDSA: boolean): { signForms: Array<'json' | 'jwt'>; bakeForm: 'json' | 'jwt' } {
  const rsa = issuer.keyAlgorithm === 'RSA-2048';
  if (rsa && formats.includes('json')) {
    throw new LaurelError(
      'UNSUPPORTED',
      `The issuer's key is RSA, which signs VC-JWT only (no Data Integrity suite uses RSA): use --format jwt (with png or svg to bake the JWT).`,
    );
  }
  const signForms: Array<'json' | 'jwt'> = [];
  if (formats.includes('json') || (!formats.includes('jwt') && !rsa)) signForms.push('json');
  if (formats.includes('jwt') || rsa) signForms.push('jwt');
  if (signForms.includes('jwt') && issuer.keyAlgorithm === 'Ed25519' && !allowEdDSA) {
    throw new LaurelError(
      'UNSUPPORTED',
      "The issuer's key is Ed25519, so its VC-JWTs would be EdDSA, which 1EdTech's validator rejects (it accepts RS256 and ES256). Leave jwt out of --format, use an issuer with a P-256 or RSA key, or add --allow-eddsa-jwt.",
    );
  }
  return { signForms, bakeForm: signForms.includes('json') ? 'json' : 'jwt' };
}

interface ImageChoice {
  kind: 'png' | 'svg';
  bytes: Uint8Array;
  name: string;
  isDefault: boolean;
  removed: string[];
}

function resolveImages(formats: readonly ExportFormat[], image: PrepareBatchInput['image']): ImageChoice[] {
  const kinds = (['png', 'svg'] as const).filter((k) => formats.includes(k));
  if (kinds.length === 0) return [];
  if (!image) {
    return kinds.map((kind) => ({ kind, bytes: kind === 'png' ? defaultBadgePng() : defaultBadgeSvg(), name: `default badge (${kind.toUpperCase()})`, isDefault: true, removed: [] }));
  }
  let info;
  try {
    info = checkBadgeImage(image.bytes);
  } catch (e) {
    throw new LaurelError('INVALID_INPUT', `The badge image${image.name ? ` ${image.name}` : ''} can't be used: ${(e as Error).message}.`, { cause: e });
  }
  const kind = info.mediaType === 'image/png' ? 'png' : 'svg';
  const other = kind === 'png' ? 'svg' : 'png';
  if (kinds.includes(other)) {
    throw new LaurelError(
      'INVALID_INPUT',
      `--format ${other} needs ${other === 'png' ? 'a PNG' : 'an SVG'} badge image, but ${image.name ?? 'the image'} is ${kind === 'png' ? 'a PNG' : 'an SVG'} (images are never converted). ` +
        `Drop ${other} from --format, or leave out --image to use the default badge.`,
    );
  }
  let bytes = image.bytes;
  let removed: string[] = [];
  if (kind === 'svg') {
    // The image is handed to every learner: only SVG drawing survives (no scripts, no external links).
    const clean = sanitizeSvg(new TextDecoder().decode(image.bytes));
    bytes = new TextEncoder().encode(clean.svg);
    removed = clean.removed;
  }
  return [{ kind, bytes, name: image.name ?? `badge.${kind}`, isDefault: false, removed }];
}

/** Where a batch's badge images are kept (by content), so a resume bakes the very same image. */
export function imagePath(workspaceDir: string, sha256: string, kind: 'png' | 'svg'): string {
  return path.join(workspaceDir, 'images', `${sha256}.${kind}`);
}

/** A stored badge image, checked against its hash. */
export function readBatchImage(workspaceDir: string, sha256: string, kind: 'png' | 'svg'): Uint8Array {
  const file = imagePath(workspaceDir, sha256, kind);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new LaurelError('NOT_FOUND', `The batch's badge image ${file} is missing from the workspace; the batch can't bake its images.`);
  }
  if (sha256Hex(bytes) !== sha256) throw new LaurelError('VALIDATION', `The batch's badge image ${file} has been changed since the batch was prepared.`);
  return bytes;
}

// ---------------------------------------------------------------- export folder

/** Refuses an export folder that holds anything but this batch's own files. */
export function checkOutDir(outDir: string, batchId: string | null): void {
  if (!existsSync(outDir)) return;
  let entries: string[];
  try {
    entries = readdirSync(outDir);
  } catch (e) {
    throw new LaurelError('INVALID_INPUT', `Can't use ${outDir} as the export folder: ${(e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'it is a file' : (e as Error).message}.`);
  }
  // Temp files a killed run of ours left behind don't count (the run removes them).
  if (entries.every(isStaleTempFile)) return;
  const owner = readManifestBatchId(outDir);
  if (batchId !== null && owner === batchId) return;
  if (owner) {
    throw new LaurelError('CONFLICT', `${outDir} holds the export of another batch (${owner}); choose a new or empty folder for --out.`);
  }
  throw new LaurelError('CONFLICT', `${outDir} is not empty; choose a new or empty folder for --out, so no existing file is replaced.`);
}

// ---------------------------------------------------------------- prepare

export function batchView(db: Db, b: BatchRecord): BatchView {
  const o = b.options as unknown as BatchOptions;
  const ach = getAchievementVersion(db, b.achievementRowid);
  return {
    id: b.id,
    issuerId: b.issuerId,
    achievement: { id: ach?.achievementId ?? '', version: ach?.version ?? 0, name: String(ach?.achievement.name ?? '') },
    state: b.state,
    total: b.total,
    counts: countBatchItems(db, b.id),
    formats: o.formats,
    outDir: o.outDir,
    identity: o.identity,
    createdAt: b.createdAt,
    signing: getBatchSigning(db, b.id),
  };
}

function batchKey(parts: Record<string, unknown>): string {
  return sha256Hex(JSON.stringify(parts));
}

export async function prepareBatch(ctx: IssueContext, input: PrepareBatchInput): Promise<PreparedBatch> {
  const { db } = ctx;
  const issuer = getIssuer(db, input.issuerId);
  if (!issuer) throw new LaurelError('NOT_FOUND', `No issuer ${input.issuerId} in this workspace.`);
  const inspection = inspectRoster(input.roster);
  const check = inspection.check;
  if (check.stats.rejected > 0 && !input.skipBadRows) throw badRowsError(inspection);
  if (check.rows.length === 0) throw new LaurelError('INVALID_INPUT', `${formatSummary(check)} There is nobody to issue a credential to.`);

  const formats = [...new Set(input.formats && input.formats.length ? input.formats : ['json' as const, input.image && checkKind(input.image.bytes) === 'svg' ? ('svg' as const) : ('png' as const)])];
  for (const f of formats) if (!EXPORT_FORMATS.includes(f)) throw new LaurelError('INVALID_INPUT', `Unknown format '${String(f)}': use json, jwt, png, svg.`);
  formats.sort((a, b) => EXPORT_FORMATS.indexOf(a) - EXPORT_FORMATS.indexOf(b));
  const allowEdDSA = input.allowEdDSA ?? false;
  const { signForms, bakeForm } = resolveForms(formats, issuer, allowEdDSA);
  const images = resolveImages(formats, input.image);
  const outDir = path.resolve(input.outDir);
  const statusEntries = issuerHasStatusLists(db, issuer.id);

  // Badge images are kept by content before the transaction: a crash after it must find them.
  const imageRefs: BatchOptions['images'] = {};
  for (const img of images) {
    const sha = sha256Hex(img.bytes);
    const file = imagePath(ctx.workspaceDir, sha, img.kind);
    if (!existsSync(file)) {
      await mkdir(path.dirname(file), { recursive: true });
      await atomicWrite(file, img.bytes, 0o644);
    }
    imageRefs[img.kind] = { sha256: sha, name: img.name, isDefault: img.isDefault };
  }

  const skipped = check.problems.filter((p) => p.severity === 'error');
  // One transaction: the achievement version, the batch, every item with its credential id and
  // status entry. Killed half-way, none of it exists.
  return db.transaction((): PreparedBatch => {
    let version: AchievementVersion & { created?: boolean };
    if ('json' in input.achievement) version = achievementVersionFor(db, input.achievement.json);
    else version = storedAchievement(db, input.achievement.id);
    const versionCreated = version.created === true;

    const keyParts = {
      v: 1,
      roster: inspection.rosterSha256,
      encoding: input.roster.encoding?.trim().toLowerCase() || 'auto',
      issuer: issuer.id,
      achievement: [version.rowid, version.sha256],
      formats,
      identity: inspection.identity,
      mapping: Object.fromEntries(Object.entries(inspection.mapping).sort(([a], [b]) => a.localeCompare(b))),
      plaintext: input.plaintextIdentity ?? false,
      allowEdDSA,
      skipBadRows: input.skipBadRows ?? false,
      images: Object.fromEntries(Object.entries(imageRefs).map(([k, v]) => [k, v!.sha256])),
      validFrom: input.validFrom ?? null,
      validUntil: input.validUntil ?? null,
    };
    const key = batchKey(keyParts);
    const existing = findBatchByKey(db, inspection.rosterSha256, key);
    if (existing) {
      const opts = existing.options as unknown as BatchOptions;
      if (opts.outDir !== outDir) {
        // Same batch, new folder: it gets every file (exported again from the stored credentials).
        checkOutDir(outDir, existing.id);
        setBatchOptions(db, existing.id, { ...opts, outDir });
      }
      const fresh = { ...existing, options: { ...opts, outDir } };
      return {
        batch: batchView(db, fresh),
        status: existing.state === 'completed' ? 'complete' : 'resume',
        inspection,
        skipped,
        achievementVersionCreated: versionCreated,
      } satisfies PreparedBatch;
    }

    checkOutDir(outDir, null);
    const batchId = randomUUID();
    const rows = check.rows;
    const credentialIds = rows.map(() => `urn:uuid:${randomUUID()}`);
    const status = statusEntries ? allocateBatchStatus(db, issuer.id, credentialIds) : undefined;
    const options: BatchOptions = {
      key,
      formats,
      signForms,
      bakeForm,
      identity: inspection.identity,
      plaintextIdentity: input.plaintextIdentity ?? false,
      allowEdDSA,
      mapping: inspection.mapping as Record<string, string>,
      encoding: inspection.encoding,
      skipBadRows: input.skipBadRows ?? false,
      outDir,
      rosterName: input.roster.name ?? null,
      images: imageRefs,
      // One issue date for the whole batch, kept across resumes.
      validFrom: input.validFrom ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(input.validUntil ? { validUntil: input.validUntil } : {}),
      statusEntries,
    };
    const record = insertBatch(db, {
      id: batchId,
      issuerId: issuer.id,
      achievementRowid: version.rowid,
      state: 'prepared',
      options: options as unknown as Record<string, unknown>,
      rosterSha256: inspection.rosterSha256,
      total: rows.length,
    });
    const namer = new FileNamer();
    namer.reserve(path.parse(MANIFEST_FILE).name);
    namer.reserve(path.parse(SUMMARY_FILE).name);
    rows.forEach((row, i) => {
      const learner = learnerOf(row);
      const fallback = (learner.email ? learner.email.split('@')[0] : undefined) ?? learner.learnerId ?? `learner ${i + 1}`;
      const data: ItemData = { learner, fileBase: namer.next(learner.name ?? fallback, fallback) };
      const entry = status?.get(credentialIds[i]!);
      if (entry) data.credentialStatus = { ...entry };
      const recipientRowid = insertRecipient(db, { name: learner.name, email: learner.email, emailKey: learner.emailKey, did: learner.did, learnerId: learner.learnerId });
      insertBatchItem(db, { batchId, seq: i + 1, line: row.line, recipientRowid, row: data as unknown as Record<string, unknown>, credentialId: credentialIds[i]!, state: 'pending' });
    });
    // Rows left out are recorded too, so the batch can list them later.
    const rejected = new Map<number, string[]>();
    for (const p of skipped) rejected.set(p.line, [...(rejected.get(p.line) ?? []), p.reason]);
    let seq = rows.length;
    for (const [line, reasons] of [...rejected].sort(([a], [b]) => a - b)) {
      insertBatchItem(db, { batchId, seq: ++seq, line, recipientRowid: null, row: {}, credentialId: `urn:uuid:${randomUUID()}`, state: 'skipped', error: reasons.join('; ') });
    }
    appendAudit(db, {
      actor: ctx.actor,
      action: 'batch.prepare',
      subject: batchId,
      sha256: inspection.rosterSha256,
      details: { issuer: issuer.id, achievement: version.achievementId, version: version.version, learners: rows.length, skipped: rejected.size, formats, identity: inspection.identity },
    });
    return { batch: batchView(db, record), status: 'new', inspection, skipped, achievementVersionCreated: versionCreated } satisfies PreparedBatch;
  }).immediate();
}

function checkKind(bytes: Uint8Array): 'png' | 'svg' | undefined {
  try {
    return checkBadgeImage(bytes).mediaType === 'image/png' ? 'png' : 'svg';
  } catch {
    return undefined; // resolveImages reports it
  }
}
