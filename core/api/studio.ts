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
// The studio's screens: the credentials catalog, the achievement designer, workspace backups.
import { catalogFacets, credentialDetail, queryCredentials, type CatalogFacets, type CredentialDetail, type CredentialPage, type CredentialQuery } from '../catalog/index.ts';
import { checkAchievementDraft, draftForSaving, type DesignCheck } from '../design/achievement.ts';
import { applyRosterEdits, type RosterEdit } from '../import/edit.ts';
import { backupWorkspaceDb, listWorkspaceBackups, replaceWorkspaceDb, stageBackupBytes, type WorkspaceBackup } from '../workspace/backup.ts';
import { buildStatusListCredential } from '../status/lists.ts';
import { getStatusList } from '../store/status.ts';
import { signDataIntegrity } from '../proof/index.ts';
import { buildAchievementFromJson, defaultBadgePng, defaultBadgeSvg, safeBaseName, type ExportFormat } from '../issue/index.ts';
import { readBatchImage, type BatchOptions } from '../issue/prepare.ts';
import { getLatestAchievement, listAchievementVersions } from '../store/index.ts';
import { readFileSync, rmSync } from 'node:fs';
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
import {
  addItem,
  alignmentFor,
  competencyAchievement,
  createFramework,
  deleteFramework,
  deleteItem,
  exportCasePackage,
  findItem,
  frameworkVersionPackage,
  frameworkVersions,
  getFramework,
  importCasePackage,
  importCtdlFramework,
  importFrameworkCsv,
  isCtdlFramework,
  listFrameworks,
  moveItem,
  saveFrameworkVersion,
  updateFramework,
  updateItem,
  type Framework,
  type FrameworkItem,
  type FrameworkSummary,
  type FrameworkVersion,
  type ItemInput,
  type NewFramework,
} from '../frameworks/index.ts';
import {
  achievementIndex,
  checkAssociations,
  clrFile,
  createClr,
  innerAchievement,
  learnerCredentials,
  runClrBatch,
  type AssociationInput,
  type AssociationIssue,
  type ClrBatchInput,
  type ClrBatchLearner,
  type ClrBatchProgress,
  type ClrBatchSummary,
  type ClrContext,
  type ClrCredentialSource,
  type ClrFileFormat,
  type ClrVerifier,
  type CreatedClr,
} from '../clr/index.ts';
import { getClrRow, listClrRows, searchFrameworkItemRows, type ClrRecord } from '../store/index.ts';
import { parseInput } from '../verify/index.ts';
import { withReceivedEndorsements } from '../endorse/embed.ts';
import {
  attachEndorsement,
  detachEndorsement,
  inspectEndorsable,
  renderSignedFile,
  signEndorsement,
  signFormFor,
  type AttachedEndorsement,
  type Endorsable,
  type SignedFileFormat,
  type EndorsePart,
  type SignedEndorsement,
} from '../endorse/index.ts';
import { readOb2Badge, upgradeOb2, type Ob2Badge, type UpgradedCredential } from '../upgrade/index.ts';
import { listReceivedEndorsements, type ReceivedEndorsement } from '../store/endorsements.ts';
import { openSecretStore, type SecretStore } from '../keys/index.ts';
import { createFetcher, type FetchLimits } from '../net/index.ts';
// Air-gapped signing: requests, the officer's review, signed bundles (core/airgap).
import {
  EXTERNAL_KEYSTORE,
  approveSigningRequest,
  createSigningRequest as createAirgapRequest,
  exportIssuer as exportIssuerFile,
  exportSignedBatch,
  importIssuer as importIssuerFile,
  importSignedBundle as importAirgapBundle,
  rejectSigningRequest,
  reviewSigningRequest,
  signerRequests,
  type ApprovedRequest,
  type ImportBundleOptions,
  type ImportedBundle,
  type RequestReview,
  type SignerContext,
  type SigningRequest,
} from '../airgap/index.ts';
import { AIR_GAPPED_SETTING, getBatchSigning, isWorkspaceAirGapped, listSigningRequests, setBatchSigning, setWorkspaceSetting, summarizeSigningRequest, workspaceId, type SigningRequestSummary } from '../store/index.ts';
import {
  DEFAULT_PUBLISH_SETTINGS,
  HostService,
  publishCredentials,
  pushProfile,
  type DisconnectResult,
  type HostView,
  type OpenUrl,
  type PendingConnection,
  type ProfileResult,
  type PublishInput,
  type PublishOptions,
  type PublishSettings,
  type PublishSummary,
} from '../publish/index.ts';
import { getHost, listPublications, listPublishAttempts, type PublishApi, type PublishAttempt } from '../store/index.ts';

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
  /** Where host client secrets and tokens go (never the database). Default: beside the keys. */
  secrets?: KeyStoreSpec;
  /** Publishing: loopback callback port, client metadata, timeouts, retries (tests shorten them). */
  publishing?: Partial<PublishSettings>;
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

/** What the designer's Save did (see Studio.saveAchievement). */
export interface SavedAchievement {
  id: string;
  version: number;
  achievement: Record<string, unknown>;
  outcome: 'created' | 'updated' | 'unchanged' | 'new-version';
  /** One sentence for the person who pressed Save. */
  note: string;
}

export interface AchievementSummary {
  id: string;
  name: string;
  latestVersion: number;
  versions: number;
  /** Credentials issued from any version. */
  issued: number;
  updatedAt: string;
  /** The newest version, as stored. */
  achievement: Record<string, unknown>;
}

/** Where a verification's status check got its lists from (the Verify screen says so). */
export interface StatusSource {
  /** This workspace's lists, signed from their current bits. */
  workspaceLists: string[];
  /** Lists the user supplied as files. */
  files: string[];
}

/** The builder for a preview; the designer's messages come from checkAchievement. */
function buildAchievementFromJsonForPreview(json: unknown): Record<string, unknown> {
  return buildAchievementFromJson(draftForSaving(json));
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DID = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]$/;

function keyLocation(spec: string): string {
  if (spec === EXTERNAL_KEYSTORE) return 'another machine (an air-gapped signer); this workspace prepares signing requests for it';
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
    if (issuer.keystore === EXTERNAL_KEYSTORE) {
      throw new LaurelError(
        'UNSUPPORTED',
        `The key of ${issuer.name} (${issuer.id}) is kept on an air-gapped signing machine, not here: make a signing request instead (laurel request create), have it signed there, and import the bundle.`,
      );
    }
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
    // Endorsements received for the issuer and the achievement (core/endorse) go into every credential from now on.
    const endorsed = withReceivedEndorsements(this.db, issuer.profile, version.achievement, { jwtOnly: format === 'jwt' });
    const credential = buildLearnerCredential({
      credentialId,
      issuer: endorsed.issuer,
      achievement: endorsed.achievement,
      endorsementJwt: endorsed.endorsementJwt,
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
    if (record.keystore === EXTERNAL_KEYSTORE) {
      // Entries allocated here would point at lists only the signer's key can sign: never publishable.
      throw new LaurelError(
        'UNSUPPORTED',
        `The key of ${record.name} is on an air-gapped signing machine, which would have to sign its status lists; status lists for such issuers are not supported yet, so its credentials are issued without a status entry.`,
      );
    }
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
    const signing = getBatchSigning(this.db, batchId);
    // Signed elsewhere: exported (again, or after an interruption) from the stored credentials, no key needed.
    if (signing === 'signed' || signing === 'imported') return exportSignedBatch({ db: this.db, workspaceDir: this.workspaceDir, actor: this.actor }, batchId, options);
    if (signing === 'prepared' || signing === 'awaiting-signature') {
      throw new LaurelError(
        'CONFLICT',
        signing === 'prepared'
          ? `Batch ${batchId} was prepared for the air-gapped signer, but its signing request was not written; make it again (laurel request create with the same roster).`
          : `Batch ${batchId} is awaiting its signature on the air-gapped signer; import the signed bundle (laurel bundle import) to finish it.`,
      );
    }
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

  // ---------------------------------------------------------------- air-gapped mode and signing (core/airgap)

  /** Air-gapped mode: this workspace's studio refuses every network use (publishing, online checks). */
  get airGapped(): boolean {
    return isWorkspaceAirGapped(this.db);
  }

  setAirGapped(on: boolean): { airGapped: boolean } {
    if (typeof on !== 'boolean') throw new LaurelError('INVALID_INPUT', 'Air-gapped mode is on or off (true or false).');
    this.db.transaction(() => {
      setWorkspaceSetting(this.db, AIR_GAPPED_SETTING, on ? 'on' : 'off');
      appendAudit(this.db, { actor: this.actor, action: 'settings.air-gapped', details: { on } });
    })();
    return { airGapped: on };
  }

  /** The one way this studio reaches the network: core/net's fetcher, refused in air-gapped mode. */
  private fetcher(limits: FetchLimits = {}): ReturnType<typeof createFetcher> {
    return createFetcher({ ...limits, airGapped: () => this.airGapped });
  }

  private signerContext(): SignerContext {
    return { db: this.db, actor: this.actor, signerFor: (i) => this.signerFor(i), keyLocation: (i) => keyLocation(i.keystore) };
  }

  /**
   * Preparer: prepares a batch as for issuing, then writes its signing request instead of signing.
   * The same roster and options again make a new request for the same batch (the old one is superseded).
   */
  async createSigningRequest(input: Omit<PrepareBatchInput, 'issuerId' | 'outDir'> & { issuer: string; outDir?: string }): Promise<{ prepared: PreparedBatch; request: SigningRequest; bytes: Uint8Array; superseded: string[] }> {
    const issuer = this.findIssuer(input.issuer);
    const { issuer: _i, outDir, ...rest } = input;
    const dir = outDir ?? path.join(this.workspaceDir, 'exports', safeBaseName(`signed elsewhere ${new Date().toISOString().replace(/[:.]/g, '-')}`, 'batch'));
    const prepared = await prepareIssueBatch({ db: this.db, workspaceDir: this.workspaceDir, actor: this.actor }, { ...rest, outDir: dir, issuerId: issuer.id });
    if (prepared.status === 'complete') throw new LaurelError('CONFLICT', `This roster was already issued with these options (batch ${prepared.batch.id}); there is nothing to sign.`);
    // Marked at once: should writing the request fail, the batch still shows it is meant for the signer.
    if (prepared.status === 'new') setBatchSigning(this.db, prepared.batch.id, 'prepared');
    const made = createAirgapRequest({ db: this.db, workspaceDir: this.workspaceDir, actor: this.actor }, prepared.batch.id);
    return { prepared: { ...prepared, batch: this.getBatch(prepared.batch.id) }, ...made };
  }

  /** Signer: checks a request (integrity, contexts, issuer, every credential) and returns the officer's review. */
  reviewSigningRequest(bytes: Uint8Array): RequestReview {
    return reviewSigningRequest(this.signerContext(), bytes);
  }

  /** Signer: the officer approves; signs with the issuer's key and returns the signed bundle (with the audit entry). */
  approveSigningRequest(bytes: Uint8Array, options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {}): Promise<ApprovedRequest> {
    return approveSigningRequest(this.signerContext(), bytes, options);
  }

  /** Signer: the officer rejects, with a reason for the audit log. */
  rejectSigningRequest(bytes: Uint8Array, reason: string): RequestReview {
    return rejectSigningRequest(this.signerContext(), bytes, reason);
  }

  /** Preparer: verifies a signed bundle against its request, stores the credentials and exports the batch. */
  importSignedBundle(bytes: Uint8Array, options: ImportBundleOptions = {}): Promise<ImportedBundle> {
    return importAirgapBundle({ db: this.db, workspaceDir: this.workspaceDir, actor: this.actor }, bytes, options);
  }

  /** Requests this workspace made (preparer) and opened (signer), newest first. */
  signingRequests(): { workspace: string; made: SigningRequestSummary[]; opened: SigningRequestSummary[] } {
    return { workspace: workspaceId(this.db), made: listSigningRequests(this.db, 'preparer').map(summarizeSigningRequest), opened: signerRequests(this.db) };
  }

  /** Preparer: the request file of a request this workspace made (to write it again). */
  signingRequestFile(requestId: string): { name: string; bytes: Uint8Array } {
    const r = listSigningRequests(this.db, 'preparer').find((x) => x.requestId === requestId);
    if (!r) throw new LaurelError('NOT_FOUND', `This workspace made no signing request ${requestId}.`);
    return { name: `signing-request-${requestId.slice(-12)}.json`, bytes: new Uint8Array(r.body) };
  }

  /** The issuer without its private key, as a file for the preparing machine. */
  exportIssuer(idOrName: string): { name: string; bytes: Uint8Array; issuerId: string } {
    const issuer = this.findIssuer(idOrName);
    const { bytes } = exportIssuerFile(this.db, this.actor, issuer);
    return { name: `${safeBaseName(issuer.name, 'issuer')}.issuer.json`, bytes, issuerId: issuer.id };
  }

  /** Imports an issuer export: the preparer can then make signing requests for it (it can't sign). */
  importIssuer(bytes: Uint8Array): { issuer: IssuerView; outcome: 'created' | 'updated' | 'unchanged' } {
    const r = importIssuerFile(this.db, this.actor, bytes);
    return { issuer: this.view(r.issuer), outcome: r.outcome };
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

  // ---------------------------------------------------------------- publishing to hosts

  private hostService?: HostService;
  private readonly secretStores = new Map<string, SecretStore>();

  private get hosts(): HostService {
    if (!this.hostService) {
      const settings: PublishSettings = { ...DEFAULT_PUBLISH_SETTINGS, ...this.options.publishing };
      const secretSpec = this.options.secrets ?? this.keystoreSpec;
      this.hostService = new HostService({
        db: this.db,
        actor: this.actor,
        fetcher: this.fetcher({ timeoutMs: settings.requestTimeoutMs }),
        settings,
        secretSpec: secretSpec === 'keychain' ? 'keychain' : `file:${path.resolve(secretSpec.slice('file:'.length))}`,
        secretStore: (spec) => {
          let store = this.secretStores.get(spec);
          if (!store) {
            store = openSecretStore(spec as KeyStoreSpec, {
              ...(this.options.passphrase !== undefined ? { passphrase: this.options.passphrase } : {}),
              ...(this.options.keychainService !== undefined ? { service: this.options.keychainService } : {}),
              ...(this.options.scrypt ? { scrypt: this.options.scrypt } : {}),
            });
            this.secretStores.set(spec, store);
          }
          return store;
        },
      });
    }
    return this.hostService;
  }

  /** Reads a host's service description; shows its name, image, terms and privacy policy. Registers nothing. */
  addHost(url: string, options: { name?: string } = {}): Promise<HostView> {
    return this.hosts.add(url, options);
  }

  listHosts(): HostView[] {
    return this.hosts.list();
  }

  getHost(nameOrUrl: string): HostView {
    return this.hosts.view(this.hosts.find(nameOrUrl));
  }

  /**
   * Registers (once) and starts authorizing: returns the consent page's address for the shell to
   * open; `complete()` waits for the browser to come back to the loopback port.
   */
  beginConnectHost(nameOrUrl: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<PendingConnection> {
    return this.hosts.beginConnect(nameOrUrl, options);
  }

  /** Registers (once), opens the consent page with `openUrl`, waits, stores the tokens in the keychain. */
  connectHost(nameOrUrl: string, options: { openUrl: OpenUrl; timeoutMs?: number; signal?: AbortSignal }): Promise<HostView> {
    return this.hosts.connect(nameOrUrl, options);
  }

  /** Revokes the tokens at the host and deletes them here. */
  disconnectHost(nameOrUrl: string): Promise<DisconnectResult> {
    return this.hosts.disconnect(nameOrUrl);
  }

  /** Publishes credentials (ids or a batch) to a host; cancel with options.signal, resume by calling again. */
  publish(input: PublishInput, options: PublishOptions = {}): Promise<PublishSummary> {
    return publishCredentials(this.hosts, input, options);
  }

  /** putProfile: the issuer's profile (as its credentials carry it) to the host. */
  pushProfile(input: { host: string; issuer: string; api?: PublishApi }, options: { signal?: AbortSignal; authorize?: OpenUrl } = {}): Promise<ProfileResult> {
    const issuer = this.findIssuer(input.issuer);
    return pushProfile(this.hosts, input.host, issuer.profile, { ...options, ...(input.api ? { api: input.api } : {}) });
  }

  /** What is where: per credential and host, the publication state ('published' only once read back). */
  publications(filter: { host?: string; credentialIds?: string[] } = {}): Array<{ host: string; credentialId: string; api: PublishApi; state: string; httpStatus: number | null; detail: string | null; sentAt: string | null; confirmedAt: string | null }> {
    const hostId = filter.host ? this.hosts.find(filter.host).id : undefined;
    const names = new Map<string, string>();
    return listPublications(this.db, { ...(hostId ? { hostId } : {}), ...(filter.credentialIds ? { credentialIds: filter.credentialIds } : {}) }).map((p) => {
      if (!names.has(p.hostId)) names.set(p.hostId, getHost(this.db, p.hostId)?.name ?? p.hostId);
      return { host: names.get(p.hostId)!, credentialId: p.credentialId, api: p.api, state: p.state, httpStatus: p.httpStatus, detail: p.detail, sentAt: p.sentAt, confirmedAt: p.confirmedAt };
    });
  }

  /** Every recorded publish attempt (upserts and read-backs), oldest first. */
  publishAttempts(filter: { host?: string; credentialId?: string; limit?: number } = {}): PublishAttempt[] {
    const hostId = filter.host ? this.hosts.find(filter.host).id : undefined;
    return listPublishAttempts(this.db, { ...(hostId ? { hostId } : {}), ...(filter.credentialId ? { credentialId: filter.credentialId } : {}), ...(filter.limit ? { limit: filter.limit } : {}) });
  }

  // ---------------------------------------------------------------- verifying

  verify(input: Uint8Array | string, options: VerifyOptions = {}): Promise<VerificationReport> {
    // Saved copies of issuers' remote key documents live in the workspace (used offline, with their date).
    return verifyCredential(input, { cacheDir: remoteCacheDir(this.workspaceDir), fetcher: this.fetcher(), ...options });
  }

  /**
   * Verifies with this workspace's own status lists as the status source, signed now from the
   * current bits: for a credential issued here that says what the workspace knows (revoked or
   * not), even before the lists are exported and uploaded. Extra list files (the copies a user
   * published) can be given too; they are used before the workspace's.
   */
  async verifyWithWorkspaceLists(input: Uint8Array | string, options: { files?: unknown[] } = {}): Promise<VerificationReport & { statusSource: StatusSource }> {
    const lists = await this.workspaceStatusLists();
    const source: StatusSource = { workspaceLists: [...lists.keys()], files: [] };
    for (const f of options.files ?? []) {
      const id = typeof f === 'object' && f !== null ? (f as { id?: unknown }).id : undefined;
      if (typeof id === 'string') {
        lists.set(id, f);
        source.files.push(id);
      }
    }
    const report = await this.verify(input, { statusListFiles: lists });
    return { ...report, statusSource: source };
  }

  // ---------------------------------------------------------------- endorsements and OB 2.0 upgrades (core/endorse, core/upgrade)

  /** Verify options for things from others: the workspace's key cache; fetch only when asked. */
  private async foreignVerifyOptions(online?: boolean): Promise<VerifyOptions> {
    // A credential this workspace revoked is revoked here even before its list is uploaded.
    const statusListFiles = await this.workspaceStatusLists().catch(() => new Map<string, unknown>());
    return { cacheDir: remoteCacheDir(this.workspaceDir), fetcher: this.fetcher(), statusListFiles, ...(online ? { online: true } : {}) };
  }

  /** What would be endorsed: a credential (verified; refused if it does not verify), an achievement or a profile. */
  async inspectEndorsable(input: { source: Uint8Array | string; part?: EndorsePart; online?: boolean }): Promise<Endorsable> {
    return inspectEndorsable(input.source, { verify: await this.foreignVerifyOptions(input.online), ...(input.part ? { part: input.part } : {}) });
  }

  /**
   * Endorses someone else's credential, achievement or issuer profile: signs an EndorsementCredential
   * with one of our issuers, stores it, and returns it in the file form asked for (JSON, JWT, or
   * baked into `image` or the default badge).
   */
  async endorse(input: {
    source: Uint8Array | string;
    part?: EndorsePart;
    issuer: string;
    comment: string;
    name?: string;
    format?: SignedFileFormat;
    image?: Uint8Array;
    validUntil?: string;
    online?: boolean;
    allowEdDSA?: boolean;
  }): Promise<SignedEndorsement & { file: { format: SignedFileFormat; bytes: Uint8Array } }> {
    const issuer = this.findIssuer(input.issuer);
    const fileFormat = input.format ?? 'json';
    if (!['json', 'jwt', 'png', 'svg'].includes(fileFormat)) throw new LaurelError('INVALID_INPUT', `Unknown format '${String(fileFormat)}': use json, jwt, png or svg.`);
    const target = await this.inspectEndorsable({ source: input.source, ...(input.part ? { part: input.part } : {}), ...(input.online ? { online: true } : {}) });
    const signer = await this.signerFor(issuer);
    const signed = await signEndorsement(
      { db: this.db, actor: this.actor, issuer, signer },
      {
        target,
        comment: input.comment,
        format: signFormFor(fileFormat, issuer.keyAlgorithm),
        ...(input.name ? { name: input.name } : {}),
        ...(input.validUntil ? { validUntil: input.validUntil } : {}),
        ...(input.allowEdDSA ? { allowEdDSA: true } : {}),
      },
    );
    return { ...signed, file: { format: fileFormat, bytes: renderSignedFile(signed.body, signed.format, fileFormat, input.image) } };
  }

  /** Attaches a received endorsement to one of our achievements (by id) or issuers; it is embedded from then on. */
  async attachEndorsement(input: { source: Uint8Array | string; achievement?: string; issuer?: string; online?: boolean }): Promise<AttachedEndorsement> {
    if ((input.achievement === undefined) === (input.issuer === undefined)) throw new LaurelError('INVALID_INPUT', 'Attach the endorsement to one achievement (its id) or one issuer.');
    let target: { kind: 'achievement' | 'profile'; id: string; name?: string };
    if (input.achievement !== undefined) {
      const found = getLatestAchievement(this.db, input.achievement);
      if (!found) throw new LaurelError('NOT_FOUND', `No achievement ${input.achievement} in this workspace: attach endorsements to achievements you issue.`);
      target = { kind: 'achievement', id: found.achievementId, name: String(found.achievement.name ?? '') };
    } else {
      const issuer = this.findIssuer(input.issuer!);
      target = { kind: 'profile', id: issuer.id, name: issuer.name };
    }
    return attachEndorsement({ db: this.db, actor: this.actor }, input.source, target, await this.foreignVerifyOptions(input.online));
  }

  /** Received endorsements (attached ones unless `all`), optionally of one achievement or issuer. */
  listReceivedEndorsements(filter: { achievement?: string; issuer?: string; all?: boolean } = {}): ReceivedEndorsement[] {
    const target = filter.achievement !== undefined ? { kind: 'achievement' as const, targetId: filter.achievement } : filter.issuer !== undefined ? { kind: 'profile' as const, targetId: this.findIssuer(filter.issuer).id } : {};
    return listReceivedEndorsements(this.db, { ...target, ...(filter.all ? { all: true } : {}) });
  }

  detachEndorsement(rowId: number): ReceivedEndorsement {
    if (!Number.isInteger(rowId) || rowId < 1) throw new LaurelError('INVALID_INPUT', 'Which endorsement? Give its number from the list.');
    return detachEndorsement({ db: this.db, actor: this.actor }, rowId);
  }

  /** Reads an OB 2.0 badge and checks what can be checked (online: hosted copy, signature, revocation list). */
  readOb2Badge(input: { source: Uint8Array | string; online?: boolean }): Promise<Ob2Badge> {
    return readOb2Badge(input.source, input.online ? { online: true, fetcher: this.fetcher() } : {});
  }

  /**
   * Upgrades an OB 2.0 badge: re-issues it as an OB 3.0 credential by one of our issuers, pointing at
   * the original, and returns it in the file form asked for (baked into the original image when it
   * came as one, unless `image` is given).
   */
  async upgradeBadge(input: {
    source: Uint8Array | string;
    issuer: string;
    format?: SignedFileFormat;
    image?: Uint8Array;
    online?: boolean;
    allowUnverified?: boolean;
    allowEdDSA?: boolean;
  }): Promise<UpgradedCredential & { file: { format: SignedFileFormat; bytes: Uint8Array } }> {
    const issuer = this.findIssuer(input.issuer);
    const fileFormat = input.format ?? 'json';
    if (!['json', 'jwt', 'png', 'svg'].includes(fileFormat)) throw new LaurelError('INVALID_INPUT', `Unknown format '${String(fileFormat)}': use json, jwt, png or svg.`);
    const badge = await this.readOb2Badge({ source: input.source, ...(input.online ? { online: true } : {}) });
    const signer = await this.signerFor(issuer);
    const upgraded = await upgradeOb2({ db: this.db, actor: this.actor, issuer, signer }, badge, {
      format: signFormFor(fileFormat, issuer.keyAlgorithm),
      ...(input.allowUnverified ? { allowUnverified: true } : {}),
      ...(input.allowEdDSA ? { allowEdDSA: true } : {}),
    });
    // The badge's own picture, when it came baked in one of the asked kind.
    const sameImage = badge.container === fileFormat && input.source instanceof Uint8Array ? input.source : undefined;
    return { ...upgraded, file: { format: fileFormat, bytes: renderSignedFile(upgraded.body, upgraded.format, fileFormat, input.image ?? sameImage) } };
  }

  // ---------------------------------------------------------------- credentials (the studio's list)

  /** One page of credentials, newest first, filtered and searched in SQL. */
  listCredentials(query: CredentialQuery = {}): CredentialPage {
    return queryCredentials(this.db, query);
  }

  /** Achievements, batches and status counts to filter the list by. */
  credentialFacets(): CatalogFacets {
    return catalogFacets(this.db);
  }

  getCredential(credentialId: string): CredentialDetail {
    return credentialDetail(this.db, credentialId);
  }

  /**
   * A credential as a file again, from the stored signed bytes (never signed anew): JSON or VC-JWT
   * as stored, or baked into the batch's badge image (else the achievement's, else the default).
   */
  exportCredential(credentialId: string, format: ExportFormat): { name: string; bytes: Uint8Array; mediaType: string } {
    const detail = credentialDetail(this.db, credentialId);
    const base = safeBaseName(`${detail.learnerName ?? detail.recipient.split('@')[0] ?? 'learner'} - ${detail.achievement?.name ?? 'credential'}`, 'credential');
    if (format === 'json' || format === 'jwt') {
      const form = detail.forms.find((f) => f.format === format);
      if (!form) {
        const have = detail.forms.map((f) => (f.format === 'jwt' ? 'VC-JWT' : 'JSON')).join(' and ');
        throw new LaurelError('UNSUPPORTED', `This credential was signed as ${have} only; a ${format === 'jwt' ? 'VC-JWT' : 'JSON'} form would need a new signature. Re-issue it in that format instead.`);
      }
      return { name: `${base}.${format}`, bytes: new TextEncoder().encode(form.body), mediaType: format === 'json' ? 'application/vc+ld+json' : 'application/vc+jwt' };
    }
    if (format !== 'png' && format !== 'svg') throw new LaurelError('INVALID_INPUT', `Unknown format '${String(format)}': use json, jwt, png or svg.`);
    const signed = detail.forms.find((f) => f.format === 'json') ?? detail.forms[0]!;
    const baked = this.bake(signed.body, this.badgeImageFor(detail, format));
    return { name: `${base}.${format}`, bytes: baked.bytes, mediaType: baked.mediaType };
  }

  private badgeImageFor(detail: CredentialDetail, kind: 'png' | 'svg'): Uint8Array {
    if (detail.batchId) {
      const batch = getBatch(this.db, detail.batchId);
      const ref = (batch?.options as unknown as BatchOptions | undefined)?.images?.[kind];
      if (ref && !ref.isDefault) return readBatchImage(this.workspaceDir, ref.sha256, kind);
    }
    const subject = detail.credential?.credentialSubject as Record<string, unknown> | undefined;
    const image = (subject?.achievement as Record<string, unknown> | undefined)?.image as { id?: unknown } | string | undefined;
    const uri = typeof image === 'string' ? image : typeof image?.id === 'string' ? image.id : '';
    const m = /^data:image\/(png|svg\+xml);base64,([A-Za-z0-9+/=]+)$/.exec(uri);
    if (m && (m[1] === 'png') === (kind === 'png')) return Buffer.from(m[2]!, 'base64');
    return kind === 'png' ? defaultBadgePng() : defaultBadgeSvg();
  }

  // ---------------------------------------------------------------- achievements (the designer)

  /** Every problem of a designer draft, each at its field's JSON path. */
  checkAchievement(draft: unknown): DesignCheck {
    return checkAchievementDraft(draft);
  }

  /**
   * Saves a draft: a new achievement gets an id; an unchanged one keeps its version; a changed one
   * is updated in place while nothing was issued from its newest version, else saved as the next
   * version (credentials already issued keep pointing at the version they award).
   */
  saveAchievement(draft: unknown): SavedAchievement {
    const input = draftForSaving(draft);
    const check = checkAchievementDraft(input);
    if (!check.ok) {
      const first = check.issues[0]!;
      throw new LaurelError('VALIDATION', `The achievement is not valid: ${first.path}: ${first.message}`, { details: { issues: check.issues } });
    }
    const before = getLatestAchievement(this.db, String(input.id));
    const saved = this.db.transaction(() => achievementVersionFor(this.db, input))() as ReturnType<typeof achievementVersionFor> & { created?: boolean };
    let outcome: SavedAchievement['outcome'];
    let note: string;
    if (!before) {
      outcome = 'created';
      note = 'Saved as version 1.';
    } else if (saved.rowid === before.rowid && saved.sha256 === before.sha256) {
      outcome = 'unchanged';
      note = `Nothing changed: still version ${saved.version}.`;
    } else if (saved.created) {
      outcome = 'new-version';
      note = `Saved as version ${saved.version}: version ${before.version} has issued credentials, which keep it unchanged. New credentials award version ${saved.version}.`;
    } else if (saved.rowid !== before.rowid) {
      outcome = 'unchanged';
      note = `This matches version ${saved.version}, saved earlier; that version is used again.`;
    } else {
      outcome = 'updated';
      note = `Version ${saved.version} updated: nothing has been issued from it yet.`;
    }
    appendAudit(this.db, { actor: this.actor, action: 'achievement.save', subject: saved.achievementId, sha256: saved.sha256, details: { version: saved.version, outcome } });
    return { id: saved.achievementId, version: saved.version, achievement: saved.achievement, outcome, note };
  }

  /** Achievements in this workspace, newest first, with how many credentials each has issued. */
  listAchievements(): AchievementSummary[] {
    const rows = this.db
      .prepare(
        `SELECT a.achievement_id AS id, MAX(a.version) AS latest, COUNT(*) AS versions, MAX(a.created_at) AS updated,
                (SELECT count(DISTINCT c.credential_id) FROM credentials c WHERE c.achievement_rowid IN (SELECT rowid_pk FROM achievements x WHERE x.achievement_id = a.achievement_id)) AS issued
         FROM achievements a GROUP BY a.achievement_id ORDER BY updated DESC LIMIT 1000`,
      )
      .all() as Array<{ id: string; latest: number; versions: number; updated: string; issued: number }>;
    return rows.map((r) => {
      const latest = getLatestAchievement(this.db, r.id)!;
      return { id: r.id, name: String(latest.achievement.name ?? r.id), latestVersion: r.latest, versions: r.versions, issued: r.issued, updatedAt: r.updated, achievement: latest.achievement };
    });
  }

  /** Every version of an achievement, oldest first, with how many credentials each awarded. */
  achievementVersions(achievementId: string): Array<{ version: number; achievement: Record<string, unknown>; createdAt: string; issued: number }> {
    const versions = listAchievementVersions(this.db, achievementId);
    if (!versions.length) throw new LaurelError('NOT_FOUND', `No achievement ${achievementId} in this workspace.`);
    return versions.map((v) => ({
      version: v.version,
      achievement: v.achievement,
      createdAt: v.createdAt,
      issued: (this.db.prepare('SELECT count(DISTINCT credential_id) AS n FROM credentials WHERE achievement_rowid = ?').get(v.rowid) as { n: number }).n,
    }));
  }

  // ---------------------------------------------------------------- rosters (issue to many)

  /** The roster with values fixed or rows left out, as UTF-8 CSV, and what it now reads as. */
  editRoster(source: RosterSource, edits: readonly RosterEdit[]): { bytes: Uint8Array; inspection: RosterInspection } {
    const bytes = applyRosterEdits(source.bytes, edits, source.encoding ? { encoding: source.encoding } : {});
    const { encoding: _e, ...rest } = source;
    return { bytes, inspection: inspectRoster({ ...rest, bytes }) };
  }

  /**
   * The credential the first good row of a roster would receive, unsigned: what the preview before
   * signing shows. Nothing is stored.
   */
  previewCredential(input: { issuer: string; achievement: { json: unknown } | { id: string }; roster: RosterSource; plaintextIdentity?: boolean }): { credential: Record<string, unknown>; line: number } {
    const issuer = this.findIssuer(input.issuer);
    const inspection = inspectRoster(input.roster);
    const row = inspection.check.rows[0];
    if (!row) throw new LaurelError('INVALID_INPUT', 'The roster has no good row to preview.');
    const a = input.achievement;
    const achievement = 'json' in a ? buildAchievementFromJsonForPreview(a.json) : (getLatestAchievement(this.db, a.id)?.achievement ?? (() => {
      throw new LaurelError('NOT_FOUND', `No achievement ${a.id} in this workspace.`);
    })());
    const { line, endLine: _e, row: _r, givenName: _g, familyName: _f, ...learner } = row;
    const endorsed = withReceivedEndorsements(this.db, issuer.profile, achievement, { jwtOnly: false });
    const credential = buildLearnerCredential({
      credentialId: 'urn:uuid:00000000-0000-4000-8000-000000000000',
      issuer: endorsed.issuer,
      achievement: endorsed.achievement,
      learner,
      recipient: { identity: inspection.identity, plaintext: input.plaintextIdentity ?? false },
      validFrom: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    return { credential: credential as Record<string, unknown>, line };
  }

  /** Files a batch wrote, by name (from its items' records), for the browser's download list. */
  batchFiles(batchId: string, options: { offset?: number; limit?: number } = {}): { outDir: string; total: number; files: Array<{ file: string; format: string; bytes: number; learner: string | null }> } {
    const batch = getBatch(this.db, batchId);
    if (!batch) throw new LaurelError('NOT_FOUND', `No batch ${batchId} in the workspace ${this.workspaceDir}.`);
    const outDir = (batch.options as unknown as BatchOptions).outDir;
    const all: Array<{ file: string; format: string; bytes: number; learner: string | null }> = [];
    const items = this.db.prepare(`SELECT row_json, files_json FROM batch_items WHERE batch_id = ? AND files_json IS NOT NULL ORDER BY seq`).all(batchId) as Array<{ row_json: string; files_json: string }>;
    for (const it of items) {
      const learner = (JSON.parse(it.row_json) as { learner?: { name?: string } }).learner?.name ?? null;
      for (const f of JSON.parse(it.files_json) as Array<{ file: string; format: string; bytes: number }>) all.push({ file: f.file, format: f.format, bytes: f.bytes, learner });
    }
    for (const extra of ['manifest.json', 'summary.csv']) {
      const p = path.join(outDir, extra);
      if (existsSync(p)) all.push({ file: extra, format: extra.endsWith('.csv') ? 'csv' : 'manifest', bytes: 0, learner: null });
    }
    const offset = options.offset ?? 0;
    return { outDir, total: all.length, files: all.slice(offset, offset + (options.limit ?? 200)) };
  }

  /** One file of a batch's export folder, by a name the batch recorded (never a path from outside). */
  readBatchFile(batchId: string, name: string): { name: string; bytes: Uint8Array } {
    const batch = getBatch(this.db, batchId);
    if (!batch) throw new LaurelError('NOT_FOUND', `No batch ${batchId} in the workspace ${this.workspaceDir}.`);
    const outDir = (batch.options as unknown as BatchOptions).outDir;
    const known =
      name === 'manifest.json' ||
      name === 'summary.csv' ||
      this.db.prepare(`SELECT 1 FROM batch_items, json_each(batch_items.files_json) f WHERE batch_id = ? AND json_extract(f.value, '$.file') = ? LIMIT 1`).get(batchId, name) !== undefined;
    if (!known || path.basename(name) !== name) throw new LaurelError('NOT_FOUND', `The batch wrote no file named ${name}.`);
    try {
      return { name, bytes: readFileSync(path.join(outDir, name)) };
    } catch {
      throw new LaurelError('NOT_FOUND', `${name} is no longer in ${outDir}. Running the batch again writes its missing files.`);
    }
  }

  // ---------------------------------------------------------------- status lists from the studio

  /** Signs every status list of the issuer into `<workspace>/status-lists/<issuer>/`, for upload. */
  async exportStatusListsToWorkspace(issuer: string): Promise<{ folder: string; lists: ExportedStatusList[] }> {
    const folder = this.statusListsFolder(issuer);
    return { folder, lists: await this.exportStatusLists(issuer, folder) };
  }

  /** Where the studio writes an issuer's signed status lists. */
  statusListsFolder(issuer: string): string {
    return path.join(this.workspaceDir, 'status-lists', safeName(this.findIssuer(issuer).id));
  }

  // ---------------------------------------------------------------- workspace backup

  /** A consistent copy of the workspace database (SQLite online backup), in its backups folder. */
  async backupWorkspace(): Promise<WorkspaceBackup> {
    const backup = await backupWorkspaceDb(this.db, this.workspaceDir);
    appendAudit(this.db, { actor: this.actor, action: 'workspace.backup', details: { file: backup.name, size: backup.size } });
    return backup;
  }

  listWorkspaceBackups(): WorkspaceBackup[] {
    return listWorkspaceBackups(this.workspaceDir);
  }

  /**
   * Replaces this workspace's database with a backup (bytes, or the name of a backup in the
   * backups folder), after saving the current one as `before-restore-…`. Closes this Studio and
   * returns the one opened on the restored database. Keys are not part of a workspace backup.
   */
  async restoreWorkspace(from: { bytes: Uint8Array } | { name: string }): Promise<{ studio: Studio; safetyCopy: WorkspaceBackup; issuers: number; credentials: number }> {
    let staged: { file: string; info: { issuers: number; credentials: number } };
    let temporary = false;
    if ('bytes' in from) {
      staged = stageBackupBytes(this.workspaceDir, from.bytes);
      temporary = true;
    } else {
      const found = listWorkspaceBackups(this.workspaceDir).find((b) => b.name === from.name);
      if (!found) throw new LaurelError('NOT_FOUND', `No backup named ${from.name} in ${path.join(this.workspaceDir, 'backups')}.`);
      staged = stageBackupBytes(this.workspaceDir, readFileSync(found.file));
      temporary = true;
    }
    try {
      const safetyCopy = await backupWorkspaceDb(this.db, this.workspaceDir, 'before-restore');
      this.close();
      replaceWorkspaceDb(this.workspaceDir, staged.file);
      const next = Studio.open({ ...this.options, workspace: this.workspaceDir });
      appendAudit(next.db, { actor: next.actor, action: 'workspace.restore', details: { safetyCopy: safetyCopy.name, issuers: staged.info.issuers, credentials: staged.info.credentials } });
      return { studio: next, safetyCopy, issuers: staged.info.issuers, credentials: staged.info.credentials };
    } finally {
      if (temporary) rmSync(staged.file, { force: true });
    }
  }

  // ---------------------------------------------------------------- skill frameworks (core/frameworks)

  listFrameworks(): FrameworkSummary[] {
    return listFrameworks(this.db);
  }

  getFramework(id: string): Framework {
    return getFramework(this.db, id);
  }

  createFramework(input: NewFramework): Framework {
    const f = createFramework(this.db, input);
    appendAudit(this.db, { actor: this.actor, action: 'framework.create', subject: f.id, details: { title: f.title } });
    return f;
  }

  updateFramework(id: string, patch: Omit<Partial<NewFramework>, 'baseUrl'>): Framework {
    return updateFramework(this.db, id, patch);
  }

  deleteFramework(id: string): void {
    deleteFramework(this.db, id);
    appendAudit(this.db, { actor: this.actor, action: 'framework.delete', subject: id });
  }

  addFrameworkItem(frameworkId: string, input: ItemInput & { parentId?: string | null; position?: number }): FrameworkItem {
    return addItem(this.db, frameworkId, input);
  }

  updateFrameworkItem(frameworkId: string, itemId: string, patch: ItemInput): FrameworkItem {
    return updateItem(this.db, frameworkId, itemId, patch);
  }

  /** Moves an item (and what is under it) to another parent and/or position; a loop is refused. */
  moveFrameworkItem(frameworkId: string, itemId: string, to: { parentId: string | null; position?: number }): Framework {
    return moveItem(this.db, frameworkId, itemId, to);
  }

  deleteFrameworkItem(frameworkId: string, itemId: string, options: { withChildren?: boolean } = {}): Framework {
    return deleteItem(this.db, frameworkId, itemId, options);
  }

  /** Freezes the framework as it is now (its CASE package) as the next version. */
  saveFrameworkVersion(frameworkId: string, label?: string): FrameworkVersion {
    const v = saveFrameworkVersion(this.db, frameworkId, exportCasePackage, label);
    appendAudit(this.db, { actor: this.actor, action: 'framework.version', subject: frameworkId, sha256: v.sha256, details: { version: v.version, label: v.label } });
    return v;
  }

  frameworkVersions(frameworkId: string): FrameworkVersion[] {
    return frameworkVersions(this.db, frameworkId);
  }

  /** Imports a CASE 1.1 CFPackage or a CTDL-ASN framework (JSON), or a CSV of competencies, told apart by content. */
  importFramework(input: { bytes: Uint8Array; name: string; replace?: boolean; title?: string; creator?: string; targetType?: string; encoding?: string }): Framework {
    const head = new TextDecoder().decode(input.bytes.subarray(0, 64)).replace(/^\uFEFF/, '').trimStart();
    let f: Framework;
    // A .json name is JSON whatever it holds: a broken file is "not valid JSON", not a CSV without columns.
    if (head.startsWith('{') || head.startsWith('[') || /\.(json|jsonld)$/i.test(input.name)) {
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(input.bytes).replace(/^\uFEFF/, ''));
      } catch (e) {
        throw new LaurelError('INVALID_INPUT', `${input.name} is not valid JSON: ${(e as Error).message}.`);
      }
      f = isCtdlFramework(json) ? importCtdlFramework(this.db, json, { replace: input.replace ?? false }) : importCasePackage(this.db, json, { replace: input.replace ?? false });
    } else {
      const title = input.title?.trim() || path.basename(input.name).replace(/\.[^.]+$/, '');
      f = importFrameworkCsv(this.db, input.bytes, { title, ...(input.creator ? { creator: input.creator } : {}), ...(input.targetType ? { targetType: input.targetType } : {}), ...(input.encoding ? { encoding: input.encoding } : {}) });
    }
    appendAudit(this.db, { actor: this.actor, action: 'framework.import', subject: f.id, details: { file: input.name, source: f.source, items: f.items.length } });
    return f;
  }

  /** The framework as a CASE 1.1 CFPackage (or a saved version's, as frozen). */
  exportFramework(id: string, version?: number): Record<string, unknown> {
    return version === undefined ? exportCasePackage(getFramework(this.db, id)) : frameworkVersionPackage(this.db, id, version);
  }

  /** Framework items matching a query (code, statement, description), for the alignment picker. */
  searchFrameworkItems(query: string, options: { frameworkId?: string; limit?: number } = {}): Array<{ frameworkId: string; frameworkTitle: string; item: FrameworkItem; alignment: Record<string, unknown> }> {
    const hits = searchFrameworkItemRows(this.db, query.trim(), options);
    const frameworks = new Map<string, Framework>();
    return hits.map((h) => {
      let f = frameworks.get(h.frameworkId);
      if (!f) frameworks.set(h.frameworkId, (f = getFramework(this.db, h.frameworkId)));
      const item = f.items.find((i) => i.id === h.id)!;
      return { frameworkId: f.id, frameworkTitle: f.title, item, alignment: alignmentFor(f, item) as unknown as Record<string, unknown> };
    });
  }

  /** The Alignment for one framework item (to add to an achievement). */
  alignmentForItem(frameworkId: string, itemId: string): Record<string, unknown> {
    const f = getFramework(this.db, frameworkId);
    return alignmentFor(f, findItem(f, itemId)) as unknown as Record<string, unknown>;
  }

  /** A "single skill" achievement (achievementType Competency) aligned to the item, saved in one step. */
  createCompetencyAchievement(frameworkId: string, itemId: string, options: { criteria?: string; issuer?: string } = {}): SavedAchievement {
    const f = getFramework(this.db, frameworkId);
    const creator = options.issuer ? this.findIssuer(options.issuer).profile : undefined;
    const achievement = competencyAchievement(f, findItem(f, itemId), { ...(options.criteria ? { criteria: options.criteria } : {}), ...(creator ? { creator } : {}) });
    return this.saveAchievement(achievement);
  }

  // ---------------------------------------------------------------- CLR 2.0 records (core/clr)

  /** Status lists of this workspace, signed now from their current bits (what a verification here should use). */
  private async workspaceStatusLists(): Promise<Map<string, unknown>> {
    const lists = new Map<string, unknown>();
    for (const issuer of listIssuers(this.db)) {
      const infos = listStatusListInfo(this.db, issuer.id);
      if (!infos.length || issuer.keyAlgorithm === 'RSA-2048') continue;
      const signer = await this.signerFor(issuer);
      for (const info of infos) lists.set(info.id, await signDataIntegrity(buildStatusListCredential(getStatusList(this.db, info.id)!), signer));
    }
    return lists;
  }

  private async clrContext(issuerRef: string, online?: boolean): Promise<ClrContext> {
    const issuer = this.findIssuer(issuerRef);
    if (issuer.keyAlgorithm === 'RSA-2048') throw new LaurelError('UNSUPPORTED', `${issuer.name} has an RSA key, which signs only VC-JWTs; a CLR needs an embedded proof (Ed25519 or P-256 issuer).`);
    const signer = await this.signerFor(issuer);
    const statusListFiles = await this.workspaceStatusLists();
    const verify: ClrVerifier = (input, recipient) =>
      this.verify(input, { statusListFiles, ...(online ? { online: true } : {}), ...(recipient ? { recipient: { identifier: recipient } } : {}) });
    return { db: this.db, actor: this.actor, issuer, signer, verify };
  }

  /** Credentials this workspace issued to a learner that a CLR can bundle (JSON form, active, not replaced). */
  learnerCredentials(recipient: string): Array<{ credentialId: string; achievementId: string | null; name: string | null; issuerId: string; createdAt: string }> {
    return learnerCredentials(this.db, recipient).map((c) => {
      const a = innerAchievement(c.credential);
      return { credentialId: c.credentialId, achievementId: a?.id ?? null, name: a?.name ?? null, issuerId: c.issuerId, createdAt: c.createdAt };
    });
  }

  /** A stored credential of this workspace in its JSON form, as a CLR source. */
  private storedClrSource(credentialId: string): ClrCredentialSource {
    const row = getCredentialsById(this.db, credentialId.trim()).find((c) => c.format === 'json');
    if (!row) {
      const any = getCredentialsById(this.db, credentialId.trim())[0];
      throw new LaurelError(any ? 'UNSUPPORTED' : 'NOT_FOUND', any ? `${credentialId} was issued as a VC-JWT only; a CLR embeds JSON credentials with their proofs.` : `No credential ${credentialId} was issued from this workspace.`);
    }
    return { label: credentialId, credential: JSON.parse(row.body) as Record<string, unknown> };
  }

  /**
   * The editor's check: the achievements a record with these credentials and grouping achievements
   * would hold (id → name), and every problem of the associations (self-loops, dangling ids,
   * duplicates, contradictions), each naming the association.
   */
  checkClrAssociations(input: { credentials: ReadonlyArray<{ credentialId: string } | { bytes: Uint8Array | string; name: string }>; achievements?: readonly unknown[]; associations: readonly unknown[] }): { achievements: Array<{ id: string; name: string; grouping: boolean }>; issues: AssociationIssue[] } {
    const creds = input.credentials.map((c) => {
      if ('credentialId' in c) return this.storedClrSource(c.credentialId).credential!;
      const parsed = parseInput(c.bytes);
      if (!parsed.ok || parsed.format !== 'json') throw new LaurelError('INVALID_INPUT', `${c.name}: ${parsed.ok ? 'a VC-JWT has no slot in a CLR' : parsed.reason}.`);
      return parsed.credential as Record<string, unknown>;
    });
    const grouping = (input.achievements ?? []).filter((a): a is Record<string, unknown> => typeof a === 'object' && a !== null && !Array.isArray(a));
    const index = achievementIndex(creds, grouping);
    const groupingIds = new Set(grouping.map((g) => g.id));
    return { achievements: [...index].map(([id, name]) => ({ id, name, grouping: groupingIds.has(id) })), issues: checkAssociations(input.associations, index) };
  }

  /**
   * Builds, signs (Data Integrity with the issuer's key), verifies again and stores a CLR for one
   * learner. Credentials come from this workspace (by id) or as files (JSON or baked PNG/SVG) from
   * others, which must verify; every one is embedded exactly as its issuer signed it.
   */
  async createClr(input: {
    issuer: string;
    recipient: string;
    learnerName?: string;
    name?: string;
    description?: string;
    credentials: ReadonlyArray<{ credentialId: string } | { bytes: Uint8Array | string; name: string }>;
    achievements?: readonly unknown[];
    associations?: readonly AssociationInput[];
    partial?: boolean;
    validUntil?: string;
    online?: boolean;
  }): Promise<CreatedClr> {
    const ctx = await this.clrContext(input.issuer, input.online);
    const sources = input.credentials.map((c) => ('credentialId' in c ? this.storedClrSource(c.credentialId) : { label: c.name, bytes: c.bytes }));
    const who = input.learnerName?.trim() || input.recipient.trim();
    return createClr(ctx, {
      name: input.name?.trim() || `Comprehensive Learner Record of ${who}`,
      learner: { recipient: input.recipient, ...(input.learnerName ? { name: input.learnerName } : {}) },
      credentials: sources,
      ...(input.description ? { description: input.description } : {}),
      ...(input.achievements ? { achievements: input.achievements } : {}),
      ...(input.associations ? { associations: input.associations } : {}),
      ...(input.partial ? { partial: true } : {}),
      ...(input.validUntil ? { validUntil: input.validUntil } : {}),
    });
  }

  /** The CLRs signed in this workspace, newest first. */
  listClrs(options: { learner?: string; batchId?: string } = {}): ClrRecord[] {
    return listClrRows(this.db, options);
  }

  /** A stored CLR as a file: JSON, or baked into a PNG/SVG (the image given, else the default badge). */
  clrFile(credentialId: string, format: ClrFileFormat, image?: Uint8Array): { name: string; bytes: Uint8Array; mediaType: string } {
    const rec = getClrRow(this.db, credentialId.trim());
    if (!rec) throw new LaurelError('NOT_FOUND', `No CLR ${credentialId} in this workspace.`);
    const row = getCredentialsById(this.db, rec.credentialId).find((c) => c.format === 'json')!;
    const f = clrFile(row.body, format, image);
    return { name: `${safeBaseName(rec.name, 'clr')}.${format}`, ...f };
  }

  /**
   * One CLR per learner of a roster (a job): each learner's credentials from this workspace plus the
   * third-party ones issued to them; records are stored and, with outDir, written as files.
   */
  async runClrBatch(
    input: Omit<ClrBatchInput, 'batchId' | 'learners'> & { issuer: string; roster: RosterSource; online?: boolean },
    options: { onProgress?: (p: ClrBatchProgress) => void; signal?: AbortSignal } = {},
  ): Promise<ClrBatchSummary> {
    const inspection = inspectRoster(input.roster);
    // The record names a learner by e-mail or DID; their credentials here may be stored under a learner id too.
    const learners: ClrBatchLearner[] = inspection.check.rows.flatMap((r) => {
      const recipient = (inspection.identity === 'did' ? r.did : r.email) ?? r.did ?? r.email;
      if (!recipient) return [];
      const aliases = [r.email, r.did, r.learnerId].filter((x): x is string => !!x && x !== recipient);
      return [{ recipient, ...(aliases.length ? { aliases } : {}), ...(r.name ? { name: r.name } : {}), line: r.line }];
    });
    if (!learners.length) throw new LaurelError('INVALID_INPUT', 'The roster has no learner with an e-mail address or a DID, which a CLR names its learner by.');
    const ctx = await this.clrContext(input.issuer, input.online);
    const batchId = randomUUID();
    const { issuer: _i, roster: _r, online: _o, ...rest } = input;
    const summary = await runClrBatch(ctx, { ...rest, batchId, learners }, options);
    appendAudit(this.db, { actor: this.actor, action: 'clr.batch', subject: batchId, details: { created: summary.created, skipped: summary.skipped, failed: summary.failed, cancelled: summary.cancelled } });
    return summary;
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
