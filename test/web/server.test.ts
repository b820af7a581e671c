/**
 * The web shell's gatekeeping, over real HTTP on 127.0.0.1: the token (constant-time compare),
 * Host and Origin checks, size and type limits, the static file server, the API's error shape and
 * server-sent events. The browser tests (test/e2e) cover the page itself.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebShell, tokenMatches, type WebShell } from '../../web/server.ts';

let shell: WebShell;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), 'web-shell-'));
  const renderer = path.join(scratch, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>t</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(path.join(renderer, 'assets', 'app.js'), 'export {};');
  writeFileSync(path.join(renderer, '.secret'), 'dotfile');
  writeFileSync(path.join(scratch, 'outside.txt'), 'outside the renderer');
  shell = await startWebShell({
    rendererDir: renderer,
    workspace: path.join(scratch, 'workspace'),
    keystore: `file:${path.join(scratch, 'keys.laurel')}`,
    passphrase: 'web-shell-test',
    log: () => undefined,
  });
});

afterAll(async () => {
  await shell?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(method: string, pathname: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: shell.port, method, path: pathname, headers: { Host: `127.0.0.1:${shell.port}`, ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const api = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  http('POST', `/api/${name}`, { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${shell.token}`, ...headers }, body: JSON.stringify(body) });

describe('web shell: who may call it', () => {
  it('listens on 127.0.0.1 and prints an address carrying the token in its fragment', () => {
    expect(shell.url).toBe(`http://127.0.0.1:${shell.port}/#token=${shell.token}`);
    expect(shell.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('answers 401 without the token or with a wrong one', async () => {
    const none = await http('POST', '/api/workspaceInfo', { headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    const wrong = await api('workspaceInfo', {}, { Authorization: `Bearer ${shell.token.slice(0, -1)}x` });
    expect(wrong.status).toBe(401);
    const events = await http('GET', '/api/events');
    expect(events.status).toBe(401);
  });

  it('compares tokens in constant time, whatever their length', () => {
    expect(tokenMatches(shell.token, shell.token)).toBe(true);
    expect(tokenMatches('', shell.token)).toBe(false);
    expect(tokenMatches(shell.token + 'x', shell.token)).toBe(false);
    expect(tokenMatches(undefined, shell.token)).toBe(false);
  });

  it('refuses other Host headers (DNS rebinding), even with the token', async () => {
    for (const host of ['evil.example', `evil.example:${shell.port}`, `127.0.0.1:${shell.port + 1}`, '127.0.0.1', `0.0.0.0:${shell.port}`]) {
      const r = await api('workspaceInfo', {}, { Host: host });
      expect(r.status, host).toBe(421);
      const page = await http('GET', '/', { headers: { Host: host } });
      expect(page.status, host).toBe(421);
    }
    const local = await api('workspaceInfo', {}, { Host: `localhost:${shell.port}` });
    expect(local.status).toBe(200);
  });

  it('refuses cross-origin requests, even with the token', async () => {
    const r = await api('workspaceInfo', {}, { Origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    const other = await api('workspaceInfo', {}, { Origin: `http://127.0.0.1:${shell.port + 1}` });
    expect(other.status).toBe(403);
    const site = await api('workspaceInfo', {}, { 'Sec-Fetch-Site': 'cross-site' });
    expect(site.status).toBe(403);
    const same = await api('workspaceInfo', {}, { Origin: `http://127.0.0.1:${shell.port}`, 'Sec-Fetch-Site': 'same-origin' });
    expect(same.status).toBe(200);
  });
});

describe('web shell: the API', () => {
  it('answers a method with its JSON result', async () => {
    const r = await api('workspaceInfo', {});
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(r.body)).toMatchObject({ path: path.join(scratch, 'workspace'), issuers: 0, credentials: 0, canSwitchWorkspace: false, keystore: { kind: 'file' } });
  });

  it('names the argument that is wrong, as { code, message } and nothing else', async () => {
    const r = await api('createIssuer', { name: 'Acme', url: 'ftp://acme.example' });
    expect(r.status).toBe(400);
    const body = JSON.parse(r.body) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(body.error.message).toContain('createIssuer.url');
    const extra = await api('listIssuers', { everything: true });
    expect(JSON.parse(extra.body).error.message).toContain('listIssuers.everything');
  });

  it('maps core errors to HTTP statuses', async () => {
    const missing = await api('findIssuer', { issuer: 'Nobody' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.code).toBe('NOT_FOUND');
    const unknown = await api('dropTables', {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('NOT_FOUND');
    const route = await http('POST', '/api/verify/../../etc/passwd', { headers: { Authorization: `Bearer ${shell.token}` } });
    expect(route.status).not.toBe(200);
    const nested = await http('POST', '/api/verify/more', { headers: { Authorization: `Bearer ${shell.token}` } });
    expect(nested.status).toBe(404);
  });

  it('limits what a request may be: JSON only, POST only, at most 16 MB', async () => {
    const text = await api('workspaceInfo', {}, { 'Content-Type': 'text/plain' });
    expect(text.status).toBe(415);
    const get = await http('GET', '/api/workspaceInfo', { headers: { Authorization: `Bearer ${shell.token}` } });
    expect(get.status).toBe(405);
    const bad = await http('POST', '/api/workspaceInfo', { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${shell.token}` }, body: '{not json' });
    expect(bad.status).toBe(400);
    const big = await http('POST', '/api/verify', {
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${shell.token}` },
      body: Buffer.alloc(16 * 1024 * 1024 + 10, 0x20),
    }).catch((e: NodeJS.ErrnoException) => ({ status: e.code === 'EPIPE' || e.code === 'ECONNRESET' ? 413 : 0 }) as Res);
    expect(big.status).toBe(413);
  });

  it('verifies what it is sent and keeps stacks to itself', async () => {
    const r = await api('verify', { text: '{"not":"a credential"}' });
    expect(r.status).toBe(200);
    const report = JSON.parse(r.body) as { verdict: string };
    expect(report.verdict).toBe('invalid');
    const notBase64 = await api('verify', { file: { name: 'x.json', base64: '***' } });
    expect(notBase64.status).toBe(400);
    expect(notBase64.body).not.toMatch(/\bat .+\.ts:\d+/);
    expect(JSON.parse(notBase64.body).error.message).toBe('verify.file.base64: is not base64.');
  });
});

describe('web shell: pages and events', () => {
  it('serves the built renderer with a strict CSP and nothing outside it', async () => {
    const index = await http('GET', '/');
    expect(index.status).toBe(200);
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['x-frame-options']).toBe('DENY');
    const js = await http('GET', '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    for (const p of ['/../outside.txt', '/%2e%2e/outside.txt', '/.secret', '/assets/../../outside.txt', '/nope.html']) {
      expect((await http('GET', p)).status, p).toBe(404);
    }
    expect((await http('DELETE', '/')).status).toBe(405);
  });

  it('streams events to a page that has the session cookie, and only then', async () => {
    const session = await api('session', {});
    expect(session.status).toBe(200);
    expect(JSON.parse(session.body).methods).toContain('verify');
    const cookie = String(session.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^laurel_token_${shell.port}=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=/api/events$`));
    // The cookie opens the event stream, but no POST: those need the header.
    const pair = cookie.split(';')[0]!;
    const post = await http('POST', '/api/workspaceInfo', { headers: { 'Content-Type': 'application/json', Cookie: pair }, body: '{}' });
    expect(post.status).toBe(401);

    const received = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: shell.port, path: '/api/events', headers: { Host: `127.0.0.1:${shell.port}`, Cookie: pair } }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          if (text.includes('"jobId"')) {
            req.destroy();
            resolve(text);
          }
        });
        // The stream is open once the first comment arrives: then send an event.
        res.once('data', () => shell.emit({ jobId: 'job-1', type: 'progress', done: 3, total: 10 }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(received).toContain('data: {"jobId":"job-1","type":"progress","done":3,"total":10}\n\n');
  });
});
