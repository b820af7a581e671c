import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  buildDidWebDocument,
  didJwkFromPublicKey,
  didKeyDocument,
  didKeyIssuer,
  didWebDocumentUrl,
  didWebFromUrl,
  didWebIssuer,
  generateKeyPair,
  httpsIssuer,
  parseDidJwk,
  parseDidWeb,
  publicKeyFromJwk,
  publicKeyFromMultibase,
  serializeDidDocument,
  writeDidWebDocument,
} from '../../core/keys/index.ts';
import { expectLaurelError, scratchDir } from './helpers.ts';

describe('did:key', () => {
  it('issuer id, verification method did:key:z…#z… and controller did:key:z…', async () => {
    const { publicKey } = await generateKeyPair();
    const id = didKeyIssuer(publicKey);
    expect(id.issuerId).toBe(`did:key:${publicKey.publicKeyMultibase}`);
    expect(id.verificationMethod).toBe(`did:key:${publicKey.publicKeyMultibase}#${publicKey.publicKeyMultibase}`);
    expect(id.controller).toBe(id.issuerId);
  });

  it('expands locally to a DID document with one Multikey', () => {
    const did = 'did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi';
    const doc = didKeyDocument(did);
    expect(doc['@context']).toEqual(['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1']);
    expect(doc.id).toBe(did);
    expect(doc.verificationMethod).toEqual([
      { id: `${did}#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi`, type: 'Multikey', controller: did, publicKeyMultibase: 'z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi' },
    ]);
    expect(doc.assertionMethod).toEqual([doc.verificationMethod[0]!.id]);
    expectLaurelError(() => didKeyDocument('did:key:zNotAKey0'), 'INVALID_INPUT');
  });
});

describe('HTTPS issuer id with a key fragment', () => {
  it('appends #<publicKeyMultibase>; controller is the issuer id', async () => {
    const { publicKey } = await generateKeyPair();
    const id = httpsIssuer('https://example.edu/issuers/565049', publicKey);
    expect(id).toEqual({
      issuerId: 'https://example.edu/issuers/565049',
      verificationMethod: `https://example.edu/issuers/565049#${publicKey.publicKeyMultibase}`,
      controller: 'https://example.edu/issuers/565049',
    });
    expectLaurelError(() => httpsIssuer('http://example.edu/issuer', publicKey), 'INVALID_INPUT');
    expectLaurelError(() => httpsIssuer('https://example.edu/issuer#me', publicKey), 'INVALID_INPUT');
    expectLaurelError(() => httpsIssuer('not a url', publicKey), 'INVALID_INPUT');
    // Local test hosts may use http on loopback.
    expect(httpsIssuer('http://127.0.0.1:8123/issuers/1', publicKey).controller).toBe('http://127.0.0.1:8123/issuers/1');
  });
});

describe('did:jwk', () => {
  it('round-trips and reads the did:jwk spec P-256 example', async () => {
    const { publicKey } = await generateKeyPair('P-256');
    const did = didJwkFromPublicKey(publicKey);
    const parsed = parseDidJwk(`${did}#0`);
    expect(parsed.publicKey.publicKeyMultibase).toBe(publicKey.publicKeyMultibase);
    expect(parsed.verificationMethod).toBe(`${did}#0`);
    const spec =
      'did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9';
    const p = parseDidJwk(spec);
    expect(p.publicKey.algorithm).toBe('P-256');
    expect(p.publicKey.publicKeyJwk.x).toBe('acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0');
    expectLaurelError(() => parseDidJwk(`${spec}#1`), 'NOT_FOUND');
  });
});

describe('did:web', () => {
  it.each([
    ['example.com', 'did:web:example.com', 'https://example.com/.well-known/did.json'],
    ['https://example.com', 'did:web:example.com', 'https://example.com/.well-known/did.json'],
    ['https://Example.COM/', 'did:web:example.com', 'https://example.com/.well-known/did.json'],
    ['https://example.com:3000', 'did:web:example.com%3A3000', 'https://example.com:3000/.well-known/did.json'],
    ['https://w3c-ccg.github.io/user/alice', 'did:web:w3c-ccg.github.io:user:alice', 'https://w3c-ccg.github.io/user/alice/did.json'],
    ['https://example.com:8443/issuers/565049/', 'did:web:example.com%3A8443:issuers:565049', 'https://example.com:8443/issuers/565049/did.json'],
    ['https://example.com/issuers/a%3Ab', 'did:web:example.com:issuers:a%3Ab', 'https://example.com/issuers/a%3Ab/did.json'],
    ['https://example.com/issuers/1/did.json', 'did:web:example.com:issuers:1', 'https://example.com/issuers/1/did.json'],
    ['https://example.com/.well-known/did.json', 'did:web:example.com', 'https://example.com/.well-known/did.json'],
  ])('%s → %s, hosted at %s', (input, did, url) => {
    expect(didWebFromUrl(input)).toBe(did);
    expect(didWebDocumentUrl(did)).toBe(url);
  });

  it('parses host, port and path; refuses IPs, http, queries and bad forms', () => {
    expect(parseDidWeb('did:web:example.com%3A3000:a:b')).toEqual({ host: 'example.com', port: 3000, path: ['a', 'b'] });
    expectLaurelError(() => didWebFromUrl('http://example.com'), 'INVALID_INPUT');
    expectLaurelError(() => didWebFromUrl('https://192.168.1.10/x'), 'INVALID_INPUT');
    expectLaurelError(() => didWebFromUrl('https://example.com/?q=1'), 'INVALID_INPUT');
    expectLaurelError(() => parseDidWeb('did:web:example.com:3000'.replace(':3000', ':a::b')), 'INVALID_INPUT');
    expectLaurelError(() => parseDidWeb('did:web:exa mple.com'), 'INVALID_INPUT');
    expectLaurelError(() => parseDidWeb('did:web:example.com%3A99999'), 'INVALID_INPUT');
    expectLaurelError(() => parseDidWeb('did:web:example.com#key-1'), 'INVALID_INPUT');
  });

  it('issuer: DID, #key-N verification method, controller = DID, and the hosting URL', () => {
    expect(didWebIssuer('did:web:example.com%3A8443:issuers:1', 3)).toEqual({
      issuerId: 'did:web:example.com%3A8443:issuers:1',
      verificationMethod: 'did:web:example.com%3A8443:issuers:1#key-3',
      controller: 'did:web:example.com%3A8443:issuers:1',
      documentUrl: 'https://example.com:8443/issuers/1/did.json',
    });
    expect(didWebIssuer('did:web:example.com').verificationMethod).toBe('did:web:example.com#key-1');
    expectLaurelError(() => didWebIssuer('did:web:example.com', 0), 'INVALID_INPUT');
  });

  it('writes a did.json with Multikey entries, JsonWebKey entries for JWT keys, and the key history', async () => {
    const did = 'did:web:example.com:issuers:1';
    const oldEd = (await generateKeyPair('Ed25519')).publicKey;
    const p256 = (await generateKeyPair('P-256')).publicKey;
    const rsa = (await generateKeyPair('RSA-2048')).publicKey;
    const doc = buildDidWebDocument(did, [
      { keyIndex: 1, publicKey: oldEd },
      { keyIndex: 2, publicKey: p256 },
      { keyIndex: 3, publicKey: rsa },
    ]);
    expect(doc['@context']).toEqual(['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1', 'https://w3id.org/security/jwk/v1']);
    expect(doc.id).toBe(did);
    expect(doc.verificationMethod).toEqual([
      { id: `${did}#key-1`, type: 'Multikey', controller: did, publicKeyMultibase: oldEd.publicKeyMultibase },
      { id: `${did}#key-2`, type: 'Multikey', controller: did, publicKeyMultibase: p256.publicKeyMultibase },
      { id: `${did}#key-2-jwk`, type: 'JsonWebKey', controller: did, publicKeyJwk: p256.publicKeyJwk },
      { id: `${did}#key-3`, type: 'Multikey', controller: did, publicKeyMultibase: rsa.publicKeyMultibase },
      { id: `${did}#key-3-jwk`, type: 'JsonWebKey', controller: did, publicKeyJwk: rsa.publicKeyJwk },
    ]);
    // Old keys stay authorized so credentials they signed still verify.
    expect(doc.assertionMethod).toEqual(doc.verificationMethod.map((v) => v.id));
    for (const vm of doc.verificationMethod) {
      if (vm.publicKeyJwk) {
        expect(vm.publicKeyJwk.d).toBeUndefined();
        expect(publicKeyFromJwk(vm.publicKeyJwk).publicKeyMultibase).toBe(publicKeyFromMultibase(doc.verificationMethod.find((v) => v.id === vm.id.replace(/-jwk$/, ''))!.publicKeyMultibase!).publicKeyMultibase);
      }
    }
    // Ed25519 only: no JWK context.
    expect(buildDidWebDocument(did, [{ keyIndex: 1, publicKey: oldEd }])['@context']).toEqual(['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1']);
    expectLaurelError(() => buildDidWebDocument(did, [{ keyIndex: 1, publicKey: oldEd }, { keyIndex: 1, publicKey: p256 }]), 'INVALID_INPUT');
    expectLaurelError(() => buildDidWebDocument(did, []), 'INVALID_INPUT');
  });

  it('never copies private JWK members into the document', async () => {
    const { privateKey, publicKey } = await generateKeyPair('P-256');
    const leaky = { ...publicKey, publicKeyJwk: privateKey.export({ format: 'jwk' }) as typeof publicKey.publicKeyJwk };
    const json = serializeDidDocument(buildDidWebDocument('did:web:example.com', [{ keyIndex: 1, publicKey: leaky }]));
    expect(json).not.toContain('"d"');
  });

  it('writes the did.json to a file and says where to host it', async () => {
    const dir = scratchDir('didweb');
    const { publicKey } = await generateKeyPair();
    const out = await writeDidWebDocument(path.join(dir, 'site', 'did.json'), 'did:web:example.com%3A8443', [{ keyIndex: 1, publicKey }]);
    expect(out.hostAt).toBe('https://example.com:8443/.well-known/did.json');
    const text = readFileSync(out.path, 'utf8');
    expect(JSON.parse(text)).toEqual(out.document);
    expect(text.endsWith('\n')).toBe(true);
    if (process.platform !== 'win32') expect(statSync(out.path).mode & 0o777).toBe(0o644);
  });
});
