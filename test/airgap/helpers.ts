/**
 * Air-gapped signing test helpers: a preparer and a signer workspace (each its own database and
 * key store; the signer's key in the real keychain when npm test runs gnome-keyring), and a network
 * guard stricter than test/setup's: it refuses ANY connection, loopback included, and any DNS
 * lookup, for as long as the signer works.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { Studio } from '../../core/api/index.ts';
import { ACHIEVEMENT, PASSPHRASE, TEST_SCRYPT, roster, scratchDir } from '../issue/helpers.ts';
import { testService } from '../keys/helpers.ts';

export { ACHIEVEMENT, roster, scratchDir };

export const KEYRING = process.env.LAUREL_TEST_KEYRING === '1';

export interface Pair {
  dir: string;
  preparer: Studio;
  signer: Studio;
  issuerId: string;
}

/** Two workspaces: the signer holds the issuer and its key; the preparer imported the issuer (no key). */
export async function workspaces(prefix: string): Promise<Pair> {
  const dir = scratchDir(prefix);
  const signer = Studio.open({
    workspace: path.join(dir, 'signer'),
    ...(KEYRING ? { keystore: 'keychain' as const, keychainService: testService(`airgap ${prefix}`) } : { keystore: `file:${path.join(dir, 'signer-keys.laurel')}` as const }),
    passphrase: PASSPHRASE,
    scrypt: TEST_SCRYPT,
    face: 'test',
  });
  signer.setAirGapped(true);
  const created = await signer.createIssuer({ name: 'Acme University', url: 'https://acme.example' });
  const preparer = Studio.open({
    workspace: path.join(dir, 'preparer'),
    keystore: `file:${path.join(dir, 'preparer-keys.laurel')}`,
    passphrase: PASSPHRASE,
    scrypt: TEST_SCRYPT,
    face: 'test',
  });
  preparer.importIssuer(signer.exportIssuer(created.id).bytes);
  return { dir, preparer, signer, issuerId: created.id };
}

export class StrictNetworkError extends Error {
  constructor(what: string) {
    super(`network use on the air-gapped signer: ${what}`);
    this.name = 'StrictNetworkError';
  }
}

/**
 * Runs `fn` with every way out of the process refused: TCP sockets (loopback too), TLS, HTTP(S),
 * fetch, UDP and DNS. Unix domain sockets stay open: that is how the keychain (D-Bus) is reached,
 * on this machine, not over a network. Returns what `fn` returned and every attempt made.
 */
export async function withoutNetwork<T>(fn: () => Promise<T>): Promise<{ value: T; attempts: string[] }> {
  const attempts: string[] = [];
  const refuse = (what: string): never => {
    attempts.push(what);
    throw new StrictNetworkError(what);
  };
  const saved = {
    connect: net.Socket.prototype.connect,
    fetch: globalThis.fetch,
    httpRequest: http.request,
    httpGet: http.get,
    httpsRequest: https.request,
    httpsGet: https.get,
    tlsConnect: tls.connect,
    udp: dgram.createSocket,
    lookup: dns.lookup,
    promisesLookup: dns.promises.lookup,
  };
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // Node passes its normalized [options, callback] pair as one array argument internally.
    const first = (Array.isArray(args[0]) ? args[0][0] : args[0]) as { path?: string } | string | undefined;
    const unix = (typeof first === 'object' && first !== null && typeof first.path === 'string') || (typeof first === 'string' && typeof args[1] !== 'string' && !/^\d+$/.test(first));
    if (!unix) refuse(`socket connect ${JSON.stringify(args[0])}`);
    return (saved.connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  globalThis.fetch = (async (input: unknown) => refuse(`fetch ${String(input instanceof Request ? input.url : input)}`)) as typeof fetch;
  http.request = ((...a: unknown[]) => refuse(`http.request ${String(a[0])}`)) as typeof http.request;
  http.get = ((...a: unknown[]) => refuse(`http.get ${String(a[0])}`)) as typeof http.get;
  https.request = ((...a: unknown[]) => refuse(`https.request ${String(a[0])}`)) as typeof https.request;
  https.get = ((...a: unknown[]) => refuse(`https.get ${String(a[0])}`)) as typeof https.get;
  (tls as { connect: unknown }).connect = (...a: unknown[]) => refuse(`tls.connect ${JSON.stringify(a[0])}`);
  (dgram as { createSocket: unknown }).createSocket = () => refuse('UDP socket');
  (dns as { lookup: unknown }).lookup = (host: unknown) => refuse(`DNS lookup ${String(host)}`);
  (dns.promises as { lookup: unknown }).lookup = async (host: unknown) => refuse(`DNS lookup ${String(host)}`);
  try {
    const value = await fn();
    return { value, attempts };
  } finally {
    net.Socket.prototype.connect = saved.connect;
    globalThis.fetch = saved.fetch;
    http.request = saved.httpRequest;
    http.get = saved.httpGet;
    https.request = saved.httpsRequest;
    https.get = saved.httpsGet;
    (tls as { connect: unknown }).connect = saved.tlsConnect;
    (dgram as { createSocket: unknown }).createSocket = saved.udp;
    (dns as { lookup: unknown }).lookup = saved.lookup;
    (dns.promises as { lookup: unknown }).lookup = saved.promisesLookup;
  }
}

/** A request edited as an attacker (or a buggy tool) would: parsed, changed, optionally resealed. */
export function edit<T>(bytes: Uint8Array, change: (doc: T) => void): Uint8Array {
  const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  change(doc);
  return Buffer.from(JSON.stringify(doc, null, 2) + '\n', 'utf8');
}
