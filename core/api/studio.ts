import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  didKeyIssuer,
  didWebFromUrl,
  didWebIssuer,
  httpsIssuer,
  isKeyAlgorithm,
  openKeyStore,
  writeDidWebDocument,
  type IssuerIdentity,
  type KeyAlgorithm,
  type KeyStore,
  type KeyStoreSpec,
  type ScryptParams,
  type Signer,
} from '../keys/index.ts';
import { assertValid, buildProfile, type ProfileInput } from '../model/index.ts';
import {
  achievementVersionFor,
  batchView,
  buildLearnerCredential,
  finishJsonCredential,
  inspectRoster,
  prepareBatch as prepareIssueBatch,
  proofPreparer,
  reissueCredential,
  runBatch as runIssueBatch,
  signJwtCredential,
  storeIssuedCredential,
  type BatchSummary,
  type BatchView,
  type Learner,
  type PreparedBatch,
  type PrepareBatchInput,
  type ReissueInput,
  type ReissuedCredential,
  type RosterInspection,
  type RosterSource,
  type RunBatchOptions,
} from '../issue/index.ts';
import { bakePng, bakeSvg, checkBadgeImage, detectFormat, sanitizeSvg, unbake, type UnbakeResult } from '../bake/index.ts';
import {
  actorName,
  appendAudit,
  getBatch,
  getCredentialsById,
  getIssuer,
  insertIssuer,
  listBatches,
  listIssuers,
  openWorkspaceDb,
  resolveWorkspaceDir,
  type Db,
  type IssuerRecord,
} from '../store/index.ts';
import { remoteCacheDir, verifyCredential, type VerificationReport, type VerifyOptions } from '../verify/index.ts';
import {
  allocateStatusEntries,
  exportStatusList,
  listStatusListInfo,
  setCredentialStatus,
  setStatusListBaseUrl,
  statusListBaseUrl,
  type BitstringStatusListEntry,
  type CredentialState,
  type ExportedStatusList,
  type StatusChange,
  type StatusListInfo,
} from '../status/index.ts';
import { LaurelError } from '../util/errors.ts';
import { atomicWrite } from '../util/fs.ts';

export type Face = 'cli' | 'desktop' | 'web' | 'test';

export interface StudioOptions {
  /** Workspace folder; default LAUREL_WORKSPACE or the platform's user-data folder. */
  workspace?: string;
  /** Key store for new issuers, backups and restores. Default: the OS keychain. */
  keystore?: KeyStoreSpec;
  /** Passphrase for `file:` key stores. */
  passphrase?: string;
  /** Keychain service name (tests use their own). */
  keychainService?: string;
  /** scrypt cost for new key files and backups; lower only in tests. */
  scrypt?: ScryptParams;
  face?: Face;
}

export type IssuerIdChoice =
  | { method: 'key' }
  | { method: 'web'; did: string }
  | { method: 'url'; id: string };

export interface CreateIssuerInput {
  name: string;
  url?: string;
  email?: string;
  description?: string;
  image?: string;
  key?: KeyAlgorithm;
  id?: IssuerIdChoice;
}

export interface IssuerView {
  id: string;
  name: string;
  didMethod: IssuerRecord['didMethod'];
  keyAlgorithm: KeyAlgorithm;
  verificationMethod: string;
  publicKeyMultibase: string;
  /** Where the private key lives, in words. */
  keyLocation: string;
  profile: Record<string, unknown>;
  createdAt: string;
  /** did:web only: the did.json written for the user to host, and where. */
  didDocument?: { path: string; hostAt: string };
}

export interface IssueInput {
  issuer: string;
  /** An OB 3.0 Achievement JSON object. */
  achievement: unknown;
  /** An e-mail address (hashed, salted) or a DID / https URL (subject id). */
  recipient: string;
  /** The learner's name, shown by wallets. */
  name?: string;
  format?: 'json' | 'jwt';
  validFrom?: string;
  validUntil?: string;
  /** VC-JWT with an Ed25519 key (EdDSA), which 1EdTech's validator does not accept. */
  allowEdDSA?: boolean;
}

export interface IssuedCredential {
  credentialId: string;
  issuerId: string;
  format: 'json' | 'jwt';
  /** The signed bytes: JSON text or a compact JWS. */
  body: string;
  sha256: string;
  rowId: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DID = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]$/;

function keyLocation(spec: string): string {
  return spec === 'keychain' ? 'the OS keychain' : `the encrypted key file ${spec.slice('file:'.length)}`;
}

/**
 * The Studio API: everything the app does, behind one object. The CLI, the desktop shell and the
 * web shell all call this; it validates its arguments and throws LaurelErrors a person can act on.
 */
export class Studio {
  readonly workspaceDir: string;
  readonly db: Db;
  private readonly options: StudioOptions;
  private readonly stores = new Map<string, Promise<KeyStore>>();
  private readonly actor: string;

  private constructor(workspaceDir: string, db: Db, options: StudioOptions) {
    this.workspaceDir = workspaceDir;
    this.db = db;
    this.options = options;
    this.actor = actorName(options.face ?? 'cli');
  }

  static open(options: StudioOptions = {}): Studio {
    const dir = resolveWorkspaceDir(options.workspace);
    return new Studio(dir, openWorkspaceDb(dir), options);
  }

  close(): void {
    this.db.close();
  }

  /** The key store spec new keys go to. */
  get keystoreSpec(): KeyStoreSpec {
    const spec = this.options.keystore ?? 'keychain';
    if (spec === 'keychain') return spec;
    if (!spec.startsWith('file:')) throw new LaurelError('INVALID_INPUT', `Unknown key store '${spec}': use 'keychain' or 'file:<path>'.`);
    return `file:${path.resolve(spec.slice('file:'.length))}`;
  }

  private keyStore(spec: KeyStoreSpec): Promise<KeyStore> {
    let store = this.stores.get(spec);
    if (!store) {
      store = openKeyStore(spec, {
        ...(this.options.passphrase !== undefined ? { passphrase: this.options.passphrase } : {}),
        ...(this.options.keychainService !== undefined ? { service: this.options.keychainService } : {}),
        ...(this.options.scrypt ? { scrypt: this.options.scrypt } : {}),
      });
      store.catch(() => this.stores.delete(spec));
      this.stores.set(spec, store);
    }
    return store;
  }

  // ---------------------------------------------------------------- issuers

  async createIssuer(input: CreateIssuerInput): Promise<IssuerView> {
    if (typeof input.name !== 'string' || !input.name.trim()) throw new LaurelError('INVALID_INPUT', 'An issuer needs a name.');
    const algorithm = input.key ?? 'Ed25519';
    if (!isKeyAlgorithm(algorithm)) throw new LaurelError('INVALID_INPUT', `Unknown key type '${String(algorithm)}': use Ed25519, P-256 or RSA-2048.`);
    const choice = input.id ?? { method: 'key' };
    // Check the identifier before a key is made, so a typo leaves nothing behind.
    let did: string | undefined;
    if (choice.method === 'web') did = choice.did.startsWith('did:web:') ? didWebIssuer(choice.did).issuerId : didWebFromUrl(choice.did);

    const spec = this.keystoreSpec;
    const store = await this.keyStore(spec);
    const keyRef = `issuer-key:${randomUUID()}`;
    const publicKey = await store.generate(keyRef, algorithm);
    try {
      let identity: IssuerIdentity;
      if (choice.method === 'key') identity = didKeyIssuer(publicKey);
      else if (choice.method === 'web') identity = didWebIssuer(did!);
      else identity = httpsIssuer(choice.id, publicKey);
      if (getIssuer(this.db, identity.issuerId)) {
        throw new LaurelError('CONFLICT', `An issuer with id ${identity.issuerId} already exists in this workspace.`);
      }
      const profileInput: ProfileInput = { id: identity.issuerId, name: input.name.trim() };
      if (input.url) profileInput.url = input.url;
      if (input.email) profileInput.email = input.email;
      if (input.description) profileInput.description = input.description;
      if (input.image) profileInput.image = input.image;
      const profile = buildProfile(profileInput) as unknown as Record<string, unknown>;
      let didDocument: IssuerView['didDocument'];
      if (choice.method === 'web') {
        const file = path.join(this.workspaceDir, 'hosting', safeName(identity.issuerId), 'did.json');
        const written = await writeDidWebDocument(file, identity.issuerId, [{ keyIndex: 1, publicKey }]);
        didDocument = { path: written.path, hostAt: written.hostAt };
      }
      const now = new Date().toISOString();
      const record: IssuerRecord = {
        id: identity.issuerId,
        name: input.name.trim(),
        didMethod: choice.method,
        profile,
        keyRef,
        keyAlgorithm: publicKey.algorithm,
        verificationMethod: identity.verificationMethod,
        publicKeyMultibase: publicKey.publicKeyMultibase,
        keystore: spec,
        createdAt: now,
        updatedAt: now,
      };
      this.db.transaction(() => {
        insertIssuer(this.db, record);
        appendAudit(this.db, {
          actor: this.actor,
          action: 'issuer.create',
          subject: record.id,
          details: { keyAlgorithm: record.keyAlgorithm, verificationMethod: record.verificationMethod, keystore: keyLocation(spec) },
        });
      })();
      return { ...this.view(record), ...(didDocument ? { didDocument } : {}) };
    } catch (e) {
      await store.delete(keyRef).catch(() => undefined); // no orphan key for an issuer that was not created
      throw e;
    }
  }

  listIssuers(): IssuerView[] {
    return listIssuers(this.db).map((r) => this.view(r));
  }

  /** By id, or by name when exactly one issuer has it. */
  findIssuer(idOrName: string): IssuerRecord {
    const byId = getIssuer(this.db, idOrName);
    if (byId) return byId;
    const all = listIssuers(this.db);
    const byName = all.filter((i) => i.name.toLowerCase() === idOrName.toLowerCase());
    if (byName.length === 1) return byName[0]!;
    if (byName.length > 1) throw new LaurelError('CONFLICT', `Several issuers are named '${idOrName}'; give the issuer id instead (laurel issuer list).`);
    const known = all.length ? ` Known issuers: ${all.map((i) => `${i.name} (${i.id})`).join(', ')}.` : ' This workspace has no issuers yet: laurel issuer create --name <name>.';
    throw new LaurelError('NOT_FOUND', `No issuer '${idOrName}' in the workspace ${this.workspaceDir}.${known}`);
  }

  private view(r: IssuerRecord): IssuerView {
    return {
      id: r.id,
      name: r.name,
      didMethod: r.didMethod,
      keyAlgorithm: r.keyAlgorithm,
      verificationMethod: r.verificationMethod,
      publicKeyMultibase: r.publicKeyMultibase,
      keyLocation: keyLocation(r.keystore),
      profile: r.profile,
      createdAt: r.createdAt,
    };
  }

  // ---------------------------------------------------------------- issuing

  /** The issuer's signer; the private key stays in this process. */
  private async signerFor(issuer: IssuerRecord): Promise<Signer> {
    const store = await this.keyStore(issuer.keystore as KeyStoreSpec);
    return store.signer(issuer.keyRef, issuer.verificationMethod, issuer.id);
  }

  /** Builds, validates, signs, stores and audits one credential (the batch path shares these steps). */
  async issueCredential(input: IssueInput): Promise<IssuedCredential> {
    const issuer = this.findIssuer(input.issuer);
    const format = input.format ?? 'json';
    if (format !== 'json' && format !== 'jwt') throw new LaurelError('INVALID_INPUT', `Unknown format '${String(format)}': use json or jwt.`);
    const { learner, identity } = recipientLearner(input.recipient, input.name);
    const version = this.db.transaction(() => achievementVersionFor(this.db, input.achievement))();
    // The id is fixed before signing so that a status entry can be allocated for it.
    const credentialId = `urn:uuid:${randomUUID()}`;
    const credentialStatus = this.allocateStatus(issuer, credentialId);
    const credential = buildLearnerCredential({
      credentialId,
      issuer: issuer.profile,
      achievement: version.achievement,
      learner,
      recipient: { identity },
      validFrom: input.validFrom,
      validUntil: input.validUntil,
      credentialStatus: credentialStatus ? { ...credentialStatus } : undefined,
    });

    const signer = await this.signerFor(issuer);
    let body: string;
    if (format === 'json') {
      body = await finishJsonCredential(credential, await proofPreparer(signer)(credential), signer);
      assertValid(JSON.parse(body) as Record<string, unknown>);
    } else {
      body = await signJwtCredential(credential, signer, input.allowEdDSA ?? false);
    }
    const stored = this.db.transaction(() => {
      if (credentialStatus) {
        const again = allocateStatusEntries(this.db, issuer.id, [credentialId]).get(credentialId) as BitstringStatusListEntry;
        if (again.id !== credentialStatus.id) throw new LaurelError('CONFLICT', `The status entry of ${credentialId} changed while it was being signed; nothing was stored.`);
      }
      return storeIssuedCredential(this.db, {
        credentialId,
        issuerId: issuer.id,
        recipient: input.recipient,
        format,
        body,
        actor: this.actor,
        achievementRowid: version.rowid,
        ...(credentialStatus ? { auditDetails: { credentialStatus: credentialStatus.id } } : {}),
      });
    })();
    return { credentialId, issuerId: issuer.id, format, body, sha256: stored.sha256, rowId: stored.rowId };
  }

  // ---------------------------------------------------------------- status

  /** Where the issuer's status lists will be hosted (an https folder URL). */
  setStatusListUrl(issuer: string, baseUrl: string): { issuerId: string; baseUrl: string } {
    if (typeof baseUrl !== 'string' || !baseUrl.trim()) throw new LaurelError('INVALID_INPUT', 'Give the https URL of the folder where the status lists will be hosted.');
    const record = this.findIssuer(issuer);
    return { issuerId: record.id, baseUrl: setStatusListBaseUrl(this.db, record.id, baseUrl, { actor: this.actor }) };
  }

  statusLists(issuer: string): { issuerId: string; baseUrl: string | null; lists: StatusListInfo[] } {
    const record = this.findIssuer(issuer);
    return { issuerId: record.id, baseUrl: statusListBaseUrl(this.db, record.id), lists: listStatusListInfo(this.db, record.id) };
  }

  revoke(credentialId: string, reason?: string): StatusChange {
    return this.changeStatus(credentialId, 'revoked', reason);
  }

  suspend(credentialId: string, reason?: string): StatusChange {
    return this.changeStatus(credentialId, 'suspended', reason);
  }

  reinstate(credentialId: string, reason?: string): StatusChange {
    return this.changeStatus(credentialId, 'active', reason);
  }

  /** Signs every status list of the issuer and writes them to files to host. */
  async exportStatusLists(issuer: string, outDir: string, options: { validUntil?: string } = {}): Promise<ExportedStatusList[]> {
    if (typeof outDir !== 'string' || !outDir.trim()) throw new LaurelError('INVALID_INPUT', 'Give the folder to write the status list files to.');
    const record = this.findIssuer(issuer);
    const lists = listStatusListInfo(this.db, record.id);
    if (!lists.length) return [];
    const store = await this.keyStore(record.keystore as KeyStoreSpec);
    const signer = await store.signer(record.keyRef, record.verificationMethod, record.id);
    const written: ExportedStatusList[] = [];
    for (const list of lists) {
      written.push(await exportStatusList(this.db, list.id, signer, outDir, options.validUntil ? { validUntil: options.validUntil } : {}));
    }
    appendAudit(this.db, { actor: this.actor, action: 'status.export', subject: record.id, details: { lists: written.map((w) => ({ id: w.id, set: w.set, allocated: w.allocated })) } });
    return written;
  }

  private changeStatus(credentialId: string, status: CredentialState, reason?: string): StatusChange {
    if (typeof credentialId !== 'string' || !credentialId.trim()) throw new LaurelError('INVALID_INPUT', 'Which credential? Give its id (urn:uuid:…).');
    if (reason !== undefined && typeof reason !== 'string') throw new LaurelError('INVALID_INPUT', 'The reason must be text.');
    return setCredentialStatus(this.db, credentialId.trim(), status, reason, { actor: this.actor });
  }

  /** A status entry for a credential about to be signed, when the issuer has a status list URL. */
  private allocateStatus(issuer: IssuerRecord, credentialId: string): BitstringStatusListEntry | undefined {
    if (!statusListBaseUrl(this.db, issuer.id)) return undefined;
    return allocateStatusEntries(this.db, issuer.id, [credentialId]).get(credentialId) as BitstringStatusListEntry | undefined;
  }

  /**
   * A new credential replacing an issued one (a corrected name, a new achievement version): a new
   * id and row pointing at the old row, which stays as it was. Revoke the old one separately.
   */
  async reissueCredential(input: ReissueInput): Promise<ReissuedCredential> {
    const old = getCredentialsById(this.db, input.credentialId)[0];
    if (!old) throw new LaurelError('NOT_FOUND', `No credential ${input.credentialId} was issued from this workspace.`);
    const signer = await this.signerFor(this.findIssuer(old.issuerId));
    return reissueCredential({ db: this.db, workspaceDir: this.workspaceDir, actor: this.actor, signer }, input);
  }

  // ---------------------------------------------------------------- batches

  /** Reads a roster and says how it maps and which rows are bad; stores nothing (the mapping preview). */
  inspectRoster(source: RosterSource): RosterInspection {
    return inspectRoster(source);
  }

  /**
   * Prepares a batch (nothing is signed): the same roster bytes and options find the same batch
   * again, with status 'resume' or 'complete'. Bad rows are refused unless skipBadRows.
   */
  async prepareBatch(input: Omit<PrepareBatchInput, 'issuerId'> & { issuer: string }): Promise<PreparedBatch> {
    const issuer = this.findIssuer(input.issuer);
    const { issuer: _i, ...rest } = input;
    return prepareIssueBatch({ db: this.db, workspaceDir: this.workspaceDir, actor: this.actor }, { ...rest, issuerId: issuer.id });
  }

  /** Signs, stores and exports a batch; on an interrupted batch it resumes. Cancel with options.signal. */
  async runBatch(batchId: string, options: RunBatchOptions = {}): Promise<BatchSummary> {
    const batch = getBatch(this.db, batchId);
    if (!batch) throw new LaurelError('NOT_FOUND', `No batch ${batchId} in the workspace ${this.workspaceDir}.`);
    const issuer = this.findIssuer(batch.issuerId);
    const signer = await this.signerFor(issuer);
    return runIssueBatch({ db: this.db, workspaceDir: this.workspaceDir, actor: this.actor, signer }, batchId, options);
  }

  getBatch(batchId: string): BatchView {
    const batch = getBatch(this.db, batchId);
    if (!batch) throw new LaurelError('NOT_FOUND', `No batch ${batchId} in the workspace ${this.workspaceDir}.`);
    return batchView(this.db, batch);
  }

  listBatches(): BatchView[] {
    return listBatches(this.db).map((b) => batchView(this.db, b));
  }

  // ---------------------------------------------------------------- baking

  /** Bakes a signed credential (JSON or VC-JWT text) into a PNG or SVG badge image. */
  bake(credential: string, image: Uint8Array): BakedImage {
    return bakeCredential(credential, image);
  }

  /** The credential baked into a PNG or SVG. */
  unbake(image: Uint8Array): UnbakeResult {
    return unbakeImage(image);
  }

  // ---------------------------------------------------------------- keys

  /** A passphrase-encrypted backup of the keys of the given issuers (all when none are named). */
  async backupKeys(issuers: string[], passphrase: string): Promise<{ bytes: Uint8Array; issuers: string[] }> {
    const chosen = issuers.length ? issuers.map((i) => this.findIssuer(i)) : listIssuers(this.db);
    if (!chosen.length) throw new LaurelError('NOT_FOUND', 'This workspace has no issuers, so there are no keys to back up.');
    const stores = new Set(chosen.map((i) => i.keystore));
    if (stores.size > 1) throw new LaurelError('UNSUPPORTED', `These issuers keep their keys in different stores (${[...stores].map(keyLocation).join(', ')}); back them up one store at a time with --issuer.`);
    const store = await this.keyStore(chosen[0]!.keystore as KeyStoreSpec);
    const bytes = await store.exportBackup(chosen.map((i) => i.keyRef), passphrase);
    appendAudit(this.db, { actor: this.actor, action: 'keys.backup', details: { issuers: chosen.map((i) => i.id) } });
    return { bytes, issuers: chosen.map((i) => i.id) };
  }

  /** Restores keys from a backup into the current key store. */
  async restoreKeys(bytes: Uint8Array, passphrase: string, options: { overwrite?: boolean } = {}): Promise<{ imported: string[]; unchanged: string[]; replaced: string[] }> {
    const spec = this.keystoreSpec;
    const store = await this.keyStore(spec);
    const result = await store.importBackup(bytes, passphrase, options);
    // Issuers whose keys came back now live in this store.
    const refs = new Set([...result.imported, ...result.replaced, ...result.unchanged]);
    this.db.transaction(() => {
      for (const issuer of listIssuers(this.db)) {
        if (refs.has(issuer.keyRef) && issuer.keystore !== spec) {
          this.db.prepare('UPDATE issuers SET keystore = ?, updated_at = ? WHERE id = ?').run(spec, new Date().toISOString(), issuer.id);
        }
      }
      appendAudit(this.db, { actor: this.actor, action: 'keys.restore', details: { imported: result.imported.length, replaced: result.replaced.length, unchanged: result.unchanged.length, keystore: keyLocation(spec) } });
    })();
    return result;
  }

  // ---------------------------------------------------------------- verifying

  verify(input: Uint8Array | string, options: VerifyOptions = {}): Promise<VerificationReport> {
    // Saved copies of issuers' remote key documents live in the workspace (used offline, with their date).
    return verifyCredential(input, { cacheDir: remoteCacheDir(this.workspaceDir), ...options });
  }
}

export interface BakedImage {
  bytes: Uint8Array;
  mediaType: 'image/png' | 'image/svg+xml';
  /** What sanitising removed from an SVG (scripts, external links …). */
  removed: string[];
}

/** Bakes a signed credential (JSON or VC-JWT text) into a PNG or SVG; an SVG is sanitised first. Needs no workspace. */
export function bakeCredential(credential: string, image: Uint8Array): BakedImage {
  const format = detectFormat(credential);
  if (format !== 'json' && format !== 'jwt') throw new LaurelError('INVALID_INPUT', 'Only a signed credential (JSON with a proof, or a VC-JWT) can be baked.');
  const payload = format === 'json' ? credential : Buffer.from(credential.trim().split('.')[1] ?? '', 'base64url').toString('utf8');
  const kind = /"ClrCredential"/.test(payload) ? 'clr' : 'ob';
  const info = checkBadgeImage(image);
  if (info.mediaType === 'image/png') return { bytes: bakePng(image, credential, { kind }), mediaType: info.mediaType, removed: [] };
  const clean = sanitizeSvg(new TextDecoder().decode(image));
  return { bytes: new TextEncoder().encode(bakeSvg(clean.svg, credential, { kind })), mediaType: info.mediaType, removed: clean.removed };
}

/** The credential baked into a PNG or SVG (told apart by content). Needs no workspace. */
export function unbakeImage(image: Uint8Array): UnbakeResult {
  return unbake(image);
}

/** Writes a file without ever leaving half of it, refusing to replace one unless asked. */
export async function writeOutput(file: string, data: string | Uint8Array, options: { force?: boolean } = {}): Promise<string> {
  const target = path.resolve(file);
  if (!options.force && existsSync(target)) {
    throw new LaurelError('CONFLICT', `${target} already exists; choose another --out or add --force to replace it.`);
  }
  mkdirSync(path.dirname(target), { recursive: true });
  await atomicWrite(target, data, 0o644);
  return target;
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120) + '-' + createHash('sha256').update(id).digest('hex').slice(0, 8);
}

/** The single-issue form's recipient: an e-mail address (hashed, salted) or a DID / https URL (subject id). */
function recipientLearner(recipient: string, name?: string): { learner: Learner; identity: 'email' | 'did' } {
  const r = recipient.trim();
  const learner: Learner = {};
  if (name && name.trim()) learner.name = name.trim();
  // E-mail addresses are hashed lowercased: the form verifiers (and OB 2.0 practice) try first.
  if (EMAIL.test(r)) return { learner: { ...learner, email: r, emailKey: r.toLowerCase() }, identity: 'email' };
  if (DID.test(r) || /^https:\/\/[^\s]+$/.test(r)) return { learner: { ...learner, did: r }, identity: 'did' };
  throw new LaurelError('INVALID_INPUT', `The recipient '${recipient}' is neither an e-mail address nor a DID (did:method:…) or https URL.`);
}
