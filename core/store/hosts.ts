import type { Db } from './index.ts';

/**
 * Publishing hosts, publish attempts and publications (migration 4). No secret ever passes
 * through here: the client secret and tokens live in the secret store, named by `secretRef`.
 */

export type HostState = 'added' | 'registered' | 'connected' | 'needs-reconnect';
export type PublishApi = 'ob' | 'clr';

export interface HostRecord {
  id: string;
  name: string;
  baseUrl: string;
  title: string;
  image: string | null;
  termsUrl: string;
  privacyUrl: string;
  /** Per API, what discovery said (see core/publish/discovery.ts). */
  discovery: Record<string, unknown>;
  state: HostState;
  clientId: string | null;
  redirectUri: string | null;
  registration: Record<string, unknown> | null;
  secretRef: string | null;
  secretStore: string | null;
  grantedScope: string | null;
  tokenExpiresAt: string | null;
  connectedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface HostRow {
  id: string;
  name: string;
  base_url: string;
  title: string;
  image: string | null;
  terms_url: string;
  privacy_url: string;
  discovery_json: string;
  state: HostState;
  client_id: string | null;
  redirect_uri: string | null;
  registration_json: string | null;
  secret_ref: string | null;
  secret_store: string | null;
  granted_scope: string | null;
  token_expires_at: string | null;
  connected_at: string | null;
  created_at: string;
  updated_at: string;
}

const hostFromRow = (r: HostRow): HostRecord => ({
  id: r.id,
  name: r.name,
  baseUrl: r.base_url,
  title: r.title,
  image: r.image,
  termsUrl: r.terms_url,
  privacyUrl: r.privacy_url,
  discovery: JSON.parse(r.discovery_json) as Record<string, unknown>,
  state: r.state,
  clientId: r.client_id,
  redirectUri: r.redirect_uri,
  registration: r.registration_json ? (JSON.parse(r.registration_json) as Record<string, unknown>) : null,
  secretRef: r.secret_ref,
  secretStore: r.secret_store,
  grantedScope: r.granted_scope,
  tokenExpiresAt: r.token_expires_at,
  connectedAt: r.connected_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function insertHost(db: Db, h: Omit<HostRecord, 'createdAt' | 'updatedAt'>): HostRecord {
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO hosts (id, name, base_url, title, image, terms_url, privacy_url, discovery_json, state, client_id, redirect_uri,
       registration_json, secret_ref, secret_store, granted_scope, token_expires_at, connected_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    h.id,
    h.name,
    h.baseUrl,
    h.title,
    h.image,
    h.termsUrl,
    h.privacyUrl,
    JSON.stringify(h.discovery),
    h.state,
    h.clientId,
    h.redirectUri,
    h.registration ? JSON.stringify(h.registration) : null,
    h.secretRef,
    h.secretStore,
    h.grantedScope,
    h.tokenExpiresAt,
    h.connectedAt,
    now,
    now,
  );
  return { ...h, createdAt: now, updatedAt: now };
}

const COLUMNS: Record<string, string> = {
  name: 'name',
  title: 'title',
  image: 'image',
  termsUrl: 'terms_url',
  privacyUrl: 'privacy_url',
  discovery: 'discovery_json',
  state: 'state',
  clientId: 'client_id',
  redirectUri: 'redirect_uri',
  registration: 'registration_json',
  secretRef: 'secret_ref',
  secretStore: 'secret_store',
  grantedScope: 'granted_scope',
  tokenExpiresAt: 'token_expires_at',
  connectedAt: 'connected_at',
};

export type HostUpdate = Partial<Omit<HostRecord, 'id' | 'baseUrl' | 'createdAt' | 'updatedAt'>>;

export function updateHost(db: Db, id: string, change: HostUpdate): void {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(change)) {
    const column = COLUMNS[key];
    if (!column || value === undefined) continue;
    sets.push(`${column} = ?`);
    values.push(key === 'discovery' || key === 'registration' ? (value === null ? null : JSON.stringify(value)) : value);
  }
  sets.push('updated_at = ?');
  values.push(new Date().toISOString());
  db.prepare(`UPDATE hosts SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
}

export function getHost(db: Db, id: string): HostRecord | undefined {
  const r = db.prepare('SELECT * FROM hosts WHERE id = ?').get(id) as HostRow | undefined;
  return r && hostFromRow(r);
}

export function getHostByName(db: Db, name: string): HostRecord | undefined {
  const r = db.prepare('SELECT * FROM hosts WHERE name = ?').get(name) as HostRow | undefined;
  return r && hostFromRow(r);
}

export function getHostByUrl(db: Db, baseUrl: string): HostRecord | undefined {
  const r = db.prepare('SELECT * FROM hosts WHERE base_url = ?').get(baseUrl) as HostRow | undefined;
  return r && hostFromRow(r);
}

export function listHosts(db: Db): HostRecord[] {
  return (db.prepare('SELECT * FROM hosts ORDER BY created_at, name').all() as HostRow[]).map(hostFromRow);
}

// ---------------------------------------------------------------- attempts and publications

export type PublicationState = 'sent' | 'published' | 'failed';

export interface PublishAttempt {
  seq: number;
  hostId: string;
  credentialRowid: number;
  credentialId: string;
  api: PublishApi;
  operation: 'upsert' | 'read-back';
  at: string;
  httpStatus: number | null;
  result: string;
  detail: string | null;
}

export interface Publication {
  hostId: string;
  credentialId: string;
  credentialRowid: number;
  api: PublishApi;
  state: PublicationState;
  httpStatus: number | null;
  detail: string | null;
  sentAt: string | null;
  confirmedAt: string | null;
  updatedAt: string;
}

export function recordPublishAttempt(db: Db, a: Omit<PublishAttempt, 'seq' | 'at'> & { at?: string }): void {
  db.prepare(
    'INSERT INTO publish_attempts (host_id, credential_rowid, credential_id, api, operation, at, http_status, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(a.hostId, a.credentialRowid, a.credentialId, a.api, a.operation, a.at ?? new Date().toISOString(), a.httpStatus, a.result, a.detail);
}

export function listPublishAttempts(db: Db, filter: { hostId?: string; credentialId?: string; limit?: number } = {}): PublishAttempt[] {
  const where: string[] = [];
  const values: unknown[] = [];
  if (filter.hostId) where.push('host_id = ?'), values.push(filter.hostId);
  if (filter.credentialId) where.push('credential_id = ?'), values.push(filter.credentialId);
  const rows = db
    .prepare(`SELECT * FROM publish_attempts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ?`)
    .all(...values, filter.limit ?? 10_000) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    seq: r.seq as number,
    hostId: r.host_id as string,
    credentialRowid: r.credential_rowid as number,
    credentialId: r.credential_id as string,
    api: r.api as PublishApi,
    operation: r.operation as PublishAttempt['operation'],
    at: r.at as string,
    httpStatus: r.http_status as number | null,
    result: r.result as string,
    detail: r.detail as string | null,
  }));
}

/** Sets the state of one credential on one host. `confirmedAt` is kept unless given. */
export function upsertPublication(db: Db, p: Omit<Publication, 'updatedAt'>): void {
  db.prepare(
    `INSERT INTO publications (host_id, credential_id, credential_rowid, api, state, http_status, detail, sent_at, confirmed_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (host_id, credential_id) DO UPDATE SET
       credential_rowid = excluded.credential_rowid, api = excluded.api, state = excluded.state, http_status = excluded.http_status,
       detail = excluded.detail, sent_at = COALESCE(excluded.sent_at, sent_at), confirmed_at = excluded.confirmed_at, updated_at = excluded.updated_at`,
  ).run(p.hostId, p.credentialId, p.credentialRowid, p.api, p.state, p.httpStatus, p.detail, p.sentAt, p.confirmedAt, new Date().toISOString());
}

const publicationFromRow = (r: Record<string, unknown>): Publication => ({
  hostId: r.host_id as string,
  credentialId: r.credential_id as string,
  credentialRowid: r.credential_rowid as number,
  api: r.api as PublishApi,
  state: r.state as PublicationState,
  httpStatus: r.http_status as number | null,
  detail: r.detail as string | null,
  sentAt: r.sent_at as string | null,
  confirmedAt: r.confirmed_at as string | null,
  updatedAt: r.updated_at as string,
});

export function getPublication(db: Db, hostId: string, credentialId: string): Publication | undefined {
  const r = db.prepare('SELECT * FROM publications WHERE host_id = ? AND credential_id = ?').get(hostId, credentialId) as Record<string, unknown> | undefined;
  return r && publicationFromRow(r);
}

export function listPublications(db: Db, filter: { hostId?: string; credentialIds?: readonly string[] } = {}): Publication[] {
  const where: string[] = [];
  const values: unknown[] = [];
  if (filter.hostId) where.push('host_id = ?'), values.push(filter.hostId);
  if (filter.credentialIds) {
    if (!filter.credentialIds.length) return [];
    where.push(`credential_id IN (${filter.credentialIds.map(() => '?').join(', ')})`);
    values.push(...filter.credentialIds);
  }
  const rows = db.prepare(`SELECT * FROM publications ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at, credential_id`).all(...values) as Array<Record<string, unknown>>;
  return rows.map(publicationFromRow);
}
