/**
 * Loaded into the signer's `laurel` runs (NODE_OPTIONS=--import): refuses ANY network use,
 * loopback included (TCP, TLS, HTTP, fetch, UDP, DNS), and logs each attempt to
 * $LAUREL_NETWORK_LOG. Unix domain sockets stay open: that is how the keychain (D-Bus) is
 * reached, on this machine. Stricter than test/setup/no-network.mjs, which lets loopback through.
 */
import { appendFileSync } from 'node:fs';
import dgram from 'node:dgram';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

function refuse(what) {
  if (process.env.LAUREL_NETWORK_LOG) appendFileSync(process.env.LAUREL_NETWORK_LOG, what + '\n');
  throw new Error(`network use on the air-gapped signer: ${what}`);
}

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // Node passes its normalized [options, callback] pair as one array argument internally.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const unix = (first && typeof first === 'object' && typeof first.path === 'string') || (typeof first === 'string' && typeof args[1] !== 'string' && !/^\d+$/.test(first));
  if (!unix) refuse(`socket connect ${JSON.stringify(first)}`);
  return realConnect.apply(this, args);
};
globalThis.fetch = async (input) => refuse(`fetch ${String(input instanceof Request ? input.url : input)}`);
for (const mod of [http, https]) {
  mod.request = (a) => refuse(`http request ${String(a)}`);
  mod.get = (a) => refuse(`http get ${String(a)}`);
}
tls.connect = (a) => refuse(`tls connect ${JSON.stringify(a)}`);
dgram.createSocket = () => refuse('UDP socket');
dns.lookup = (host) => refuse(`DNS lookup ${String(host)}`);
dns.promises.lookup = async (host) => refuse(`DNS lookup ${String(host)}`);
