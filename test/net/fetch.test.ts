import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFetcher, setAirGapped } from '../../core/net/index.ts';

let server: http.Server;
let base = '';
let hits = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits++;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, accept: req.headers.accept }));
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { location: '/json' }).end();
    } else if (url.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' }).end();
    } else if (url.pathname === '/big') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('x'.repeat(2048));
    } else if (url.pathname === '/slow') {
      setTimeout(() => res.writeHead(200).end('{}'), 2000);
    } else if (url.pathname === '/away') {
      res.writeHead(302, { location: 'http://example.org/elsewhere' }).end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('core/net fetcher', () => {
  const f = createFetcher({ timeoutMs: 500, maxBytes: 1024, maxRedirects: 3 });

  it('fetches JSON with an Accept header and follows redirects', async () => {
    expect(await f.getJson(`${base}/redirect`)).toEqual({ ok: true, accept: 'application/json, application/ld+json' });
  });

  it('turns every failure into a typed error', async () => {
    await expect(f.getJson(`${base}/missing`)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('HTTP 404') });
    await expect(f.getJson(`${base}/loop`)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('redirected more than 3') });
    await expect(f.getJson(`${base}/big`)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('1024-byte limit') });
    await expect(f.getJson(`${base}/slow`)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('did not answer') });
    await expect(f.getJson('http://example.org/x')).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('only https') });
    await expect(f.getJson(`${base}/away`)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(f.getJson('not a url')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses everything in air-gapped mode without connecting', async () => {
    const before = hits;
    setAirGapped(true);
    try {
      await expect(f.getJson(`${base}/json`)).rejects.toMatchObject({ code: 'NETWORK_REFUSED', message: expect.stringContaining('Air-gapped') });
    } finally {
      setAirGapped(false);
    }
    expect(hits).toBe(before);
  });
});
