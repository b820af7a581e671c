/**
 * The web shell: a loopback HTTP server that serves the built renderer and answers the Studio API
 * (POST /api/<method>, JSON in and out) with job progress as server-sent events (GET /api/events).
 *
 * Who may call it: only a page that was given this launch's random token (in the URL fragment,
 * which browsers never send to servers or put in Referer). The token travels in an
 * `Authorization: Bearer` header on every POST; EventSource can't set headers, so the first
 * tokened request sets an HttpOnly, SameSite=Strict cookie that only GET /api/events accepts.
 * Requests naming any Host but 127.0.0.1/localhost:<port> are refused (DNS rebinding), as are
 * cross-origin ones. Listens on 127.0.0.1 only.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Studio, type StudioOptions } from '../core/api/studio.ts';
import { STUDIO_METHODS, callStudio, type StudioHost } from '../core/api/contract.ts';
import { JobRunner, type StudioEvent, type WireError } from '../core/api/wire.ts';
import { CONTENT_TYPES, CSP, SECURITY_HEADERS } from '../renderer/csp.ts';

export { CSP };

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');

/** The largest API request body: a 10 MB file as base64 plus its JSON wrapping. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;


export interface WebShellOptions extends Omit<StudioOptions, 'face'> {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The built renderer (default dist/renderer). */
  rendererDir?: string;
  /** Where the shell writes what it does and internal errors (default: stderr). */
  log?: (line: string) => void;
}

export interface WebShell {
  /** The address to open, carrying the token in its fragment. */
  url: string;
  origin: string;
  port: number;
  token: string;
  studio: Studio;
  /** Sends an event to every page listening on /api/events (jobs use it through the JobRunner). */
  emit(event: StudioEvent): void;
  close(): Promise<void>;
}

const STATUS: Record<string, number> = {
  INVALID_INPUT: 400,
  VALIDATION: 422,
  ENCODING_REQUIRED: 422,
  BAD_PASSPHRASE: 422,
  UNSUPPORTED: 422,
  NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  CONFLICT: 409,
  CANCELLED: 409,
  UNAUTHORIZED: 401,
  KEYSTORE_UNAVAILABLE: 503,
  KEYSTORE_LOCKED: 503,
  NETWORK_REFUSED: 503,
  UNAVAILABLE: 503,
  CONTEXT_INTEGRITY: 500,
  INTERNAL: 500,
};

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(given), digest(expected));
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, error: WireError, extra: Record<string, string> = {}): void {
  send(res, status, JSON.stringify({ error }), 'application/json; charset=utf-8', extra);
}

/** Reads a request body up to `limit` bytes; null when it is larger (the request is then answered 413). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return resolve(null);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startWebShell(options: WebShellOptions = {}): Promise<WebShell> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const rendererDir = path.resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR);
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`The studio's pages are not built (${path.join(rendererDir, 'index.html')} is missing): run npm run build:renderer.`);
  }
  const { port: _p, rendererDir: _r, log: _l, ...studioOptions } = options;
  const studio = Studio.open({ ...studioOptions, face: 'web' });
  const token = randomBytes(32).toString('base64url');
  const clients = new Set<ServerResponse>();
  const emit = (event: StudioEvent) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const c of clients) c.write(frame);
  };
  const internal = (e: unknown) => log(`laurel web: internal error: ${(e as Error)?.stack ?? String(e)}`);
  const host: StudioHost = { studio, jobs: new JobRunner(emit, internal), canSwitchWorkspace: false };

  let port = 0;
  let cookieName = 'laurel_token';
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, { code: 'INVALID_INPUT', message: 'Only GET here.' }, { Allow: 'GET, HEAD' });
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = path.resolve(rendererDir, rel);
    // No way out of the renderer folder, no dotfiles.
    if (!file.startsWith(rendererDir + path.sep) || rel.split('/').some((p) => p.startsWith('.')) || !existsSync(file) || !statSync(file).isFile()) {
      return send(res, 404, 'Not found', 'text/plain; charset=utf-8');
    }
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    const body = readFileSync(file);
    const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-store';
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': cache });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, name: string) => {
    // A browser says where a request comes from: refuse anything but our own page.
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if ((origin !== undefined && origin !== `http://${req.headers.host}`) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
      return sendError(res, 403, { code: 'UNAUTHORIZED', message: 'Requests from other sites are refused.' });
    }
    const auth = req.headers.authorization;
    const bearer = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;

    if (name === 'events') {
      if (req.method !== 'GET') return sendError(res, 405, { code: 'INVALID_INPUT', message: 'GET /api/events.' }, { Allow: 'GET' });
      if (!tokenMatches(bearer ?? cookie(req, cookieName), token)) return sendError(res, 401, { code: 'UNAUTHORIZED', message: 'This studio needs the address it printed at launch.' });
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': laurel events\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (req.method !== 'POST') return sendError(res, 405, { code: 'INVALID_INPUT', message: `POST /api/${name}.` }, { Allow: 'POST' });
    if (!tokenMatches(bearer, token)) return sendError(res, 401, { code: 'UNAUTHORIZED', message: 'This studio needs the address it printed at launch.' });
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return sendError(res, 415, { code: 'INVALID_INPUT', message: 'Send JSON (Content-Type: application/json).' });
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw === null) return sendError(res, 413, { code: 'INVALID_INPUT', message: `The request is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.` }, { Connection: 'close' });
    // The session cookie for EventSource, set only in answer to a tokened request.
    const setCookie = { 'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/api/events` };
    if (name === 'session') return send(res, 200, JSON.stringify({ methods: STUDIO_METHODS }), 'application/json; charset=utf-8', setCookie);
    let args: unknown;
    try {
      args = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      return sendError(res, 400, { code: 'INVALID_INPUT', message: 'The request body is not valid JSON.' });
    }
    const outcome = await callStudio(host, name, args, internal);
    if (outcome.ok) send(res, 200, JSON.stringify(outcome.value), 'application/json; charset=utf-8');
    else sendError(res, STATUS[outcome.error.code] ?? 400, outcome.error);
  };

  const server: Server = createServer((req, res) => {
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still says Host: evil.example.
    if (!allowedHosts().has(String(req.headers.host ?? '').toLowerCase())) {
      return sendError(res, 421, { code: 'UNAUTHORIZED', message: 'Wrong host: use the address the studio printed.' });
    }
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    } catch {
      return sendError(res, 400, { code: 'INVALID_INPUT', message: 'Bad request address.' });
    }
    const api = /^\/api\/([A-Za-z][A-Za-z0-9]{0,63})$/.exec(pathname);
    if (pathname.startsWith('/api/') && !api) return sendError(res, 404, { code: 'NOT_FOUND', message: 'No such API route.' });
    const work = api ? handleApi(req, res, api[1]!) : Promise.resolve(serveStatic(req, res, pathname));
    work.catch((e: unknown) => {
      internal(e);
      if (!res.headersSent) sendError(res, 500, { code: 'INTERNAL', message: 'Something went wrong inside Laurel Studio.' });
      else res.destroy();
    });
  });
  server.requestTimeout = 120_000;
  server.headersTimeout = 20_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  }).catch((e: unknown) => {
    studio.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'EADDRINUSE' ? `Port ${options.port} is in use: choose another with --port, or leave it out for a free one.` : (e as Error).message);
  });
  port = (server.address() as { port: number }).port;
  cookieName = `laurel_token_${port}`; // cookies ignore ports: one name per launch keeps two studios apart
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(': ping\n\n');
  }, 15_000);
  keepAlive.unref();

  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    studio,
    emit,
    close: async () => {
      clearInterval(keepAlive);
      for (const c of clients) c.end();
      clients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      studio.close();
    },
  };
}
