import { randomUUID } from 'node:crypto';
import type { SecretStore } from '../keys/index.ts';
import type { Fetcher, FetchedDocument } from '../net/index.ts';
import {
  appendAudit,
  getHost,
  getHostByName,
  getHostByUrl,
  insertHost,
  listHosts,
  updateHost,
  type Db,
  type HostRecord,
  type PublishApi,
} from '../store/index.ts';
import { LaurelError, isLaurelError } from '../util/errors.ts';
import { LAUREL_CLIENT } from './client-metadata.ts';
import { discover, normalizeBaseUrl, revocationFromMetadata, scopeUri, type ServiceDescription } from './discovery.ts';
import {
  DEFAULT_CALLBACK_PORT,
  TokenError,
  authorizationRequestUrl,
  createPkce,
  exchangeCode,
  listenForCallback,
  loopbackRedirect,
  randomState,
  refreshTokens,
  registerClient,
  revokeToken,
  type ClientMetadata,
  type TokenSet,
} from './oauth.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { slug } from '../util/slug.ts';

/**
 * What an error asks the user to do when connecting to the host again fixes it. Messages stay
 * face-neutral: the Hosts screen shows its Connect button, the CLI adds `laurel host connect`.
 */
export interface ReconnectDetails {
  action: 'connect';
  host: string;
}
export const reconnect = (host: string): { details: ReconnectDetails } => ({ details: { action: 'connect', host } });
export function reconnectOf(details: unknown): ReconnectDetails | undefined {
  const d = details as Partial<ReconnectDetails> | null | undefined;
  return d && typeof d === 'object' && d.action === 'connect' && typeof d.host === 'string' ? { action: 'connect', host: d.host } : undefined;
}

/** Opens a URL in the person's browser: Electron shell.openExternal, a new tab, or a printed line. */
export type OpenUrl = (url: string) => void | Promise<void>;

export interface PublishSettings {
  /** The fixed loopback port of the redirect (decisions §8). */
  callbackPort: number;
  client: ClientMetadata;
  /** How long the consent page may take. */
  authorizeTimeoutMs: number;
  /** Per request to a host. */
  requestTimeoutMs: number;
  retry: RetryPolicy;
  /** Refresh this long before the access token expires. */
  refreshSkewMs: number;
  /** getCredentials page size for the read-back. */
  pageSize: number;
}

export const DEFAULT_PUBLISH_SETTINGS: PublishSettings = {
  callbackPort: DEFAULT_CALLBACK_PORT,
  client: LAUREL_CLIENT,
  authorizeTimeoutMs: 5 * 60_000,
  requestTimeoutMs: 30_000,
  retry: DEFAULT_RETRY,
  refreshSkewMs: 60_000,
  pageSize: 100,
};

export interface HostContext {
  db: Db;
  actor: string;
  fetcher: Fetcher;
  settings: PublishSettings;
  /** Where new hosts keep their secrets ('keychain' or 'file:<key file>'). */
  secretSpec: string;
  /** The secret store for a spec recorded on a host. */
  secretStore(spec: string): SecretStore;
}

/** The per-API discovery a host record keeps. */
export interface HostDiscovery {
  ob: ServiceDescription | null;
  clr: ServiceDescription | null;
  /** Why CLR can't be used with this host's authorization server, when it can't. */
  clrUnusable?: string;
}

/** What the keychain item (or secrets file entry) holds for a host. Never in the database. */
interface HostSecrets {
  version: 1;
  clientSecret: string;
  accessToken?: string;
  refreshToken?: string;
}

export interface HostView {
  name: string;
  baseUrl: string;
  title: string;
  image: string | null;
  termsUrl: string;
  privacyUrl: string;
  /** The APIs the host offers: Open Badges 3.0 and/or CLR 2.0, with the scopes it lists. */
  apis: Array<{ api: PublishApi; apiBase: string; scopes: string[]; usable: boolean; note?: string }>;
  state: HostRecord['state'];
  registered: boolean;
  connected: boolean;
  clientId: string | null;
  redirectUri: string | null;
  grantedScopes: string[];
  tokenExpiresAt: string | null;
  /** Which APIs the granted scopes let us upsert to. */
  canPublish: Record<PublishApi, boolean>;
  /** Where the host revokes tokens, when it says (x-laurel-revocationUrl). */
  revocationUrl: string | null;
  /** Where the client secret and tokens are kept, in words (never the secrets). */
  secretsKept: string | null;
  published: number;
  connectedAt: string | null;
  addedAt: string;
}

export interface PendingConnection {
  host: string;
  authorizationUrl: string;
  redirectUri: string;
  /** Waits for the browser to come back, exchanges the code, stores the tokens. */
  complete(options?: { signal?: AbortSignal }): Promise<HostView>;
  cancel(): void;
}

export interface DisconnectResult {
  host: string;
  /** Where the tokens were revoked; null when the host offers no revocation endpoint. */
  revocationUrl: string | null;
  revoked: { accessToken: boolean; refreshToken: boolean };
  message: string;
}

const ALL_SCOPES = ['credential.upsert', 'credential.readonly', 'profile.update', 'profile.readonly'] as const;

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml'];
const MAX_IMAGE_BYTES = 256 * 1024;

export function discoveryOf(host: HostRecord): HostDiscovery {
  const d = host.discovery as Partial<HostDiscovery>;
  return { ob: d.ob ?? null, clr: d.clr ?? null, ...(d.clrUnusable ? { clrUnusable: d.clrUnusable } : {}) };
}

/** The service whose OAuth endpoints the host uses: Open Badges when offered, else CLR. */
function primary(d: HostDiscovery): ServiceDescription {
  const s = d.ob ?? d.clr;
  if (!s) throw new LaurelError('NOT_FOUND', 'This host offers neither the Open Badges nor the CLR API.');
  return s;
}

function usableApis(d: HostDiscovery): PublishApi[] {
  const apis: PublishApi[] = [];
  if (d.ob) apis.push('ob');
  if (d.clr && !d.clrUnusable) apis.push('clr');
  return apis;
}

/** One client per host: CLR is used only when it shares the Open Badges authorization server. */
function checkClrShares(d: HostDiscovery): HostDiscovery {
  if (!d.ob || !d.clr) return { ob: d.ob, clr: d.clr };
  const same = d.ob.registrationUrl === d.clr.registrationUrl && d.ob.authorizationUrl === d.clr.authorizationUrl && d.ob.tokenUrl === d.clr.tokenUrl;
  return same ? { ob: d.ob, clr: d.clr } : { ob: d.ob, clr: d.clr, clrUnusable: 'its CLR API uses another authorization server than its Open Badges API; Laurel Studio connects to one per host' };
}

/** The scopes we ask for: every API operation the host lists, plus offline_access when listed. */
function wantedScopes(d: HostDiscovery): string[] {
  const scopes: string[] = [];
  let offline = false;
  for (const api of usableApis(d)) {
    const s = d[api]!;
    const offered = Object.keys(s.scopes);
    for (const name of ALL_SCOPES) {
      const uri = scopeUri(api, name);
      if (!offered.length || offered.includes(uri)) scopes.push(uri);
    }
    if (offered.includes('offline_access')) offline = true;
  }
  if (offline) scopes.push('offline_access');
  return scopes;
}

function imsxDescription(doc: FetchedDocument): string {
  try {
    const body = JSON.parse(new TextDecoder().decode(doc.body)) as Record<string, unknown>;
    const d = typeof body.imsx_description === 'string' ? body.imsx_description : '';
    const minor = (body.imsx_codeMinor as { imsx_codeMinorField?: Array<{ imsx_codeMinorFieldValue?: string }> } | undefined)?.imsx_codeMinorField?.[0]?.imsx_codeMinorFieldValue;
    return [minor, d].filter(Boolean).join(': ').slice(0, 500);
  } catch {
    return '';
  }
}

export function describeStatus(doc: FetchedDocument): string {
  const said = imsxDescription(doc);
  return `HTTP ${doc.status}${said ? ` (${said})` : ''}`;
}

/**
 * Hosts: adding (discovery), connecting (registration + authorization), tokens, disconnecting.
 * Publishing itself is in publish.ts, on top of `session()`.
 */
export class HostService {
  readonly ctx: HostContext;

  constructor(ctx: HostContext) {
    this.ctx = ctx;
  }

  private readonly publishing = new Set<string>();

  /** Marks a publish run to a host as under way; CONFLICT when one already is. */
  claimPublishing(host: HostRecord): () => void {
    if (this.publishing.has(host.id)) throw new LaurelError('CONFLICT', `Laurel Studio is already publishing to ${host.title}; wait for that run to end (or pause it), then publish again.`);
    this.publishing.add(host.id);
    return () => this.publishing.delete(host.id);
  }

  get settings(): PublishSettings {
    return this.ctx.settings;
  }

  // ---------------------------------------------------------------- add, list, find

  /**
   * Reads the host's service descriptions and records it. Nothing is registered yet: the view
   * carries the host's name, image, terms and privacy policy for the person to read first.
   */
  async add(rawUrl: string, options: { name?: string } = {}): Promise<HostView> {
    const baseUrl = normalizeBaseUrl(rawUrl);
    const existing = getHostByUrl(this.ctx.db, baseUrl);
    const before = existing ? discoveryOf(existing) : null;
    const ob = await discover(this.ctx.fetcher, baseUrl, 'ob', before?.ob, { force: true });
    const clr = await discover(this.ctx.fetcher, baseUrl, 'clr', before?.clr, { force: true });
    if (!ob && !clr) {
      throw new LaurelError('NOT_FOUND', `${baseUrl} offers no Open Badges 3.0 or CLR 2.0 API: neither ${baseUrl}/ims/ob/v3p0/discovery nor ${baseUrl}/ims/clr/v2p0/discovery exists.`);
    }
    const discovery = checkClrShares({ ob, clr });
    const p = primary(discovery);
    const facts = { title: p.title, image: await this.inlineImage(p.image), termsUrl: p.termsUrl, privacyUrl: p.privacyUrl, discovery: discovery as unknown as Record<string, unknown> };
    if (existing) {
      if (options.name && options.name !== existing.name) this.checkName(options.name);
      updateHost(this.ctx.db, existing.id, { ...facts, ...(options.name ? { name: options.name } : {}) });
      return this.view(getHost(this.ctx.db, existing.id)!);
    }
    let name = options.name?.trim() || slug(p.title, 'host');
    if (options.name) this.checkName(name);
    else for (let i = 2; getHostByName(this.ctx.db, name); i++) name = `${slug(p.title, 'host')}-${i}`;
    const record = this.ctx.db.transaction(() => {
      const r = insertHost(this.ctx.db, {
        id: randomUUID(),
        name,
        baseUrl,
        ...facts,
        state: 'added',
        clientId: null,
        redirectUri: null,
        registration: null,
        secretRef: null,
        secretStore: null,
        grantedScope: null,
        tokenExpiresAt: null,
        connectedAt: null,
      });
      appendAudit(this.ctx.db, { actor: this.ctx.actor, action: 'host.add', subject: baseUrl, details: { name, title: p.title, apis: usableApis(discovery) } });
      return r;
    })();
    return this.view(record);
  }

  /**
   * The host's image as a data: URI, fetched once here: the UI shows no remote images (its CSP,
   * and no request to the host each time a screen opens). null when it can't be had.
   */
  private async inlineImage(image: string | null): Promise<string | null> {
    if (!image || image.startsWith('data:')) return image;
    try {
      const doc = await this.ctx.fetcher.get(image, { accept: IMAGE_TYPES });
      if (doc.status !== 200 || !IMAGE_TYPES.includes(doc.contentType) || doc.body.length === 0 || doc.body.length > MAX_IMAGE_BYTES) return null;
      return `data:${doc.contentType};base64,${Buffer.from(doc.body).toString('base64')}`;
    } catch {
      return null;
    }
  }

  private checkName(name: string): void {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$/.test(name)) throw new LaurelError('INVALID_INPUT', `Host name '${name.slice(0, 60)}' is not valid: use letters, digits, '.', '_' or '-' (up to 60).`);
    if (getHostByName(this.ctx.db, name)) throw new LaurelError('CONFLICT', `A host named '${name}' is already in this workspace.`);
  }

  list(): HostView[] {
    return listHosts(this.ctx.db).map((h) => this.view(h));
  }

  /** By name (any case) or base URL. */
  find(nameOrUrl: string): HostRecord {
    if (typeof nameOrUrl !== 'string' || !nameOrUrl.trim()) throw new LaurelError('INVALID_INPUT', 'Which host? Give its name (laurel host list).');
    const byName = getHostByName(this.ctx.db, nameOrUrl.trim());
    if (byName) return byName;
    try {
      const byUrl = getHostByUrl(this.ctx.db, normalizeBaseUrl(nameOrUrl));
      if (byUrl) return byUrl;
    } catch {
      // not a URL
    }
    const all = listHosts(this.ctx.db);
    const known = all.length ? ` Known hosts: ${all.map((h) => h.name).join(', ')}.` : ' Add one first: laurel host add <url>.';
    throw new LaurelError('NOT_FOUND', `No host '${nameOrUrl}' in this workspace.${known}`);
  }

  view(h: HostRecord): HostView {
    const d = discoveryOf(h);
    const granted = h.grantedScope ? h.grantedScope.split(' ').filter(Boolean) : [];
    const connected = h.state === 'connected';
    const published = (this.ctx.db.prepare("SELECT COUNT(*) AS n FROM publications WHERE host_id = ? AND state = 'published'").get(h.id) as { n: number }).n;
    const apis: HostView['apis'] = [];
    for (const api of ['ob', 'clr'] as const) {
      const s = d[api];
      if (!s) continue;
      const unusable = api === 'clr' ? d.clrUnusable : undefined;
      apis.push({ api, apiBase: s.apiBase, scopes: Object.keys(s.scopes), usable: !unusable, ...(unusable ? { note: unusable } : {}) });
    }
    let secretsKept: string | null = null;
    if (h.secretStore) {
      try {
        secretsKept = this.ctx.secretStore(h.secretStore).describe();
      } catch {
        secretsKept = h.secretStore;
      }
    }
    return {
      name: h.name,
      baseUrl: h.baseUrl,
      title: h.title,
      image: h.image,
      termsUrl: h.termsUrl,
      privacyUrl: h.privacyUrl,
      apis,
      state: h.state,
      registered: h.clientId !== null,
      connected,
      clientId: h.clientId,
      redirectUri: h.redirectUri,
      grantedScopes: granted,
      tokenExpiresAt: h.tokenExpiresAt,
      canPublish: { ob: connected && granted.includes(scopeUri('ob', 'credential.upsert')), clr: connected && !d.clrUnusable && granted.includes(scopeUri('clr', 'credential.upsert')) },
      revocationUrl: primary(d).revocationUrl,
      secretsKept,
      published,
      connectedAt: h.connectedAt,
      addedAt: h.createdAt,
    };
  }

  /** Discovery again when the cached copy is stale (Cache-Control, ETag). */
  async refreshDiscovery(host: HostRecord, signal?: AbortSignal): Promise<HostRecord> {
    const before = discoveryOf(host);
    const opts = signal ? { signal } : {};
    const ob = before.ob ? await discover(this.ctx.fetcher, host.baseUrl, 'ob', before.ob, opts) : null;
    const clr = before.clr ? await discover(this.ctx.fetcher, host.baseUrl, 'clr', before.clr, opts) : null;
    if (ob === before.ob && clr === before.clr) return host;
    if (!ob && !clr) throw new LaurelError('NOT_FOUND', `${host.baseUrl} no longer offers the Open Badges or CLR API (its discovery documents are gone).`);
    const discovery = checkClrShares({ ob, clr });
    const p = primary(discovery);
    updateHost(this.ctx.db, host.id, { title: p.title, image: p.image === (before.ob ?? before.clr)?.image ? host.image : await this.inlineImage(p.image), termsUrl: p.termsUrl, privacyUrl: p.privacyUrl, discovery: discovery as unknown as Record<string, unknown> });
    return getHost(this.ctx.db, host.id)!;
  }

  // ---------------------------------------------------------------- secrets

  private secretRefFor(host: HostRecord): string {
    return host.secretRef ?? `laurel-host:${host.id}`;
  }

  async readSecrets(host: HostRecord): Promise<HostSecrets | null> {
    if (!host.secretRef || !host.secretStore) return null;
    const raw = await this.ctx.secretStore(host.secretStore).get(host.secretRef);
    if (raw === null) return null;
    try {
      const s = JSON.parse(raw) as HostSecrets;
      if (s.version === 1 && typeof s.clientSecret === 'string') return s;
    } catch {
      // fall through; never quote the contents
    }
    throw new LaurelError('INVALID_INPUT', `The stored secrets for host '${host.name}' are damaged. Disconnect and connect again.`);
  }

  private async writeSecrets(host: HostRecord, spec: string, secrets: HostSecrets): Promise<void> {
    await this.ctx.secretStore(spec).set(this.secretRefFor(host), JSON.stringify(secrets));
  }

  // ---------------------------------------------------------------- connect

  /** Registers Laurel Studio with the host (RFC 7591) unless it already is. */
  private async ensureRegistered(host: HostRecord): Promise<{ host: HostRecord; secrets: HostSecrets }> {
    const existing = host.clientId ? await this.readSecrets(host) : null;
    if (host.clientId && existing) return { host, secrets: existing };
    const d = discoveryOf(host);
    const p = primary(d);
    const redirectUri = loopbackRedirect(this.settings.callbackPort);
    const scope = wantedScopes(d);
    const reg = await registerClient(this.ctx.fetcher, p.registrationUrl, this.settings.client, redirectUri, scope, p.title);
    const spec = this.ctx.secretSpec;
    const secretRef = this.secretRefFor(host);
    const secrets: HostSecrets = { version: 1, clientSecret: reg.clientSecret };
    await this.ctx.secretStore(spec).set(secretRef, JSON.stringify(secrets));
    this.ctx.db.transaction(() => {
      updateHost(this.ctx.db, host.id, {
        state: 'registered',
        clientId: reg.clientId,
        redirectUri,
        registration: reg.echoed,
        secretRef,
        secretStore: spec,
        grantedScope: null,
        tokenExpiresAt: null,
      });
      appendAudit(this.ctx.db, { actor: this.ctx.actor, action: 'host.register', subject: host.baseUrl, details: { clientId: reg.clientId, redirectUri, scope } });
    })();
    return { host: getHost(this.ctx.db, host.id)!, secrets };
  }

  /**
   * Starts connecting: registers if needed, listens on the loopback port, and returns the
   * authorization URL to open in the browser. `complete()` waits for the consent.
   */
  async beginConnect(nameOrUrl: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<PendingConnection> {
    let host = await this.refreshDiscovery(this.find(nameOrUrl), options.signal);
    const registered = await this.ensureRegistered(host);
    host = registered.host;
    const d = discoveryOf(host);
    const p = primary(d);
    const redirectUri = host.redirectUri!;
    const port = Number(new URL(redirectUri).port);
    const scope = wantedScopes(d);
    const pkce = createPkce();
    const state = randomState();
    const listener = await listenForCallback({
      port,
      state,
      timeoutMs: options.timeoutMs ?? this.settings.authorizeTimeoutMs,
      hostTitle: p.title,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const authorizationUrl = authorizationRequestUrl(p.authorizationUrl, { clientId: host.clientId!, redirectUri, scope, state, codeChallenge: pkce.challenge });
    const hostId = host.id;
    return {
      host: host.name,
      authorizationUrl,
      redirectUri,
      cancel: () => listener.close(),
      complete: async (opts = {}) => {
        const onAbort = () => listener.close();
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        if (opts.signal?.aborted) onAbort(); // cancelled before the wait began
        let callback;
        try {
          callback = await listener.result;
        } finally {
          opts.signal?.removeEventListener('abort', onAbort);
        }
        const current = getHost(this.ctx.db, hostId)!;
        let tokens: TokenSet;
        try {
          tokens = await exchangeCode(this.ctx.fetcher, {
            tokenUrl: p.tokenUrl,
            clientId: current.clientId!,
            clientSecret: registered.secrets.clientSecret,
            code: callback.code,
            redirectUri,
            scope,
            codeVerifier: pkce.verifier,
          });
        } catch (e) {
          if (e instanceof TokenError) throw new LaurelError('UNSUPPORTED', `${p.title} refused to exchange the authorization code (${e.message}). Try connecting again.`);
          throw e;
        }
        await this.checkUpsertGranted(current, tokens, registered.secrets.clientSecret);
        const previous = await this.readSecrets(current).catch(() => null);
        await this.storeTokens(current, registered.secrets.clientSecret, tokens, 'connect');
        // Connecting again replaces the tokens: the old ones are handed back, not left live.
        if (previous?.accessToken || previous?.refreshToken) {
          await this.revokeAll(current, registered.secrets.clientSecret, { accessToken: previous.accessToken ?? null, refreshToken: previous.refreshToken ?? null }).catch(() => undefined);
        }
        return this.view(getHost(this.ctx.db, hostId)!);
      },
    };
  }

  /** Connects: `openUrl` shows the consent page (browser, new tab, or a printed address). */
  async connect(nameOrUrl: string, options: { openUrl: OpenUrl; timeoutMs?: number; signal?: AbortSignal }): Promise<HostView> {
    const pending = await this.beginConnect(nameOrUrl, options);
    try {
      await options.openUrl(pending.authorizationUrl);
    } catch (e) {
      pending.cancel();
      throw e;
    }
    return pending.complete(options.signal ? { signal: options.signal } : {});
  }

  /**
   * Without credential.upsert nothing can be published: say so, and give the tokens back rather
   * than keep access we can't use.
   */
  private async checkUpsertGranted(host: HostRecord, tokens: TokenSet, clientSecret: string): Promise<void> {
    const d = discoveryOf(host);
    const upserts = usableApis(d).map((api) => scopeUri(api, 'credential.upsert'));
    if (upserts.some((s) => tokens.scope.includes(s))) return;
    await this.revokeAll(host, clientSecret, tokens).catch(() => undefined);
    const granted = tokens.scope.length ? tokens.scope.join(', ') : 'nothing';
    throw new LaurelError(
      'UNSUPPORTED',
      `${host.title} granted Laurel Studio only ${granted}, without permission to add credentials (${upserts.join(' or ')}). ` +
        `Nothing can be published this way; the access was handed back. Connect again and allow Laurel Studio to add credentials.`,
      reconnect(host.name),
    );
  }

  private async storeTokens(host: HostRecord, clientSecret: string, tokens: TokenSet, why: 'connect' | 'refresh'): Promise<void> {
    const spec = host.secretStore ?? this.ctx.secretSpec;
    await this.writeSecrets(host, spec, {
      version: 1,
      clientSecret,
      accessToken: tokens.accessToken,
      ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    });
    const now = new Date().toISOString();
    this.ctx.db.transaction(() => {
      updateHost(this.ctx.db, host.id, {
        state: 'connected',
        grantedScope: tokens.scope.join(' '),
        tokenExpiresAt: tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : null,
        ...(why === 'connect' ? { connectedAt: now } : {}),
      });
      if (why === 'connect') appendAudit(this.ctx.db, { actor: this.ctx.actor, action: 'host.connect', subject: host.baseUrl, details: { scope: tokens.scope, refreshToken: tokens.refreshToken !== null } });
    })();
  }

  // ---------------------------------------------------------------- tokens in use

  /** The current tokens of a connected host (from the secret store), or AUTH_REQUIRED. */
  async tokens(host: HostRecord): Promise<{ secrets: HostSecrets; tokens: TokenSet }> {
    const secrets = await this.readSecrets(host);
    if (!secrets) {
      if (host.clientId) {
        throw new LaurelError('AUTH_REQUIRED', `The client secret for '${host.name}' is not in ${host.secretStore ? this.ctx.secretStore(host.secretStore).describe() : 'the secret store'} (deleted, or the keychain is locked). Connect again.`, reconnect(host.name));
      }
      throw new LaurelError('AUTH_REQUIRED', `Laurel Studio is not connected to '${host.name}' yet. Connect first.`, reconnect(host.name));
    }
    if (host.state !== 'connected' || !secrets.accessToken) {
      throw new LaurelError('AUTH_REQUIRED', `Laurel Studio is not connected to '${host.name}'${host.state === 'needs-reconnect' ? ' any more (the host stopped accepting its access)' : ''}. Connect again.`, reconnect(host.name));
    }
    return {
      secrets,
      tokens: {
        accessToken: secrets.accessToken,
        refreshToken: secrets.refreshToken ?? null,
        expiresAt: host.tokenExpiresAt ? Date.parse(host.tokenExpiresAt) : null,
        scope: host.grantedScope ? host.grantedScope.split(' ').filter(Boolean) : [],
      },
    };
  }

  /**
   * Refreshes the access token. A host that refuses (invalid_grant …) has withdrawn our access:
   * the host is marked for reconnecting and AUTH_REQUIRED follows (the caller may re-authorize).
   */
  async refresh(host: HostRecord, secrets: HostSecrets, tokens: TokenSet): Promise<TokenSet> {
    if (!tokens.refreshToken) return this.lostAccess(host, 'the access token expired and the host gave no refresh token');
    const p = primary(discoveryOf(host));
    let next: TokenSet;
    try {
      next = await refreshTokens(
        this.ctx.fetcher,
        { tokenUrl: p.refreshUrl ?? p.tokenUrl, clientId: host.clientId!, clientSecret: secrets.clientSecret, refreshToken: tokens.refreshToken, scope: tokens.scope },
        tokens,
      );
    } catch (e) {
      if (e instanceof TokenError) return this.lostAccess(host, `refreshing the token failed: ${e.message}`);
      throw e;
    }
    await this.storeTokens(host, secrets.clientSecret, next, 'refresh');
    return next;
  }

  async lostAccess(host: HostRecord, why: string): Promise<never> {
    const secrets = await this.readSecrets(host).catch(() => null);
    if (secrets) await this.writeSecrets(host, host.secretStore ?? this.ctx.secretSpec, { version: 1, clientSecret: secrets.clientSecret }).catch(() => undefined);
    this.ctx.db.transaction(() => {
      updateHost(this.ctx.db, host.id, { state: 'needs-reconnect', tokenExpiresAt: null });
      appendAudit(this.ctx.db, { actor: this.ctx.actor, action: 'host.access-lost', subject: host.baseUrl, details: { why } });
    })();
    throw new LaurelError('AUTH_REQUIRED', `${host.title} no longer accepts Laurel Studio's access (${why}). Connect again.`, reconnect(host.name));
  }

  // ---------------------------------------------------------------- disconnect

  private async revocationUrl(host: HostRecord): Promise<string | null> {
    const p = primary(discoveryOf(host));
    return p.revocationUrl ?? (await revocationFromMetadata(this.ctx.fetcher, p.tokenUrl));
  }

  private async revokeAll(host: HostRecord, clientSecret: string, tokens: { accessToken?: string | null; refreshToken?: string | null }): Promise<DisconnectResult['revoked'] & { url: string | null }> {
    const url = await this.revocationUrl(host);
    const out = { accessToken: false, refreshToken: false, url };
    if (!url || !host.clientId) return out;
    // The refresh token first: hosts then also drop the access tokens issued from it (RFC 7009 §2.1).
    if (tokens.refreshToken) out.refreshToken = await revokeToken(this.ctx.fetcher, { revocationUrl: url, clientId: host.clientId, clientSecret, token: tokens.refreshToken, hint: 'refresh_token' });
    if (tokens.accessToken) out.accessToken = await revokeToken(this.ctx.fetcher, { revocationUrl: url, clientId: host.clientId, clientSecret, token: tokens.accessToken, hint: 'access_token' });
    return out;
  }

  /** Revokes the tokens at the host and forgets them; the registration is kept for reconnecting. */
  async disconnect(nameOrUrl: string): Promise<DisconnectResult> {
    const host = this.find(nameOrUrl);
    const secrets = await this.readSecrets(host);
    let revoked = { accessToken: false, refreshToken: false, url: null as string | null };
    let problem = '';
    if (secrets && (secrets.accessToken || secrets.refreshToken)) {
      try {
        revoked = await this.revokeAll(host, secrets.clientSecret, { accessToken: secrets.accessToken ?? null, refreshToken: secrets.refreshToken ?? null });
      } catch (e) {
        if (!isLaurelError(e)) throw e;
        problem = e.message;
      }
    }
    if (secrets) await this.writeSecrets(host, host.secretStore ?? this.ctx.secretSpec, { version: 1, clientSecret: secrets.clientSecret });
    this.ctx.db.transaction(() => {
      updateHost(this.ctx.db, host.id, { state: host.clientId ? 'registered' : 'added', grantedScope: null, tokenExpiresAt: null });
      appendAudit(this.ctx.db, { actor: this.ctx.actor, action: 'host.disconnect', subject: host.baseUrl, details: { revocationUrl: revoked.url, revoked: { accessToken: revoked.accessToken, refreshToken: revoked.refreshToken } } });
    })();
    const had = Boolean(secrets?.accessToken || secrets?.refreshToken);
    const message = !had
      ? `Laurel Studio held no access to ${host.title}; nothing to revoke.`
      : revoked.url && (revoked.accessToken || revoked.refreshToken)
        ? `Disconnected from ${host.title}: its tokens were revoked at the host and deleted here.`
        : `Disconnected from ${host.title}: the tokens were deleted here, but ${problem ? `revoking them at the host failed (${problem})` : 'the host offers no token revocation endpoint'}; to be sure, remove Laurel Studio's access in your account at ${host.baseUrl}.`;
    return { host: host.name, revocationUrl: revoked.url, revoked: { accessToken: revoked.accessToken, refreshToken: revoked.refreshToken }, message };
  }
}
