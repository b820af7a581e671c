// Publishing credentials to a connected host: upsertCredential for each, then a read-back with
// getCredentials; "published" only when the host lists the credential (equality rule, spec §12).
//
// Resume protocol (cancel = pause; the same call again = resume):
//  - a credential whose publication is 'published' (with a validFrom at least as recent) is not
//    sent again;
//  - credentials with earlier attempts that did not end confirmed (a timeout, a cancel, a 5xx
//    after the host may have stored it) are first looked up on the host; found ones are confirmed
//    without sending them again;
//  - every HTTP attempt is recorded (publish_attempts) and the per-host state kept (publications).
import { getCredentialsById, getPublication, listPublishAttempts, recordPublishAttempt, upsertPublication, appendAudit, type PublishApi, type StoredCredential } from '../store/index.ts';
import { credentialStates } from '../store/status.ts';
import type { FetchedDocument } from '../net/index.ts';
import { LaurelError, isLaurelError } from '../util/errors.ts';
import { scopeUri } from './discovery.ts';
import { apiOf, credentialOfBody, equalityKey, isCompactJws, jwtCredential, validFromOf } from './equality.ts';
import { HostBusy, backoffMs, retryAfterMs, sleep } from './retry.ts';
import { describeStatus, discoveryOf, reconnect, reconnectOf, type ReconnectDetails, type HostService, type OpenUrl } from './service.ts';
import { HostSession } from './session.ts';

export interface PublishInput {
  host: string;
  /** Credential ids (urn:uuid:…) to publish. */
  credentialIds?: string[];
  /** Or every credential of a batch. */
  batchId?: string;
  /** Which stored form to send when a credential has both; default JSON. */
  format?: 'json' | 'jwt';
}

export interface PublishOptions {
  signal?: AbortSignal;
  onProgress?: (p: PublishProgress) => void;
  /** When given, a host that withdrew our access is authorized again in the browser. */
  authorize?: OpenUrl;
}

export interface PublishProgress {
  done: number;
  total: number;
  published: number;
  failed: number;
  phase: 'checking' | 'sending' | 'reading-back';
  credentialId?: string;
}

export type PublishOutcome = 'published' | 'already-published' | 'sent' | 'failed' | 'not-attempted';

export interface PublishItemResult {
  credentialId: string;
  format: 'json' | 'jwt';
  api: PublishApi;
  outcome: PublishOutcome;
  /** The last HTTP status of the upsert (201 created, 200 replaced, 304 unchanged …); null when none. */
  httpStatus: number | null;
  attempts: number;
  message?: string;
}

export interface PublishSummary {
  host: string;
  total: number;
  published: number;
  alreadyPublished: number;
  /** Sent but not confirmed by a read-back (the host did not grant credential.readonly, or the job stopped). */
  sent: number;
  failed: number;
  notAttempted: number;
  /** Revoked or suspended credentials of the batch, left out (a host would show them as current). */
  withheld: number;
  cancelled: boolean;
  /** Why the job stopped before the end (rate limit beyond the cap, access withdrawn …). */
  /** `action: 'connect'` when connecting to the host again fixes it (see ReconnectDetails). */
  stopped?: { code: string; message: string; action?: ReconnectDetails['action']; host?: string };
  items: PublishItemResult[];
}

interface Item {
  row: StoredCredential;
  credentialId: string;
  format: 'json' | 'jwt';
  api: PublishApi;
  key: string;
  validFrom: number;
  result: PublishItemResult;
}

const now = () => new Date().toISOString();

function resolveCredentials(service: HostService, input: PublishInput): { chosen: StoredCredential[]; withheld: number } {
  const db = service.ctx.db;
  let ids: string[];
  if (input.batchId !== undefined) {
    if (input.credentialIds?.length) throw new LaurelError('INVALID_INPUT', 'Publish either credential ids or a batch, not both.');
    const rows = db.prepare('SELECT credential_id FROM credentials WHERE batch_id = ? GROUP BY credential_id ORDER BY MIN(rowid_pk)').all(input.batchId) as Array<{ credential_id: string }>;
    if (!rows.length) {
      const exists = db.prepare('SELECT 1 FROM batches WHERE id = ?').get(input.batchId);
      throw new LaurelError('NOT_FOUND', exists ? `Batch ${input.batchId} has no signed credentials yet; run it first.` : `No batch ${input.batchId} in this workspace.`);
    }
    ids = rows.map((r) => r.credential_id);
  } else {
    ids = [...new Set((input.credentialIds ?? []).map((c) => c.trim()).filter(Boolean))];
    if (!ids.length) throw new LaurelError('INVALID_INPUT', 'Which credentials? Give credential ids or a batch id.');
  }
  const chosen: StoredCredential[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const rows = getCredentialsById(db, id);
    if (!rows.length) {
      missing.push(id);
      continue;
    }
    const want = input.format ?? 'json';
    const pick = rows.filter((r) => r.format === want).at(-1) ?? (input.format ? undefined : rows.at(-1));
    if (!pick) throw new LaurelError('NOT_FOUND', `Credential ${id} was not issued as ${want === 'jwt' ? 'a VC-JWT' : 'JSON'}; publish the form it has (format ${rows[0]!.format}).`);
    chosen.push(pick);
  }
  if (missing.length) throw new LaurelError('NOT_FOUND', `Not in this workspace: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}.`);
  // A host shows what it holds as current: revoked and suspended credentials are never sent.
  const withdrawn = chosen
    .map((c) => ({ id: c.credentialId, status: credentialStates(db, c.credentialId).find((x) => x.status !== 'active')?.status }))
    .filter((c): c is { id: string; status: 'revoked' | 'suspended' } => c.status !== undefined);
  if (withdrawn.length && (input.batchId === undefined || withdrawn.length === chosen.length)) {
    const list = withdrawn.slice(0, 5).map((c) => `${c.id} (${c.status})`).join(', ');
    throw new LaurelError('INVALID_INPUT', `Nothing was sent: ${list}${withdrawn.length > 5 ? ` and ${withdrawn.length - 5} more` : ''} ${withdrawn.length === 1 ? 'is' : 'are'} not current. Revoked credentials are never published; reinstate a suspended one first.`);
  }
  const out = new Set(withdrawn.map((c) => c.id));
  return { chosen: chosen.filter((c) => !out.has(c.credentialId)), withheld: withdrawn.length };
}

function toItem(row: StoredCredential): Item {
  let credential: Record<string, unknown>;
  try {
    credential = credentialOfBody(row.body, row.format);
  } catch {
    throw new LaurelError('VALIDATION', `The stored credential ${row.credentialId} can't be read; it was not published.`);
  }
  const key = equalityKey(credential);
  if (!key) throw new LaurelError('VALIDATION', `Credential ${row.credentialId} has no id or issuer id, so a host could not tell it apart; not published.`);
  const api = apiOf(credential);
  return {
    row,
    credentialId: row.credentialId,
    format: row.format,
    api,
    key,
    validFrom: validFromOf(credential),
    result: { credentialId: row.credentialId, format: row.format, api, outcome: 'not-attempted', httpStatus: null, attempts: 0 },
  };
}

/** Retries for 429, 5xx and no answer, as the policy says; other answers go back to the caller. */
async function withRetries(
  session: HostSession,
  send: () => Promise<FetchedDocument>,
  onRetryable: (status: number | null, result: string, detail: string) => void,
  signal: AbortSignal | undefined,
): Promise<{ doc: FetchedDocument | null; attempts: number; error?: string }> {
  const policy = session.service.settings.retry;
  for (let attempt = 1; ; attempt++) {
    let doc: FetchedDocument;
    try {
      doc = await send();
    } catch (e) {
      // NOT_FOUND from the fetcher: no answer (timeout, refused, broken off). Anything else stops.
      if (!(isLaurelError(e) && e.code === 'NOT_FOUND')) throw e;
      onRetryable(null, (e.details as { timeout?: boolean } | undefined)?.timeout ? 'timeout' : 'no-answer', e.message);
      if (attempt >= policy.maxAttempts) return { doc: null, attempts: attempt, error: e.message };
      await sleep(backoffMs(policy, attempt), signal);
      continue;
    }
    if (doc.status !== 429 && doc.status < 500) return { doc, attempts: attempt };
    const asked = retryAfterMs(doc.headers['retry-after']);
    onRetryable(doc.status, doc.status === 429 ? 'rate-limited' : 'server-error', `${describeStatus(doc)}${asked !== null ? `, Retry-After ${doc.headers['retry-after']}` : ''}`);
    if (attempt >= policy.maxAttempts) return { doc, attempts: attempt };
    let wait = asked ?? backoffMs(policy, attempt);
    if (wait > policy.maxWaitMs) {
      if (doc.status === 429) throw new HostBusy(wait, session.host.title);
      wait = policy.maxWaitMs;
    }
    await sleep(wait, signal);
  }
}

interface HostCopy {
  validFrom: number;
}

/**
 * Every credential the host lists for this API (getCredentials, paged by Link rel="next" or
 * X-Total-Count), by equality key. null when the host does not let us read (no readonly scope).
 * `items` narrows the question with `since` (a second before the earliest validFrom among them):
 * whether the host reads "issued" as validFrom or as when it received them, they are all after it,
 * and a host that ignores `since` just lists more.
 */
async function readBack(session: HostSession, api: PublishApi, items: Item[], signal: AbortSignal | undefined): Promise<Map<string, HostCopy> | null> {
  if (!session.granted(api, 'credential.readonly')) return null;
  const limit = session.service.settings.pageSize;
  const found = new Map<string, HostCopy>();
  const abs = (p: string) => new URL(p, `${session.apiBase(api)}/`).href;
  const earliest = Math.min(...items.filter((i) => i.api === api).map((i) => i.validFrom));
  const since = Number.isFinite(earliest) ? `&since=${encodeURIComponent(new Date(earliest - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'))}` : '';
  let next: string | null = abs(`credentials?limit=${limit}&offset=0${since}`);
  let offset = 0;
  const visited = new Set<string>();
  for (let page = 0; next && page < 10_000; page++) {
    const url: string = next;
    visited.add(url);
    const { doc, error } = await withRetries(session, () => session.call(api, 'GET', url, { ...(signal ? { signal } : {}) }), () => undefined, signal);
    if (!doc) throw new LaurelError('NOT_FOUND', `${session.host.title} did not answer the read-back (getCredentials): ${error ?? 'no answer'}.`);
    if (doc.status === 403) return null;
    if (doc.status !== 200) throw new LaurelError('NOT_FOUND', `${session.host.title} answered the read-back (getCredentials) with ${describeStatus(doc)}.`);
    let body: { credential?: unknown; compactJwsString?: unknown };
    try {
      body = JSON.parse(new TextDecoder().decode(doc.body)) as typeof body;
    } catch {
      throw new LaurelError('VALIDATION', `${session.host.title} answered getCredentials with something that is not JSON.`);
    }
    const credentials = Array.isArray(body.credential) ? body.credential : [];
    const jwss = Array.isArray(body.compactJwsString) ? body.compactJwsString : [];
    const add = (c: Record<string, unknown>) => {
      const key = equalityKey(c);
      if (!key) return;
      const vf = validFromOf(c);
      const seen = found.get(key);
      if (!seen || vf > seen.validFrom) found.set(key, { validFrom: vf });
    };
    for (const c of credentials) if (c && typeof c === 'object' && !Array.isArray(c)) add(c as Record<string, unknown>);
    for (const j of jwss) {
      if (typeof j !== 'string' || !isCompactJws(j)) continue;
      try {
        add(jwtCredential(j));
      } catch {
        // not ours to judge; skip
      }
    }
    const count = credentials.length + jwss.length;
    offset += count;
    const link = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(doc.headers.link ?? '');
    const total = Number(doc.headers['x-total-count']);
    if (link) next = abs(link[1]!);
    else if (count > 0 && Number.isFinite(total) && offset < total) next = abs(`credentials?limit=${limit}&offset=${offset}${since}`);
    else next = null;
    // A page already read (a host that ignores offset) ends the walk.
    if (next && visited.has(next)) next = null;
  }
  return found;
}

/** The host holds it when it lists an equal credential that is not older than ours. */
function holds(copies: Map<string, HostCopy>, item: Item): boolean {
  const copy = copies.get(item.key);
  if (!copy) return false;
  return !(Number.isFinite(item.validFrom) && Number.isFinite(copy.validFrom) && copy.validFrom < item.validFrom);
}

/**
 * Publishes to one host; one run per host at a time in this process (a second run would send
 * the same credentials while the first is still reading them back).
 */
export async function publishCredentials(service: HostService, input: PublishInput, options: PublishOptions = {}): Promise<PublishSummary> {
  const release = service.claimPublishing(service.find(input.host));
  try {
    return await publishClaimed(service, input, options);
  } finally {
    release();
  }
}

async function publishClaimed(service: HostService, input: PublishInput, options: PublishOptions): Promise<PublishSummary> {
  const { signal, onProgress } = options;
  const db = service.ctx.db;
  const { chosen, withheld } = resolveCredentials(service, input);
  const items = chosen.map(toItem);
  const session = await HostSession.open(service, input.host, { ...(options.authorize ? { authorize: options.authorize } : {}), ...(signal ? { signal } : {}) });
  const host = session.host;
  const title = host.title;

  // Nothing is sent unless every API involved can take it.
  const d = discoveryOf(host);
  for (const api of new Set(items.map((i) => i.api))) {
    const name = api === 'clr' ? 'CLR 2.0' : 'Open Badges 3.0';
    if (!d[api]) throw new LaurelError('UNSUPPORTED', `${title} does not offer the ${name} API, so ${api === 'clr' ? 'CLR credentials' : 'Open Badges credentials'} can't be published there.`);
    if (api === 'clr' && d.clrUnusable) throw new LaurelError('UNSUPPORTED', `${title}'s CLR API can't be used: ${d.clrUnusable}.`);
    if (!session.granted(api, 'credential.upsert')) {
      throw new LaurelError(
        'UNSUPPORTED',
        `${title} did not grant Laurel Studio permission to add ${name} credentials (${scopeUri(api, 'credential.upsert')}); it granted ${session.scope.join(', ') || 'nothing'}. ` +
          `Nothing was sent. Connect again and allow adding credentials.`,
        reconnect(host.name),
      );
    }
  }

  const total = items.length;
  let done = 0;
  const count = (o: PublishOutcome) => items.filter((i) => i.result.outcome === o).length;
  const progress = (phase: PublishProgress['phase'], credentialId?: string) =>
    onProgress?.({ done, total, published: count('published') + count('already-published'), failed: count('failed'), phase, ...(credentialId ? { credentialId } : {}) });

  const record = (item: Item, operation: 'upsert' | 'read-back', httpStatus: number | null, result: string, detail: string | null) =>
    recordPublishAttempt(db, { hostId: host.id, credentialRowid: item.row.rowId, credentialId: item.credentialId, api: item.api, operation, httpStatus, result, detail });
  const setState = (item: Item, state: 'sent' | 'published' | 'failed', detail: string | null, extra: { sentAt?: string; confirmedAt?: string } = {}) =>
    upsertPublication(db, {
      hostId: host.id,
      credentialId: item.credentialId,
      credentialRowid: item.row.rowId,
      api: item.api,
      state,
      httpStatus: item.result.httpStatus,
      detail,
      sentAt: extra.sentAt ?? null,
      confirmedAt: extra.confirmedAt ?? null,
    });

  // 1. Already there: published before, as recent as this copy.
  const pending: Item[] = [];
  for (const item of items) {
    const pub = getPublication(db, host.id, item.credentialId);
    if (pub?.state === 'published') {
      const before = getCredentialsById(db, item.credentialId).find((r) => r.rowId === pub.credentialRowid);
      const beforeValidFrom = before ? validFromOf(credentialOfBody(before.body, before.format)) : Number.NaN;
      if (pub.credentialRowid === item.row.rowId || !(beforeValidFrom < item.validFrom)) {
        item.result = { ...item.result, outcome: 'already-published', httpStatus: pub.httpStatus, message: `published ${pub.confirmedAt ?? ''}`.trim() };
        done++;
        continue;
      }
    }
    pending.push(item);
  }

  let stopped: PublishSummary['stopped'];
  let cancelled = false;
  const stop = (e: unknown): boolean => {
    if (signal?.aborted || (isLaurelError(e) && e.code === 'CANCELLED')) {
      cancelled = true;
      return true;
    }
    if (e instanceof HostBusy || (isLaurelError(e) && (e.code === 'AUTH_REQUIRED' || e.code === 'UNSUPPORTED'))) {
      stopped = { code: (e as LaurelError).code, message: (e as LaurelError).message, ...reconnectOf((e as LaurelError).details) };
      return true;
    }
    return false;
  };

  // 2. Earlier attempts that did not end confirmed: the host may hold them already.
  const unsure = pending.filter((i) => listPublishAttempts(db, { hostId: host.id, credentialId: i.credentialId, limit: 1 }).length > 0);
  const toSend: Item[] = [];
  if (unsure.length) {
    progress('checking');
    const byApi = new Map<PublishApi, Map<string, HostCopy> | null>();
    try {
      for (const api of new Set(unsure.map((i) => i.api))) byApi.set(api, await readBack(session, api, unsure, signal));
    } catch (e) {
      if (!stop(e) && !(isLaurelError(e) && e.code === 'NOT_FOUND')) throw e;
    }
    for (const item of pending) {
      const copies = byApi.get(item.api);
      if (unsure.includes(item) && copies && holds(copies, item)) {
        item.result = { ...item.result, outcome: 'published', message: 'the host already held it (confirmed by read-back)' };
        db.transaction(() => {
          record(item, 'read-back', 200, 'confirmed', 'found before sending again');
          setState(item, 'published', null, { confirmedAt: now() });
        })();
        done++;
      } else toSend.push(item);
    }
  } else toSend.push(...pending);

  // 3. Send, one at a time (a host's rate limit applies to all of them anyway).
  const sent: Item[] = [];
  for (const item of toSend) {
    if (stopped || cancelled) break;
    if (signal?.aborted) {
      cancelled = true;
      break;
    }
    progress('sending', item.credentialId);
    try {
      const { doc, attempts, error } = await withRetries(
        session,
        () =>
          session.call(item.api, 'POST', '/credentials', {
            body: item.row.body,
            contentType: item.format === 'jwt' ? 'text/plain' : 'application/json',
            accept: item.format === 'jwt' ? ['text/plain', 'application/json'] : ['application/json'],
            ...(signal ? { signal } : {}),
          }),
        (status, result, detail) => {
          item.result.attempts++;
          item.result.httpStatus = status;
          record(item, 'upsert', status, result, detail);
        },
        signal,
      );
      item.result.attempts = attempts;
      if (!doc) {
        item.result = { ...item.result, outcome: 'failed', httpStatus: null, message: error ?? 'no answer' };
        setState(item, 'failed', item.result.message!);
      } else {
        item.result.httpStatus = doc.status;
        const result = doc.status === 201 ? 'created' : doc.status === 200 ? 'replaced' : doc.status === 304 ? 'unchanged' : null;
        if (result) {
          item.result.outcome = 'sent';
          db.transaction(() => {
            record(item, 'upsert', doc.status, result, null);
            setState(item, 'sent', result, { sentAt: now() });
          })();
          sent.push(item);
        } else {
          const detail = describeStatus(doc);
          const retried = doc.status === 429 || doc.status >= 500;
          item.result = { ...item.result, outcome: 'failed', message: retried ? `${detail} after ${attempts} attempts` : detail };
          db.transaction(() => {
            if (!retried) record(item, 'upsert', doc.status, doc.status === 403 ? 'forbidden' : 'rejected', detail);
            setState(item, 'failed', item.result.message!);
          })();
          if (doc.status === 403) {
            stopped = { code: 'UNSUPPORTED', message: `${title} refused to add credentials (${detail}): the access Laurel Studio holds does not allow it. Connect again and allow adding credentials.`, ...reconnect(host.name).details };
          }
        }
      }
    } catch (e) {
      if (!stop(e)) throw e;
      record(item, 'upsert', null, cancelled ? 'cancelled' : 'stopped', cancelled ? 'cancelled' : (stopped?.message ?? null));
      break;
    }
    done++;
    progress('sending', item.credentialId);
  }

  // 4. Read back: "published" only for what the host lists.
  if (sent.length && !stopped && !cancelled) {
    progress('reading-back');
    for (const api of new Set(sent.map((i) => i.api))) {
      let copies: Map<string, HostCopy> | null = null;
      let problem = '';
      try {
        copies = await readBack(session, api, sent, signal);
      } catch (e) {
        if (stop(e)) break;
        if (!isLaurelError(e)) throw e;
        problem = e.message;
      }
      for (const item of sent.filter((i) => i.api === api)) {
        if (!copies) {
          const why = problem || `${title} did not grant read access (${scopeUri(api, 'credential.readonly')}), so it was not confirmed`;
          item.result.message = why;
          record(item, 'read-back', null, 'unavailable', why);
          continue;
        }
        if (holds(copies, item)) {
          item.result.outcome = 'published';
          db.transaction(() => {
            record(item, 'read-back', 200, 'confirmed', null);
            setState(item, 'published', null, { confirmedAt: now() });
          })();
        } else {
          const why = `${title} answered HTTP ${item.result.httpStatus} but does not list it when asked (getCredentials)`;
          item.result = { ...item.result, outcome: 'failed', message: why };
          db.transaction(() => {
            record(item, 'read-back', 200, 'missing', why);
            setState(item, 'failed', why);
          })();
        }
      }
    }
  }
  progress('sending');

  const summary: PublishSummary = {
    host: host.name,
    total,
    published: count('published'),
    alreadyPublished: count('already-published'),
    sent: count('sent'),
    failed: count('failed'),
    notAttempted: count('not-attempted'),
    withheld,
    cancelled,
    ...(stopped ? { stopped } : {}),
    items: items.map((i) => i.result),
  };
  appendAudit(db, {
    actor: service.ctx.actor,
    action: 'publish',
    subject: host.baseUrl,
    details: {
      host: host.name,
      ...(input.batchId ? { batchId: input.batchId } : {}),
      total,
      published: summary.published,
      alreadyPublished: summary.alreadyPublished,
      sent: summary.sent,
      failed: summary.failed,
      notAttempted: summary.notAttempted,
      cancelled,
      ...(stopped ? { stopped: stopped.message } : {}),
    },
  });
  return summary;
}

export interface ProfileResult {
  host: string;
  api: PublishApi;
  /** 200 updated, 202 accepted for processing, 304 unchanged. */
  httpStatus: number;
  outcome: 'updated' | 'accepted' | 'unchanged';
}

/** putProfile: the entire issuer Profile, to the OB (or CLR) API of the host. */
export async function pushProfile(
  service: HostService,
  hostName: string,
  profile: Record<string, unknown>,
  options: { api?: PublishApi; signal?: AbortSignal; authorize?: OpenUrl } = {},
): Promise<ProfileResult> {
  const api = options.api ?? 'ob';
  const session = await HostSession.open(service, hostName, { ...(options.authorize ? { authorize: options.authorize } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  const title = session.host.title;
  if (!session.granted(api, 'profile.update')) {
    throw new LaurelError('UNSUPPORTED', `${title} did not grant Laurel Studio permission to update the profile (${scopeUri(api, 'profile.update')}). Nothing was sent.`);
  }
  const { doc, error } = await withRetries(
    session,
    () => session.call(api, 'PUT', '/profile', { body: JSON.stringify(profile), contentType: 'application/json', ...(options.signal ? { signal: options.signal } : {}) }),
    () => undefined,
    options.signal,
  );
  if (!doc) throw new LaurelError('NOT_FOUND', `${title} did not answer putProfile: ${error ?? 'no answer'}.`);
  const outcome = doc.status === 200 ? 'updated' : doc.status === 202 ? 'accepted' : doc.status === 304 ? 'unchanged' : null;
  if (!outcome) throw new LaurelError(doc.status === 400 ? 'VALIDATION' : 'UNSUPPORTED', `${title} refused the issuer profile: ${describeStatus(doc)}.`);
  appendAudit(service.ctx.db, { actor: service.ctx.actor, action: 'profile.push', subject: session.host.baseUrl, details: { host: session.host.name, api, profile: profile.id, httpStatus: doc.status } });
  return { host: session.host.name, api, httpStatus: doc.status, outcome };
}
