import { checkFetchableUrl, type Fetcher } from '../net/index.ts';
import type { PublishApi } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';

/**
 * Service discovery (spec-digest §9.1): the Service Description Document at
 * {base}/ims/ob/v3p0/discovery (CLR: /ims/clr/v2p0/discovery), read without auth, cached by its
 * Cache-Control / Expires and revalidated with If-None-Match.
 */

export const API_PATHS: Record<PublishApi, string> = { ob: '/ims/ob/v3p0', clr: '/ims/clr/v2p0' };

const SCOPE_BASE: Record<PublishApi, string> = {
  ob: 'https://purl.imsglobal.org/spec/ob/v3p0/scope/',
  clr: 'https://purl.imsglobal.org/spec/clr/v2p0/scope/',
};

export type ScopeName = 'credential.readonly' | 'credential.upsert' | 'profile.readonly' | 'profile.update';

export function scopeUri(api: PublishApi, name: ScopeName): string {
  return SCOPE_BASE[api] + name;
}

/**
 * The SDD has no key for the RFC 7009 revocation endpoint (spec-digest §9.1 gap). We read our
 * extension `x-laurel-revocationUrl` on the OAuth2ACG scheme (also `x-imssf-revocationUrl`, should
 * 1EdTech add one), else RFC 8414 metadata (`revocation_endpoint`) at the authorization server.
 */
export const REVOCATION_KEYS = ['x-laurel-revocationUrl', 'x-imssf-revocationUrl'] as const;

export interface ServiceDescription {
  api: PublishApi;
  discoveryUrl: string;
  /** Where the API operations live: {base}/ims/ob/v3p0. */
  apiBase: string;
  title: string;
  version: string;
  termsUrl: string;
  privacyUrl: string;
  image: string | null;
  registrationUrl: string;
  authorizationUrl: string;
  tokenUrl: string;
  refreshUrl: string | null;
  revocationUrl: string | null;
  /** Scope URI → description, as offered. */
  scopes: Record<string, string>;
  etag: string | null;
  fetchedAt: string;
  /** Until when the copy may be used without asking again (Cache-Control max-age / Expires). */
  freshUntil: string | null;
}

/** Accepts the host's address in the forms people paste: base, API base or discovery URL. */
export function normalizeBaseUrl(raw: string): string {
  if (typeof raw !== 'string' || !raw.trim()) throw new LaurelError('INVALID_INPUT', "Give the host's address, e.g. https://wallet.example.org.");
  const url = checkFetchableUrl(raw.trim());
  url.hash = '';
  url.search = '';
  let p = url.pathname.replace(/\/+$/, '');
  p = p.replace(/\/ims\/(ob\/v3p0|clr\/v2p0)(\/discovery)?$/, '');
  url.pathname = p || '/';
  return url.href.replace(/\/$/, '');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A URL from the SDD, which will be fetched (or opened): https, or http on this machine only. */
function endpoint(v: unknown, what: string, sdd: string): string {
  const s = str(v);
  if (!s) throw new LaurelError('VALIDATION', `The host's service description (${sdd}) has no ${what}.`);
  try {
    return checkFetchableUrl(new URL(s, sdd).href).href;
  } catch {
    throw new LaurelError('VALIDATION', `The host's service description (${sdd}) gives ${what} as ${JSON.stringify(s.slice(0, 200))}, which is not an https address.`);
  }
}

/** A URL shown to people (terms, privacy): must be a web address. */
function link(v: unknown, what: string, sdd: string): string {
  const s = str(v);
  if (!s) throw new LaurelError('VALIDATION', `The host's service description (${sdd}) has no ${what}, which the Open Badges API requires.`);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new LaurelError('VALIDATION', `The host's service description (${sdd}) gives ${what} as ${JSON.stringify(s.slice(0, 200))}, which is not a URL.`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new LaurelError('VALIDATION', `The host's ${what} (${s.slice(0, 200)}) is not a web address.`);
  return u.href;
}

function freshness(headers: Record<string, string>, now: number): string | null {
  const cc = (headers['cache-control'] ?? '').toLowerCase();
  if (/\bno-store\b|\bno-cache\b/.test(cc)) return null;
  const maxAge = /\bmax-age=(\d+)/.exec(cc);
  if (maxAge) {
    const age = Number(headers.age ?? 0) || 0;
    return new Date(now + Math.max(0, Number(maxAge[1]) - age) * 1000).toISOString();
  }
  const expires = headers.expires ? Date.parse(headers.expires) : Number.NaN;
  if (Number.isFinite(expires)) return new Date(expires).toISOString();
  return null;
}

/** Reads the parts of an SDD the client uses, checking the ones the profile requires. */
export function parseServiceDescription(api: PublishApi, discoveryUrl: string, doc: unknown): Omit<ServiceDescription, 'etag' | 'fetchedAt' | 'freshUntil'> {
  const d = obj(doc);
  if (!d) throw new LaurelError('VALIDATION', `${discoveryUrl} did not return a service description (a JSON object).`);
  const info = obj(d.info);
  if (!info) throw new LaurelError('VALIDATION', `The host's service description (${discoveryUrl}) has no info section.`);
  const scheme = obj(obj(obj(d.components)?.securitySchemes)?.OAuth2ACG);
  if (!scheme || scheme.type !== 'oauth2') {
    throw new LaurelError('VALIDATION', `The host's service description (${discoveryUrl}) offers no OAuth 2.0 authorization code scheme (components.securitySchemes.OAuth2ACG), so Laurel Studio can't connect to it.`);
  }
  const flow = obj(obj(scheme.flows)?.authorizationCode);
  if (!flow) throw new LaurelError('VALIDATION', `The host's service description (${discoveryUrl}) has no authorizationCode flow.`);
  const scopes: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(flow.scopes) ?? {})) scopes[k] = typeof v === 'string' ? v : '';
  // Clients look in info first (spec-digest §9.1: the prose also puts it in the security scheme).
  const privacy = info['x-imssf-privacyPolicyUrl'] ?? scheme['x-imssf-privacyPolicyUrl'];
  const image = str(info['x-imssf-image']);
  let revocationUrl: string | null = null;
  for (const key of REVOCATION_KEYS) {
    if (str(scheme[key])) {
      revocationUrl = endpoint(scheme[key], key, discoveryUrl);
      break;
    }
  }
  return {
    api,
    discoveryUrl,
    apiBase: discoveryUrl.replace(/\/discovery$/, ''),
    title: str(info.title) ?? new URL(discoveryUrl).host,
    version: str(info.version) ?? '',
    termsUrl: link(info.termsOfService ?? scheme['x-imssf-termsOfServiceUrl'], 'terms of service (info.termsOfService)', discoveryUrl),
    privacyUrl: link(privacy, 'privacy policy (info.x-imssf-privacyPolicyUrl)', discoveryUrl),
    image: image && (/^data:image\//i.test(image) || /^https?:\/\//i.test(image)) ? image : null,
    registrationUrl: endpoint(scheme['x-imssf-registrationUrl'], 'registration endpoint (x-imssf-registrationUrl)', discoveryUrl),
    authorizationUrl: endpoint(flow.authorizationUrl, 'authorization URL', discoveryUrl),
    tokenUrl: endpoint(flow.tokenUrl, 'token URL', discoveryUrl),
    refreshUrl: str(flow.refreshUrl) ? endpoint(flow.refreshUrl, 'refresh URL', discoveryUrl) : null,
    revocationUrl,
    scopes,
  };
}

/**
 * Fetches (or revalidates) one API's SDD. Returns null when the host does not offer that API
 * (404), the cached copy when it is still fresh or the host says 304.
 */
export async function discover(
  fetcher: Fetcher,
  baseUrl: string,
  api: PublishApi,
  cached?: ServiceDescription | null,
  options: { force?: boolean; signal?: AbortSignal } = {},
): Promise<ServiceDescription | null> {
  const now = Date.now();
  if (cached && !options.force && cached.freshUntil && Date.parse(cached.freshUntil) > now) return cached;
  const discoveryUrl = `${baseUrl}${API_PATHS[api]}/discovery`;
  const headers: Record<string, string> = {};
  if (cached?.etag) headers['if-none-match'] = cached.etag;
  const doc = await fetcher.get(discoveryUrl, { accept: ['application/json'], headers, ...(options.signal ? { signal: options.signal } : {}) });
  if (doc.status === 304 && cached) return { ...cached, fetchedAt: new Date(now).toISOString(), freshUntil: freshness(doc.headers, now) };
  if (doc.status === 404 || doc.status === 410) return null;
  if (doc.status !== 200) throw new LaurelError('NOT_FOUND', `${discoveryUrl} answered HTTP ${doc.status}; is ${baseUrl} an Open Badges or CLR host?`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(doc.body));
  } catch {
    throw new LaurelError('VALIDATION', `${discoveryUrl} did not return JSON; is ${baseUrl} an Open Badges or CLR host?`);
  }
  return {
    ...parseServiceDescription(api, discoveryUrl, json),
    etag: doc.headers.etag ?? null,
    fetchedAt: new Date(now).toISOString(),
    freshUntil: freshness(doc.headers, now),
  };
}

/** RFC 8414 metadata at the authorization server: its revocation_endpoint, if any. */
export async function revocationFromMetadata(fetcher: Fetcher, tokenUrl: string, signal?: AbortSignal): Promise<string | null> {
  const origin = new URL(tokenUrl).origin;
  try {
    const doc = await fetcher.get(`${origin}/.well-known/oauth-authorization-server`, { accept: ['application/json'], ...(signal ? { signal } : {}) });
    if (doc.status !== 200) return null;
    const meta = JSON.parse(new TextDecoder().decode(doc.body)) as Record<string, unknown>;
    return typeof meta.revocation_endpoint === 'string' ? checkFetchableUrl(meta.revocation_endpoint).href : null;
  } catch {
    return null;
  }
}
