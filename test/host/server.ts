/**
 * A real Open Badges 3.0 / CLR 2.0 provider ("Service Provider (Write)") for tests and for trying
 * the studio by hand (npm run host:dev). Built from the official OpenAPI file (a copy is next to
 * this file) and the official JSON Schemas in resources/schemas; it knows nothing of core/.
 *
 * - GET {api}/discovery: the SDD, no auth, ETag + If-None-Match, Cache-Control max-age.
 * - POST /oauth/register (RFC 7591), GET/POST /oauth/authorize (consent page; PKCE S256 and state
 *   enforced; single-use codes, 10 min), POST /oauth/token (Basic; authorization_code and
 *   refresh_token; scopes never widen), POST /oauth/revoke (RFC 7009), and RFC 8414 metadata.
 * - {api}/credentials GET (limit/offset/since, X-Total-Count, Link) and POST (upsert by the
 *   equality rule: 201 / 200 / 304; JSON or compact JWS), {api}/profile GET and PUT, for
 *   api = /ims/ob/v3p0 and /ims/clr/v2p0.
 * - Scopes checked; every request body validated against the official schemas; errors as
 *   Imsx_StatusInfo. `behaviour` makes it misbehave on purpose.
 *
 * The token revocation URL is advertised as `x-laurel-revocationUrl` on the OAuth2ACG security
 * scheme (the SDD has no key for it) and as revocation_endpoint in the RFC 8414 metadata.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCHEMAS = path.join(HERE, '..', '..', 'resources', 'schemas');

type Api = 'ob' | 'clr';
const API_PREFIX: Record<Api, string> = { ob: '/ims/ob/v3p0', clr: '/ims/clr/v2p0' };
const SCOPE_BASE: Record<Api, string> = { ob: 'https://purl.imsglobal.org/spec/ob/v3p0/scope/', clr: 'https://purl.imsglobal.org/spec/clr/v2p0/scope/' };
const scope = (api: Api, name: string) => SCOPE_BASE[api] + name;

export const CODE_LIFETIME_MS = 10 * 60_000;

// ------------------------------------------------------------------ schemas

const SCHEMA_FILES = {
  ob: {
    credential: 'ob3/json-ld/ob_v3p0_achievementcredential_schema.json',
    profile: 'ob3/json-ld/ob_v3p0_profile_schema.json',
    list: 'ob3/json-ld/ob_v3p0_getopenbadgecredentialsresponse_schema.json',
    status: 'ob3/json-ld/ob_v3p0_imsx_statusinfo_schema.json',
  },
  clr: {
    credential: 'clr2/json-ld/clr_v2p0_clrcredential_schema.json',
    profile: 'clr2/json-ld/clr_v2p0_profile_schema.json',
    list: 'clr2/json-ld/clr_v2p0_getclrcredentialsresponse_schema.json',
    status: 'clr2/json-ld/clr_v2p0_imsx_statusinfo_schema.json',
  },
} as const;
type SchemaName = keyof (typeof SCHEMA_FILES)['ob'];

const compiled = new Map<string, ValidateFunction>();
function validator(api: Api, name: SchemaName): ValidateFunction {
  const key = `${api}:${name}`;
  let fn = compiled.get(key);
  if (!fn) {
    // One Ajv per schema file: the OB and CLR files define overlapping $ids for shared classes.
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    addFormats(ajv);
    fn = ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS, SCHEMA_FILES[api][name]), 'utf8')) as object);
    compiled.set(key, fn);
  }
  return fn;
}

function schemaErrors(api: Api, name: SchemaName, value: unknown): string[] {
  const fn = validator(api, name);
  if (fn(value)) return [];
  return (fn.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

// ------------------------------------------------------------------ equality (spec §12)

function norm(s: string): string {
  try {
    return decodeURIComponent(s).trim();
  } catch {
    return s.trim();
  }
}

function keyOf(c: Record<string, unknown>): string | null {
  const issuer = typeof c.issuer === 'string' ? c.issuer : c.issuer && typeof c.issuer === 'object' ? (c.issuer as { id?: unknown }).id : undefined;
  if (typeof issuer !== 'string' || typeof c.id !== 'string') return null;
  return `${norm(issuer)}\n${norm(c.id)}`;
}

const JWS = /^[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]+$/;

function jwsPayload(jws: string): Record<string, unknown> | null {
  try {
    const p = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (p['@context'] === undefined && p.vc && typeof p.vc === 'object') return p.vc as Record<string, unknown>;
    return p && typeof p === 'object' && !Array.isArray(p) ? p : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ state

export interface Behaviour {
  /** Refuse http loopback redirect URIs at registration (a strict web-client-only host). */
  refuseLoopback: boolean;
  /** Scopes left out of every grant (e.g. the upsert scopes: "grant fewer scopes than asked"). */
  withholdScopes: string[];
  /** expires_in of new access tokens. */
  tokenLifetimeSec: number;
  /** A new refresh token on every refresh (the old one stops working). */
  rotateRefreshTokens: boolean;
  /** The next `count` API requests answer 429 with this Retry-After. */
  rateLimit: { count: number; retryAfter: string } | null;
  /** The next `count` upserts answer 500 (before storing anything). */
  failUpserts: number;
  /** The next `count` upserts are stored, then answered 500 (the client can't know it landed). */
  failAfterStore: number;
  /** The next `count` upserts are answered 201 but not kept (a host that loses what it accepted). */
  dropUpserts: number;
  /** getCredentials always answers the first page (a host that ignores offset), Link next included. */
  ignoreOffset: boolean;
  /** API requests are carried out at once and answered this much later. */
  delayMs: number;
  /** Where the revocation URL is advertised: our SDD extension (and RFC 8414), RFC 8414 only, nowhere. */
  revocation: 'extension' | 'metadata' | 'none';
  /** Show an external logo_uri as an image on the consent page (dev); tests keep pages offline. */
  externalImages: boolean;
  /** x-imssf-image as an address on this host (/logo.svg) rather than a data: URI. */
  remoteImage: boolean;
}

export const DEFAULT_BEHAVIOUR: Behaviour = {
  refuseLoopback: false,
  withholdScopes: [],
  tokenLifetimeSec: 3600,
  rotateRefreshTokens: true,
  rateLimit: null,
  failUpserts: 0,
  failAfterStore: 0,
  dropUpserts: 0,
  ignoreOffset: false,
  delayMs: 0,
  revocation: 'extension',
  externalImages: false,
  remoteImage: false,
};

interface Client {
  clientId: string;
  secret: string;
  metadata: Record<string, unknown>;
  redirectUris: string[];
  scope: string[];
  grantTypes: string[];
  /** RFC 7592 management token, returned at registration (a secret the client must not store openly). */
  registrationAccessToken: string;
}

interface AuthRequest {
  id: string;
  csrf: string;
  client: Client;
  redirectUri: string;
  scope: string[];
  state: string;
  challenge: string;
}

interface Code {
  clientId: string;
  redirectUri: string;
  scope: string[];
  challenge: string;
  expiresAt: number;
  used: boolean;
  /** Tokens issued from it, revoked if the code is replayed. */
  issued: string[];
}

interface AccessToken {
  clientId: string;
  scope: string[];
  expiresAt: number;
  revoked: boolean;
  refreshToken: string | null;
}

interface RefreshToken {
  clientId: string;
  scope: string[];
  revoked: boolean;
}

export interface StoredCredential {
  key: string;
  format: 'json' | 'jwt';
  /** The JSON object, or the compact JWS text. */
  value: Record<string, unknown> | string;
  credential: Record<string, unknown>;
  validFrom: number;
  receivedAt: number;
}

export interface RequestLog {
  method: string;
  path: string;
  /** The query string, with its '?' (or ''). */
  query: string;
  status: number;
  at: number;
}

export interface UpsertLog {
  api: Api;
  key: string | null;
  status: number;
  format: 'json' | 'jwt' | null;
}

export interface TestHost {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  name: string;
  behaviour: Behaviour;
  clients: Map<string, Client>;
  /** What the host holds, per API, in the order received. */
  store: Record<Api, { credentials: StoredCredential[]; profile: Record<string, unknown> | null }>;
  requests: RequestLog[];
  upserts: UpsertLog[];
  /** Request bodies the schemas refused, with the reasons. */
  rejected: Array<{ path: string; errors: string[] }>;
  /** Response bodies that failed our own schema self-check (a host bug; tests expect none). */
  selfCheckFailures: Array<{ path: string; errors: string[] }>;
  /** Every access token expires now (server side): the next API call answers 401. */
  expireAccessTokens(): void;
  /** Every grant is withdrawn (as a user would in the host's UI): refresh fails too. */
  revokeAllGrants(): void;
  /** Live (not expired, not revoked) tokens, for assertions. */
  liveTokens(): { access: number; refresh: number };
  /** Every token value issued so far (live or not), for "never stored in the database" checks. */
  issuedTokens(): string[];
  close(): Promise<void>;
}

export interface TestHostOptions {
  port?: number;
  name?: string;
  behaviour?: Partial<Behaviour>;
  /** Offer the CLR API too (default true). */
  clr?: boolean;
}

const OAS = JSON.parse(readFileSync(path.join(HERE, 'ob_v3p0_oas.json'), 'utf8')) as Record<string, unknown>;

const LOGO = `data:image/svg+xml;base64,${Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#2f6f5e"/><path d="M18 34l10 10 18-22" stroke="#fff" stroke-width="6" fill="none"/></svg>',
).toString('base64')}`;

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const token = (prefix: string) => `${prefix}_${b64url(randomBytes(24))}`;

function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function isLoopbackHttp(u: URL): boolean {
  return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]' || u.hostname === 'localhost');
}

export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  // Compile the schemas before listening (once per process): a first request that waits for
  // Ajv would look like a slow host to a client with a short time limit.
  for (const api of ['ob', 'clr'] as const) for (const n of Object.keys(SCHEMA_FILES[api]) as SchemaName[]) validator(api, n);
  const behaviour: Behaviour = { ...DEFAULT_BEHAVIOUR, ...options.behaviour };
  const name = options.name ?? 'Laurel Test Wallet';
  const offerClr = options.clr ?? true;
  const clients = new Map<string, Client>();
  const authRequests = new Map<string, AuthRequest>();
  const codes = new Map<string, Code>();
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, RefreshToken>();
  const store: TestHost['store'] = { ob: { credentials: [], profile: null }, clr: { credentials: [], profile: null } };
  const requests: RequestLog[] = [];
  const upserts: UpsertLog[] = [];
  const rejected: TestHost['rejected'] = [];
  const selfCheckFailures: TestHost['selfCheckFailures'] = [];
  let base = '';

  // ---------------------------------------------------------------- discovery

  function sdd(api: Api): Record<string, unknown> {
    const doc = structuredClone(OAS) as Record<string, any>;
    const scopes: Record<string, string> = {};
    const ob = (OAS as any).components.securitySchemes.OAuth2ACG.flows.authorizationCode.scopes as Record<string, string>;
    for (const [uri, text] of Object.entries(ob)) scopes[uri.replace(SCOPE_BASE.ob, SCOPE_BASE[api])] = api === 'clr' ? text.replace(/AchievementCredentials/g, 'ClrCredentials') : text;
    scopes.offline_access = 'Keep access when you are not using the client (refresh tokens).';
    doc.servers = [{ url: `${base}${API_PREFIX[api]}`, description: `${name} (${api === 'clr' ? 'CLR 2.0' : 'Open Badges 3.0'})` }];
    doc.info = {
      ...doc.info,
      title: name,
      description: api === 'clr' ? 'Comprehensive Learner Record 2.0 (test host)' : 'Open Badges 3.0 (test host)',
      version: api === 'clr' ? '2.0' : '3.0',
      termsOfService: `${base}/terms`,
      'x-imssf-privacyPolicyUrl': `${base}/privacy`,
      'x-imssf-image': behaviour.remoteImage ? `${base}/logo.svg` : LOGO,
    };
    delete doc.info['x-status'];
    doc.components.securitySchemes = {
      OAuth2ACG: {
        type: 'oauth2',
        description: 'OAuth 2.0 authorization code grant with PKCE (IMS Security Framework)',
        'x-imssf-registrationUrl': `${base}/oauth/register`,
        // Both places (spec-digest §9.1): the data model wants info, the prose the scheme.
        'x-imssf-privacyPolicyUrl': `${base}/privacy`,
        ...(behaviour.revocation === 'extension' ? { 'x-laurel-revocationUrl': `${base}/oauth/revoke` } : {}),
        flows: { authorizationCode: { authorizationUrl: `${base}/oauth/authorize`, tokenUrl: `${base}/oauth/token`, refreshUrl: `${base}/oauth/token`, scopes } },
      },
    };
    return doc;
  }

  // ---------------------------------------------------------------- helpers

  const delayed = new WeakSet<http.ServerResponse>();

  function send(res: http.ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
    if (delayed.has(res)) {
      delayed.delete(res);
      setTimeout(() => send(res, status, body, headers), behaviour.delayMs);
      return;
    }
    if (res.destroyed || res.writableEnded) return;
    try {
      res.writeHead(status, headers);
      res.end(body);
    } catch {
      // the client gave up (a timeout test); nothing to answer
    }
  }

  function json(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
    send(res, status, JSON.stringify(value), { 'content-type': 'application/json', ...headers });
  }

  const MINOR: Record<number, string> = { 400: 'invalid_data', 401: 'unauthorizedrequest', 403: 'forbidden', 404: 'not_found', 405: 'not_allowed', 415: 'not_acceptable', 429: 'server_busy', 500: 'internal_server_error' };

  function imsx(res: http.ServerResponse, api: Api, status: number, description: string, headers: Record<string, string> = {}, minor?: string): void {
    const body = {
      imsx_codeMajor: 'failure',
      imsx_severity: 'error',
      imsx_description: description,
      imsx_codeMinor: { imsx_codeMinorField: [{ imsx_codeMinorFieldName: 'TargetEndSystem', imsx_codeMinorFieldValue: minor ?? MINOR[status] ?? 'unknown' }] },
    };
    const errors = schemaErrors(api, 'status', body);
    if (errors.length) selfCheckFailures.push({ path: 'imsx', errors });
    json(res, status, body, headers);
  }

  function oauthError(res: http.ServerResponse, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
    json(res, status, { error, error_description: description }, { 'cache-control': 'no-store', ...headers });
  }

  async function readBody(req: http.IncomingMessage, limit = 5 * 1024 * 1024): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new Error('body too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  function basicClient(req: http.IncomingMessage): Client | null {
    const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return null;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return null;
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    let id: string;
    let secret: string;
    try {
      id = dec(decoded.slice(0, i));
      secret = dec(decoded.slice(i + 1));
    } catch {
      return null;
    }
    const client = clients.get(id);
    return client && safeEqual(client.secret, secret) ? client : null;
  }

  function grant(asked: string[], allowed: string[]): string[] {
    return asked.filter((s) => allowed.includes(s) && !behaviour.withholdScopes.includes(s));
  }

  function issueTokens(client: Client, scopes: string[], refresh: string | null): { body: Record<string, unknown>; access: string; refresh: string | null } {
    const access = token('at');
    let refreshToken = refresh;
    if (!refreshToken && client.grantTypes.includes('refresh_token')) {
      refreshToken = token('rt');
      refreshTokens.set(refreshToken, { clientId: client.clientId, scope: scopes, revoked: false });
    }
    accessTokens.set(access, { clientId: client.clientId, scope: scopes, expiresAt: Date.now() + behaviour.tokenLifetimeSec * 1000, revoked: false, refreshToken });
    return {
      access,
      refresh: refreshToken,
      body: { access_token: access, token_type: 'Bearer', expires_in: behaviour.tokenLifetimeSec, scope: scopes.join(' '), ...(refreshToken ? { refresh_token: refreshToken } : {}) },
    };
  }

  // ---------------------------------------------------------------- OAuth endpoints

  async function register(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(await readBody(req)) as Record<string, unknown>;
      if (!m || typeof m !== 'object' || Array.isArray(m)) throw new Error();
    } catch {
      return oauthError(res, 400, 'invalid_client_metadata', 'The body must be a JSON object.');
    }
    for (const f of ['client_name', 'client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'software_id', 'software_version', 'scope']) {
      if (typeof m[f] !== 'string' || !(m[f] as string).trim()) return oauthError(res, 400, 'invalid_client_metadata', `${f} is required.`);
    }
    const uris = m.redirect_uris;
    if (!Array.isArray(uris) || !uris.length || !uris.every((u) => typeof u === 'string')) return oauthError(res, 400, 'invalid_redirect_uri', 'redirect_uris must be a non-empty array of URLs.');
    const parsed: URL[] = [];
    for (const u of uris as string[]) {
      try {
        parsed.push(new URL(u));
      } catch {
        return oauthError(res, 400, 'invalid_redirect_uri', `${u} is not a URL.`);
      }
    }
    for (const u of parsed) {
      if (u.protocol === 'https:') continue;
      if (isLoopbackHttp(u) && !behaviour.refuseLoopback) continue; // the native-app exception (RFC 8252 §7.3)
      return oauthError(res, 400, 'invalid_redirect_uri', behaviour.refuseLoopback ? 'Redirect URIs must be https (loopback redirects are not accepted).' : `${u.href} must be https, or http on a loopback address.`);
    }
    for (const f of ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri']) {
      try {
        const u = new URL(m[f] as string);
        if (u.protocol !== 'https:' && !isLoopbackHttp(u) && u.protocol !== 'data:') throw new Error();
      } catch {
        return oauthError(res, 400, 'invalid_client_metadata', `${f} must be an https URL.`);
      }
    }
    if (m.token_endpoint_auth_method !== undefined && m.token_endpoint_auth_method !== 'client_secret_basic') return oauthError(res, 400, 'invalid_client_metadata', 'Only client_secret_basic is supported.');
    const grantTypes = m.grant_types === undefined ? ['authorization_code'] : m.grant_types;
    if (!Array.isArray(grantTypes) || !grantTypes.every((g) => g === 'authorization_code' || g === 'refresh_token')) return oauthError(res, 400, 'invalid_client_metadata', 'grant_types: only authorization_code and refresh_token.');
    if (m.response_types !== undefined && !(Array.isArray(m.response_types) && m.response_types.every((r) => r === 'code'))) return oauthError(res, 400, 'invalid_client_metadata', 'response_types: only code.');
    const known = new Set(['offline_access', ...(['ob', 'clr'] as const).flatMap((api) => ['credential.readonly', 'credential.upsert', 'profile.readonly', 'profile.update'].map((n) => scope(api, n)))]);
    const scopes = (m.scope as string).split(/\s+/).filter((s) => known.has(s));
    const clientId = `client_${b64url(randomBytes(12))}`;
    const secret = b64url(randomBytes(32));
    const client: Client = { clientId, secret, metadata: m, redirectUris: uris as string[], scope: scopes, grantTypes: grantTypes as string[], registrationAccessToken: token('reg') };
    clients.set(clientId, client);
    json(
      res,
      201,
      { ...m, scope: scopes.join(' '), grant_types: grantTypes, client_id: clientId, client_secret: secret, client_id_issued_at: Math.floor(Date.now() / 1000), client_secret_expires_at: 0, registration_access_token: client.registrationAccessToken, registration_client_uri: `${base}/oauth/register/${clientId}` },
      { 'cache-control': 'no-store' },
    );
  }

  function errorPage(res: http.ServerResponse, status: number, text: string): void {
    send(res, status, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><h1>Can't authorize</h1><p id="error">${esc(text)}</p></body></html>`, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'",
    });
  }

  function redirectWith(res: http.ServerResponse, redirectUri: string, params: Record<string, string>): void {
    const u = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    send(res, 303, '', { location: u.href, 'cache-control': 'no-store' });
  }

  function authorizePage(url: URL, res: http.ServerResponse): void {
    const q = url.searchParams;
    const client = clients.get(q.get('client_id') ?? '');
    if (!client) return errorPage(res, 400, 'Unknown client_id.');
    const redirectUri = q.get('redirect_uri') ?? '';
    // Never redirect to an address the client did not register (RFC 6749 §4.1.2.1).
    if (!client.redirectUris.includes(redirectUri)) return errorPage(res, 400, 'redirect_uri does not match a registered redirect URI.');
    const state = q.get('state');
    const fail = (error: string, description: string) => redirectWith(res, redirectUri, { error, error_description: description, ...(state ? { state } : {}) });
    if (q.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code.');
    if (!state) return fail('invalid_request', 'state is required.');
    const challenge = q.get('code_challenge');
    if (!challenge || q.get('code_challenge_method') !== 'S256') return fail('invalid_request', 'PKCE is required: code_challenge with code_challenge_method=S256.');
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return fail('invalid_request', 'code_challenge is not a base64url SHA-256.');
    const asked = (q.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (!asked.length) return fail('invalid_scope', 'scope is required.');
    const outside = asked.filter((s) => !client.scope.includes(s));
    if (outside.length) return fail('invalid_scope', `Not registered for: ${outside.join(' ')}`);
    const request: AuthRequest = { id: b64url(randomBytes(16)), csrf: b64url(randomBytes(16)), client, redirectUri, scope: asked, state, challenge };
    authRequests.set(request.id, request);
    const m = client.metadata;
    const logo = String(m.logo_uri);
    const showImage = logo.startsWith('data:image/') || behaviour.externalImages || isLoopbackHttp(new URL(logo));
    const scopeItems = asked.map((s) => `<li><code>${esc(s)}</code></li>`).join('');
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(name)}: allow ${esc(m.client_name)}?</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2327}.client{display:flex;gap:1rem;align-items:center}.client img{width:64px;height:64px}button{font:inherit;padding:.5rem 1.25rem;margin-right:.5rem}</style>
</head><body><main>
<p>${esc(name)}</p>
<h1>Allow <span id="client-name">${esc(m.client_name)}</span> to publish to your account?</h1>
<div class="client">${showImage ? `<img id="client-logo" src="${esc(logo)}" alt="${esc(m.client_name)} logo">` : `<span id="client-logo">Logo: ${esc(logo)}</span>`}
<p><a id="client-uri" href="${esc(m.client_uri)}">${esc(m.client_uri)}</a></p></div>
<p>It asks to:</p><ul id="scopes">${scopeItems}</ul>
<p>Read its <a id="client-tos" href="${esc(m.tos_uri)}">terms of service</a> and <a id="client-policy" href="${esc(m.policy_uri)}">privacy policy</a>.</p>
<form method="post" action="/oauth/authorize">
<input type="hidden" name="request_id" value="${esc(request.id)}"><input type="hidden" name="csrf" value="${esc(request.csrf)}">
<button type="submit" name="decision" value="approve" id="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form></main></body></html>`;
    send(res, 200, html, {
      'content-type': 'text/html; charset=utf-8',
      // No form-action: Chromium applies it to the redirect that follows the POST as well.
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'${behaviour.externalImages ? ' https:' : ''}`,
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    });
  }

  async function authorizeDecision(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const request = authRequests.get(form.get('request_id') ?? '');
    if (!request || !safeEqual(request.csrf, form.get('csrf') ?? '')) return errorPage(res, 400, 'This consent form expired or was not issued here.');
    authRequests.delete(request.id);
    if (form.get('decision') !== 'approve') return redirectWith(res, request.redirectUri, { error: 'access_denied', error_description: 'The user declined.', state: request.state });
    const granted = grant(request.scope, request.client.scope);
    const code = b64url(randomBytes(24));
    codes.set(code, { clientId: request.client.clientId, redirectUri: request.redirectUri, scope: granted, challenge: request.challenge, expiresAt: Date.now() + CODE_LIFETIME_MS, used: false, issued: [] });
    redirectWith(res, request.redirectUri, { code, scope: granted.join(' '), state: request.state });
  }

  async function tokenEndpoint(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const client = basicClient(req);
    if (!client) return oauthError(res, 401, 'invalid_client', 'Client authentication failed (HTTP Basic with client_id and client_secret).', { 'www-authenticate': 'Basic realm="token"' });
    const form = new URLSearchParams(await readBody(req));
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const codeValue = form.get('code') ?? '';
      const code = codes.get(codeValue);
      for (const f of ['code', 'redirect_uri', 'code_verifier', 'scope']) if (!form.get(f)) return oauthError(res, 400, 'invalid_request', `${f} is required.`);
      if (!code || code.clientId !== client.clientId) return oauthError(res, 400, 'invalid_grant', 'Unknown authorization code.');
      if (code.used) {
        // Replay: deny, and revoke what the first use produced (spec-digest §10.2).
        for (const t of code.issued) {
          const a = accessTokens.get(t);
          if (a) a.revoked = true;
          const r = refreshTokens.get(t);
          if (r) r.revoked = true;
        }
        return oauthError(res, 400, 'invalid_grant', 'The authorization code was already used.');
      }
      code.used = true;
      if (Date.now() > code.expiresAt) return oauthError(res, 400, 'invalid_grant', 'The authorization code expired.');
      if (form.get('redirect_uri') !== code.redirectUri) return oauthError(res, 400, 'invalid_grant', 'redirect_uri differs from the authorization request.');
      const verifier = form.get('code_verifier')!;
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || b64url(createHash('sha256').update(verifier, 'ascii').digest()) !== code.challenge) {
        return oauthError(res, 400, 'invalid_grant', 'PKCE verification failed.');
      }
      const t = issueTokens(client, code.scope, null);
      code.issued.push(t.access, ...(t.refresh ? [t.refresh] : []));
      return json(res, 200, t.body, { 'cache-control': 'no-store', pragma: 'no-cache' });
    }
    if (grantType === 'refresh_token') {
      const value = form.get('refresh_token') ?? '';
      const rt = refreshTokens.get(value);
      if (!rt || rt.revoked || rt.clientId !== client.clientId) return oauthError(res, 400, 'invalid_grant', 'The refresh token is not valid.');
      const asked = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
      if (asked.some((s) => !rt.scope.includes(s))) return oauthError(res, 400, 'invalid_scope', 'A refresh may not widen the grant.');
      const scopes = grant(asked.length ? asked : rt.scope, rt.scope);
      let next: string | null = value;
      if (behaviour.rotateRefreshTokens) {
        rt.revoked = true;
        // The access tokens of the old refresh token end with it (one live token per grant).
        for (const at of accessTokens.values()) if (at.refreshToken === value) at.revoked = true;
        next = token('rt');
        refreshTokens.set(next, { clientId: client.clientId, scope: rt.scope, revoked: false });
      }
      const t = issueTokens(client, scopes, next);
      return json(res, 200, t.body, { 'cache-control': 'no-store', pragma: 'no-cache' });
    }
    return oauthError(res, 400, 'unsupported_grant_type', 'Only authorization_code and refresh_token.');
  }

  async function revokeEndpoint(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const client = basicClient(req);
    if (!client) return oauthError(res, 401, 'invalid_client', 'Client authentication failed.', { 'www-authenticate': 'Basic realm="revoke"' });
    const form = new URLSearchParams(await readBody(req));
    const value = form.get('token');
    const hint = form.get('token_type_hint');
    if (!value) return oauthError(res, 400, 'invalid_request', 'token is required.');
    if (!hint) return oauthError(res, 400, 'invalid_request', 'token_type_hint is required in this profile.');
    if (hint !== 'access_token' && hint !== 'refresh_token') return oauthError(res, 400, 'unsupported_token_type', `Unknown token_type_hint ${hint}.`);
    const a = accessTokens.get(value);
    if (a && a.clientId === client.clientId) a.revoked = true;
    const r = refreshTokens.get(value);
    if (r && r.clientId === client.clientId) {
      r.revoked = true;
      // Revoking a refresh token also ends the access tokens issued with it (RFC 7009 §2.1).
      for (const at of accessTokens.values()) if (at.refreshToken === value) at.revoked = true;
    }
    send(res, 200, '', { 'cache-control': 'no-store' }); // also for unknown tokens
  }

  // ---------------------------------------------------------------- the API

  function bearer(req: http.IncomingMessage, res: http.ServerResponse, api: Api, needed: string): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const t = m ? accessTokens.get(m[1]!) : undefined;
    if (!t || t.revoked || Date.now() >= t.expiresAt) {
      imsx(res, api, 401, 'The access token is missing, expired or revoked.', { 'www-authenticate': 'Bearer error="invalid_token"' });
      return false;
    }
    if (!t.scope.includes(scope(api, needed))) {
      imsx(res, api, 403, `This operation needs the scope ${scope(api, needed)}.`, { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope(api, needed)}"` });
      return false;
    }
    return true;
  }

  function listCredentials(api: Api, url: URL, res: http.ServerResponse): void {
    const q = url.searchParams;
    const int = (name: string, min: number): number | null | 'bad' => {
      const v = q.get(name);
      if (v === null) return null;
      return /^\d+$/.test(v) && Number(v) >= min && Number(v) <= 2 ** 31 - 1 ? Number(v) : 'bad';
    };
    const limit = int('limit', 1);
    const offset = int('offset', 0);
    if (limit === 'bad' || offset === 'bad') return imsx(res, api, 400, 'limit must be an integer ≥ 1 and offset an integer ≥ 0.', {}, 'invalid_query_parameter');
    const since = q.get('since');
    if (since !== null && (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(since) || !Number.isFinite(Date.parse(since)))) {
      return imsx(res, api, 400, 'since must be a date-time (YYYY-MM-DDThh:mm:ssZ).', {}, 'invalid_query_parameter');
    }
    const all = store[api].credentials.filter((c) => since === null || c.validFrom > Date.parse(since));
    const total = all.length;
    const off = offset ?? 0;
    const lim = limit ?? total;
    const page = behaviour.ignoreOffset ? all.slice(0, Math.max(lim, 0)) : all.slice(off, off + Math.max(lim, 0));
    const body: Record<string, unknown[]> = {};
    const jsonCreds = page.filter((c) => c.format === 'json').map((c) => c.value);
    const jwss = page.filter((c) => c.format === 'jwt').map((c) => c.value);
    if (jsonCreds.length) body.credential = jsonCreds;
    if (jwss.length) body.compactJwsString = jwss;
    const errors = schemaErrors(api, 'list', body);
    if (errors.length) selfCheckFailures.push({ path: url.pathname, errors });
    const at = (o: number) => {
      const u = new URL(`${base}${API_PREFIX[api]}/credentials`);
      if (limit !== null) u.searchParams.set('limit', String(lim));
      u.searchParams.set('offset', String(o));
      if (since !== null) u.searchParams.set('since', since);
      return u.href;
    };
    const links = [`<${at(0)}>; rel="first"`, `<${at(lim > 0 && total > 0 ? Math.floor((total - 1) / lim) * lim : 0)}>; rel="last"`];
    if (off + lim < total) links.unshift(`<${at(off + lim)}>; rel="next"`);
    if (off > 0) links.push(`<${at(Math.max(0, off - lim))}>; rel="prev"`);
    json(res, 200, body, { 'x-total-count': String(total), link: links.join(', ') });
  }

  async function upsert(api: Api, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const text = await readBody(req);
    let value: Record<string, unknown> | string;
    let credential: Record<string, unknown> | null;
    let format: 'json' | 'jwt';
    if (type === 'application/json' || type === 'application/vc+ld+json') {
      try {
        value = JSON.parse(text) as Record<string, unknown>;
      } catch {
        upserts.push({ api, key: null, status: 400, format: null });
        return imsx(res, api, 400, 'The body is not JSON.');
      }
      credential = value && typeof value === 'object' && !Array.isArray(value) ? value : null;
      format = 'json';
    } else if (type === 'text/plain') {
      value = text.trim();
      if (!JWS.test(value)) {
        upserts.push({ api, key: null, status: 400, format: null });
        return imsx(res, api, 400, 'A text/plain body must be a compact JWS.');
      }
      credential = jwsPayload(value);
      format = 'jwt';
    } else {
      upserts.push({ api, key: null, status: 415, format: null });
      return imsx(res, api, 415, 'Send application/json, application/vc+ld+json or text/plain (compact JWS).');
    }
    const errors = credential ? schemaErrors(api, 'credential', credential) : ['/ the credential is not a JSON object'];
    if (errors.length) {
      rejected.push({ path: `${API_PREFIX[api]}/credentials`, errors });
      upserts.push({ api, key: null, status: 400, format });
      return imsx(res, api, 400, `The credential does not validate against the ${api === 'clr' ? 'ClrCredential' : 'AchievementCredential'} schema: ${errors.join('; ')}`);
    }
    const key = keyOf(credential!);
    if (!key) {
      upserts.push({ api, key: null, status: 400, format });
      return imsx(res, api, 400, 'The credential needs an id and an issuer id.');
    }
    const validFrom = Date.parse(String(credential!.validFrom ?? credential!.issuanceDate ?? ''));
    const list = store[api].credentials;
    const i = list.findIndex((c) => c.key === key);
    const echo = (status: number) =>
      format === 'jwt' ? send(res, status, value as string, { 'content-type': 'text/plain' }) : send(res, status, text, { 'content-type': type === 'application/vc+ld+json' ? type : 'application/json' });
    const entry: StoredCredential = { key, format, value, credential: credential!, validFrom, receivedAt: Date.now() };
    if (behaviour.dropUpserts > 0 && i < 0) {
      behaviour.dropUpserts--;
      upserts.push({ api, key, status: 201, format });
      return echo(201);
    }
    const answer = (status: number) => {
      if (behaviour.failAfterStore > 0) {
        behaviour.failAfterStore--;
        upserts.push({ api, key, status: 500, format });
        return imsx(res, api, 500, 'Stored, but something broke before answering (a test fault).');
      }
      upserts.push({ api, key, status, format });
      return echo(status);
    };
    if (i < 0) {
      list.push(entry);
      return answer(201);
    }
    // Among equal credentials, the later validFrom is the current one (spec §12).
    if (validFrom > list[i]!.validFrom) {
      list[i] = entry;
      return answer(200);
    }
    upserts.push({ api, key, status: 304, format });
    send(res, 304, '', {}); // a 304 carries no body (RFC 9110 §15.4.5)
  }

  async function profile(api: Api, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method === 'GET') {
      const p = store[api].profile;
      return p ? json(res, 200, p) : imsx(res, api, 404, 'No profile yet.');
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return imsx(res, api, 415, 'Send the Profile as application/json.');
    let value: unknown;
    try {
      value = JSON.parse(await readBody(req));
    } catch {
      return imsx(res, api, 400, 'The body is not JSON.');
    }
    const errors = schemaErrors(api, 'profile', value);
    if (errors.length) {
      rejected.push({ path: `${API_PREFIX[api]}/profile`, errors });
      return imsx(res, api, 400, `The profile does not validate against the Profile schema: ${errors.join('; ')}`);
    }
    if (JSON.stringify(store[api].profile) === JSON.stringify(value)) return send(res, 304, '', {});
    store[api].profile = value as Record<string, unknown>;
    json(res, 200, value);
  }

  async function apiRequest(api: Api, rest: string, url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (rest === '/discovery') {
      if (req.method !== 'GET') return imsx(res, api, 405, 'GET only.');
      const body = JSON.stringify(sdd(api));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      const headers = { etag, 'cache-control': 'public, max-age=300', 'content-type': 'application/json' };
      if (req.headers['if-none-match'] === etag) return send(res, 304, '', headers);
      return send(res, 200, body, headers);
    }
    if (rest !== '/credentials' && rest !== '/profile') return imsx(res, api, 404, `No operation at ${url.pathname}.`);
    // Slow: the request is carried out at once, the answer goes out delayMs later (a client
    // that gives up earlier can't know whether it landed).
    if (behaviour.delayMs > 0) delayed.add(res);
    if (behaviour.rateLimit && behaviour.rateLimit.count > 0) {
      behaviour.rateLimit.count--;
      return imsx(res, api, 429, 'Too many requests; slow down.', { 'retry-after': behaviour.rateLimit.retryAfter }, 'server_busy');
    }
    if (rest === '/credentials') {
      if (req.method === 'GET') return bearer(req, res, api, 'credential.readonly') ? listCredentials(api, url, res) : undefined;
      if (req.method === 'POST') {
        if (!bearer(req, res, api, 'credential.upsert')) return;
        if (behaviour.failUpserts > 0) {
          behaviour.failUpserts--;
          await readBody(req);
          upserts.push({ api, key: null, status: 500, format: null });
          return imsx(res, api, 500, 'Something broke on our side (a test fault).');
        }
        return upsert(api, req, res);
      }
      return imsx(res, api, 405, 'GET or POST.', { allow: 'GET, POST' });
    }
    if (req.method === 'GET') return bearer(req, res, api, 'profile.readonly') ? profile(api, req, res) : undefined;
    if (req.method === 'PUT') return bearer(req, res, api, 'profile.update') ? profile(api, req, res) : undefined;
    return imsx(res, api, 405, 'GET or PUT.', { allow: 'GET, PUT' });
  }

  function home(res: http.ServerResponse): void {
    const rows = (['ob', 'clr'] as const)
      .flatMap((api) => store[api].credentials.map((c) => `<li>${api.toUpperCase()} · ${esc(c.format)} · <code>${esc(c.key.replace('\n', ' / '))}</code></li>`))
      .join('');
    send(
      res,
      200,
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(name)}</title></head><body><h1>${esc(name)}</h1>
<p>An Open Badges 3.0 / CLR 2.0 test host. Add it in Laurel Studio: <code>laurel host add ${esc(base)}</code></p>
<p>${clients.size} registered client(s).</p><h2>Credentials held</h2><ul>${rows || '<li>none yet</li>'}</ul></body></html>`,
      { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" },
    );
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    res.on('finish', () => requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, status: res.statusCode, at: Date.now() }));
    res.on('error', () => undefined);
    const run = async () => {
      const p = url.pathname;
      for (const api of ['ob', 'clr'] as const) {
        if (p === API_PREFIX[api] || p.startsWith(`${API_PREFIX[api]}/`)) {
          if (api === 'clr' && !offerClr) return imsx(res, api, 404, 'This host offers no CLR API.');
          return apiRequest(api, p.slice(API_PREFIX[api].length), url, req, res);
        }
      }
      if (p === '/.well-known/oauth-authorization-server' && req.method === 'GET') {
        if (behaviour.revocation === 'none') return json(res, 404, { error: 'not_found' });
        return json(res, 200, {
          issuer: base,
          authorization_endpoint: `${base}/oauth/authorize`,
          token_endpoint: `${base}/oauth/token`,
          registration_endpoint: `${base}/oauth/register`,
          revocation_endpoint: `${base}/oauth/revoke`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'refresh_token'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
          revocation_endpoint_auth_methods_supported: ['client_secret_basic'],
        });
      }
      if (p === '/oauth/register' && req.method === 'POST') return register(req, res);
      if (p === '/oauth/authorize' && req.method === 'GET') return authorizePage(url, res);
      if (p === '/oauth/authorize' && req.method === 'POST') return authorizeDecision(req, res);
      if (p === '/oauth/token' && req.method === 'POST') return tokenEndpoint(req, res);
      if (p === '/oauth/revoke' && req.method === 'POST') {
        if (behaviour.revocation === 'none') return json(res, 404, { error: 'not_found' });
        return revokeEndpoint(req, res);
      }
      if (p === '/terms' || p === '/privacy') {
        return send(res, 200, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(name)}</title></head><body><h1>${p === '/terms' ? 'Terms of service' : 'Privacy policy'}</h1><p>A test host keeps nothing.</p></body></html>`, { 'content-type': 'text/html; charset=utf-8' });
      }
      if (p === '/logo.svg' && req.method === 'GET') return send(res, 200, Buffer.from(LOGO.split(',')[1]!, 'base64'), { 'content-type': 'image/svg+xml' });
      if (p === '/' && req.method === 'GET') return home(res);
      json(res, 404, { error: 'not_found' });
    };
    run().catch((e: unknown) => json(res, 500, { error: 'server_error', error_description: (e as Error).message }));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    port,
    name,
    behaviour,
    clients,
    store,
    requests,
    upserts,
    rejected,
    selfCheckFailures,
    expireAccessTokens: () => {
      for (const t of accessTokens.values()) t.expiresAt = 0;
    },
    revokeAllGrants: () => {
      for (const t of accessTokens.values()) t.revoked = true;
      for (const t of refreshTokens.values()) t.revoked = true;
    },
    liveTokens: () => ({
      access: [...accessTokens.values()].filter((t) => !t.revoked && t.expiresAt > Date.now()).length,
      refresh: [...refreshTokens.values()].filter((t) => !t.revoked).length,
    }),
    issuedTokens: () => [...accessTokens.keys(), ...refreshTokens.keys()],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
