import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Fetcher, FetchedDocument } from '../net/index.ts';
import { LaurelError } from '../util/errors.ts';

/**
 * OAuth 2.0 for a native app (decisions §8, RFC 8252): dynamic registration with a loopback
 * redirect, authorization code with PKCE S256 and state in the system browser, a one-shot
 * listener on 127.0.0.1, token exchange and refresh with client_secret_basic, RFC 7009 revocation.
 */

export const DEFAULT_CALLBACK_PORT = 47613;
export const CALLBACK_PATH = '/callback';

/** RFC 8252 §7.3: the loopback IP literal, not "localhost" (which may resolve elsewhere). */
export function loopbackRedirect(port: number): string {
  return `http://127.0.0.1:${port}${CALLBACK_PATH}`;
}

export interface ClientMetadata {
  client_name: string;
  client_uri: string;
  logo_uri: string;
  tos_uri: string;
  policy_uri: string;
  /** The same for every installation of the product. */
  software_id: string;
  /** Changes with every release. */
  software_version: string;
  contacts?: string[];
}

export interface Registration {
  clientId: string;
  clientSecret: string;
  /** What the host echoed (adjusted values included), without the secret. */
  echoed: Record<string, unknown>;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms. */
  expiresAt: number | null;
  scope: string[];
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

export function createPkce(): { verifier: string; challenge: string } {
  const verifier = b64url(randomBytes(32)); // 43 characters from the unreserved set
  return { verifier, challenge: b64url(createHash('sha256').update(verifier, 'ascii').digest()) };
}

export function randomState(): string {
  return b64url(randomBytes(24));
}

function json(doc: FetchedDocument): Record<string, unknown> | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(doc.body)) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function oauthError(doc: FetchedDocument): { error: string; description: string } {
  const body = json(doc);
  const error = typeof body?.error === 'string' ? body.error : `HTTP ${doc.status}`;
  const description = typeof body?.error_description === 'string' ? body.error_description.slice(0, 500) : '';
  return { error, description };
}

/** RFC 6749 §2.3.1: each part form-urlencoded before Basic. */
export function basicAuth(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`, 'utf8').toString('base64')}`;
}

/** RFC 7591 registration; the arrays are sent as arrays even for one value (spec-digest §10.1). */
export async function registerClient(
  fetcher: Fetcher,
  registrationUrl: string,
  metadata: ClientMetadata,
  redirectUri: string,
  scope: string[],
  hostTitle: string,
): Promise<Registration> {
  const request = {
    ...metadata,
    redirect_uris: [redirectUri],
    scope: scope.join(' '),
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  };
  const doc = await fetcher.request(registrationUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    accept: ['application/json'],
    body: JSON.stringify(request),
  });
  if (doc.status === 201 || doc.status === 200) {
    const body = json(doc);
    if (!body || typeof body.client_id !== 'string' || !body.client_id || typeof body.client_secret !== 'string' || !body.client_secret) {
      throw new LaurelError('VALIDATION', `${hostTitle} accepted the registration but sent no client_id and client_secret back.`);
    }
    // Kept in the workspace: what the host echoed, without its secrets (RFC 7592's management token too).
    const { client_secret: _secret, registration_access_token: _management, ...echoed } = body;
    const uris = echoed.redirect_uris;
    if (Array.isArray(uris) && !uris.includes(redirectUri)) {
      throw new LaurelError('UNSUPPORTED', refusedLoopback(hostTitle, redirectUri, `it registered other redirect URIs instead (${uris.map(String).join(', ').slice(0, 300)})`));
    }
    return { clientId: body.client_id, clientSecret: body.client_secret, echoed };
  }
  const { error, description } = oauthError(doc);
  if (error === 'invalid_redirect_uri') throw new LaurelError('UNSUPPORTED', refusedLoopback(hostTitle, redirectUri, description ? `it said: ${description}` : 'it answered invalid_redirect_uri'));
  throw new LaurelError('VALIDATION', `${hostTitle} refused to register Laurel Studio (${error}${description ? `: ${description}` : ''}).`);
}

function refusedLoopback(hostTitle: string, redirectUri: string, why: string): string {
  return (
    `${hostTitle} refused Laurel Studio's redirect address ${redirectUri} (${why}). Laurel Studio is a desktop app: ` +
    'it signs in with the native-app pattern of RFC 8252, a loopback redirect on this machine (decisions §8), where the 1EdTech ' +
    'profile expects a web server with an https redirect. This host accepts only web-server clients, so Laurel Studio cannot ' +
    'publish to it directly; ask the host to allow loopback redirects for native apps, or export the credentials as files instead.'
  );
}

export function authorizationRequestUrl(
  authorizationUrl: string,
  p: { clientId: string; redirectUri: string; scope: string[]; state: string; codeChallenge: string },
): string {
  const url = new URL(authorizationUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', p.clientId);
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('scope', p.scope.join(' '));
  url.searchParams.set('state', p.state);
  url.searchParams.set('code_challenge', p.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.href;
}

// ---------------------------------------------------------------- the loopback callback

export interface CallbackResult {
  code: string;
  /** The scope the host says it granted on the redirect, when it says. */
  scope: string | null;
}

export interface CallbackListener {
  readonly port: number;
  /** Settles once: the code, or an error (declined, timed out, cancelled). */
  readonly result: Promise<CallbackResult>;
  close(): void;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d2327}h1{font-size:1.4rem}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
}

/**
 * Listens once on 127.0.0.1:<port>/callback for the authorization response. A request with the
 * wrong state is answered with an error page and ignored (it is not ours, or a forgery); the one
 * with our state settles the result. Times out, and stops when `signal` aborts.
 */
export async function listenForCallback(options: { port: number; state: string; timeoutMs: number; hostTitle: string; signal?: AbortSignal }): Promise<CallbackListener> {
  let settle!: { resolve: (r: CallbackResult) => void; reject: (e: unknown) => void };
  const result = new Promise<CallbackResult>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => undefined); // observed by the caller; never an unhandled rejection
  let done = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${options.port}`);
    const send = (status: number, title: string, text: string) => {
      res.writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      res.end(page(title, text));
    };
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) return send(404, 'Not found', 'This address only receives the answer of a host Laurel Studio is connecting to.');
    if (done || url.searchParams.get('state') !== options.state) {
      return send(400, 'Not recognised', 'This answer does not belong to the connection Laurel Studio is waiting for. Nothing was changed.');
    }
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error) {
      const description = url.searchParams.get('error_description') ?? '';
      send(200, 'Not connected', `${options.hostTitle} did not give access (${error}). You can close this tab and return to Laurel Studio.`);
      finish(
        new LaurelError(
          error === 'access_denied' ? 'CANCELLED' : 'UNSUPPORTED',
          error === 'access_denied'
            ? `Access was declined at ${options.hostTitle}; nothing was connected.`
            : `${options.hostTitle} answered the authorization request with ${error}${description ? `: ${description.slice(0, 300)}` : ''}.`,
        ),
      );
      return;
    }
    if (!code) return send(400, 'No code', 'The host sent no authorization code. Return to Laurel Studio and try again.');
    send(200, 'Laurel Studio is connected', `Laurel Studio may now publish to ${options.hostTitle}. You can close this tab.`);
    finish(null, { code, scope: url.searchParams.get('scope') });
  });
  server.on('connection', (socket) => socket.unref());
  const timer = setTimeout(
    () => finish(new LaurelError('CANCELLED', `No answer from ${options.hostTitle} within ${Math.round(options.timeoutMs / 1000)} s: the consent page was not approved in time. Try again.`)),
    options.timeoutMs,
  );
  const onAbort = () => finish(new LaurelError('CANCELLED', 'cancelled'));
  function finish(error: unknown, value?: CallbackResult): void {
    if (done) return;
    done = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    // Let the page's answer go out, then stop listening.
    setImmediate(() => {
      server.close();
      server.closeAllConnections();
    });
    if (error) settle.reject(error);
    else settle.resolve(value!);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === 'EADDRINUSE'
          ? new LaurelError('CONFLICT', `Port ${options.port} on 127.0.0.1, where Laurel Studio receives the host's answer, is in use (another connection in progress, or another program). Close it and try again.`)
          : new LaurelError('UNSUPPORTED', `Can't listen on 127.0.0.1:${options.port} for the host's answer: ${e.message}.`),
      );
    });
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  return { port: options.port, result, close: () => finish(new LaurelError('CANCELLED', 'cancelled')) };
}

// ---------------------------------------------------------------- tokens

export class TokenError extends Error {
  readonly error: string;
  readonly description: string;
  readonly status: number;
  constructor(error: string, description: string, status: number) {
    super(`${error}${description ? `: ${description}` : ''}`);
    this.error = error;
    this.description = description;
    this.status = status;
  }
}

function parseTokens(doc: FetchedDocument, requested: string[], previous?: TokenSet): TokenSet {
  const body = json(doc);
  if (!body || typeof body.access_token !== 'string' || !body.access_token) throw new TokenError('invalid_response', 'no access_token in the token response', doc.status);
  if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer') {
    throw new TokenError('invalid_response', `token_type ${JSON.stringify(body.token_type)} is not bearer`, doc.status);
  }
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : typeof body.expires_in === 'string' ? Number(body.expires_in) : Number.NaN;
  return {
    accessToken: body.access_token,
    // A refresh response without a new refresh token keeps the old one (RFC 6749 §6).
    refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : (previous?.refreshToken ?? null),
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? Date.now() + expiresIn * 1000 : null,
    // The profile requires scope; RFC 6749 lets it be left out when it equals the request.
    scope: typeof body.scope === 'string' ? body.scope.split(/\s+/).filter(Boolean) : requested,
  };
}

async function tokenRequest(fetcher: Fetcher, tokenUrl: string, clientId: string, clientSecret: string, form: Record<string, string>): Promise<FetchedDocument> {
  return fetcher.request(tokenUrl, {
    method: 'POST',
    headers: { authorization: basicAuth(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    accept: ['application/json'],
    body: new URLSearchParams(form).toString(),
  });
}

export async function exchangeCode(
  fetcher: Fetcher,
  p: { tokenUrl: string; clientId: string; clientSecret: string; code: string; redirectUri: string; scope: string[]; codeVerifier: string },
): Promise<TokenSet> {
  const doc = await tokenRequest(fetcher, p.tokenUrl, p.clientId, p.clientSecret, {
    grant_type: 'authorization_code',
    code: p.code,
    redirect_uri: p.redirectUri,
    scope: p.scope.join(' '),
    code_verifier: p.codeVerifier,
  });
  if (doc.status !== 200) {
    const e = oauthError(doc);
    throw new TokenError(e.error, e.description, doc.status);
  }
  return parseTokens(doc, p.scope);
}

export async function refreshTokens(
  fetcher: Fetcher,
  p: { tokenUrl: string; clientId: string; clientSecret: string; refreshToken: string; scope: string[] },
  previous: TokenSet,
): Promise<TokenSet> {
  const doc = await tokenRequest(fetcher, p.tokenUrl, p.clientId, p.clientSecret, {
    grant_type: 'refresh_token',
    refresh_token: p.refreshToken,
    // Listed as required by the profile; the granted scope, never wider (spec-digest §10.4).
    scope: p.scope.join(' '),
  });
  if (doc.status !== 200) {
    const e = oauthError(doc);
    throw new TokenError(e.error, e.description, doc.status);
  }
  return parseTokens(doc, p.scope, previous);
}

/** RFC 7009. True when the host answered 200 (it also does so for an unknown token). */
export async function revokeToken(
  fetcher: Fetcher,
  p: { revocationUrl: string; clientId: string; clientSecret: string; token: string; hint: 'access_token' | 'refresh_token' },
): Promise<boolean> {
  const doc = await fetcher.request(p.revocationUrl, {
    method: 'POST',
    headers: { authorization: basicAuth(p.clientId, p.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: p.token, token_type_hint: p.hint }).toString(),
  });
  return doc.status === 200;
}
