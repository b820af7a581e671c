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
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROSTER_FIELDS, type RosterField } from '../import/index.ts';
import { EXPORT_FORMATS, safeBaseName, type ExportFormat, type RosterInspection, type RosterSource } from '../issue/index.ts';
import type { CreateIssuerInput, IssueInput, Studio } from './studio.ts';
import { ASSOCIATION_TYPES } from '../clr/associations.ts';
import { MAX_FILE_BYTES, noArgs, v, type Infer, type Validator } from './validate.ts';
import { fingerprint as fingerprintOf } from '../airgap/format.ts';
import { toWireError, type JobRunner, type StudioEvent, type WireError } from './wire.ts';

export type { JobEvent, ShellEvent, StudioEvent, WireError, WireErrorCode } from './wire.ts';

/** What a shell hands the dispatcher: the open Studio, its job runner and what the shell can do. */
export interface StudioHost {
  studio: Studio;
  jobs: JobRunner;
  /** The desktop shell can open another workspace folder; the web shell's is fixed at launch. */
  canSwitchWorkspace: boolean;
  /**
   * Opens a host's consent page in the system browser (Electron: shell.openExternal). Shells
   * without one (the web shell) open the `authorizationUrl` that connectHost returns in a new tab.
   */
  openUrl?: (url: string) => void | Promise<void>;
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

// Endorsements and upgrades take a dropped file or pasted text, and write JSON, a JWT or a baked image.
const endorsePart = v.literal('credential', 'achievement', 'issuer');
const signedFileFormat = v.literal('json', 'jwt', 'png', 'svg');
const SIGNED_MEDIA = { json: 'application/vc+ld+json', jwt: 'application/vc+jwt', png: 'image/png', svg: 'image/svg+xml' } as const;
function sourceOf(a: { file?: Infer<typeof fileArg> | undefined; text?: string | undefined }, what: string): Uint8Array | string {
  if ((a.file === undefined) === (a.text === undefined)) throw new LaurelError('INVALID_INPUT', `${what}: give either file or text.`);
  return a.file ? decode(a.file, `${what}.file`) : a.text!;
}

const httpUrl = (max = 2000) => v.string({ min: 1, max, trim: true, pattern: /^https?:\/\/[^\s]+$/i, patternName: 'a web address starting with https://' });
const httpsUrl = (max = 2000) => v.string({ min: 1, max, trim: true, pattern: /^https:\/\/[^\s]+$/i, patternName: 'an https:// address' });
const email = v.string({ min: 3, max: 320, trim: true, pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, patternName: 'an e-mail address' });
const issuerRef = v.string({ min: 1, max: 2000, trim: true });
const hostRef = v.string({ min: 1, max: 2000, trim: true });
const hostName = v.string({ min: 1, max: 60, trim: true, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, patternName: "a short name (letters, digits, '.', '_', '-')" });
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

const credentialId = v.string({ min: 1, max: 2000, trim: true });
const reason = v.optional(v.string({ max: 500 }));
const exportFormat: Validator<ExportFormat> = v.literal(...(EXPORT_FORMATS as readonly ExportFormat[]));

/** A roster as the studio's Issue screen sends it: the file, the encoding chosen, the column mapping. */
const rosterArg = v.object({
  file: fileArg,
  encoding: v.optional(v.string({ min: 1, max: 40, trim: true })),
  /** field → column heading ('' leaves the field unmapped); fields not named keep the guess. */
  mapping: v.optional(v.json({ maxBytes: 20_000, maxDepth: 2 })),
  identity: v.optional(v.literal('email', 'did', 'learnerId')),
});

function rosterSource(a: Infer<typeof rosterArg>, at: string): RosterSource {
  const source: RosterSource = { bytes: decode(a.file, `${at}.file`), name: a.file.name };
  if (a.encoding) source.encoding = a.encoding;
  if (a.identity) source.identity = a.identity;
  if (a.mapping !== undefined) {
    if (typeof a.mapping !== 'object' || a.mapping === null || Array.isArray(a.mapping)) throw new LaurelError('INVALID_INPUT', `${at}.mapping: expected an object of field → column.`);
    source.map = Object.entries(a.mapping as Record<string, unknown>).map(([field, column]) => {
      if (!(ROSTER_FIELDS as readonly string[]).includes(field)) throw new LaurelError('INVALID_INPUT', `${at}.mapping.${field}: not a roster field (${ROSTER_FIELDS.join(', ')}).`);
      if (typeof column !== 'string') throw new LaurelError('INVALID_INPUT', `${at}.mapping.${field}: expected a column heading.`);
      return `${field}=${column}`;
    });
  }
  return source;
}

/** A roster inspection without the checked rows themselves (a page needs counts and problems). */
function inspectionView(i: RosterInspection) {
  const { check, ...rest } = i;
  const problems = check.problems.slice(0, 1000);
  return {
    ...rest,
    fields: ROSTER_FIELDS as readonly RosterField[],
    stats: check.stats,
    problems,
    moreProblems: check.problems.length - problems.length,
    /** The first good rows, as a sample of what each column holds. */
    sample: check.rows.slice(0, 3),
    rows: check.rows.length,
  };
}
export type RosterInspectionView = ReturnType<typeof inspectionView>;

const achievementRef = v.union('kind', {
  stored: v.object({ kind: v.literal('stored'), id: v.string({ min: 1, max: 2000 }) }),
  json: v.object({ kind: v.literal('json'), json: v.json({ maxBytes: 5 * 1024 * 1024 }) }),
});
const achievementOf = (a: Infer<typeof achievementRef>): { id: string } | { json: unknown } => (a.kind === 'stored' ? { id: a.id } : { json: a.json });

const wireFile = (name: string, bytes: Uint8Array, mediaType: string): WireFile => ({ name, base64: Buffer.from(bytes).toString('base64'), mediaType });

/** A new export folder for a batch in the workspace: exports/<achievement> <date>[ (n)]. */
/** A batch as prepareBatch and createSigningRequest take it: roster, achievement, formats, image, options. */
const batchArgs = v.object({
  issuer: issuerRef,
  achievement: achievementRef,
  roster: rosterArg,
  formats: v.optional(v.array(exportFormat, { max: 4 })),
  image: v.optional(fileArg),
  skipBadRows: v.optional(v.boolean()),
  plaintextIdentity: v.optional(v.boolean()),
  validUntil: v.optional(dateTime),
});

function batchInput(studio: Studio, a: Infer<typeof batchArgs>, method: string) {
  const achievement = achievementOf(a.achievement);
  const label = 'id' in achievement ? String(studio.listAchievements().find((x) => x.id === achievement.id)?.name ?? 'batch') : String((achievement.json as { name?: unknown })?.name ?? 'batch');
  const input = {
    issuer: a.issuer,
    roster: rosterSource(a.roster, `${method}.roster`),
    achievement,
    outDir: defaultOutDir(studio, label),
    ...(a.formats ? { formats: a.formats } : {}),
    ...(a.image ? { image: { bytes: decode(a.image, `${method}.image`), name: a.image.name } } : {}),
    ...(a.skipBadRows !== undefined ? { skipBadRows: a.skipBadRows } : {}),
    ...(a.plaintextIdentity !== undefined ? { plaintextIdentity: a.plaintextIdentity } : {}),
    ...(a.validUntil ? { validUntil: a.validUntil } : {}),
  };
  return { input, label };
}

function defaultOutDir(studio: Studio, label: string): string {
  const base = path.join(studio.workspaceDir, 'exports', safeBaseName(`${label} ${new Date().toISOString().slice(0, 10)}`, 'batch'));
  let dir = base;
  for (let n = 2; existsSync(dir); n++) dir = `${base} (${n})`;
  return dir;
}

// Skill frameworks and CLR records.
const frameworkId = v.string({ min: 1, max: 200, trim: true });
const itemId = v.string({ min: 1, max: 2000, trim: true });
const itemFields = {
  statement: v.optional(v.string({ min: 1, max: 20_000, trim: true })),
  code: v.optional(v.string({ max: 200, trim: true })),
  description: v.optional(v.string({ max: 20_000 })),
  type: v.optional(v.string({ max: 200, trim: true })),
  language: v.optional(v.string({ max: 35, trim: true })),
};
/** A credential to bundle: one issued here (by id) or a file (JSON or a baked PNG/SVG) from anyone. */
const clrCredentials = v.array(
  v.union('kind', {
    stored: v.object({ kind: v.literal('stored'), credentialId: v.string({ min: 1, max: 2000, trim: true }) }),
    file: v.object({ kind: v.literal('file'), file: fileArg }),
  }),
  { max: 500 },
);
const clrSources = (list: Infer<typeof clrCredentials>) => list.map((c, i) => (c.kind === 'stored' ? { credentialId: c.credentialId } : { bytes: decode(c.file, `credentials[${i}].file`), name: c.file.name }));
const association = v.object({
  sourceId: v.string({ min: 1, max: 2000, trim: true }),
  associationType: v.literal(...ASSOCIATION_TYPES),
  targetId: v.string({ min: 1, max: 2000, trim: true }),
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
  verify: method(
    v.object({
      file: v.optional(fileArg),
      text: v.optional(v.string({ min: 1, max: MAX_FILE_BYTES })),
      /** 'workspace': check status against this workspace's own lists (signed now from their current bits). */
      statusLists: v.optional(v.literal('workspace', 'none')),
      /** Status list credentials the user has as files (e.g. the published copies). */
      statusListFiles: v.optional(v.array(fileArg, { max: 20 })),
    }),
    async (h, a) => {
      if ((a.file === undefined) === (a.text === undefined)) throw new LaurelError('INVALID_INPUT', 'verify: give either file or text.');
      const input = a.file ? decode(a.file, 'verify.file') : a.text!;
      const files = (a.statusListFiles ?? []).map((f, i) => {
        try {
          return JSON.parse(new TextDecoder().decode(decode(f, `verify.statusListFiles[${i}]`))) as unknown;
        } catch (e) {
          if (e instanceof LaurelError) throw e;
          throw new LaurelError('INVALID_INPUT', `${f.name} is not a status list credential (not JSON).`);
        }
      });
      if (a.statusLists === 'workspace') return h.studio.verifyWithWorkspaceLists(input, { files });
      if (files.length) {
        const lists = new Map<string, unknown>();
        for (const f of files) if (typeof (f as { id?: unknown })?.id === 'string') lists.set((f as { id: string }).id, f);
        return { ...(await h.studio.verify(input, { statusListFiles: lists })), statusSource: { workspaceLists: [], files: [...lists.keys()] } };
      }
      return h.studio.verify(input);
    },
  ),

  // ---- publishing to hosts (Open Badges 3.0 / CLR 2.0 API)

  /** Reads a host's service description: its name, image, terms and privacy policy. Registers nothing yet. */
  addHost: method(v.object({ url: httpUrl(), name: v.optional(hostName) }), (h, a) => h.studio.addHost(a.url, a.name ? { name: a.name } : {})),

  /** Hosts with their state (connected, token expiry, granted scopes) and how many credentials each holds. */
  listHosts: method(noArgs, (h) => h.studio.listHosts()),

  /**
   * Registers (once) and opens the consent page; a job waits for the approval on the loopback port.
   * Returns the page's address too, for a shell that opens it itself (a new tab).
   */
  connectHost: method(v.object({ host: hostRef }), async (h, a) => {
    const pending = await h.studio.beginConnectHost(a.host);
    const { jobId } = h.jobs.start((job) => pending.complete({ signal: job.signal }));
    if (h.openUrl) await Promise.resolve(h.openUrl(pending.authorizationUrl)).catch(() => undefined);
    // opened: the shell showed the page itself (Electron); otherwise the renderer opens a new tab.
    return { jobId, authorizationUrl: pending.authorizationUrl, opened: Boolean(h.openUrl) };
  }),

  /** Revokes the tokens at the host and deletes them here. */
  disconnectHost: method(v.object({ host: hostRef }), (h, a) => h.studio.disconnectHost(a.host)),

  /** Publishes credentials (ids, or a batch) as a job; cancel pauses, the same call again resumes. */
  publish: method(
    v.object({
      host: hostRef,
      credentialIds: v.optional(v.array(v.string({ min: 1, max: 2000, trim: true }), { max: 100_000 })),
      batchId: v.optional(v.string({ min: 1, max: 100, trim: true })),
      format: v.optional(v.literal('json', 'jwt')),
    }),
    (h, a) =>
      h.jobs.start((job) =>
        h.studio.publish(a, { signal: job.signal, onProgress: (p) => job.progress(p.done, p.total, p.phase), ...(h.openUrl ? { authorize: h.openUrl } : {}) }),
      ),
  ),

  /** putProfile: the issuer's profile to the host. */
  pushProfile: method(v.object({ host: hostRef, issuer: issuerRef, api: v.optional(v.literal('ob', 'clr')) }), (h, a) => h.studio.pushProfile(a)),

  /** What is where: per credential and host, 'published' (confirmed by read-back), 'sent' or 'failed'. */
  publications: method(
    v.object({ host: v.optional(hostRef), credentialIds: v.optional(v.array(v.string({ min: 1, max: 2000, trim: true }), { max: 10_000 })) }),
    (h, a) => h.studio.publications(a),
  ),

  // ---------------------------------------------------------------- achievements (the designer)

  /** Every problem of a designer draft, each with the JSON path of its field. */
  checkAchievement: method(v.object({ achievement: v.json({ maxBytes: 5 * 1024 * 1024 }) }), (h, a) => h.studio.checkAchievement(a.achievement)),

  /** Saves a draft; a new version when the newest one has issued credentials (see `note`). */
  saveAchievement: method(v.object({ achievement: v.json({ maxBytes: 5 * 1024 * 1024 }) }), (h, a) => h.studio.saveAchievement(a.achievement)),

  listAchievements: method(noArgs, (h) => h.studio.listAchievements()),

  achievementVersions: method(v.object({ id: v.string({ min: 1, max: 2000 }) }), (h, a) => h.studio.achievementVersions(a.id)),

  // ---------------------------------------------------------------- issuing to a roster

  /** Decodes, maps and checks a roster; nothing is stored. ENCODING_REQUIRED carries details.guess. */
  inspectRoster: method(v.object({ roster: rosterArg }), (h, a) => inspectionView(h.studio.inspectRoster(rosterSource(a.roster, 'inspectRoster.roster')))),

  /** Fixes values or leaves rows out; answers the edited roster (UTF-8 CSV) and its new check. */
  editRoster: method(
    v.object({
      roster: rosterArg,
      edits: v.array(
        v.object({ line: v.integer({ min: 1 }), column: v.optional(v.string({ max: 500 })), value: v.optional(v.string({ max: 10_000 })), remove: v.optional(v.boolean()) }),
        { max: 10_000 },
      ),
    }),
    (h, a) => {
      const r = h.studio.editRoster(rosterSource(a.roster, 'editRoster.roster'), a.edits);
      const name = a.roster.file.name.replace(/(\.csv)?$/i, '.csv');
      return { file: wireFile(name, r.bytes, 'text/csv'), inspection: inspectionView(r.inspection) };
    },
  ),

  /** The unsigned credential the roster's first good row would receive: the preview before signing. */
  previewCredential: method(
    v.object({ issuer: issuerRef, achievement: achievementRef, roster: rosterArg, plaintextIdentity: v.optional(v.boolean()) }),
    (h, a) =>
      h.studio.previewCredential({
        issuer: a.issuer,
        achievement: achievementOf(a.achievement),
        roster: rosterSource(a.roster, 'previewCredential.roster'),
        ...(a.plaintextIdentity !== undefined ? { plaintextIdentity: a.plaintextIdentity } : {}),
      }),
  ),

  /**
   * Prepares a batch (nothing signed): the roster, the achievement (a stored one or JSON), formats
   * and badge image. The export folder is a new one under the workspace's exports/ folder.
   */
  prepareBatch: method(
    batchArgs,
    async (h, a) => {
      const prepared = await h.studio.prepareBatch(batchInput(h.studio, a, 'prepareBatch').input);
      return { ...prepared, inspection: inspectionView(prepared.inspection) };
    },
  ),

  /** Signs, stores and exports a prepared batch as a job: progress carries count, rate and time left. */
  runBatch: method(v.object({ batchId: v.string({ min: 1, max: 100 }) }), (h, a) =>
    h.jobs.start((job) =>
      h.studio.runBatch(a.batchId, {
        signal: job.signal,
        onProgress: (p) => job.progress(p.done, p.total, undefined, { signed: p.signed, exported: p.exported, failed: p.failed, ratePerSec: p.ratePerSec, etaSeconds: p.etaSeconds, phase: p.phase }),
      }),
    ),
  ),

  getBatch: method(v.object({ batchId: v.string({ min: 1, max: 100 }) }), (h, a) => h.studio.getBatch(a.batchId)),

  listBatches: method(noArgs, (h) => h.studio.listBatches()),

  /** The files a batch wrote (for the browser, which can't open the folder). */
  batchFiles: method(v.object({ batchId: v.string({ min: 1, max: 100 }), offset: v.optional(v.integer({ min: 0 })), limit: v.optional(v.integer({ min: 1, max: 1000 })) }), (h, a) =>
    h.studio.batchFiles(a.batchId, { ...(a.offset !== undefined ? { offset: a.offset } : {}), ...(a.limit !== undefined ? { limit: a.limit } : {}) }),
  ),

  /** One file of a batch's export folder, by the name the batch recorded. */
  readBatchFile: method(v.object({ batchId: v.string({ min: 1, max: 100 }), name: v.string({ min: 1, max: 300 }) }), (h, a) => {
    const f = h.studio.readBatchFile(a.batchId, a.name);
    if (f.bytes.length > MAX_FILE_BYTES) throw new LaurelError('UNSUPPORTED', `${a.name} is larger than the 10 MB a download can carry; open the export folder instead.`);
    const type = a.name.endsWith('.png') ? 'image/png' : a.name.endsWith('.svg') ? 'image/svg+xml' : a.name.endsWith('.jwt') ? 'application/vc+jwt' : a.name.endsWith('.csv') ? 'text/csv' : 'application/json';
    return wireFile(f.name, f.bytes, type);
  }),

  // ---------------------------------------------------------------- air-gapped signing (core/airgap)

  /** Air-gapped mode of this workspace: when on, the studio refuses every network use. */
  setAirGapped: method(v.object({ on: v.boolean() }), (h, a) => h.studio.setAirGapped(a.on)),

  /** Requests this workspace made (preparer) and opened (signer), newest first. */
  signingRequests: method(noArgs, (h) => h.studio.signingRequests()),

  /** Preparer: prepares the batch as prepareBatch does and answers the signing request as a file to carry to the signer. */
  createSigningRequest: method(
    batchArgs,
    async (h, a) => {
      const { input, label } = batchInput(h.studio, a, 'createSigningRequest');
      const made = await h.studio.createSigningRequest(input);
      const r = made.request;
      return {
        requestId: r.requestId,
        digest: r.digest.value,
        fingerprint: fingerprintOf(r.digest.value),
        count: r.count,
        batch: made.prepared.batch,
        superseded: made.superseded,
        file: wireFile(`signing-request ${safeBaseName(label, 'batch')} ${r.createdAt.slice(0, 10)}.json`, made.bytes, 'application/json'),
      };
    },
  ),

  /** Preparer: a request file this workspace made, again (to carry it once more). */
  signingRequestFile: method(v.object({ requestId: v.string({ min: 1, max: 200 }) }), (h, a) => {
    const f = h.studio.signingRequestFile(a.requestId);
    return wireFile(f.name, f.bytes, 'application/json');
  }),

  /** Signer: checks a request (any change refused, with what differs) and answers the officer's review. */
  reviewSigningRequest: method(v.object({ file: fileArg }), (h, a) => h.studio.reviewSigningRequest(decode(a.file, 'reviewSigningRequest.file'))),

  /** Signer: the officer approves; a job that signs every credential with the keychain key and answers the signed bundle. */
  approveSigningRequest: method(v.object({ file: fileArg }), (h, a) => {
    const bytes = decode(a.file, 'approveSigningRequest.file');
    return h.jobs.start(async (job) => {
      const r = await h.studio.approveSigningRequest(bytes, { signal: job.signal, onProgress: (done, total) => job.progress(done, total, 'signing') });
      const b = r.bundle;
      return { bundleId: b.bundleId, requestId: b.request.requestId, count: b.credentials.length, again: r.again, audit: b.audit, file: wireFile(`signed-bundle ${b.signedAt.slice(0, 10)} ${b.bundleId.slice(-8)}.json`, r.bytes, 'application/json') };
    });
  }),

  /** Signer: the officer rejects, with a reason for the audit log. */
  rejectSigningRequest: method(v.object({ file: fileArg, reason: v.string({ min: 1, max: 500, trim: true }) }), (h, a) => h.studio.rejectSigningRequest(decode(a.file, 'rejectSigningRequest.file'), a.reason)),

  /** Preparer: a job that checks a signed bundle against its request, stores the credentials and exports the batch. */
  importSignedBundle: method(v.object({ file: fileArg, formats: v.optional(v.array(exportFormat, { max: 4 })) }), (h, a) => {
    const bytes = decode(a.file, 'importSignedBundle.file');
    return h.jobs.start(async (job) => {
      const r = await h.studio.importSignedBundle(bytes, {
        ...(a.formats ? { formats: a.formats } : {}),
        signal: job.signal,
        onProgress: (p) => job.progress(p.done, p.total, 'exporting'),
      });
      return { requestId: r.requestId, bundleId: r.bundleId, batchId: r.batchId, imported: r.imported, signerAudit: r.signerAudit, batch: h.studio.getBatch(r.batchId), outDir: r.summary.outDir, state: r.summary.state };
    });
  }),

  /** The issuer without its private key, as a file for the preparing machine. */
  exportIssuer: method(v.object({ issuer: issuerRef }), (h, a) => {
    const f = h.studio.exportIssuer(a.issuer);
    return wireFile(f.name, f.bytes, 'application/json');
  }),

  /** Imports an issuer exported on the signing machine (no key: this workspace prepares requests for it). */
  importIssuer: method(v.object({ file: fileArg }), (h, a) => h.studio.importIssuer(decode(a.file, 'importIssuer.file'))),

  // ---------------------------------------------------------------- credentials

  /** A page of credentials (SQL paging, search and filters) with the total count. */
  listCredentials: method(
    v.object({
      query: v.optional(v.string({ max: 200 })),
      achievement: v.optional(v.string({ max: 2000 })),
      batch: v.optional(v.string({ max: 100 })),
      status: v.optional(v.literal('active', 'revoked', 'suspended')),
      issuer: v.optional(issuerRef),
      offset: v.optional(v.integer({ min: 0 })),
      limit: v.optional(v.integer({ min: 1, max: 500 })),
    }),
    (h, a) => h.studio.listCredentials(a),
  ),

  credentialFacets: method(noArgs, (h) => h.studio.credentialFacets()),

  getCredential: method(v.object({ credentialId }), (h, a) => h.studio.getCredential(a.credentialId)),

  /** The credential as a file again (stored bytes; PNG/SVG baked anew from them). */
  exportCredential: method(v.object({ credentialId, format: exportFormat }), (h, a) => {
    const f = h.studio.exportCredential(a.credentialId, a.format);
    return wireFile(f.name, f.bytes, f.mediaType);
  }),

  revokeCredential: method(v.object({ credentialId, reason }), (h, a) => h.studio.revoke(a.credentialId, a.reason)),
  suspendCredential: method(v.object({ credentialId, reason }), (h, a) => h.studio.suspend(a.credentialId, a.reason)),
  reinstateCredential: method(v.object({ credentialId, reason }), (h, a) => h.studio.reinstate(a.credentialId, a.reason)),

  /** A new credential for the same learner (a corrected name, the newest achievement version); the old one stays as it was. */
  reissueCredential: method(
    v.object({ credentialId, name: v.optional(v.string({ min: 1, max: 300, trim: true })), achievementId: v.optional(v.string({ min: 1, max: 2000 })), allowEdDSA: v.optional(v.boolean()) }),
    async (h, a) => {
      const r = await h.studio.reissueCredential({
        credentialId: a.credentialId,
        ...(a.name ? { name: a.name } : {}),
        ...(a.achievementId ? { achievement: { id: a.achievementId } } : {}),
        ...(a.allowEdDSA ? { allowEdDSA: true } : {}),
      });
      return { credentialId: r.credentialId, replaces: r.replaces.credentialId, format: r.format };
    },
  ),

  // ---------------------------------------------------------------- status lists

  statusLists: method(v.object({ issuer: issuerRef }), (h, a) => h.studio.statusLists(a.issuer)),

  setStatusListUrl: method(v.object({ issuer: issuerRef, url: httpsUrl() }), (h, a) => h.studio.setStatusListUrl(a.issuer, a.url)),

  /** Signs the issuer's status lists into the workspace's status-lists folder; answers them as files to upload. */
  exportStatusLists: method(v.object({ issuer: issuerRef }), async (h, a) => {
    const r = await h.studio.exportStatusListsToWorkspace(a.issuer);
    return {
      folder: r.folder,
      lists: r.lists.map((l) => ({ id: l.id, purpose: l.purpose, allocated: l.allocated, set: l.set, hostAt: l.hostAt, file: wireFile(path.basename(l.file), new TextEncoder().encode(JSON.stringify(l.credential, null, 2) + '\n'), 'application/vc+ld+json') })),
    };
  }),

  // ---------------------------------------------------------------- workspace backup

  /** An online backup of the workspace database into its backups folder (and as a file when it is small enough to download). */
  backupWorkspace: method(noArgs, async (h) => {
    const b = await h.studio.backupWorkspace();
    return { name: b.name, folder: path.dirname(b.file), size: b.size, createdAt: b.createdAt, file: b.size <= MAX_FILE_BYTES ? wireFile(b.name, readFileSync(b.file), 'application/vnd.sqlite3') : null };
  }),

  listWorkspaceBackups: method(noArgs, (h) => h.studio.listWorkspaceBackups().map((b) => ({ name: b.name, size: b.size, createdAt: b.createdAt }))),

  /** Replaces the workspace database with a backup (a file, or one in the backups folder); the current one is saved first. */
  restoreWorkspace: method(v.object({ file: v.optional(fileArg), name: v.optional(v.string({ min: 1, max: 255 })) }), async (h, a) => {
    if ((a.file === undefined) === (a.name === undefined)) throw new LaurelError('INVALID_INPUT', 'restoreWorkspace: give either file or name.');
    if (h.jobs.active > 0) throw new LaurelError('CONFLICT', 'A job is still running in this workspace; wait for it or cancel it first.');
    const r = await h.studio.restoreWorkspace(a.file ? { bytes: decode(a.file, 'restoreWorkspace.file') } : { name: a.name! });
    h.studio = r.studio;
    return { safetyCopy: r.safetyCopy.name, issuers: r.issuers, credentials: r.credentials };
  }),

  // ---- endorsements and OB 2.0 upgrades (core/endorse, core/upgrade)

  /** What a dropped file would be endorsed as: a credential (verified; refused with the verifier's reason), an achievement or a profile. */
  inspectEndorsable: method(v.object({ file: v.optional(fileArg), text: v.optional(v.string({ min: 1, max: MAX_FILE_BYTES })), part: v.optional(endorsePart), online: v.optional(v.boolean()) }), (h, a) =>
    h.studio.inspectEndorsable({ source: sourceOf(a, 'inspectEndorsable'), ...(a.part ? { part: a.part } : {}), ...(a.online ? { online: true } : {}) }),
  ),

  /** Signs an EndorsementCredential with one of our issuers; returns it as a file (JSON, JWT, or baked PNG/SVG). */
  endorse: method(
    v.object({
      file: v.optional(fileArg),
      text: v.optional(v.string({ min: 1, max: MAX_FILE_BYTES })),
      part: v.optional(endorsePart),
      issuer: issuerRef,
      comment: v.string({ min: 1, max: 20_000 }),
      name: v.optional(v.string({ min: 1, max: 300, trim: true })),
      format: signedFileFormat,
      image: v.optional(fileArg),
      validUntil: v.optional(v.string({ min: 1, max: 40 })),
      online: v.optional(v.boolean()),
    }),
    async (h, a) => {
      const r = await h.studio.endorse({
        source: sourceOf(a, 'endorse'),
        issuer: a.issuer,
        comment: a.comment,
        format: a.format,
        ...(a.part ? { part: a.part } : {}),
        ...(a.name ? { name: a.name } : {}),
        ...(a.image ? { image: decode(a.image, 'endorse.image') } : {}),
        ...(a.validUntil ? { validUntil: a.validUntil } : {}),
        ...(a.online ? { online: true } : {}),
      });
      const { body: _b, file, ...meta } = r;
      return { ...meta, file: wireFile(`endorsement-${safeBaseName(r.endorses.name ?? 'credential', 'credential').replace(/\s+/g, '-')}.${file.format}`, file.bytes, SIGNED_MEDIA[file.format]) };
    },
  ),

  /** Attaches a received EndorsementCredential to one of our achievements (by id) or issuers. */
  attachEndorsement: method(
    v.object({ file: v.optional(fileArg), text: v.optional(v.string({ min: 1, max: MAX_FILE_BYTES })), achievementId: v.optional(v.string({ min: 1, max: 2000 })), issuer: v.optional(issuerRef), online: v.optional(v.boolean()) }),
    async (h, a) => {
      const r = await h.studio.attachEndorsement({ source: sourceOf(a, 'attachEndorsement'), ...(a.achievementId ? { achievement: a.achievementId } : {}), ...(a.issuer ? { issuer: a.issuer } : {}), ...(a.online ? { online: true } : {}) });
      const { body: _b, ...endorsement } = r.endorsement;
      return { ...r, endorsement };
    },
  ),

  listReceivedEndorsements: method(v.object({ achievementId: v.optional(v.string({ min: 1, max: 2000 })), issuer: v.optional(issuerRef), all: v.optional(v.boolean()) }), (h, a) =>
    h.studio.listReceivedEndorsements({ ...(a.achievementId ? { achievement: a.achievementId } : {}), ...(a.issuer ? { issuer: a.issuer } : {}), ...(a.all ? { all: true } : {}) }).map(({ body: _b, ...r }) => r),
  ),

  detachEndorsement: method(v.object({ rowId: v.integer({ min: 1 }) }), (h, a) => {
    const { body: _b, ...r } = h.studio.detachEndorsement(a.rowId);
    return r;
  }),

  /** Re-issues an Open Badges 2.0 badge as an OB 3.0 credential by one of our issuers (checked first when online). */
  upgradeBadge: method(
    v.object({
      file: v.optional(fileArg),
      text: v.optional(v.string({ min: 1, max: MAX_FILE_BYTES })),
      issuer: issuerRef,
      format: signedFileFormat,
      online: v.optional(v.boolean()),
      allowUnverified: v.optional(v.boolean()),
    }),
    async (h, a) => {
      const r = await h.studio.upgradeBadge({ source: sourceOf(a, 'upgradeBadge'), issuer: a.issuer, format: a.format, ...(a.online ? { online: true } : {}), ...(a.allowUnverified ? { allowUnverified: true } : {}) });
      const { body: _b, file, ...meta } = r;
      return { ...meta, file: wireFile(`${safeBaseName(r.achievement.name, 'badge').replace(/\s+/g, '-')}-ob3.${file.format}`, file.bytes, SIGNED_MEDIA[file.format]) };
    },
  ),

  // ---------------------------------------------------------------- skill frameworks (core/frameworks)

  listFrameworks: method(noArgs, (h) => h.studio.listFrameworks()),

  getFramework: method(v.object({ id: frameworkId }), (h, a) => h.studio.getFramework(a.id)),

  createFramework: method(
    v.object({ title: v.string({ min: 1, max: 500, trim: true }), creator: v.optional(v.string({ max: 500, trim: true })), description: v.optional(v.string({ max: 20_000 })), language: v.optional(v.string({ max: 35, trim: true })), version: v.optional(v.string({ max: 100, trim: true })), baseUrl: v.optional(httpsUrl()) }),
    (h, a) => h.studio.createFramework(a),
  ),

  updateFramework: method(
    v.object({ id: frameworkId, title: v.optional(v.string({ min: 1, max: 500, trim: true })), creator: v.optional(v.string({ min: 1, max: 500, trim: true })), description: v.optional(v.string({ max: 20_000 })), language: v.optional(v.string({ max: 35, trim: true })), version: v.optional(v.string({ max: 100, trim: true })) }),
    (h, a) => {
      const { id, ...patch } = a;
      return h.studio.updateFramework(id, patch);
    },
  ),

  deleteFramework: method(v.object({ id: frameworkId }), (h, a) => {
    h.studio.deleteFramework(a.id);
    return { deleted: a.id };
  }),

  /** A competency: statement required; under parentId (absent: top level), at position (absent: last). */
  addFrameworkItem: method(
    v.object({ frameworkId, parentId: v.optional(itemId), position: v.optional(v.integer({ min: 0, max: 100_000 })), ...itemFields, statement: v.string({ min: 1, max: 20_000, trim: true }) }),
    (h, a) => {
      const { frameworkId: f, ...input } = a;
      return h.studio.addFrameworkItem(f, input);
    },
  ),

  /** Changes an item's fields; '' clears an optional one. */
  updateFrameworkItem: method(v.object({ frameworkId, itemId, ...itemFields }), (h, a) => {
    const { frameworkId: f, itemId: i, ...patch } = a;
    return h.studio.updateFrameworkItem(f, i, patch);
  }),

  /** Moves an item (and its subtree) under parentId (absent: top level) at position; a loop is refused. */
  moveFrameworkItem: method(v.object({ frameworkId, itemId, parentId: v.optional(itemId), position: v.optional(v.integer({ min: 0, max: 100_000 })) }), (h, a) =>
    h.studio.moveFrameworkItem(a.frameworkId, a.itemId, { parentId: a.parentId ?? null, ...(a.position !== undefined ? { position: a.position } : {}) }),
  ),

  deleteFrameworkItem: method(v.object({ frameworkId, itemId, withChildren: v.optional(v.boolean()) }), (h, a) => h.studio.deleteFrameworkItem(a.frameworkId, a.itemId, { withChildren: a.withChildren ?? false })),

  saveFrameworkVersion: method(v.object({ frameworkId, label: v.optional(v.string({ max: 200, trim: true })) }), (h, a) => h.studio.saveFrameworkVersion(a.frameworkId, a.label)),

  frameworkVersions: method(v.object({ frameworkId }), (h, a) => h.studio.frameworkVersions(a.frameworkId)),

  /** A CASE 1.1 CFPackage (JSON) or a CSV of competencies. */
  importFramework: method(
    v.object({ file: fileArg, replace: v.optional(v.boolean()), title: v.optional(v.string({ max: 500, trim: true })), creator: v.optional(v.string({ max: 500, trim: true })), targetType: v.optional(v.string({ max: 100, trim: true })) }),
    (h, a) => {
      const { file, ...rest } = a;
      return h.studio.importFramework({ bytes: decode(file, 'importFramework.file'), name: file.name, ...rest });
    },
  ),

  /** The framework (or a saved version) as a CASE 1.1 CFPackage file. */
  exportFramework: method(v.object({ id: frameworkId, version: v.optional(v.integer({ min: 1 })) }), (h, a) => {
    const pkg = h.studio.exportFramework(a.id, a.version);
    const title = String((pkg.CFDocument as { title?: unknown } | undefined)?.title ?? 'framework');
    return wireFile(`${safeBaseName(title, 'framework')}${a.version ? ` v${a.version}` : ''}.case.json`, new TextEncoder().encode(JSON.stringify(pkg, null, 2) + '\n'), 'application/json');
  }),

  /** The alignment picker: items whose code, statement or description contains the query, each with its Alignment. */
  searchFrameworkItems: method(v.object({ query: v.string({ max: 200 }), frameworkId: v.optional(frameworkId), limit: v.optional(v.integer({ min: 1, max: 200 })) }), (h, a) =>
    h.studio.searchFrameworkItems(a.query, { ...(a.frameworkId ? { frameworkId: a.frameworkId } : {}), ...(a.limit ? { limit: a.limit } : {}) }),
  ),

  alignmentForItem: method(v.object({ frameworkId, itemId }), (h, a) => h.studio.alignmentForItem(a.frameworkId, a.itemId)),

  /** A single-skill achievement (achievementType Competency) from one item, saved. */
  createCompetencyAchievement: method(v.object({ frameworkId, itemId, criteria: v.optional(v.string({ max: 10_000 })), issuer: v.optional(issuerRef) }), (h, a) =>
    h.studio.createCompetencyAchievement(a.frameworkId, a.itemId, { ...(a.criteria ? { criteria: a.criteria } : {}), ...(a.issuer ? { issuer: a.issuer } : {}) }),
  ),

  // ---------------------------------------------------------------- CLR 2.0 records (core/clr)

  /** This workspace's JSON credentials issued to a learner (what a record can bundle). */
  learnerCredentials: method(v.object({ recipient: v.string({ min: 1, max: 2000, trim: true }) }), (h, a) => h.studio.learnerCredentials(a.recipient)),

  /** The editor's live check: the record's achievements and every problem of the associations. */
  checkClrAssociations: method(v.object({ credentials: clrCredentials, achievements: v.optional(v.array(v.json({ maxBytes: 1024 * 1024 }), { max: 50 })), associations: v.array(v.json({ maxBytes: 10_000 }), { max: 500 }) }), (h, a) =>
    h.studio.checkClrAssociations({ credentials: clrSources(a.credentials), ...(a.achievements ? { achievements: a.achievements } : {}), associations: a.associations }),
  ),

  /** Signs a CLR for one learner; answers the signed record, what it bundles and its verification. */
  createClr: method(
    v.object({
      issuer: issuerRef,
      recipient: v.string({ min: 1, max: 2000, trim: true }),
      learnerName: v.optional(v.string({ max: 300, trim: true })),
      name: v.optional(v.string({ max: 500, trim: true })),
      description: v.optional(v.string({ max: 5000 })),
      credentials: clrCredentials,
      achievements: v.optional(v.array(v.json({ maxBytes: 1024 * 1024 }), { max: 50 })),
      associations: v.optional(v.array(association, { max: 500 })),
      partial: v.optional(v.boolean()),
      validUntil: v.optional(dateTime),
    }),
    async (h, a) => {
      const r = await h.studio.createClr({ ...a, credentials: clrSources(a.credentials) });
      return {
        credentialId: r.credentialId,
        issuerId: r.issuerId,
        clr: JSON.parse(r.body) as Record<string, unknown>,
        credentials: r.credentials.map((c) => ({ label: c.label, issuerId: c.issuerId, issuerName: c.issuerName, achievement: c.achievement, outcome: c.outcome, note: c.note ?? null })),
        report: r.report,
      };
    },
  ),

  listClrs: method(v.object({ learner: v.optional(v.string({ max: 2000 })) }), (h, a) => h.studio.listClrs(a.learner ? { learner: a.learner } : {})),

  /** A stored CLR as a file: JSON, or baked into the image given (or the default badge). */
  exportClr: method(v.object({ credentialId, format: v.literal('json', 'png', 'svg'), image: v.optional(fileArg) }), (h, a) => {
    const f = h.studio.clrFile(a.credentialId, a.format, a.image ? decode(a.image, 'exportClr.image') : undefined);
    return wireFile(f.name, f.bytes, f.mediaType);
  }),

  /** One CLR per learner of a roster, as a job (progress per learner; cancel stops between learners). */
  runClrBatch: method(
    v.object({
      issuer: issuerRef,
      roster: rosterArg,
      name: v.string({ min: 1, max: 500, trim: true }),
      description: v.optional(v.string({ max: 5000 })),
      credentials: v.optional(v.array(fileArg, { max: 1000 })),
      achievements: v.optional(v.array(v.json({ maxBytes: 1024 * 1024 }), { max: 50 })),
      associations: v.optional(v.array(association, { max: 500 })),
      partial: v.optional(v.boolean()),
      formats: v.optional(v.array(v.literal('json', 'png', 'svg'), { max: 3 })),
    }),
    (h, a) => {
      const { roster, credentials, ...rest } = a;
      const source = rosterSource(roster, 'runClrBatch.roster');
      const pool = (credentials ?? []).map((f, i) => ({ label: f.name, bytes: decode(f, `runClrBatch.credentials[${i}]`) }));
      return h.jobs.start((job) =>
        h.studio.runClrBatch({ ...rest, roster: source, pool, outDir: defaultOutDir(h.studio, `CLR ${a.name.replace(/\{name\}/g, '').trim() || 'records'}`), formats: a.formats ?? ['json'] }, {
          signal: job.signal,
          onProgress: (p) => job.progress(p.done, p.total, undefined, { created: p.created, skipped: p.skipped, failed: p.failed }),
        }),
      );
    },
  ),

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
  /** Desktop only: shows a folder the studio wrote (a batch's export, backups, status lists) in the file manager. */
  showFolder: v.union('what', {
    batch: v.object({ what: v.literal('batch'), batchId: v.string({ min: 1, max: 100 }) }),
    backups: v.object({ what: v.literal('backups') }),
    'status-lists': v.object({ what: v.literal('status-lists'), issuer: issuerRef }),
  }),
};
export type ShellMethod = keyof typeof SHELL_ARGS;
export const SHELL_METHODS = Object.freeze(Object.keys(SHELL_ARGS) as ShellMethod[]);

type ShellResults = {
  pickFile: PickedFile | null;
  saveFile: { saved: boolean; name?: string };
  chooseWorkspace: WorkspaceInfo | null;
  showFolder: { shown: boolean };
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
    /** Air-gapped mode: the studio refuses every network use in this workspace. */
    airGapped: h.studio.airGapped,
    /** The desktop shell can show folders (an export, the backups); the browser can't. */
    canOpenFolders: h.canSwitchWorkspace,
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
