// A batch's export folder: per learner the signed credential (.json, .jwt) and the badge image
// with it baked in (.png, .svg), written from the stored bytes; plus manifest.json (who got
// which credential in which files, with SHA-256 of each) and summary.csv for a mail merge.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { bakePng, bakeSvg } from '../bake/index.ts';
import type { BatchItemFile } from '../store/index.ts';
import { atomicWrite } from '../util/fs.ts';
import type { Learner } from './credential.ts';
import type { ExportFormat } from './types.ts';

export const MANIFEST_FILE = 'manifest.json';
export const SUMMARY_FILE = 'summary.csv';
export const MANIFEST_FORMAT = 'laurel-studio-batch-manifest';

const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The batch id a folder's manifest names, if it has a readable one. */
export function readManifestBatchId(outDir: string): string | undefined {
  try {
    const m = JSON.parse(readFileSync(path.join(outDir, MANIFEST_FILE), 'utf8')) as { format?: unknown; batchId?: unknown };
    return m.format === MANIFEST_FORMAT && typeof m.batchId === 'string' ? m.batchId : undefined;
  } catch {
    return undefined;
  }
}

/** A temporary file our writers name `.<name>.<pid>.<12 hex>.tmp`. */
export function isStaleTempFile(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(name);
}

/** Removes temporary files a killed run left behind (atomicWrite's `.<name>.<pid>.<hex>.tmp`). */
export async function removeStaleTempFiles(outDir: string): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(outDir);
  } catch {
    return 0;
  }
  const stale = names.filter(isStaleTempFile);
  await Promise.all(stale.map((n) => rm(path.join(outDir, n), { force: true })));
  return stale.length;
}

export interface ExportSettings {
  outDir: string;
  formats: readonly ExportFormat[];
  bakeForm: 'json' | 'jwt';
  png?: Uint8Array;
  /** The SVG text (sanitised when it was prepared). */
  svg?: string;
}

export interface ExportInput {
  fileBase: string;
  /** The stored bytes of each signed form. */
  bodies: Partial<Record<'json' | 'jwt', string>>;
}

/** The files of one learner, as bytes, in format order. */
export function renderItemFiles(s: ExportSettings, item: ExportInput): Array<{ file: string; format: ExportFormat; bytes: Uint8Array }> {
  const out: Array<{ file: string; format: ExportFormat; bytes: Uint8Array }> = [];
  const payload = item.bodies[s.bakeForm];
  for (const format of s.formats) {
    let bytes: Uint8Array;
    if (format === 'json' || format === 'jwt') {
      const body = item.bodies[format];
      if (body === undefined) throw new Error(`no stored ${format} credential to export for ${item.fileBase}`);
      bytes = Buffer.from(body, 'utf8');
    } else {
      if (payload === undefined) throw new Error(`no stored ${s.bakeForm} credential to bake for ${item.fileBase}`);
      if (format === 'png') bytes = bakePng(s.png!, payload, { kind: 'ob' });
      else bytes = Buffer.from(bakeSvg(s.svg!, payload, { kind: 'ob' }), 'utf8');
    }
    out.push({ file: `${item.fileBase}.${format}`, format, bytes });
  }
  return out;
}

/**
 * One export file, atomically: a temporary file in the folder, written, flushed to disk, renamed.
 * Like atomicWrite, minus what a batch of thousands doesn't need per file: the folder exists
 * (made once per run), and the mode is left to the umask, as for any file the user creates.
 */
async function writeExportFile(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes one learner's files (each atomically: a reader sees the old file or the new one, never half). */
export async function writeItemFiles(s: ExportSettings, item: ExportInput): Promise<BatchItemFile[]> {
  const files = renderItemFiles(s, item);
  await Promise.all(files.map((f) => writeExportFile(path.join(s.outDir, f.file), f.bytes)));
  return files.map((f) => ({ file: f.file, format: f.format, sha256: sha256Hex(f.bytes), bytes: f.bytes.length }));
}

/** Whether every recorded file is in the folder with the recorded hash. */
export async function filesIntact(outDir: string, files: readonly BatchItemFile[]): Promise<boolean> {
  for (const f of files) {
    try {
      const bytes = await readFile(path.join(outDir, f.file));
      if (bytes.length !== f.bytes || sha256Hex(bytes) !== f.sha256) return false;
    } catch {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------- manifest and summary

export interface ManifestItem {
  seq: number;
  line: number | null;
  recipient: { name?: string; email?: string; did?: string; learnerId?: string };
  credentialId: string;
  files: BatchItemFile[];
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  batchId: string;
  /** False while the batch is still being issued (or was interrupted). */
  complete: boolean;
  issuer: { id: string; name: string };
  achievement: { id: string; version: number; name: string };
  roster: { file: string | null; sha256: string | null };
  identity: string;
  formats: readonly ExportFormat[];
  updatedAt: string;
  items: ManifestItem[];
  skipped: Array<{ line: number | null; reason: string }>;
  failed: Array<{ line: number | null; reason: string }>;
}

export function recipientOf(learner: Learner | undefined): ManifestItem['recipient'] {
  const r: ManifestItem['recipient'] = {};
  if (!learner) return r;
  if (learner.name) r.name = learner.name;
  if (learner.email) r.email = learner.email;
  if (learner.did) r.did = learner.did;
  if (learner.learnerId) r.learnerId = learner.learnerId;
  return r;
}

export async function writeManifest(outDir: string, manifest: Manifest): Promise<string> {
  const file = path.join(outDir, MANIFEST_FILE);
  await atomicWrite(file, JSON.stringify(manifest, null, 2) + '\n', 0o644);
  return file;
}

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet. */
function cell(v: string | undefined): string {
  let s = v ?? '';
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n;]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** summary.csv for a mail merge: one row per learner with the files to attach (UTF-8 with BOM, for Excel). */
export async function writeSummaryCsv(outDir: string, manifest: Manifest): Promise<string> {
  const header = ['name', 'email', 'learner_id', 'did', 'credential_id', ...manifest.formats.map((f) => `${f}_file`)];
  const lines = [header.join(',')];
  for (const it of manifest.items) {
    const byFormat = new Map(it.files.map((f) => [f.format, f.file]));
    lines.push(
      [it.recipient.name, it.recipient.email, it.recipient.learnerId, it.recipient.did, it.credentialId, ...manifest.formats.map((f) => byFormat.get(f))].map(cell).join(','),
    );
  }
  const file = path.join(outDir, SUMMARY_FILE);
  await atomicWrite(file, '\uFEFF' + lines.join('\r\n') + '\r\n', 0o644);
  return file;
}
