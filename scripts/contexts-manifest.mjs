#!/usr/bin/env node
// Regenerates resources/contexts/manifest.json: each context URL pinned to its file and SHA-256.
// Run after deliberately changing a bundled context; the loader refuses files that differ.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const dir = new URL('../resources/contexts/', import.meta.url);
const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/';
const CLR = 'https://purl.imsglobal.org/spec/clr/v2p0/';
const entries = [
  ['https://www.w3.org/ns/credentials/v2', 'credentials-v2.jsonld'],
  ['https://www.w3.org/2018/credentials/v1', 'credentials-v1.jsonld'],
  ['https://w3id.org/security/data-integrity/v1', 'data-integrity-v1.jsonld'],
  ['https://w3id.org/security/data-integrity/v2', 'data-integrity-v2.jsonld'],
  ['https://w3id.org/security/multikey/v1', 'multikey-v1.jsonld'],
  ['https://www.w3.org/ns/did/v1', 'did-v1.jsonld'],
  ['https://w3id.org/security/suites/ed25519-2020/v1', 'ed25519-2020-v1.jsonld'],
  ['https://www.w3.org/ns/credentials/status/v1', 'bitstring-status-list-v1.jsonld'],
  [`${OB}context.json`, 'ob-v3p0-context-3.0.0.json'],
  [`${OB}context/ob_v3p0.jsonld`, 'ob-v3p0-context-3.0.0.json'],
  [`${OB}context-3.0.0.json`, 'ob-v3p0-context-3.0.0.json'],
  [`${OB}context-3.0.1.json`, 'ob-v3p0-context-3.0.1.json'],
  [`${OB}context-3.0.2.json`, 'ob-v3p0-context-3.0.2.json'],
  // Signing uses the purl bytes; verification the in-place-updated copy that also defines
  // endorsementJwt (issue #639), a superset that canonicalizes older documents identically.
  [`${OB}context-3.0.3.json`, 'ob-v3p0-context-3.0.3.json', 'ob-v3p0-context-3.0.3.validator-copy-2026-06.json'],
  [`${OB}extensions.json`, 'ob-v3p0-extensions.json'],
  [`${CLR}context.json`, 'clr-v2p0-context-2.0.0.json'],
  [`${CLR}context-2.0.1.json`, 'clr-v2p0-context-2.0.1.json'],
];
const sha = (f) => createHash('sha256').update(readFileSync(new URL(f, dir))).digest('hex');
const contexts = {};
for (const [url, file, verifyFile] of entries) {
  contexts[url] = { file, sha256: sha(file) };
  if (verifyFile) contexts[url].verify = { file: verifyFile, sha256: sha(verifyFile) };
}
writeFileSync(new URL('manifest.json', dir), JSON.stringify({ version: 1, contexts }, null, 2) + '\n');
console.log(`pinned ${entries.length} context URLs`);
