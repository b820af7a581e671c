import { describe, expect, it } from 'vitest';
import {
  buildDidWebDocument,
  createKeyResolver,
  didJwkFromPublicKey,
  didKeyIssuer,
  didWebDocumentUrl,
  generateKeyPair,
  httpsIssuer,
  keyFromDidDocument,
  resolveJwkHeader,
  type KeyAlgorithm,
} from '../../core/keys/index.ts';
import { blockedCalls } from '../setup/network-guard.ts';
import { expectLaurelError, expectLaurelRejection } from './helpers.ts';

const offline = createKeyResolver();

describe('KeyResolver, offline forms', () => {
  it.each(['Ed25519', 'P-256', 'RSA-2048'] as KeyAlgorithm[])('did:key (%s) with and without fragment', async (alg) => {
    const { publicKey } = await generateKeyPair(alg);
    const id = didKeyIssuer(publicKey);
    for (const vm of [id.verificationMethod, id.issuerId]) {
      const r = await offline(vm);
      expect(r.source).toBe('did:key');
      expect(r.verificationMethod).toBe(id.verificationMethod);
      expect(r.controller).toBe(id.issuerId);
      expect(r.publicKey.algorithm).toBe(alg);
      expect(r.publicKey.publicKeyMultibase).toBe(publicKey.publicKeyMultibase);
    }
  });

  it('did:key with a fragment that is not its key → NOT_FOUND', async () => {
    const { publicKey } = await generateKeyPair();
    await expectLaurelRejection(offline(`did:key:${publicKey.publicKeyMultibase}#key-1`), 'NOT_FOUND');
  });

  it('https issuer id with a #z… fragment: key = fragment, controller = the part before #', async () => {
    const r = await offline('https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi');
    expect(r.source).toBe('issuer-fragment');
    expect(r.controller).toBe('https://example.edu/issuers/565049');
    expect(Buffer.from(r.publicKey.publicKeyJwk.x as string, 'base64url').toString('hex')).toBe('4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5');
    const { publicKey } = await generateKeyPair('P-256');
    const id = httpsIssuer('https://example.org/issuer', publicKey);
    expect((await offline(id.verificationMethod)).publicKey.algorithm).toBe('P-256');
  });

  it('did:jwk', async () => {
    const { publicKey } = await generateKeyPair('RSA-2048');
    const did = didJwkFromPublicKey(publicKey);
    const r = await offline(`${did}#0`);
    expect(r).toMatchObject({ source: 'did:jwk', controller: did, verificationMethod: `${did}#0` });
    expect(r.publicKey.publicKeyMultibase).toBe(publicKey.publicKeyMultibase);
  });

  it('did:web and https controller documents without a fetcher → NETWORK_REFUSED, and no network call', async () => {
    const before = blockedCalls.length;
    const e = await expectLaurelRejection(offline('did:web:example.com:issuers:1#key-1'), 'NETWORK_REFUSED');
    expect(e.message).toContain('https://example.com/issuers/1/did.json');
    await expectLaurelRejection(offline('https://example.com/issuers/1#key-1'), 'NETWORK_REFUSED');
    expect(blockedCalls.length).toBe(before);
  });

  it('unsupported and malformed ids', async () => {
    await expectLaurelRejection(offline('did:example:123#k'), 'UNSUPPORTED');
    await expectLaurelRejection(offline('urn:uuid:1234'), 'UNSUPPORTED');
    await expectLaurelRejection(offline(''), 'INVALID_INPUT');
    await expectLaurelRejection(offline('did:key:z0OIl'), 'INVALID_INPUT');
    await expectLaurelRejection(offline('did:key:zzzz'), 'UNSUPPORTED');
    await expectLaurelRejection(offline('did:web:example.com'), 'INVALID_INPUT');
  });
});

describe('KeyResolver, did:web through an injected fetcher', () => {
  async function site() {
    const did = 'did:web:example.com%3A8443:issuers:1';
    const k1 = (await generateKeyPair('Ed25519')).publicKey;
    const k2 = (await generateKeyPair('P-256')).publicKey;
    const doc = JSON.parse(JSON.stringify(buildDidWebDocument(did, [{ keyIndex: 1, publicKey: k1 }, { keyIndex: 2, publicKey: k2 }]))) as Record<string, unknown>;
    const asked: string[] = [];
    const resolver = createKeyResolver({
      fetchDocument: async (url) => {
        asked.push(url);
        return doc;
      },
    });
    return { did, k1, k2, doc, asked, resolver };
  }

  it('finds current and historic keys, Multikey and JsonWebKey entries', async () => {
    const { did, k1, k2, asked, resolver } = await site();
    const r1 = await resolver(`${did}#key-1`);
    expect(r1).toMatchObject({ source: 'did:web', controller: did, verificationMethod: `${did}#key-1` });
    expect(r1.publicKey.publicKeyMultibase).toBe(k1.publicKeyMultibase);
    expect((await resolver(`${did}#key-2`)).publicKey.publicKeyMultibase).toBe(k2.publicKeyMultibase);
    expect((await resolver(`${did}#key-2-jwk`)).publicKey.publicKeyMultibase).toBe(k2.publicKeyMultibase);
    expect(asked[0]).toBe('https://example.com:8443/issuers/1/did.json');
    expect(asked[0]).toBe(didWebDocumentUrl(did));
    await expectLaurelRejection(resolver(`${did}#key-9`), 'NOT_FOUND');
  });

  it('accepts relative ids and reports a cache date', async () => {
    const { publicKey } = await generateKeyPair();
    const did = 'did:web:example.org';
    const doc = {
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: did,
      verificationMethod: [{ id: '#k', type: 'Multikey', controller: did, publicKeyMultibase: publicKey.publicKeyMultibase }],
      assertionMethod: ['#k'],
    };
    const r = await createKeyResolver({ fetchDocument: async () => ({ document: doc, cachedAt: '2026-01-01T00:00:00Z' }) })(`${did}#k`);
    expect(r.cachedAt).toBe('2026-01-01T00:00:00Z');
    expect(r.publicKey.publicKeyMultibase).toBe(publicKey.publicKeyMultibase);
  });

  it('refuses a document for another DID, a key with another controller, or a key not under assertionMethod', async () => {
    const { did, doc } = await site();
    const vms = doc.verificationMethod as Array<Record<string, unknown>>;
    expectLaurelError(() => keyFromDidDocument({ ...doc, id: 'did:web:evil.example' }, `${did}#key-1`, did), 'VALIDATION');
    expectLaurelError(() => keyFromDidDocument({ ...doc, verificationMethod: [{ ...vms[0], controller: 'did:web:evil.example' }] }, `${did}#key-1`, did), 'VALIDATION');
    expectLaurelError(() => keyFromDidDocument({ ...doc, assertionMethod: [`${did}#key-2`] }, `${did}#key-1`, did), 'VALIDATION');
    expectLaurelError(() => keyFromDidDocument({ ...doc, verificationMethod: [{ ...vms[0], type: 'Weird' }] }, `${did}#key-1`, did), 'UNSUPPORTED');
    expectLaurelError(() => keyFromDidDocument('nope', `${did}#key-1`, did), 'VALIDATION');
  });

  it('a failing fetcher → NOT_FOUND (could not check), a LaurelError passes through', async () => {
    await expectLaurelRejection(createKeyResolver({ fetchDocument: async () => { throw new Error('HTTP 404'); } })('did:web:example.com#key-1'), 'NOT_FOUND');
    const { LaurelError } = await import('../../core/util/errors.ts');
    await expectLaurelRejection(
      createKeyResolver({ fetchDocument: async () => { throw new LaurelError('NETWORK_REFUSED', 'offline mode'); } })('did:web:example.com#key-1'),
      'NETWORK_REFUSED',
    );
  });

  it('https controller document via the fetcher (validator also spells the type MultiKey)', async () => {
    const { publicKey } = await generateKeyPair();
    const issuer = 'https://example.edu/issuers/7';
    const doc = { id: issuer, verificationMethod: [{ id: `${issuer}#main`, type: 'MultiKey', controller: issuer, publicKeyMultibase: publicKey.publicKeyMultibase }], assertionMethod: [`${issuer}#main`] };
    const r = await createKeyResolver({ fetchDocument: async (url) => (url === issuer ? doc : null) })(`${issuer}#main`);
    expect(r).toMatchObject({ source: 'controller-document', controller: issuer });
  });
});

describe('JWT jwk header', () => {
  it('turns a public JWK into a key whose only provable controller is the key itself', async () => {
    const { publicKey } = await generateKeyPair('P-256');
    const r = resolveJwkHeader(publicKey.publicKeyJwk);
    expect(r.source).toBe('jwk');
    expect(r.controller).toBe(didJwkFromPublicKey(publicKey));
    expect(r.publicKey.publicKeyMultibase).toBe(publicKey.publicKeyMultibase);
  });

  it('refuses a JWK containing d', async () => {
    const { privateKey } = await generateKeyPair('RSA-2048');
    const jwk = privateKey.export({ format: 'jwk' });
    const e = expectLaurelError(() => resolveJwkHeader(jwk), 'INVALID_INPUT');
    expect(e.message).not.toContain(jwk.d as string);
    expectLaurelError(() => resolveJwkHeader({ kty: 'OKP', crv: 'Ed25519', x: 'AAAA', d: 'AAAA' }), 'INVALID_INPUT');
  });
});
