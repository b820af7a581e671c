import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createFetcher, type Fetcher } from '../net/index.ts';

/** All the verifier asks of a fetcher (core/net's, or a test's that maps hosts to loopback servers). */
export type GetFetcher = Pick<Fetcher, 'get'>;
import { LaurelError, isLaurelError } from '../util/errors.ts';
import { atomicWrite } from '../util/fs.ts';

/**
 * Remote documents the verifier needs (did:web DID documents, https controller documents, JWKs and
 * JWK Sets): fetched through core/net when online, kept in a plain file cache with their fetch
 * date, and answered from that cache when offline (or when the fresh fetch fails), so the report
 * can say "checked with a copy fetched on <date>". One entry per URL:
 * `<workspace>/cache/remote/<sha256(url)>.json` = { url, fetchedAt, contentType, body }.
 * No DB table: the cache is disposable, and deleting the folder only costs a re-fetch.
 */

export interface RemoteDocument {
  url: string;
  /** The response body as text (UTF-8). */
  body: string;
  contentType: string;
  /** When this copy was fetched (ISO 8601). */
  fetchedAt: string;
  /** True when the copy came from the cache rather than the network just now. */
  fromCache: boolean;
  /** Why a fresh copy could not be had, when the cache stood in for a failed fetch. */
  fetchError?: string;
}

interface CacheEntry {
  url: string;
  fetchedAt: string;
  contentType?: string;
  body: string;
}

/** `<workspace>/cache/remote`: where a workspace keeps its remote document copies. */
export function remoteCacheDir(workspaceDir: string): string {
  return path.join(workspaceDir, 'cache', 'remote');
}

export function cacheFileFor(dir: string, url: string): string {
  return path.join(dir, `${createHash('sha256').update(url, 'utf8').digest('hex')}.json`);
}

async function readCache(dir: string | undefined, url: string): Promise<CacheEntry | undefined> {
  if (!dir) return undefined;
  try {
    const entry = JSON.parse(await readFile(cacheFileFor(dir, url), 'utf8')) as CacheEntry;
    // A hash collision or a hand-edited file must not stand in for another URL.
    if (entry?.url !== url || typeof entry.body !== 'string' || typeof entry.fetchedAt !== 'string') return undefined;
    return entry;
  } catch {
    return undefined;
  }
}

async function writeCache(dir: string | undefined, entry: CacheEntry): Promise<void> {
  if (!dir) return;
  try {
    await mkdir(dir, { recursive: true });
    await atomicWrite(cacheFileFor(dir, entry.url), JSON.stringify(entry, null, 2) + '\n', 0o644);
  } catch {
    // A read-only workspace only loses the offline copy; the check itself goes on.
  }
}

export interface RemoteSourceOptions {
  /** Fetch when online; otherwise only the cache answers. */
  online: boolean;
  /** core/net's bounded fetcher by default; tests pass one that maps hosts to loopback servers. */
  fetcher?: GetFetcher;
  /** The cache folder (see remoteCacheDir); without it nothing is cached or read back. */
  cacheDir?: string;
}

export const KEY_DOCUMENT_TYPES = ['application/did+ld+json', 'application/did+json', 'application/jwk+json', 'application/jwk-set+json', 'application/ld+json', 'application/json'];

/**
 * One verification's view of remote documents: each URL is fetched at most once per verification
 * (a CLR and its endorsements share it), and answers come from the network, else the cache.
 */
export class RemoteSource {
  readonly online: boolean;
  private readonly fetcher: GetFetcher | undefined;
  private readonly cacheDir: string | undefined;
  private readonly memo = new Map<string, Promise<RemoteDocument>>();

  constructor(options: RemoteSourceOptions) {
    this.online = options.online;
    this.fetcher = options.online ? (options.fetcher ?? createFetcher()) : undefined;
    this.cacheDir = options.cacheDir;
  }

  /** The raw fetcher (for inputs by URL, status lists and refresh, which are not cached). */
  get net(): GetFetcher | undefined {
    return this.fetcher;
  }

  get(url: string, accept: string[] = KEY_DOCUMENT_TYPES): Promise<RemoteDocument> {
    let p = this.memo.get(url);
    if (!p) {
      p = this.load(url, accept);
      this.memo.set(url, p);
    }
    return p;
  }

  private async load(url: string, accept: string[]): Promise<RemoteDocument> {
    if (!this.fetcher) {
      const cached = await readCache(this.cacheDir, url);
      if (cached) return { url, body: cached.body, contentType: cached.contentType ?? '', fetchedAt: cached.fetchedAt, fromCache: true };
      throw new LaurelError('NETWORK_REFUSED', `this check ran offline and there is no saved copy of ${url} (verify online once to fetch and keep one)`, { details: { url } });
    }
    let failure: string;
    try {
      const res = await this.fetcher.get(url, { accept });
      if (res.status === 200) {
        const body = new TextDecoder('utf-8', { fatal: true }).decode(res.body);
        const entry: CacheEntry = { url, fetchedAt: new Date().toISOString(), contentType: res.contentType, body };
        await writeCache(this.cacheDir, entry);
        return { url, body, contentType: res.contentType, fetchedAt: entry.fetchedAt, fromCache: false };
      }
      failure = `${res.finalUrl} answered HTTP ${res.status}`;
    } catch (e) {
      failure = e instanceof TypeError ? `${url} did not send UTF-8 text` : isLaurelError(e) ? e.message.replace(/\.$/, '') : String(e);
    }
    const cached = await readCache(this.cacheDir, url);
    if (cached) return { url, body: cached.body, contentType: cached.contentType ?? '', fetchedAt: cached.fetchedAt, fromCache: true, fetchError: failure };
    throw new LaurelError('NOT_FOUND', `could not fetch ${url}: ${failure}`, { details: { url } });
  }

  /** Parses a fetched document as JSON; INVALID_INPUT when it is not. */
  async getJson(url: string, accept?: string[]): Promise<{ json: unknown; doc: RemoteDocument }> {
    const doc = await this.get(url, accept);
    try {
      return { json: JSON.parse(doc.body.replace(/^\uFEFF/, '')), doc };
    } catch {
      throw new LaurelError('VALIDATION', `${url} did not return JSON${doc.contentType ? ` (it sent ${doc.contentType})` : ''}`, { details: { url } });
    }
  }
}

/** "checked with a copy fetched on 2026-05-01" (date only: the time is noise to a reader). */
export function copyNote(doc: Pick<RemoteDocument, 'fromCache' | 'fetchedAt' | 'fetchError' | 'url'>): string | undefined {
  if (!doc.fromCache) return undefined;
  const day = doc.fetchedAt.slice(0, 10);
  return doc.fetchError
    ? `checked with a copy fetched on ${day} (${doc.url}; a fresh copy could not be fetched: ${doc.fetchError})`
    : `checked with a copy fetched on ${day} (${doc.url})`;
}
