import type { FetchedDocument } from '../net/index.ts';
import { getHost, type HostRecord, type PublishApi } from '../store/index.ts';
import { LaurelError, isLaurelError } from '../util/errors.ts';
import { scopeUri, type ScopeName } from './discovery.ts';
import type { TokenSet } from './oauth.ts';
import { discoveryOf, reconnect, type HostService, type OpenUrl } from './service.ts';

export interface CallOptions {
  body?: string;
  contentType?: string;
  accept?: string[];
  signal?: AbortSignal;
}

/**
 * Authorised calls to one connected host: the bearer token refreshed shortly before it expires,
 * a 401 answered by one refresh and one retry, and, when refreshing fails, a new authorization
 * through `authorize` (the browser) when the caller gave one, else AUTH_REQUIRED.
 */
export class HostSession {
  readonly service: HostService;
  host: HostRecord;
  private secrets!: Awaited<ReturnType<HostService['tokens']>>['secrets'];
  private current!: TokenSet;
  private readonly authorize: OpenUrl | undefined;
  /** Times the browser was opened to authorize again in this session. */
  reauthorized = 0;

  private constructor(service: HostService, host: HostRecord, authorize: OpenUrl | undefined) {
    this.service = service;
    this.host = host;
    this.authorize = authorize;
  }

  static async open(service: HostService, nameOrUrl: string, options: { authorize?: OpenUrl; signal?: AbortSignal } = {}): Promise<HostSession> {
    const host = await service.refreshDiscovery(service.find(nameOrUrl), options.signal);
    const session = new HostSession(service, host, options.authorize);
    try {
      await session.load();
    } catch (e) {
      // Ask again only when the host withdrew access; a host the person disconnected (or never
      // connected) stays so until they connect it themselves.
      if (!(isLaurelError(e) && e.code === 'AUTH_REQUIRED' && session.authorize && session.host.state === 'needs-reconnect')) throw e;
      await session.reauthorize(options.signal);
    }
    return session;
  }

  private async load(): Promise<void> {
    this.host = getHost(this.service.ctx.db, this.host.id)!;
    const t = await this.service.tokens(this.host);
    this.secrets = t.secrets;
    this.current = t.tokens;
  }

  get scope(): string[] {
    return this.current.scope;
  }

  granted(api: PublishApi, name: ScopeName): boolean {
    return this.current.scope.includes(scopeUri(api, name));
  }

  apiBase(api: PublishApi): string {
    const s = discoveryOf(this.host)[api];
    if (!s) throw new LaurelError('UNSUPPORTED', `${this.host.title} does not offer the ${api === 'clr' ? 'CLR 2.0' : 'Open Badges 3.0'} API.`);
    return s.apiBase;
  }

  private async reauthorize(signal?: AbortSignal): Promise<void> {
    if (!this.authorize) throw new LaurelError('AUTH_REQUIRED', `Laurel Studio must connect to ${this.host.title} again.`, reconnect(this.host.name));
    if (this.reauthorized >= 2) throw new LaurelError('AUTH_REQUIRED', `${this.host.title} keeps refusing Laurel Studio's access right after it was granted; stopped.`);
    this.reauthorized++;
    await this.service.connect(this.host.name, { openUrl: this.authorize, ...(signal ? { signal } : {}) });
    await this.load();
  }

  private async refresh(signal?: AbortSignal): Promise<void> {
    try {
      this.current = await this.service.refresh(this.host, this.secrets, this.current);
      this.host = getHost(this.service.ctx.db, this.host.id)!;
    } catch (e) {
      if (isLaurelError(e) && e.code === 'AUTH_REQUIRED' && this.authorize) return this.reauthorize(signal);
      throw e;
    }
  }

  private async bearer(signal?: AbortSignal): Promise<string> {
    const { expiresAt } = this.current;
    if (expiresAt !== null && expiresAt - Date.now() < this.service.settings.refreshSkewMs) await this.refresh(signal);
    return this.current.accessToken;
  }

  /**
   * One authorised request to `path` under the API base (or an absolute URL on the same origin,
   * e.g. a Link rel="next"): tokens never go to another origin.
   */
  async call(api: PublishApi, method: 'GET' | 'POST' | 'PUT', pathOrUrl: string, options: CallOptions = {}): Promise<FetchedDocument> {
    const base = this.apiBase(api);
    const url = /^https?:\/\//i.test(pathOrUrl) ? pathOrUrl : `${base}${pathOrUrl}`;
    if (new URL(url).origin !== new URL(base).origin) throw new LaurelError('VALIDATION', `${this.host.title} pointed Laurel Studio at another site (${url.slice(0, 200)}); not followed.`);
    const send = async (): Promise<FetchedDocument> =>
      this.service.ctx.fetcher.request(url, {
        method,
        accept: options.accept ?? ['application/json'],
        headers: { authorization: `Bearer ${await this.bearer(options.signal)}`, ...(options.contentType ? { 'content-type': options.contentType } : {}) },
        ...(options.body !== undefined ? { body: options.body } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        timeoutMs: this.service.settings.requestTimeoutMs,
      });
    let doc = await send();
    if (doc.status !== 401) return doc;
    // Expired or withdrawn early: refresh once and try again.
    await this.refresh(options.signal);
    doc = await send();
    if (doc.status !== 401) return doc;
    if (this.authorize) {
      await this.reauthorize(options.signal);
      doc = await send();
      if (doc.status !== 401) return doc;
    }
    return this.service.lostAccess(this.host, 'it answers 401 Unauthorized even to a fresh token');
  }
}
