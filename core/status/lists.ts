import { createHash, randomInt } from 'node:crypto';
import path from 'node:path';
import { CONTEXTS } from '../jsonld/index.ts';
import type { Signer } from '../keys/types.ts';
import { signDataIntegrity, type JsonObject } from '../proof/index.ts';
import { actorName, appendAudit, getIssuer, type Db, type IssuerRecord } from '../store/index.ts';
// Row access for the status tables (not re-exported by store/index.ts: only core/status uses it).
import {
  countStatusLists,
  credentialStates,
  findStatusEntry,
  getStatusList,
  getStatusListBaseUrl,
  insertStatusEntry,
  insertStatusList,
  isStatusIndexTaken,
  listStatusLists,
  nextFreeStatusIndex,
  openStatusList,
  statusEntriesOfCredential,
  updateCredentialState,
  updateStatusListBaseUrl,
  updateStatusListBits,
  type StatusEntryRow,
  type StatusListRow,
} from '../store/status.ts';
import { LaurelError } from '../util/errors.ts';
import { atomicWrite } from '../util/fs.ts';
import { encodeBitstring, getBit, MIN_BITSTRING_BITS, newBitstring, setBit } from './bitstring.ts';
import type { BitstringStatusListEntry, CredentialState, StatusListInfo, StatusPurpose } from './types.ts';
import { slug as slugify } from '../util/slug.ts';

// ------------------------------------------------------------------ where lists are hosted

/** An https URL without query, fragment or credentials, with no trailing slash. */
export function normalizeStatusListBaseUrl(input: string): string {
  const raw = typeof input === 'string' ? input.trim() : '';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LaurelError('INVALID_INPUT', `'${raw}' is not a URL: give the https address of the folder where you will host the status list files (e.g. https://badges.example.org/status).`);
  }
  if (url.protocol !== 'https:') {
    throw new LaurelError('INVALID_INPUT', `The status list URL must be https (got ${url.protocol.replace(':', '')}): verifiers fetch the lists from there, and wallets refuse plain http.`);
  }
  if (url.username || url.password) throw new LaurelError('INVALID_INPUT', 'The status list URL must not contain a user name or password.');
  if (url.search || url.hash) throw new LaurelError('INVALID_INPUT', 'The status list URL is a folder: leave out ?query and #fragment.');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Sets where this issuer's status list files will be hosted. Lists already allocated keep their
 * URLs (they are inside signed credentials); new lists are created under the new base.
 * RSA issuers are refused: the list credential needs a Data Integrity proof, which RSA can't make.
 */
export function setStatusListBaseUrl(db: Db, issuerId: string, baseUrl: string, options: { actor?: string } = {}): string {
  const issuer = getIssuer(db, issuerId);
  if (!issuer) throw new LaurelError('NOT_FOUND', `No issuer ${issuerId} in this workspace.`);
  refuseRsa(issuer);
  const url = normalizeStatusListBaseUrl(baseUrl);
  db.transaction(() => {
    updateStatusListBaseUrl(db, issuerId, url);
    appendAudit(db, { actor: options.actor ?? actorName('core'), action: 'status.base-url', subject: issuerId, details: { url } });
  })();
  return url;
}

export function statusListBaseUrl(db: Db, issuerId: string): string | null {
  const url = getStatusListBaseUrl(db, issuerId);
  if (url === undefined) throw new LaurelError('NOT_FOUND', `No issuer ${issuerId} in this workspace.`);
  return url;
}

function refuseRsa(issuer: IssuerRecord): void {
  if (issuer.keyAlgorithm === 'RSA-2048') {
    throw new LaurelError(
      'UNSUPPORTED',
      `The issuer ${issuer.name} has an RSA key, which signs VC-JWT only. A Bitstring Status List is a credential with a Data Integrity proof, and no Data Integrity suite uses RSA, so this issuer can't publish one. Create an Ed25519 (or P-256) issuer for revocable credentials.`,
    );
  }
}

// ------------------------------------------------------------------ allocation

/** `<base>/<issuer-slug>-<purpose>-<n>.json`, n counting this issuer's lists of that purpose. */
function newListId(db: Db, issuer: IssuerRecord, purpose: StatusPurpose, base: string): string {
  let slug = slugify(issuer.name, 'issuer');
  let n = countStatusLists(db, issuer.id, purpose) + 1;
  for (;;) {
    const id = `${base}/${slug}-${purpose}-${n}.json`;
    const taken = getStatusList(db, id);
    if (!taken) return id;
    // Another issuer with the same name publishes there: keep the names apart with a short digest.
    if (taken.issuerId !== issuer.id && !slug.endsWith(shortDigest(issuer.id))) slug = `${slug}-${shortDigest(issuer.id)}`;
    else n++;
  }
}

function shortDigest(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 6);
}

function entryOf(listId: string, index: number, purpose: StatusPurpose): BitstringStatusListEntry {
  return { id: `${listId}#${index}`, type: 'BitstringStatusListEntry', statusPurpose: purpose, statusListIndex: String(index), statusListCredential: listId };
}

/**
 * How many credentials a list takes: 7/8 of its entries. Random draws then find a free index in
 * at most 8 tries on average, even in a nearly full list; the unused entries cost nothing (the
 * file has the same size) and still hide how many credentials a list covers.
 */
export function statusListCapacity(size: number): number {
  return Math.floor((size * 7) / 8);
}

/**
 * A free index drawn uniformly at random. The spec asks for random assignment, so that an index
 * says nothing about when a credential was issued or how many were. Uniqueness doesn't rest on the
 * randomness: the table's primary key (list, index) refuses a second use.
 */
function pickIndex(db: Db, list: StatusListRow): number {
  for (let tries = 0; tries < 1000; tries++) {
    const index = randomInt(list.size);
    if (!isStatusIndexTaken(db, list.id, index)) return index;
  }
  // Astronomically unlikely below capacity; stay correct anyway.
  const index = nextFreeStatusIndex(db, list.id, randomInt(list.size), list.size) ?? nextFreeStatusIndex(db, list.id, 0, list.size);
  if (index === undefined) throw new LaurelError('CONFLICT', `The status list ${list.id} is full.`);
  return index;
}

export interface AllocateOptions {
  /**
   * Also allocate a suspension entry: the value becomes [revocation, suspension]. Not for Open
   * Badges 3.0 credentials, whose schema allows one credentialStatus object (see core/status/index.ts).
   */
  suspension?: boolean;
}

/**
 * Allocates status entries for credentials whose ids are known before signing. Runs in the
 * caller's transaction when there is one (else in its own). Idempotent: a credential id that
 * already holds an entry for this issuer and purpose gets the same entry back, which is what
 * keeps a resumed batch from ever using an index twice. Lists are created lazily, per issuer and
 * purpose, and a new one is started when the current one is full (statusListCapacity).
 */
export function allocateStatusEntries(
  db: Db,
  issuerId: string,
  credentialIds: readonly string[],
  options: AllocateOptions = {},
): Map<string, BitstringStatusListEntry | BitstringStatusListEntry[]> {
  return db.transaction(() => {
    const issuer = getIssuer(db, issuerId);
    if (!issuer) throw new LaurelError('NOT_FOUND', `No issuer ${issuerId} in this workspace.`);
    const base = getStatusListBaseUrl(db, issuerId);
    if (!base) {
      throw new LaurelError('INVALID_INPUT', `The issuer ${issuer.name} has no status list URL yet: set where its status lists will be hosted first (laurel issuer set-status-url).`);
    }
    refuseRsa(issuer);
    const purposes: StatusPurpose[] = options.suspension ? ['revocation', 'suspension'] : ['revocation'];
    const open = new Map<StatusPurpose, StatusListRow>();
    const listFor = (purpose: StatusPurpose): StatusListRow => {
      let list = open.get(purpose);
      if (!list || list.allocated >= statusListCapacity(list.size)) {
        list = openStatusList(db, issuer.id, purpose, `${base}/`, statusListCapacity(MIN_BITSTRING_BITS));
        if (!list) {
          const id = newListId(db, issuer, purpose, base);
          insertStatusList(db, { id, issuerId: issuer.id, purpose, bits: newBitstring(MIN_BITSTRING_BITS) });
          list = getStatusList(db, id)!;
        }
        open.set(purpose, list);
      }
      return list;
    };
    const out = new Map<string, BitstringStatusListEntry | BitstringStatusListEntry[]>();
    for (const credentialId of credentialIds) {
      if (typeof credentialId !== 'string' || !credentialId.trim()) throw new LaurelError('INVALID_INPUT', 'A credential id must be a non-empty string.');
      if (out.has(credentialId)) continue;
      const entries = purposes.map((purpose) => {
        const existing = findStatusEntry(db, credentialId, issuer.id, purpose);
        if (existing) return entryOf(existing.listId, existing.index, purpose);
        const list = listFor(purpose);
        const index = pickIndex(db, list);
        insertStatusEntry(db, list.id, index, credentialId);
        list.allocated++;
        return entryOf(list.id, index, purpose);
      });
      out.set(credentialId, options.suspension ? entries : entries[0]!);
    }
    return out;
  })();
}

/** The entries a credential holds (any issuer), as they appear in its credentialStatus. */
export function statusEntriesOf(db: Db, credentialId: string): BitstringStatusListEntry[] {
  return statusEntriesOfCredential(db, credentialId).map((e) => entryOf(e.listId, e.index, e.purpose));
}

// ------------------------------------------------------------------ revoking, suspending

export interface StatusChange {
  credentialId: string;
  issuerId: string;
  previous: CredentialState;
  status: CredentialState;
  /** False when the credential already was in that state (nothing written). */
  changed: boolean;
  /** Lists whose bits changed: export and upload them again for verifiers to see it. */
  lists: string[];
}

/**
 * Sets a credential's status: flips its bits, updates credentials.status and appends an audit
 * entry, in one transaction. Revocation is permanent (the spec: "not reversible"), so a revoked
 * credential can't be suspended or reinstated; reinstating undoes a suspension only.
 */
export function setCredentialStatus(
  db: Db,
  credentialId: string,
  status: CredentialState,
  reason?: string,
  options: { actor?: string } = {},
): StatusChange {
  if (status !== 'active' && status !== 'revoked' && status !== 'suspended') {
    throw new LaurelError('INVALID_INPUT', `Unknown status '${String(status)}': use revoked, suspended or active.`);
  }
  if (reason !== undefined && typeof reason !== 'string') throw new LaurelError('INVALID_INPUT', 'The reason must be text.');
  const why = reason?.trim() || undefined;
  return db.transaction((): StatusChange => {
    const states = credentialStates(db, credentialId);
    if (!states.length) throw new LaurelError('NOT_FOUND', `No credential ${credentialId} was issued from this workspace.`);
    const issuers = new Set(states.map((s) => s.issuerId));
    if (issuers.size > 1) throw new LaurelError('CONFLICT', `Several issuers in this workspace issued a credential with id ${credentialId}; its status can't be changed unambiguously.`);
    const issuerId = states[0]!.issuerId;
    // Several rows (re-issues under the same id) share the entry; the worst state wins.
    const previous: CredentialState = states.some((s) => s.status === 'revoked') ? 'revoked' : states.some((s) => s.status === 'suspended') ? 'suspended' : 'active';
    const entries = statusEntriesOfCredential(db, credentialId).filter((e) => e.issuerId === issuerId);
    const revocation = entries.find((e) => e.purpose === 'revocation');
    const suspension = entries.find((e) => e.purpose === 'suspension');

    if (previous === 'revoked' && status !== 'revoked') {
      throw new LaurelError('CONFLICT', `${credentialId} is revoked, and revocation is permanent (a Bitstring Status List revocation is not reversible). Issue a new credential instead.`);
    }
    const wanted: Array<{ entry: StatusEntryRow; on: boolean }> = [];
    if (status === 'revoked') {
      if (!revocation) throw new LaurelError('UNSUPPORTED', `${credentialId} can't be revoked: it was issued without a credentialStatus entry (its issuer had no status list URL then). Set one with 'laurel issuer set-status-url' and re-issue the credential.`);
      wanted.push({ entry: revocation, on: true });
    } else if (status === 'suspended') {
      if (!suspension) {
        throw new LaurelError(
          'UNSUPPORTED',
          `${credentialId} can't be suspended: it carries only a revocation entry. An Open Badges 3.0 credential has at most one credentialStatus (the OB schema allows a single object), and Laurel Studio uses it for revocation.`,
        );
      }
      wanted.push({ entry: suspension, on: true });
    } else if (suspension) {
      wanted.push({ entry: suspension, on: false });
    }

    const lists: string[] = [];
    for (const { entry, on } of wanted) {
      const list = getStatusList(db, entry.listId)!;
      if (getBit(list.bits, entry.index) === on) continue;
      setBit(list.bits, entry.index, on);
      updateStatusListBits(db, list.id, list.bits);
      lists.push(list.id);
    }
    const changed = previous !== status || lists.length > 0;
    if (changed) {
      updateCredentialState(db, credentialId, status);
      const action = status === 'revoked' ? 'credential.revoke' : status === 'suspended' ? 'credential.suspend' : 'credential.reinstate';
      appendAudit(db, {
        actor: options.actor ?? actorName('core'),
        action,
        subject: credentialId,
        details: { issuer: issuerId, previous, status, ...(why ? { reason: why } : {}), entries: wanted.map((w) => `${w.entry.listId}#${w.entry.index}`) },
      });
    }
    return { credentialId, issuerId, previous, status, changed, lists };
  })();
}

// ------------------------------------------------------------------ the list credential

function popcount(bits: Uint8Array): number {
  let n = 0;
  for (const b of bits) {
    let x = b;
    while (x) {
      x &= x - 1;
      n++;
    }
  }
  return n;
}

function info(l: StatusListRow): StatusListInfo {
  return { id: l.id, issuerId: l.issuerId, purpose: l.purpose, size: l.size, allocated: l.allocated, set: popcount(l.bits), updatedAt: l.updatedAt };
}

export function listStatusListInfo(db: Db, issuerId: string): StatusListInfo[] {
  return listStatusLists(db, issuerId).map(info);
}

const seconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface StatusListCredentialOptions {
  /** validFrom; default now. */
  now?: Date;
  /** Optional expiry: verifiers then need a fresh export after this date. */
  validUntil?: Date | string;
}

/**
 * The unsigned BitstringStatusListCredential for a list. Only the VC 2.0 context: it defines
 * BitstringStatusListCredential / BitstringStatusList (and the entry terms), exactly as
 * …/ns/credentials/status/v1 does, and it is the form the W3C Recommendation's examples use.
 */
export function buildStatusListCredential(list: StatusListRow, options: StatusListCredentialOptions = {}): JsonObject {
  const now = options.now ?? new Date();
  const cred: JsonObject = {
    '@context': [CONTEXTS.VC_V2],
    id: list.id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: list.issuerId,
    validFrom: seconds(now),
  };
  if (options.validUntil !== undefined) {
    const until = options.validUntil instanceof Date ? options.validUntil : new Date(options.validUntil);
    if (Number.isNaN(until.getTime())) throw new LaurelError('INVALID_INPUT', `validUntil ${String(options.validUntil)} is not a date-time.`);
    if (until.getTime() <= now.getTime()) throw new LaurelError('INVALID_INPUT', `validUntil (${seconds(until)}) must be after validFrom (${seconds(now)}).`);
    cred.validUntil = seconds(until);
  }
  cred.credentialSubject = { id: `${list.id}#list`, type: 'BitstringStatusList', statusPurpose: list.purpose, encodedList: encodeBitstring(list.bits) };
  return cred;
}

/** The file name a list is written under: the last segment of its URL. */
export function statusListFileName(listUrl: string): string {
  const last = decodeURIComponent(new URL(listUrl).pathname.split('/').pop() ?? '');
  return /^[A-Za-z0-9._-]+\.json$/.test(last) && !last.startsWith('.') ? last : `status-list-${shortDigest(listUrl)}.json`;
}

export interface ExportedStatusList extends StatusListInfo {
  /** The file written. */
  file: string;
  /** Where to upload it: the list's URL. */
  hostAt: string;
  credential: JsonObject;
}

/**
 * Signs the list's current bits as a BitstringStatusListCredential with the issuer's key (the
 * same Signer path as credentials: Ed25519 → eddsa-rdfc-2022, P-256 → ecdsa-rdfc-2019) and
 * writes it to `outDir/<file name of its URL>`, replacing an older export.
 */
export async function exportStatusList(db: Db, listId: string, signer: Signer, outDir: string, options: StatusListCredentialOptions = {}): Promise<ExportedStatusList> {
  const list = getStatusList(db, listId);
  if (!list) throw new LaurelError('NOT_FOUND', `No status list ${listId} in this workspace.`);
  if (signer.controller !== list.issuerId) {
    throw new LaurelError('INVALID_INPUT', `The status list ${listId} belongs to ${list.issuerId}; it can't be signed with a key of ${signer.controller}.`);
  }
  if (signer.algorithm === 'RSA-2048') {
    throw new LaurelError('UNSUPPORTED', 'A status list needs a Data Integrity proof, and no Data Integrity suite uses RSA: RSA keys sign VC-JWT only.');
  }
  const credential = await signDataIntegrity(buildStatusListCredential(list, options), signer);
  const file = path.join(path.resolve(outDir), statusListFileName(list.id));
  await atomicWrite(file, JSON.stringify(credential, null, 2) + '\n', 0o644);
  return { ...info(list), file, hostAt: list.id, credential };
}
