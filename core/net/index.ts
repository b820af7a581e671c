import { LaurelError } from '../util/errors.ts';

/**
 * The one way core code reaches the network: bounded in time, size and redirects, https only
 * (loopback http is allowed for tests and local hosts), and refused outright in air-gapped mode.
 * Contexts never come through here: they are pinned (core/jsonld).
 */
export interface FetchLimits {
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** The workspace's air-gapped setting, asked before every request (Studio passes its own). */
  airGapped?: () => boolean;
}

export interface FetchedDocument {
  url: string;
  /** The final URL after redirects. */
  finalUrl: string;
  status: number;
  contentType: string;
  body: Uint8Array;
  headers: Record<string, string>;
}

export interface RequestOptions {
  /** Default GET. Only GET and HEAD follow redirects: a body is never re-sent to another address. */
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  accept?: string[];
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** This request's time limit, when it differs from the fetcher's. */
  timeoutMs?: number;
}

export interface Fetcher {
  get(url: string, options?: { accept?: string[]; signal?: AbortSignal; headers?: Record<string, string> }): Promise<FetchedDocument>;
  getJson(url: string, options?: { accept?: string[]; signal?: AbortSignal }): Promise<unknown>;
  /** Any method, with a body and headers, under the same rules (https or loopback, limits, air gap). */
  request(url: string, options?: RequestOptions): Promise<FetchedDocument>;
}

const DEFAULTS: Required<Omit<FetchLimits, 'airGapped'>> = { timeoutMs: 10_000, maxBytes: 5 * 1024 * 1024, maxRedirects: 5 };

let airGapped = false;

/** Air-gapped mode: every fetch is refused before any connection is attempted. */
export function setAirGapped(on: boolean): void {
  airGapped = on;
}

export function isAirGapped(): boolean {
  return airGapped;
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

export function checkFetchableUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LaurelError('INVALID_INPUT', `'${raw.slice(0, 200)}' is not a URL.`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new LaurelError('INVALID_INPUT', `Refusing to fetch ${url.href.slice(0, 200)}: only https URLs (or http on this machine) are fetched.`);
}

async function readBounded(res: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new LaurelError('INVALID_INPUT', `${url} is ${declared} bytes, more than the ${maxBytes}-byte limit.`);
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new LaurelError('INVALID_INPUT', `${url} sent more than the ${maxBytes}-byte limit.`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

export function createFetcher(limits: FetchLimits = {}): Fetcher {
  const { timeoutMs, maxBytes, maxRedirects } = { ...DEFAULTS, ...limits };
  const workspaceAirGapped = limits.airGapped;

  async function request(raw: string, options: RequestOptions = {}): Promise<FetchedDocument> {
    if (airGapped || workspaceAirGapped?.()) throw new LaurelError('NETWORK_REFUSED', `Air-gapped mode is on: ${raw.slice(0, 200)} was not fetched.`);
    let url = checkFetchableUrl(raw);
    const method = options.method ?? 'GET';
    const limitMs = options.timeoutMs ?? timeoutMs;
    const timeout = AbortSignal.timeout(limitMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    for (let hop = 0; ; hop++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          redirect: 'manual',
          signal,
          headers: { ...(options.accept ? { accept: options.accept.join(', ') } : {}), ...options.headers },
          ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : new Uint8Array(options.body) } : {}),
        });
      } catch (cause) {
        if (timeout.aborted) throw new LaurelError('NOT_FOUND', `${url.href} did not answer within ${limitMs < 1000 ? `${limitMs} ms` : `${Math.round(limitMs / 1000)} s`}.`, { cause, details: { timeout: true } });
        if (options.signal?.aborted) throw new LaurelError('CANCELLED', 'cancelled', { cause });
        const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).message;
        throw new LaurelError('NOT_FOUND', `Could not reach ${url.href}: ${reason}.`, { cause });
      }
      if ((method === 'GET' || method === 'HEAD') && res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        if (hop >= maxRedirects) throw new LaurelError('NOT_FOUND', `${raw} redirected more than ${maxRedirects} times.`);
        url = checkFetchableUrl(new URL(res.headers.get('location')!, url).href);
        continue;
      }
      let body: Uint8Array;
      try {
        body = await readBounded(res, maxBytes, url.href);
      } catch (cause) {
        // The time limit covers the whole answer, body included.
        if (timeout.aborted) throw new LaurelError('NOT_FOUND', `${url.href} did not finish answering within ${limitMs < 1000 ? `${limitMs} ms` : `${Math.round(limitMs / 1000)} s`}.`, { cause, details: { timeout: true } });
        if (options.signal?.aborted) throw new LaurelError('CANCELLED', 'cancelled', { cause });
        if (cause instanceof LaurelError) throw cause;
        throw new LaurelError('NOT_FOUND', `${url.href} broke off its answer: ${(cause as Error).message}.`, { cause });
      }
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      return { url: raw, finalUrl: url.href, status: res.status, contentType: (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase(), body, headers };
    }
  }

  const get = (raw: string, options: { accept?: string[]; signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<FetchedDocument> =>
    request(raw, { ...options, method: 'GET' });

  return {
    get,
    request,
    async getJson(raw, options = {}) {
      const doc = await get(raw, { accept: options.accept ?? ['application/json', 'application/ld+json'], ...(options.signal ? { signal: options.signal } : {}) });
      if (doc.status !== 200) throw new LaurelError('NOT_FOUND', `${doc.finalUrl} answered HTTP ${doc.status}.`);
      try {
        return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(doc.body)) as unknown;
      } catch {
        throw new LaurelError('INVALID_INPUT', `${doc.finalUrl} did not return JSON.`);
      }
    },
  };
}
