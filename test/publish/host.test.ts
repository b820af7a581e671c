/**
 * The test host itself, spoken to over plain HTTP (no core/ code): it must be a faithful
 * provider, or the client tests prove nothing. Discovery, registration, authorization with PKCE
 * and state, codes, tokens, revocation, paging, upsert by the equality rule, JWS, profile, CLR,
 * scopes, schema validation and Imsx_StatusInfo errors.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CODE_LIFETIME_MS, startTestHost, type TestHost } from '../host/server.ts';

const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/scope/';
const CLR = 'https://purl.imsglobal.org/spec/clr/v2p0/scope/';
const SPEC = path.resolve(import.meta.dirname, '../../../shared/spec');
const REDIRECT = 'http://127.0.0.1:9/callback'; // never contacted: redirects are read, not followed

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ name: 'Spec Wallet' });
});
afterAll(() => host?.close());

function schema(file: string) {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(path.join(SPEC, file), 'utf8')) as object);
}
const statusInfo = schema('ob3/schemas/json-ld/ob_v3p0_imsx_statusinfo_schema.json');
const listSchema = schema('ob3/schemas/json-ld/ob_v3p0_getopenbadgecredentialsresponse_schema.json');

async function imsx(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as Record<string, unknown>;
  expect(statusInfo(body), JSON.stringify(statusInfo.errors)).toBe(true);
  expect(body).toMatchObject({ imsx_codeMajor: 'failure', imsx_severity: 'error' });
  return body.imsx_description as string;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

const CLIENT = {
  client_name: 'Spec Client',
  client_uri: 'https://client.example/',
  logo_uri: 'https://client.example/logo.png',
  tos_uri: 'https://client.example/tos',
  policy_uri: 'https://client.example/privacy',
  software_id: '3b9e5a4e-3d0c-4c55-9a55-1f0e6f0f2a11',
  software_version: '1.0.0',
};
const ALL = ['credential.readonly', 'credential.upsert', 'profile.readonly', 'profile.update'];
const SCOPES = [...ALL.map((s) => OB + s), ...ALL.map((s) => CLR + s), 'offline_access'];

async function register(extra: Record<string, unknown> = {}): Promise<{ id: string; secret: string; res: Response; body: Record<string, unknown> }> {
  const res = await fetch(`${host.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...CLIENT, redirect_uris: [REDIRECT], scope: SCOPES.join(' '), grant_types: ['authorization_code', 'refresh_token'], ...extra }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  return { id: body.client_id as string, secret: body.client_secret as string, res, body };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(clientId: string, p: Record<string, string | null>): string {
  const u = new URL(`${host.url}/oauth/authorize`);
  const params: Record<string, string | null> = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope: SCOPES.join(' '), state: 'st-123', ...p };
  for (const [k, v] of Object.entries(params)) if (v !== null) u.searchParams.set(k, v);
  return u.href;
}

/** Consent approved over HTTP; the redirect's query. */
async function approve(url: string, decision = 'approve'): Promise<URLSearchParams> {
  const page = await fetch(url);
  const html = await page.text();
  const field = (n: string) => new RegExp(`name="${n}" value="([^"]+)"`).exec(html)?.[1] ?? '';
  const res = await fetch(`${host.url}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request_id: field('request_id'), csrf: field('csrf'), decision }).toString(),
  });
  expect(res.status).toBe(303);
  const loc = new URL(res.headers.get('location')!);
  expect(loc.origin + loc.pathname).toBe(REDIRECT);
  return loc.searchParams;
}

async function token(id: string, secret: string, form: Record<string, string>): Promise<{ res: Response; body: Record<string, unknown> }> {
  const res = await fetch(`${host.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

async function grant(scopes = SCOPES): Promise<{ id: string; secret: string; access: string; refresh: string; scope: string }> {
  const c = await register();
  const p = pkce();
  const q = await approve(authorizeUrl(c.id, { scope: scopes.join(' '), code_challenge: p.challenge, code_challenge_method: 'S256' }));
  const t = await token(c.id, c.secret, { grant_type: 'authorization_code', code: q.get('code')!, redirect_uri: REDIRECT, scope: scopes.join(' '), code_verifier: p.verifier });
  expect(t.res.status).toBe(200);
  return { id: c.id, secret: c.secret, access: t.body.access_token as string, refresh: t.body.refresh_token as string, scope: t.body.scope as string };
}

const credential = (n: number, extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const c = JSON.parse(readFileSync(path.join(SPEC, 'ob3/examples/test-vectors/eddsa-rdfc-2022-credential-signed.json'), 'utf8')) as Record<string, unknown>;
  return { ...c, id: `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, ...extra };
};

async function post(access: string, body: unknown, type = 'application/json', api = '/ims/ob/v3p0'): Promise<Response> {
  return fetch(`${host.url}${api}/credentials`, { method: 'POST', headers: { authorization: `Bearer ${access}`, 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

describe('test host: discovery', () => {
  it('serves the SDD without auth, valid against the official ServiceDescriptionDocument schema, with ETag and 304', async () => {
    const res = await fetch(`${host.url}/ims/ob/v3p0/discovery`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    const sdd = (await res.json()) as Record<string, any>;
    const oas = JSON.parse(readFileSync(path.join(SPEC, 'ob3/openapi/ob_v3p0_oas.json'), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addSchema({ ...oas, $id: 'https://laurel.test/oas.json' });
    const check = ajv.getSchema('https://laurel.test/oas.json#/components/schemas/ServiceDescriptionDocument')!;
    expect(check(sdd), JSON.stringify(check.errors)).toBe(true);
    expect(sdd.info).toMatchObject({ title: 'Spec Wallet', termsOfService: `${host.url}/terms`, 'x-imssf-privacyPolicyUrl': `${host.url}/privacy` });
    const scheme = sdd.components.securitySchemes.OAuth2ACG;
    expect(scheme['x-imssf-registrationUrl']).toBe(`${host.url}/oauth/register`);
    expect(Object.keys(scheme.flows.authorizationCode.scopes)).toEqual(expect.arrayContaining(ALL.map((s) => OB + s)));
    const again = await fetch(`${host.url}/ims/ob/v3p0/discovery`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const clr = (await (await fetch(`${host.url}/ims/clr/v2p0/discovery`)).json()) as Record<string, any>;
    expect(Object.keys(clr.components.securitySchemes.OAuth2ACG.flows.authorizationCode.scopes)).toEqual(expect.arrayContaining(ALL.map((s) => CLR + s)));
  });
});

describe('test host: registration (RFC 7591)', () => {
  it('answers 201 with a client id and secret, echoing the metadata', async () => {
    const c = await register();
    expect(c.res.status).toBe(201);
    expect(c.body).toMatchObject({ ...CLIENT, redirect_uris: [REDIRECT], client_secret_expires_at: 0 });
    expect(c.id).toBeTruthy();
    expect(c.secret.length).toBeGreaterThan(30);
    expect(c.res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses missing required fields, a redirect that is not an array of https/loopback URLs, other auth methods', async () => {
    for (const [extra, error] of [
      [{ software_id: undefined }, 'invalid_client_metadata'],
      [{ policy_uri: '' }, 'invalid_client_metadata'],
      [{ redirect_uris: REDIRECT }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['http://wallet.example/cb'] }, 'invalid_redirect_uri'],
      [{ token_endpoint_auth_method: 'none' }, 'invalid_client_metadata'],
      [{ grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
    ] as const) {
      const c = await register(extra);
      expect(c.res.status, JSON.stringify(extra)).toBe(400);
      expect(c.body.error).toBe(error);
    }
  });
});

describe('test host: authorization code with PKCE', () => {
  it('shows the client on the consent page and redirects with code, scope and state', async () => {
    const c = await register();
    const p = pkce();
    const url = authorizeUrl(c.id, { code_challenge: p.challenge, code_challenge_method: 'S256' });
    const html = await (await fetch(url)).text();
    for (const v of [CLIENT.client_name, CLIENT.client_uri, CLIENT.tos_uri, CLIENT.policy_uri]) expect(html).toContain(v);
    const q = await approve(url);
    expect(q.get('state')).toBe('st-123');
    expect(q.get('code')).toBeTruthy();
    expect(q.get('scope')!.split(' ')).toEqual(SCOPES);
    const denied = await approve(authorizeUrl(c.id, { code_challenge: p.challenge, code_challenge_method: 'S256' }), 'deny');
    expect(Object.fromEntries(denied)).toMatchObject({ error: 'access_denied', state: 'st-123' });
  });

  it('requires PKCE S256 and state; never redirects to an unregistered address', async () => {
    const c = await register();
    const p = pkce();
    const redirectOf = async (url: string) => {
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(303);
      return new URL(res.headers.get('location')!).searchParams;
    };
    expect((await redirectOf(authorizeUrl(c.id, {}))).get('error')).toBe('invalid_request');
    expect((await redirectOf(authorizeUrl(c.id, { code_challenge: p.verifier, code_challenge_method: 'plain' }))).get('error')).toBe('invalid_request');
    const noState = await redirectOf(authorizeUrl(c.id, { state: null, code_challenge: p.challenge, code_challenge_method: 'S256' }));
    expect(noState.get('error')).toBe('invalid_request');
    expect((await redirectOf(authorizeUrl(c.id, { response_type: 'token', code_challenge: p.challenge, code_challenge_method: 'S256' }))).get('error')).toBe('unsupported_response_type');
    const other = await fetch(authorizeUrl(c.id, { redirect_uri: 'http://127.0.0.1:9/elsewhere', code_challenge: p.challenge, code_challenge_method: 'S256' }), { redirect: 'manual' });
    expect(other.status).toBe(400);
    expect(other.headers.get('location')).toBeNull();
  });

  it('exchanges a code once, with Basic auth and the right verifier; a replay is refused and revokes what the code gave', async () => {
    const c = await register();
    const p = pkce();
    const code = (await approve(authorizeUrl(c.id, { code_challenge: p.challenge, code_challenge_method: 'S256' }))).get('code')!;
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, scope: SCOPES.join(' '), code_verifier: p.verifier };
    const wrongAuth = await token(c.id, 'not-the-secret', form);
    expect(wrongAuth.res.status).toBe(401);
    expect(wrongAuth.body.error).toBe('invalid_client');
    const ok = await token(c.id, c.secret, form);
    expect(ok.res.status).toBe(200);
    expect(ok.res.headers.get('cache-control')).toBe('no-store');
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: SCOPES.join(' ') });
    expect((await fetch(`${host.url}/ims/ob/v3p0/credentials`, { headers: { authorization: `Bearer ${ok.body.access_token}` } })).status).toBe(200);
    const replay = await token(c.id, c.secret, form);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await fetch(`${host.url}/ims/ob/v3p0/credentials`, { headers: { authorization: `Bearer ${ok.body.access_token}` } })).status).toBe(401);
    // A wrong verifier fails (and burns the code).
    const code2 = (await approve(authorizeUrl(c.id, { code_challenge: p.challenge, code_challenge_method: 'S256' }))).get('code')!;
    expect((await token(c.id, c.secret, { ...form, code: code2, code_verifier: pkce().verifier })).body).toMatchObject({ error: 'invalid_grant', error_description: 'PKCE verification failed.' });
  });

  it('codes live 10 minutes', async () => {
    const c = await register();
    const p = pkce();
    const code = (await approve(authorizeUrl(c.id, { code_challenge: p.challenge, code_challenge_method: 'S256' }))).get('code')!;
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + CODE_LIFETIME_MS + 1000 });
    try {
      const t = await token(c.id, c.secret, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, scope: SCOPES.join(' '), code_verifier: p.verifier });
      expect(t.body).toMatchObject({ error: 'invalid_grant', error_description: 'The authorization code expired.' });
    } finally {
      vi.useRealTimers();
    }
    expect(CODE_LIFETIME_MS).toBe(600_000);
  });

  it('refreshes (never wider), rotates refresh tokens, and revokes (RFC 7009)', async () => {
    const g = await grant([OB + 'credential.readonly', 'offline_access']);
    const wider = await token(g.id, g.secret, { grant_type: 'refresh_token', refresh_token: g.refresh, scope: `${OB}credential.readonly ${OB}credential.upsert` });
    expect(wider.body.error).toBe('invalid_scope');
    const r = await token(g.id, g.secret, { grant_type: 'refresh_token', refresh_token: g.refresh, scope: `${OB}credential.readonly` });
    expect(r.res.status).toBe(200);
    expect(r.body.refresh_token).not.toBe(g.refresh);
    expect((await token(g.id, g.secret, { grant_type: 'refresh_token', refresh_token: g.refresh, scope: '' })).body.error).toBe('invalid_grant');
    const revoke = (form: Record<string, string>, secret = g.secret) =>
      fetch(`${host.url}/oauth/revoke`, { method: 'POST', headers: { authorization: basic(g.id, secret), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
    expect((await revoke({ token: r.body.access_token as string })).status).toBe(400); // token_type_hint required here
    expect((await revoke({ token: 'unknown', token_type_hint: 'access_token' })).status).toBe(200);
    expect((await revoke({ token: 'x', token_type_hint: 'id_token' })).status).toBe(400);
    expect((await revoke({ token: r.body.refresh_token as string, token_type_hint: 'refresh_token' }, 'wrong')).status).toBe(401);
    expect((await revoke({ token: r.body.refresh_token as string, token_type_hint: 'refresh_token' })).status).toBe(200);
    // The access token issued with that refresh token ends too.
    expect((await fetch(`${host.url}/ims/ob/v3p0/credentials`, { headers: { authorization: `Bearer ${r.body.access_token}` } })).status).toBe(401);
  });
});

describe('test host: the API', () => {
  it('checks the bearer token and its scope, answering Imsx_StatusInfo', async () => {
    expect(await imsx(await fetch(`${host.url}/ims/ob/v3p0/credentials`), 401)).toContain('access token');
    const g = await grant([OB + 'credential.readonly']);
    expect(await imsx(await post(g.access, credential(1)), 403)).toContain(`${OB}credential.upsert`);
    expect(await imsx(await fetch(`${host.url}/ims/ob/v3p0/profile`, { headers: { authorization: `Bearer ${g.access}` } }), 403)).toContain('profile.readonly');
    expect(await imsx(await fetch(`${host.url}/ims/ob/v3p0/credentials`, { method: 'DELETE', headers: { authorization: `Bearer ${g.access}` } }), 405)).toBeTruthy();
  });

  it('upserts by the equality rule: 201 new, 200 newer validFrom, 304 same or older; echoes the body; JSON and JWS', async () => {
    const g = await grant();
    const a = credential(10);
    const created = await post(g.access, a, 'application/vc+ld+json');
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual(a);
    // Same issuer id and id after percent-decoding and trimming: the same credential.
    const same = { ...a, id: ` ${(a.id as string).replace(/-/g, '%2D')} `, validFrom: a.validFrom };
    expect((await post(g.access, same)).status).toBe(304);
    const newer = { ...a, validFrom: '2031-01-01T00:00:00Z' };
    expect((await post(g.access, newer)).status).toBe(200);
    expect((await post(g.access, { ...a, validFrom: '2020-01-01T00:00:00Z' })).status).toBe(304);
    // A compact JWS (text/plain) comes back as text/plain.
    const payload = Buffer.from(JSON.stringify(credential(11))).toString('base64url');
    const jws = `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}.${payload}.${randomBytes(64).toString('base64url')}`;
    const j = await post(g.access, jws, 'text/plain');
    expect(j.status).toBe(201);
    expect(j.headers.get('content-type')).toBe('text/plain');
    expect(await j.text()).toBe(jws);
    const list = (await (await fetch(`${host.url}/ims/ob/v3p0/credentials`, { headers: { authorization: `Bearer ${g.access}` } })).json()) as Record<string, unknown[]>;
    expect(listSchema(list), JSON.stringify(listSchema.errors)).toBe(true);
    expect(list.compactJwsString).toContain(jws);
    expect((list.credential as Array<Record<string, unknown>>).find((c) => c.id === a.id)?.validFrom).toBe('2031-01-01T00:00:00Z');
  });

  it('validates request bodies against the official schemas', async () => {
    const g = await grant();
    const before = host.rejected.length;
    const { credentialSubject: _s, ...noSubject } = credential(20);
    expect(await imsx(await post(g.access, noSubject), 400)).toMatch(/AchievementCredential schema.*credentialSubject/);
    expect(await imsx(await post(g.access, { ...credential(21), type: ['VerifiableCredential'] }), 400)).toContain('schema');
    expect(await imsx(await post(g.access, '{not json'), 400)).toContain('not JSON');
    expect(await imsx(await post(g.access, 'a.b'), 400)).toBeTruthy();
    expect(await imsx(await post(g.access, credential(22), 'application/xml'), 415)).toBeTruthy();
    expect(host.rejected.length).toBe(before + 2);
    const profile = (body: unknown) => fetch(`${host.url}/ims/ob/v3p0/profile`, { method: 'PUT', headers: { authorization: `Bearer ${g.access}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(await imsx(await profile({ id: 'https://issuer.example', name: 'No type' }), 400)).toContain('Profile schema');
  });

  it('pages with limit/offset/since, X-Total-Count and Link (first, last, next, prev)', async () => {
    const h = await startTestHost();
    try {
      const c = await (async () => {
        const prev = host;
        host = h;
        try {
          return await grant();
        } finally {
          host = prev;
        }
      })();
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${h.url}/ims/ob/v3p0/credentials`, { method: 'POST', headers: { authorization: `Bearer ${c.access}`, 'content-type': 'application/json' }, body: JSON.stringify(credential(100 + i, { validFrom: `2030-0${i + 1}-01T00:00:00Z` })) });
        expect(res.status).toBe(201);
      }
      const get = (q: string) => fetch(`${h.url}/ims/ob/v3p0/credentials${q}`, { headers: { authorization: `Bearer ${c.access}` } });
      const links = (res: Response) => Object.fromEntries([...res.headers.get('link')!.matchAll(/<([^>]+)>; rel="(\w+)"/g)].map((m) => [m[2], new URL(m[1]!).search]));
      const p1 = await get('?limit=2&offset=0');
      expect(p1.headers.get('x-total-count')).toBe('5');
      expect(((await p1.json()) as { credential: unknown[] }).credential).toHaveLength(2);
      expect(links(p1)).toEqual({ next: '?limit=2&offset=2', first: '?limit=2&offset=0', last: '?limit=2&offset=4' });
      const p2 = await get('?limit=2&offset=2');
      expect(links(p2)).toMatchObject({ next: '?limit=2&offset=4', prev: '?limit=2&offset=0' });
      const p3 = await get('?limit=2&offset=4');
      expect(links(p3).next).toBeUndefined();
      expect(((await p3.json()) as { credential: unknown[] }).credential).toHaveLength(1);
      const since = await get(`?since=${encodeURIComponent('2030-03-15T00:00:00Z')}`);
      expect(since.headers.get('x-total-count')).toBe('2');
      expect(await imsx(await get('?limit=0'), 400)).toContain('limit');
      expect(await imsx(await get('?since=yesterday'), 400)).toContain('since');
    } finally {
      await h.close();
    }
  });

  it('keeps a profile (GET 404 first, PUT 200, then 304 unchanged) and offers the same under /ims/clr/v2p0', async () => {
    const g = await grant();
    for (const api of ['/ims/ob/v3p0', '/ims/clr/v2p0']) {
      const url = `${host.url}${api}/profile`;
      const auth = { authorization: `Bearer ${g.access}` };
      expect(await imsx(await fetch(url, { headers: auth }), 404)).toBeTruthy();
      const profile = { id: 'https://issuer.example/profile', type: ['Profile'], name: 'Issuer' };
      const put = () => fetch(url, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(profile) });
      const first = await put();
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual(profile);
      expect((await put()).status).toBe(304);
      expect(await (await fetch(url, { headers: auth })).json()).toEqual(profile);
    }
    // A CLR credential goes to the CLR API and is validated against the ClrCredential schema.
    const clr = JSON.parse(readFileSync(path.join(SPEC, 'clr2/examples/test-vectors/eddsa-rdfc-2022-clrcredential-signed.json'), 'utf8')) as Record<string, unknown>;
    expect((await post(g.access, clr, 'application/json', '/ims/clr/v2p0')).status).toBe(201);
    expect(await imsx(await post(g.access, credential(30), 'application/json', '/ims/clr/v2p0'), 400)).toContain('ClrCredential schema');
    expect(host.store.clr.credentials.map((c) => c.credential.id)).toEqual([clr.id]);
  });

  it('misbehaves on request: 429 with Retry-After, 500, fewer scopes, expired tokens', async () => {
    const h = await startTestHost({ behaviour: { withholdScopes: [OB + 'credential.upsert'] } });
    const prev = host;
    host = h;
    try {
      const g = await grant();
      expect(g.scope.split(' ')).not.toContain(OB + 'credential.upsert');
      expect(g.scope.split(' ')).toContain(OB + 'credential.readonly');
      h.behaviour.rateLimit = { count: 1, retryAfter: '7' };
      const busy = await fetch(`${h.url}/ims/ob/v3p0/credentials`, { headers: { authorization: `Bearer ${g.access}` } });
      expect(busy.headers.get('retry-after')).toBe('7');
      await imsx(busy, 429);
      h.behaviour.withholdScopes = [];
      const g2 = await grant();
      h.behaviour.failUpserts = 1;
      await imsx(await post(g2.access, credential(40)), 500);
      expect((await post(g2.access, credential(40))).status).toBe(201);
      h.expireAccessTokens();
      await imsx(await post(g2.access, credential(41)), 401);
    } finally {
      host = prev;
      await h.close();
    }
  });

  it('runs by hand with npm run host:dev (the same server), and stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { freePort } = await import('./helpers.ts');
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../host/dev.ts'), '--port', String(port), '--name', 'By Hand'], { cwd: path.resolve(import.meta.dirname, '../..') });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    try {
      await vi.waitFor(() => expect(out).toContain(`listening on http://127.0.0.1:${port}`), { timeout: 15_000 });
      const sdd = (await (await fetch(`http://127.0.0.1:${port}/ims/ob/v3p0/discovery`)).json()) as { info: { title: string } };
      expect(sdd.info.title).toBe('By Hand');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 30_000);
});
