/**
 * Makes every network call to a non-loopback address throw. Loaded for every test file, so any
 * test that signs or verifies proves it made no network call. Loopback stays open for the test
 * servers later steps start on 127.0.0.1.
 */
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';

export class NetworkCallError extends Error {
  constructor(what: string) {
    super(`network call blocked in tests: ${what}`);
    this.name = 'NetworkCallError';
  }
}

export const blockedCalls: string[] = [];

function isLoopback(host: unknown): boolean {
  if (typeof host !== 'string') return false;
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || h.startsWith('127.');
}

function hostOf(input: unknown): string | undefined {
  try {
    if (typeof input === 'string') return new URL(input).hostname;
    if (input instanceof URL) return input.hostname;
    if (input && typeof input === 'object') {
      const o = input as { url?: string; hostname?: string; host?: string };
      if (typeof o.url === 'string') return new URL(o.url).hostname;
      return o.hostname ?? o.host?.split(':')[0];
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function block(what: string): never {
  blockedCalls.push(what);
  throw new NetworkCallError(what);
}

const realFetch = globalThis.fetch;
globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
  const host = hostOf(input);
  if (!isLoopback(host)) block(`fetch ${String(input instanceof Request ? input.url : input)}`);
  return realFetch(input, init);
}) as typeof fetch;

for (const mod of [http, https] as const) {
  const realRequest = mod.request;
  const realGet = mod.get;
  const guard = (args: unknown[]) => {
    const host = hostOf(args[0]);
    if (!isLoopback(host)) block(`http request to ${String(host)}`);
  };
  (mod as { request: unknown }).request = (...args: unknown[]) => {
    guard(args);
    return (realRequest as (...a: unknown[]) => unknown)(...args);
  };
  (mod as { get: unknown }).get = (...args: unknown[]) => {
    guard(args);
    return (realGet as (...a: unknown[]) => unknown)(...args);
  };
}

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  let host: unknown;
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    const o = first as { host?: string; path?: string };
    if (o.path) return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args); // unix sockets (D-Bus)
    host = o.host ?? 'localhost';
  } else if (typeof first === 'string' && typeof args[1] !== 'string') {
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args); // unix socket path
  } else {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (!isLoopback(host)) block(`socket connect to ${String(host)}`);
  return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
