/**
 * Makes every network call to a non-loopback address throw. Loaded for every test file, so any
 * test that signs or verifies proves it made no network call. Loopback stays open for the test
 * servers later steps start on 127.0.0.1. Child processes (the CLI) load it with
 * NODE_OPTIONS=--import=<this file>.
 */
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';

export class NetworkCallError extends Error {
  constructor(what) {
    super(`network call blocked in tests: ${what}`);
    this.name = 'NetworkCallError';
  }
}

/** @type {string[]} */
export const blockedCalls = [];

function isLoopback(host) {
  if (typeof host !== 'string') return false;
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || h.startsWith('127.');
}

function hostOf(input) {
  try {
    if (typeof input === 'string') return new URL(input).hostname;
    if (input instanceof URL) return input.hostname;
    if (input && typeof input === 'object') {
      const o = input;
      if (typeof o.url === 'string') return new URL(o.url).hostname;
      return o.hostname ?? o.host?.split(':')[0];
    }
  } catch {
    return undefined;
  }
  return undefined;
}

import { appendFileSync } from 'node:fs';

function block(what) {
  blockedCalls.push(what);
  // Child processes (the CLI under test) report attempts to a file the parent test reads.
  if (process.env.LAUREL_NETWORK_LOG) appendFileSync(process.env.LAUREL_NETWORK_LOG, what + '\n');
  throw new NetworkCallError(what);
}

const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const host = hostOf(input);
  if (!isLoopback(host)) block(`fetch ${String(input instanceof Request ? input.url : input)}`);
  return realFetch(input, init);
};

for (const mod of [http, https]) {
  const realRequest = mod.request;
  const realGet = mod.get;
  const guard = (args) => {
    const host = hostOf(args[0]);
    if (!isLoopback(host)) block(`http request to ${String(host)}`);
  };
  mod.request = (...args) => {
    guard(args);
    return realRequest(...args);
  };
  mod.get = (...args) => {
    guard(args);
    return realGet(...args);
  };
}

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  let host;
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    const o = first;
    if (o.path) return realConnect.apply(this, args); // unix sockets (D-Bus)
    host = o.host ?? 'localhost';
  } else if (typeof first === 'string' && typeof args[1] !== 'string') {
    return realConnect.apply(this, args); // unix socket path
  } else {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (!isLoopback(host)) block(`socket connect to ${String(host)}`);
  return realConnect.apply(this, args);
};
