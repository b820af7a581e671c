/**
 * The Studio API contract: the methods a UI may call, each with a validator for its one argument
 * object, and `callStudio`, the dispatcher both shells use (web: POST /api/<method>; Electron:
 * ipcMain.handle('studio')). The renderer imports only the *types* from here.
 *
 * Conventions (see docs/decisions.md §13):
 * - every method takes one plain object (or nothing) and returns JSON-safe data;
 * - binary data crosses as standard base64 text in a `{ name, base64 }` file object, because the
 *   web shell speaks JSON and one representation keeps the two shells identical;
 * - errors cross as `{ code, message }` (wire.ts); long operations are jobs that return `{ jobId }`
 *   and report through the shell's event sink.
 *
 * Adding a method: one entry in CONTRACT below, e.g.
 *   revokeCredential: method(
 *     v.object({ credentialId: v.string({ min: 1, max: 2000 }), reason: v.optional(v.string({ max: 500 })) }),
 *     (h, a) => h.studio.revokeCredential(a.credentialId, a.reason),
 *   ),
 * and, for a job: (h, a) => h.jobs.start((job) => h.studio.issueRoster(a, { onProgress: job.progress, signal: job.signal })).
 */
import { checkBadgeImage, sanitizeSvg } from '../bake/index.ts';
import type { KeyAlgorithm } from '../keys/index.ts';
import { listCredentials } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import type { CreateIssuerInput, IssueInput, Studio } from './studio.ts';
import { MAX_FILE_BYTES, noArgs, v, type Infer, type Validator } from './validate.ts';
import { toWireError, type JobRunner, type StudioEvent, type WireError } from './wire.ts';

export type { JobEvent, ShellEvent, StudioEvent, WireError, WireErrorCode } from './wire.ts';

/** What a shell hands the dispatcher: the open Studio, its job runner and what the shell can do. */
export interface StudioHost {
  studio: Studio;
  jobs: JobRunner;
  /** The desktop shell can open another workspace folder; the web shell's is fixed at launch. */
  canSwitchWorkspace: boolean;
}

/** A file as it crosses the boundary. */
export interface WireFile {
  name: string;
  /** Standard base64 of the bytes. */
  base64: string;
  mediaType?: string;
}

interface MethodDef<A, R> {
  args: Validator<A>;
  run: (host: StudioHost, args: A) => R | Promise<R>;
}

/** Declares a method; exists for type inference. */
function method<A, R>(args: Validator<A>, run: (host: StudioHost, args: A) => R | Promise<R>): MethodDef<A, R> {
  return { args, run };
}

// ------------------------------------------------------------------ argument shapes

const fileArg = v.object({
  name: v.string({ min: 1, max: 255 }),
  base64: v.string({ max: Math.ceil(MAX_FILE_BYTES / 3) * 4 + 4 }),
  mediaType: v.optional(v.string({ max: 200 })),
});

const decode = (file: Infer<typeof fileArg>, at: string): Uint8Array => v.base64()(file.base64, `${at}.base64`);

const httpUrl = (max = 2000) => v.string({ min: 1, max, trim: true, pattern: /^https?:\/\/[^\s]+$/i, patternName: 'a web address starting with https://' });
const httpsUrl = (max = 2000) => v.string({ min: 1, max, trim: true, pattern: /^https:\/\/[^\s]+$/i, patternName: 'an https:// address' });
const email = v.string({ min: 3, max: 320, trim: true, pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, patternName: 'an e-mail address' });
const issuerRef = v.string({ min: 1, max: 2000, trim: true });
const passphrase = v.string({ min: 1, max: 1024 });
const dateTime = v.string({
  min: 1,
  max: 40,
  trim: true,
  pattern: /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/,
  patternName: 'a date (2026-05-01) or date-time (2026-05-01T09:00:00Z)',
});
const keyAlgorithm: Validator<KeyAlgorithm> = v.literal('Ed25519', 'P-256', 'RSA-2048');

const issuerIdChoice = v.union('method', {
  key: v.object({ method: v.literal('key') }),
  web: v.object({ method: v.literal('web'), did: v.string({ min: 1, max: 500, trim: true }) }),
  url: v.object({ method: v.literal('url'), id: httpsUrl() }),
});

const createIssuerArgs = v.object({
  name: v.string({ min: 1, max: 200, trim: true }),
  url: v.optional(httpUrl()),
  email: v.optional(email),
  description: v.optional(v.string({ max: 5000 })),
  /** A data: URI (PNG or SVG, checked and, for SVG, sanitised here) or an https URL. */
  image: v.optional(v.string({ min: 1, max: Math.ceil((2 * 1024 * 1024) / 3) * 4 + 100 })),
  key: v.optional(keyAlgorithm),
  id: v.optional(issuerIdChoice),
});

const issueArgs = v.object({
  issuer: issuerRef,
  achievement: v.json({ maxBytes: 5 * 1024 * 1024 }),
  recipient: v.string({ min: 1, max: 2000, trim: true }),
  name: v.optional(v.string({ max: 300, trim: true })),
  format: v.optional(v.literal('json', 'jwt')),
  validFrom: v.optional(dateTime),
  validUntil: v.optional(dateTime),
  allowEdDSA: v.optional(v.boolean()),
});

// ------------------------------------------------------------------ the contract

export const CONTRACT = {
  /** Where the workspace is, which key store new keys go to, and how much is in it. */
  workspaceInfo: method(noArgs, (h) => workspaceInfo(h)),

  listIssuers: method(noArgs, (h) => h.studio.listIssuers()),

  /** One issuer, by id or by its (unique) name. */
  findIssuer: method(v.object({ issuer: issuerRef }), (h, a) => {
    const id = h.studio.findIssuer(a.issuer).id;
    return h.studio.listIssuers().find((i) => i.id === id)!;
  }),

  /** Checks an image the user chose for a profile or badge; returns it as a data: URI ready to use. */
  checkImage: method(v.object({ file: fileArg }), (_h, a) => imageDataUri(decode(a.file, 'checkImage.file'), 'checkImage.file')),

  createIssuer: method(createIssuerArgs, async (h, a) => {
    const input: CreateIssuerInput = { ...a };
    if (a.image?.startsWith('data:')) input.image = imageDataUri(dataUriBytes(a.image, 'createIssuer.image'), 'createIssuer.image').dataUri;
    else if (a.image !== undefined && !/^https:\/\/[^\s]+$/i.test(a.image)) throw new LaurelError('INVALID_INPUT', 'createIssuer.image: must be a PNG or SVG image (data: URI) or an https:// address.');
    return h.studio.createIssuer(input);
  }),

  /** Achievements this workspace has issued, newest first (until the achievement designer lands). */
  recentAchievements: method(v.object({ limit: v.optional(v.integer({ min: 1, max: 200 })) }), (h, a) => recentAchievements(h.studio, a.limit ?? 20)),

  issueCredential: method(issueArgs, (h, a) => h.studio.issueCredential(a as IssueInput)),

  /** A passphrase-encrypted backup of issuer keys (all issuers when none are named), as a file to save. */
  backupKeys: method(v.object({ issuers: v.optional(v.array(issuerRef, { max: 1000 })), passphrase }), async (h, a) => {
    const r = await h.studio.backupKeys(a.issuers ?? [], a.passphrase);
    const file: WireFile = { name: `laurel-keys-${new Date().toISOString().slice(0, 10)}.laurel`, base64: Buffer.from(r.bytes).toString('base64'), mediaType: 'application/octet-stream' };
    return { file, issuers: r.issuers };
  }),

  restoreKeys: method(v.object({ file: fileArg, passphrase, overwrite: v.optional(v.boolean()) }), async (h, a) => {
    const r = await h.studio.restoreKeys(decode(a.file, 'restoreKeys.file'), a.passphrase, { overwrite: a.overwrite ?? false });
    return { imported: r.imported.length, replaced: r.replaced.length, unchanged: r.unchanged.length };
  }),

  /** Verifies a file (JSON, VC-JWT, baked PNG or SVG) or pasted text. */
  verify: method(v.object({ file: v.optional(fileArg), text: v.optional(v.string({ min: 1, max: MAX_FILE_BYTES })) }), (h, a) => {
    if ((a.file === undefined) === (a.text === undefined)) throw new LaurelError('INVALID_INPUT', 'verify: give either file or text.');
    return h.studio.verify(a.file ? decode(a.file, 'verify.file') : a.text!);
  }),

  /** Asks a running job to stop; its `cancelled` event follows. */
  cancelJob: method(v.object({ jobId: v.string({ min: 1, max: 100 }) }), (h, a) => ({ cancelled: h.jobs.cancel(a.jobId) })),
};

export type StudioMethod = keyof typeof CONTRACT;
export const STUDIO_METHODS = Object.freeze(Object.keys(CONTRACT) as StudioMethod[]);

export type ArgsOf<M extends StudioMethod> = Infer<(typeof CONTRACT)[M]['args']>;
export type ResultOf<M extends StudioMethod> = Awaited<ReturnType<(typeof CONTRACT)[M]['run']>>;

/** The Studio API as the renderer sees it (`window.studio`, minus the shell's own methods). */
export type StudioApi = {
  [M in StudioMethod]: Record<string, never> extends ArgsOf<M> ? (args?: ArgsOf<M>) => Promise<ResultOf<M>> : (args: ArgsOf<M>) => Promise<ResultOf<M>>;
};

/** How every call answers across the boundary: errors are values, so both shells carry them alike. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: WireError };
export type CallOutcome = Outcome<unknown>;

// ------------------------------------------------------------------ what a shell adds

/** A file the user picked in a dialog: its name and bytes, never its path. */
export interface PickedFile extends WireFile {
  size: number;
}

/** Methods each shell implements itself (dialogs, downloads), with the same call shape as the API. */
export const SHELL_ARGS = {
  /** Opens a file dialog; null when the user cancels. `extensions` filters by type (no dots). */
  pickFile: v.object({
    title: v.optional(v.string({ max: 200 })),
    extensions: v.optional(v.array(v.string({ min: 1, max: 10, pattern: /^[a-z0-9]+$/, patternName: 'a file extension without the dot' }), { max: 20 })),
  }),
  /** Saves bytes (base64) or text where the user says; returns the chosen file's name only. */
  saveFile: v.object({
    suggestedName: v.string({ min: 1, max: 200 }),
    base64: v.optional(v.string({ max: Math.ceil(MAX_FILE_BYTES / 3) * 4 + 4 })),
    text: v.optional(v.string({ max: MAX_FILE_BYTES })),
    mediaType: v.optional(v.string({ max: 200 })),
  }),
  /** Desktop only: choose (or create) another workspace folder and reopen the studio there. */
  chooseWorkspace: noArgs,
};
export type ShellMethod = keyof typeof SHELL_ARGS;
export const SHELL_METHODS = Object.freeze(Object.keys(SHELL_ARGS) as ShellMethod[]);

type ShellResults = {
  pickFile: PickedFile | null;
  saveFile: { saved: boolean; name?: string };
  chooseWorkspace: WorkspaceInfo | null;
};

/**
 * `window.studio` in the renderer, identical in both shells: every contract method and shell
 * method answers with an Outcome (never throws), plus `onEvent` for job progress and menu commands.
 */
export type StudioBridge = {
  [M in StudioMethod]: Record<string, never> extends ArgsOf<M> ? (args?: ArgsOf<M>) => Promise<Outcome<ResultOf<M>>> : (args: ArgsOf<M>) => Promise<Outcome<ResultOf<M>>>;
} & {
  [M in ShellMethod]: Record<string, never> extends Infer<(typeof SHELL_ARGS)[M]> ? (args?: Infer<(typeof SHELL_ARGS)[M]>) => Promise<Outcome<ShellResults[M]>> : (args: Infer<(typeof SHELL_ARGS)[M]>) => Promise<Outcome<ShellResults[M]>>;
} & {
  onEvent(listener: (event: StudioEvent) => void): () => void;
};

export function isStudioMethod(name: unknown): name is StudioMethod {
  return typeof name === 'string' && Object.hasOwn(CONTRACT, name);
}

/**
 * Validates and runs one call. Never throws: the outcome carries a JSON-safe value or a wire error.
 * `onInternalError` gets errors that are bugs (not LaurelErrors), for the shell's log.
 */
export async function callStudio(host: StudioHost, name: unknown, args: unknown, onInternalError?: (e: unknown) => void): Promise<CallOutcome> {
  try {
    if (!isStudioMethod(name)) throw new LaurelError('NOT_FOUND', `There is no Studio method ${JSON.stringify(String(name).slice(0, 60))}.`);
    const def = CONTRACT[name] as MethodDef<unknown, unknown>;
    const parsed = def.args(args, name);
    const value = await def.run(host, parsed);
    // A JSON round trip: both shells hand the renderer exactly the same data.
    return { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
  } catch (e) {
    const error = toWireError(e);
    if (error.code === 'INTERNAL') onInternalError?.(e);
    return { ok: false, error };
  }
}

// ------------------------------------------------------------------ small read-only helpers

function keystoreWords(spec: string): { kind: 'keychain' | 'file'; location: string } {
  return spec === 'keychain'
    ? { kind: 'keychain', location: "your operating system's keychain" }
    : { kind: 'file', location: `the encrypted key file ${spec.slice('file:'.length)}` };
}

function workspaceInfo(h: StudioHost) {
  const count = (table: string) => (h.studio.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    path: h.studio.workspaceDir,
    keystore: keystoreWords(h.studio.keystoreSpec),
    issuers: count('issuers'),
    credentials: count('credentials'),
    canSwitchWorkspace: h.canSwitchWorkspace,
  };
}

export type WorkspaceInfo = ReturnType<typeof workspaceInfo>;

export interface RecentAchievement {
  id: string;
  name: string;
  /** The Achievement object as last issued (without credential-only terms). */
  achievement: Record<string, unknown>;
  lastIssuedAt: string;
  issued: number;
}

function recentAchievements(studio: Studio, limit: number): RecentAchievement[] {
  const byId = new Map<string, RecentAchievement>();
  for (const row of listCredentials(studio.db, { limit: 2000 })) {
    let credential: Record<string, unknown>;
    try {
      credential = row.format === 'json' ? JSON.parse(row.body) : JSON.parse(Buffer.from(row.body.split('.')[1] ?? '', 'base64url').toString('utf8'));
    } catch {
      continue;
    }
    const subject = credential.credentialSubject as Record<string, unknown> | undefined;
    const a = subject?.achievement as Record<string, unknown> | undefined;
    if (!a || typeof a.id !== 'string') continue;
    const seen = byId.get(a.id);
    if (seen) seen.issued++;
    else byId.set(a.id, { id: a.id, name: typeof a.name === 'string' ? a.name : a.id, achievement: a, lastIssuedAt: row.createdAt, issued: 1 });
  }
  return [...byId.values()].slice(0, limit);
}

function dataUriBytes(uri: string, at: string): Uint8Array {
  const m = /^data:image\/(png|svg\+xml);base64,([A-Za-z0-9+/=]+)$/i.exec(uri);
  if (!m) throw new LaurelError('INVALID_INPUT', `${at}: must be a PNG or SVG image as a base64 data: URI.`);
  return v.base64({ maxBytes: 2 * 1024 * 1024 })(m[2], at);
}

/** Checks an image (PNG or SVG, size limits) and returns it as a data: URI; an SVG is sanitised first. */
function imageDataUri(bytes: Uint8Array, at: string): { dataUri: string; mediaType: string; width: number | null; height: number | null; removed: string[] } {
  let info;
  try {
    info = checkBadgeImage(bytes);
  } catch (e) {
    if (e instanceof LaurelError) throw new LaurelError('INVALID_INPUT', `${at}: ${e.message.replace(/\.$/, '')}.`);
    throw e;
  }
  if (info.mediaType === 'image/svg+xml') {
    const clean = sanitizeSvg(new TextDecoder().decode(bytes));
    return { dataUri: `data:image/svg+xml;base64,${Buffer.from(clean.svg, 'utf8').toString('base64')}`, mediaType: info.mediaType, width: info.width, height: info.height, removed: clean.removed };
  }
  return { dataUri: `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`, mediaType: info.mediaType, width: info.width, height: info.height, removed: [] };
}
