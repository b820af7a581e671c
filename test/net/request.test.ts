// core/net request(): methods with bodies (publishing to hosts), under the fetcher's rules.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetcher, setAirGapped } from '../../core/net/index.ts';
import { isLaurelError } from '../../core/util/errors.ts';

let server: http.Server;
let base = '';
const seen: Array<{ method: string; path: string; type: string | undefined; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push({ method: req.method ?? '', path, type: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      if (path === '/see-other') return res.writeHead(303, { location: '/elsewhere' }).end();
      if (path === '/trickle') {
        // Headers at once, the body never finishes within the limit.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"a":');
        return setTimeout(() => res.end('1}'), 1500);
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-echo': req.method ?? '' }).end(JSON.stringify({ got: Buffer.concat(chunks).toString('utf8') }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function code(p: Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
  try {
    await p;
  } catch (e) {
    if (isLaurelError(e)) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  throw new Error('expected a LaurelError');
}

describe('core/net request()', () => {
  const f = createFetcher({ timeoutMs: 2000 });

  it('sends POST and PUT bodies with their headers and returns any status', async () => {
    const post = await f.request(`${base}/credentials`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'a.b.c' });
    expect(post.status).toBe(201);
    expect(post.headers['x-echo']).toBe('POST');
    expect(JSON.parse(new TextDecoder().decode(post.body))).toEqual({ got: 'a.b.c' });
    const put = await f.request(`${base}/profile`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode('{"x":1}') });
    expect(put.status).toBe(201);
    expect(seen.at(-1)).toEqual({ method: 'PUT', path: '/profile', type: 'application/json', body: '{"x":1}' });
  });

  it('never follows a redirect with a body (the body would go to another address)', async () => {
    const before = seen.length;
    const r = await f.request(`${base}/see-other`, { method: 'POST', body: 'secret=1' });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/elsewhere');
    expect(seen.slice(before).map((s) => s.path)).toEqual(['/see-other']);
  });

  it('applies a per-request time limit to the whole answer, body included, and says it was a timeout', async () => {
    const e = await code(f.request(`${base}/trickle`, { timeoutMs: 300 }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/did not finish answering within 300 ms/);
    expect(e.details).toEqual({ timeout: true });
  });

  it('keeps the fetcher rules: no plain http off this machine, nothing when air-gapped', async () => {
    expect((await code(f.request('http://wallet.example/credentials', { method: 'POST', body: 'x' }))).code).toBe('INVALID_INPUT');
    setAirGapped(true);
    try {
      expect((await code(f.request(`${base}/credentials`, { method: 'POST', body: 'x' }))).code).toBe('NETWORK_REFUSED');
    } finally {
      setAirGapped(false);
    }
  });
});
