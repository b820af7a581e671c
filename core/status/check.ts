import type { KeyResolver } from '../keys/types.ts';
import { verifyDataIntegrity, type JsonObject } from '../proof/index.ts';
import { isLaurelError } from '../util/errors.ts';
import { decodeBitstring, getBit, MIN_BITSTRING_BITS } from './bitstring.ts';

/**
 * The status check a verifier runs: Bitstring Status List v1.0 (W3C) and the legacy
 * 1EdTechRevocationList. It never says "not revoked" without having read a list that says so,
 * and it never touches the network itself: lists come from `localFiles` or `fetchList`.
 *
 * Outcomes, per entry:
 * - failed: the list says revoked/suspended, or the list is there but provably unusable in a way
 *   the W3C validate algorithm treats as an error (signature doesn't verify or isn't the
 *   issuer's, purpose mismatch, list shorter than 131,072 entries, index out of range, a
 *   malformed entry).
 * - unknown: the list could not be had or judged (no copy offline, fetch failed, not a list, its
 *   key can't be resolved offline, expired or not yet valid, an unsupported status type).
 * - passed: a valid list of the credential's issuer has the bit clear (or, legacy, doesn't list it).
 * A credential without credentialStatus is 'not-applicable': nothing can revoke it.
 */

export type StatusCheckStatus = 'passed' | 'failed' | 'unknown' | 'not-applicable';

export interface StatusEntryResult {
  type: string;
  purpose?: string;
  /** The list URL. */
  list?: string;
  index?: number;
  /** Where the list came from. */
  source?: 'local file' | 'fetched';
  status: 'passed' | 'failed' | 'unknown';
  reason: string;
  /**
   * What the list says, once it could be read and trusted: true = revoked/suspended (per
   * `purpose`), false = not. Absent when the check failed or was unknown for another reason
   * (a tampered list is 'failed' but says nothing about revocation).
   */
  set?: boolean;
  /** A purpose Laurel doesn't interpret (e.g. 'message'): left out of the outcome when other entries exist. */
  skipped?: true;
}

export interface StatusCheckResult {
  status: StatusCheckStatus;
  reason: string;
  entries: StatusEntryResult[];
}

/** Fetches a status list by URL and returns its parsed JSON (or the text); throws when it can't. */
export type StatusListFetcher = (url: string) => Promise<unknown>;

/** Lists the user supplied (e.g. `laurel verify --status-list <file>`), by list URL. */
export type StatusListLookup = ReadonlyMap<string, unknown> | ((url: string) => unknown);

export interface CheckStatusOptions {
  fetchList?: StatusListFetcher;
  localFiles?: StatusListLookup;
  /** The instant list validity is judged at (default now). */
  now?: Date;
  /** Resolves the list credential's key: pass the verifier's resolver. */
  resolveKey: KeyResolver;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

function issuerIdOf(doc: JsonObject): string | undefined {
  const issuer = doc.issuer;
  if (typeof issuer === 'string') return issuer;
  if (isObject(issuer) && typeof issuer.id === 'string') return issuer.id;
  return undefined;
}

function instant(v: unknown): number | undefined {
  if (typeof v !== 'string' || !/T.*(Z|[+-]\d{2}:?\d{2})$/i.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** §12 comparison: percent-decoded, trimmed. */
function sameId(a: string, b: string): boolean {
  const norm = (s: string) => {
    try {
      return decodeURIComponent(s).trim();
    } catch {
      return s.trim();
    }
  };
  return norm(a) === norm(b);
}

type Loaded = { ok: true; doc: unknown; source: 'local file' | 'fetched' } | { ok: false; reason: string };

class ListSource {
  private readonly cache = new Map<string, Promise<Loaded>>();
  private readonly options: CheckStatusOptions;
  constructor(options: CheckStatusOptions) {
    this.options = options;
  }

  get(url: string): Promise<Loaded> {
    let p = this.cache.get(url);
    if (!p) {
      p = this.load(url);
      this.cache.set(url, p);
    }
    return p;
  }

  private async load(url: string): Promise<Loaded> {
    const local = this.options.localFiles;
    if (local) {
      let doc: unknown;
      try {
        doc = typeof local === 'function' ? await local(url) : local.get(url);
      } catch (e) {
        return { ok: false, reason: `reading the local copy of ${url} failed: ${(e as Error)?.message ?? String(e)}` };
      }
      if (doc !== undefined) return { ok: true, doc: parseMaybe(doc), source: 'local file' };
    }
    if (!this.options.fetchList) {
      return { ok: false, reason: `the status list ${url} is online and this check ran offline (give a copy of the list file, or verify online)` };
    }
    try {
      return { ok: true, doc: parseMaybe(await this.options.fetchList(url)), source: 'fetched' };
    } catch (e) {
      return { ok: false, reason: `fetching the status list ${url} failed: ${(e as Error)?.message ?? String(e)}` };
    }
  }
}

function parseMaybe(doc: unknown): unknown {
  if (typeof doc !== 'string' && !(doc instanceof Uint8Array)) return doc;
  const text = typeof doc === 'string' ? doc : Buffer.from(doc).toString('utf8');
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return text; // reported below as "not a status list"
  }
}

const couldNot = (purpose: string | undefined) => `could not check ${purpose === 'suspension' ? 'suspension' : 'revocation'}`;

async function checkBitstringEntry(credential: JsonObject, entry: JsonObject, lists: ListSource, options: CheckStatusOptions): Promise<StatusEntryResult> {
  const type = 'BitstringStatusListEntry';
  const purpose = typeof entry.statusPurpose === 'string' ? entry.statusPurpose : undefined;
  const url = typeof entry.statusListCredential === 'string' ? entry.statusListCredential : undefined;
  const rawIndex = entry.statusListIndex;
  const malformed = (why: string): StatusEntryResult => ({ type, ...(purpose ? { purpose } : {}), ...(url ? { list: url } : {}), status: 'failed', reason: `the credentialStatus entry is malformed: ${why}` });
  if (!purpose) return malformed('statusPurpose is missing');
  if (!url || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(url)) return malformed('statusListCredential is not a URL');
  if (typeof rawIndex !== 'string' || !/^(0|[1-9]\d*)$/.test(rawIndex)) return malformed(`statusListIndex must be a base-10 integer in a string (got ${JSON.stringify(rawIndex ?? null)})`);
  const index = Number(rawIndex);
  if (!Number.isSafeInteger(index)) return malformed(`statusListIndex ${rawIndex} is too large`);
  const base = { type, purpose, list: url, index };
  if (entry.statusSize !== undefined && entry.statusSize !== 1) {
    return { ...base, status: 'unknown', reason: `${couldNot(purpose)}: status entries of ${String(entry.statusSize)} bits are not supported` };
  }
  if (purpose !== 'revocation' && purpose !== 'suspension') {
    return { ...base, status: 'unknown', skipped: true, reason: `the status purpose '${purpose}' is not one Laurel Studio interprets (revocation, suspension)` };
  }

  const loaded = await lists.get(url);
  if (!loaded.ok) return { ...base, status: 'unknown', reason: `${couldNot(purpose)}: ${loaded.reason}` };
  const { doc, source } = loaded;
  const at = { ...base, source };
  const unknown = (why: string): StatusEntryResult => ({ ...at, status: 'unknown', reason: `${couldNot(purpose)}: ${why}` });
  const failed = (why: string): StatusEntryResult => ({ ...at, status: 'failed', reason: why });

  if (typeof doc === 'string' && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/.test(doc.trim())) {
    return unknown(`the status list ${url} is secured as a JWT, which is not supported yet`);
  }
  if (!isObject(doc)) return unknown(`what ${source === 'fetched' ? 'was fetched from' : 'was given for'} ${url} is not a JSON object`);
  if (!asArray(doc.type).includes('BitstringStatusListCredential')) return unknown(`the document for ${url} is not a BitstringStatusListCredential`);
  if (doc.id !== undefined && (typeof doc.id !== 'string' || !sameId(doc.id, url))) return unknown(`the document for ${url} is another status list (${JSON.stringify(doc.id)})`);

  // Its proof, with the same key resolution as the credential's, bound to the list's issuer.
  const proofs = await verifyDataIntegrity(doc, options.resolveKey);
  if (!proofs.length) return failed(`the status list ${url} is not signed, so it can't be trusted`);
  const good = proofs.find((p) => p.status === 'passed');
  if (!good) {
    const bad = proofs.find((p) => p.status === 'failed');
    if (bad) return failed(`the status list ${url} does not verify (${bad.reason}): it was altered or not signed by its issuer`);
    return unknown(`the status list's signature could not be checked: ${proofs.map((p) => p.reason).join('; ')}`);
  }
  const listIssuer = issuerIdOf(doc);
  const credentialIssuer = issuerIdOf(credential);
  if (!listIssuer || !credentialIssuer || listIssuer !== credentialIssuer) {
    return failed(`the status list ${url} was issued by ${listIssuer ?? 'nobody named'}, not by the credential's issuer ${credentialIssuer ?? '(none)'}`);
  }
  const now = (options.now ?? new Date()).getTime();
  const from = doc.validFrom ?? doc.issuanceDate;
  const until = doc.validUntil ?? doc.expirationDate;
  const fromT = instant(from);
  const untilT = instant(until);
  if (from !== undefined && fromT === undefined) return failed(`the status list ${url} has a malformed validFrom ${JSON.stringify(from)}`);
  if (until !== undefined && untilT === undefined) return failed(`the status list ${url} has a malformed validUntil ${JSON.stringify(until)}`);
  if (fromT !== undefined && fromT > now) return unknown(`the status list ${url} is not valid until ${String(from)}`);
  if (untilT !== undefined && untilT < now) return unknown(`the status list ${url} expired on ${String(until)}; the issuer has to publish a fresh one`);

  const subject = asArray(doc.credentialSubject).find(isObject);
  if (!subject || subject.type !== 'BitstringStatusList') return failed(`the status list ${url} has no BitstringStatusList subject`);
  const purposes = asArray(subject.statusPurpose);
  if (!purposes.includes(purpose)) {
    return failed(`the credential's ${purpose} entry points at a list for ${purposes.map((p) => JSON.stringify(p)).join(', ') || 'no purpose'} (${url})`);
  }
  let bits: Uint8Array;
  try {
    bits = decodeBitstring(subject.encodedList as string);
  } catch (e) {
    return failed(`the status list ${url} is malformed: ${isLaurelError(e) ? e.message : String(e)}`);
  }
  if (bits.length * 8 < MIN_BITSTRING_BITS) {
    return failed(`the status list ${url} has ${bits.length * 8} entries, fewer than the ${MIN_BITSTRING_BITS} the spec requires for herd privacy`);
  }
  if (index >= bits.length * 8) return failed(`statusListIndex ${index} is outside the status list ${url} (${bits.length * 8} entries)`);
  const published = typeof from === 'string' ? `, published ${from}` : '';
  if (getBit(bits, index)) {
    return { ...failed(`${purpose === 'revocation' ? 'revoked' : 'suspended'}: entry ${index} is set in the issuer's status list ${url}${published}`), set: true };
  }
  return { ...at, status: 'passed', set: false, reason: `not ${purpose === 'revocation' ? 'revoked' : 'suspended'}: entry ${index} is clear in the issuer's signed status list ${url}${published}` };
}

/** The legacy 1EdTech Revocation List (VCRL 1.0): an unsigned JSON document at the entry's id. */
async function checkRevocationList(credential: JsonObject, entry: JsonObject, lists: ListSource): Promise<StatusEntryResult> {
  const type = '1EdTechRevocationList';
  const url = typeof entry.id === 'string' ? entry.id : undefined;
  if (!url || !/^https?:\/\/\S+$/i.test(url)) return { type, status: 'failed', reason: 'the 1EdTechRevocationList entry has no list URL in its id' };
  const base = { type, purpose: 'revocation', list: url };
  const credentialId = typeof credential.id === 'string' ? credential.id : undefined;
  if (!credentialId) return { ...base, status: 'unknown', reason: `${couldNot('revocation')}: the credential has no id to look up in ${url}` };
  const loaded = await lists.get(url);
  if (!loaded.ok) return { ...base, status: 'unknown', reason: `${couldNot('revocation')}: ${loaded.reason}` };
  const { doc, source } = loaded;
  const at = { ...base, source };
  const note = ' (a legacy 1EdTech revocation list: unsigned, so it is only as trustworthy as its web host)';
  if (!isObject(doc)) return { ...at, status: 'unknown', reason: `${couldNot('revocation')}: the revocation list ${url} is not a JSON object` };
  // 1EdTech's validator reads `revokedCredential`; a 2022 draft said `revokedCredentials`.
  const items = doc.revokedCredential ?? doc.revokedCredentials;
  if (!Array.isArray(items)) return { ...at, status: 'unknown', reason: `${couldNot('revocation')}: ${url} is not a revocation list (no revokedCredential array)` };
  if (doc.id !== undefined && (typeof doc.id !== 'string' || !sameId(doc.id, url))) {
    return { ...at, status: 'unknown', reason: `${couldNot('revocation')}: the document at ${url} is another revocation list (${JSON.stringify(doc.id)})` };
  }
  const listIssuers = asArray(doc.issuer).map((i) => (typeof i === 'string' ? i : isObject(i) && typeof i.id === 'string' ? i.id : undefined));
  const credentialIssuer = issuerIdOf(credential);
  if (listIssuers.length && !listIssuers.some((i) => i !== undefined && credentialIssuer !== undefined && sameId(i, credentialIssuer))) {
    return { ...at, status: 'failed', reason: `the revocation list ${url} belongs to ${listIssuers.filter(Boolean).join(', ') || 'another issuer'}, not to the credential's issuer ${credentialIssuer ?? '(none)'}` };
  }
  const hit = items.filter(isObject).find((i) => typeof i.id === 'string' && sameId(i.id, credentialId));
  if (hit && hit.revoked !== false) {
    const why = typeof hit.revocationReason === 'string' && hit.revocationReason.trim() ? `: ${hit.revocationReason.trim()}` : '';
    return { ...at, status: 'failed', set: true, reason: `revoked${why} (listed in ${url})` };
  }
  if (hit) return { ...at, status: 'passed', set: false, reason: `not revoked: ${url} lists it as reinstated (revoked: false)${note}` };
  return { ...at, status: 'passed', set: false, reason: `not revoked: not on the issuer's revocation list ${url}${note}` };
}

/** Checks every credentialStatus entry of a credential and sums them up for the report. */
export async function checkStatus(credential: JsonObject, options: CheckStatusOptions): Promise<StatusCheckResult> {
  const raw = credential.credentialStatus;
  if (raw === undefined || raw === null) {
    return { status: 'not-applicable', reason: 'the credential has no credentialStatus, so its issuer can\'t revoke it: there is nothing to check', entries: [] };
  }
  const items = asArray(raw);
  if (!items.length || !items.every(isObject)) {
    return { status: 'failed', reason: 'credentialStatus is malformed: it must be an object (or a list of objects)', entries: [] };
  }
  const lists = new ListSource(options);
  const entries: StatusEntryResult[] = [];
  for (const entry of items as JsonObject[]) {
    const type = typeof entry.type === 'string' ? entry.type : Array.isArray(entry.type) ? String(entry.type[0]) : '';
    if (type === 'BitstringStatusListEntry') entries.push(await checkBitstringEntry(credential, entry, lists, options));
    else if (type === '1EdTechRevocationList') entries.push(await checkRevocationList(credential, entry, lists));
    else entries.push({ type, status: 'unknown', reason: `could not check the credential's status: the status type ${type ? `'${type}'` : '(none)'} is not supported` });
  }
  const counted = entries.some((e) => !e.skipped) ? entries.filter((e) => !e.skipped) : entries;
  const failed = counted.filter((e) => e.status === 'failed');
  if (failed.length) return { status: 'failed', reason: failed.map((e) => e.reason).join('; '), entries };
  const unknown = counted.filter((e) => e.status === 'unknown');
  if (unknown.length) return { status: 'unknown', reason: unknown.map((e) => e.reason).join('; '), entries };
  return { status: 'passed', reason: counted.map((e) => e.reason).join('; '), entries };
}
