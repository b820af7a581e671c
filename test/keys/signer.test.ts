import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { constants, verify as nodeVerify } from 'node:crypto';
import { compactVerify, importJWK, jwtVerify } from 'jose';
import {
  createSigner,
  didKeyIssuer,
  didWebIssuer,
  generateKeyPair,
  httpsIssuer,
  importEd25519FromRaw,
  jwtAlgorithm,
  publicKeyInfo,
  verifyBytes,
  type KeyAlgorithm,
} from '../../core/keys/index.ts';
import { base58btcEncode, base64urlEncode } from '../../core/util/encoding.ts';
import { expectLaurelError } from './helpers.ts';

const VECTOR = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../../shared/spec/ob3/examples/test-vectors/eddsa-rdfc-2022-test-vector.json'), 'utf8'),
) as Record<string, string>;

const data = new TextEncoder().encode('Laurel Studio signs this');

async function signerFor(alg: KeyAlgorithm) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const id = didKeyIssuer(publicKey);
  return createSigner({ privateKey, verificationMethod: id.verificationMethod, controller: id.controller });
}

/** A compact JWS made with our Signer, for jose to check. */
async function jws(signer: Awaited<ReturnType<typeof signerFor>>, payload: object): Promise<string> {
  const header = base64urlEncode(JSON.stringify({ alg: jwtAlgorithm(signer.algorithm), kid: signer.verificationMethod, typ: 'JWT' }));
  const body = base64urlEncode(JSON.stringify(payload));
  const sig = await signer.sign(new TextEncoder().encode(`${header}.${body}`));
  return `${header}.${body}.${base64urlEncode(sig)}`;
}

describe('Signer', () => {
  it('Ed25519: raw 64-byte signature that node:crypto verifies', async () => {
    const s = await signerFor('Ed25519');
    const sig = await s.sign(data);
    expect(sig.length).toBe(64);
    expect(nodeVerify(null, data, s.publicKey.keyObject, sig)).toBe(true);
    expect(verifyBytes(s.publicKey, data, sig)).toBe(true);
    expect(verifyBytes(s.publicKey, new TextEncoder().encode('other'), sig)).toBe(false);
  });

  it('P-256: SHA-256 ECDSA in IEEE P1363 form (r||s, 64 bytes)', async () => {
    const s = await signerFor('P-256');
    const sig = await s.sign(data);
    expect(sig.length).toBe(64);
    expect(nodeVerify('sha256', data, { key: s.publicKey.keyObject, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    expect(verifyBytes(s.publicKey, data, sig)).toBe(true);
  });

  it('RSA: RSASSA-PKCS1-v1_5 with SHA-256', async () => {
    const s = await signerFor('RSA-2048');
    const sig = await s.sign(data);
    expect(sig.length).toBe(256);
    expect(nodeVerify('sha256', data, { key: s.publicKey.keyObject, padding: constants.RSA_PKCS1_PADDING }, sig)).toBe(true);
    expect(verifyBytes(s.publicKey.keyObject, data, sig)).toBe(true);
  });

  it.each(['P-256', 'RSA-2048', 'Ed25519'] as const)('%s: jose verifies a JWT signed with our Signer', async (alg) => {
    const s = await signerFor(alg);
    const token = await jws(s, { iss: s.controller, jti: 'urn:uuid:1', nbf: 1700000000 });
    const key = await importJWK(s.publicKey.publicKeyJwk, jwtAlgorithm(alg));
    const { payload, protectedHeader } = await jwtVerify(token, key, { issuer: s.controller });
    expect(protectedHeader.alg).toBe(jwtAlgorithm(alg));
    expect(payload.jti).toBe('urn:uuid:1');
    // The KeyObject works with jose too.
    await expect(compactVerify(token, s.publicKey.keyObject)).resolves.toBeTruthy();
  });

  it('reproduces the OB 3.0 eddsa-rdfc-2022 test vector signature from the published key', async () => {
    const raw = Buffer.from(VECTOR.privateKeyHex!, 'hex');
    expect(raw.length).toBe(64);
    const key = importEd25519FromRaw(raw.subarray(0, 32), raw.subarray(32));
    expect(publicKeyInfo(key).publicKeyMultibase).toBe(VECTOR.publicKeyMultibase);
    const signer = createSigner({ privateKey: key, verificationMethod: VECTOR.verificationMethod!, controller: VECTOR.controller! });
    const sig = await signer.sign(Buffer.from(VECTOR.dataToSignHex!, 'hex'));
    expect(Buffer.from(sig).toString('hex')).toBe(VECTOR.signatureHex);
    expect('z' + base58btcEncode(sig)).toBe(VECTOR.proofValue);
    // 64-byte seed||pub in one argument works too.
    expect(publicKeyInfo(importEd25519FromRaw(raw)).publicKeyMultibase).toBe(VECTOR.publicKeyMultibase);
  });

  it('importEd25519FromRaw refuses a public key that does not match the seed, and wrong lengths', () => {
    const raw = Buffer.from(VECTOR.privateKeyHex!, 'hex');
    expectLaurelError(() => importEd25519FromRaw(raw.subarray(0, 32), new Uint8Array(32)), 'INVALID_INPUT');
    expectLaurelError(() => importEd25519FromRaw(raw.subarray(0, 31)), 'INVALID_INPUT');
  });

  it('binds the verification method to the controller (= issuer id) and to this key', async () => {
    const { privateKey, publicKey } = await generateKeyPair();
    const other = (await generateKeyPair()).publicKey;
    const issuer = 'https://example.edu/issuers/565049';
    const ok = createSigner({ privateKey, ...httpsIssuer(issuer, publicKey) });
    expect(ok.controller).toBe(issuer);
    expect(ok.verificationMethod).toBe(`${issuer}#${publicKey.publicKeyMultibase}`);
    const web = didWebIssuer('did:web:example.com', 2);
    expect(createSigner({ privateKey, verificationMethod: web.verificationMethod, controller: web.controller }).verificationMethod).toBe('did:web:example.com#key-2');
    // Controller differs from the id before '#'.
    expectLaurelError(() => createSigner({ privateKey, verificationMethod: `${issuer}#${publicKey.publicKeyMultibase}`, controller: 'https://example.edu/other' }), 'INVALID_INPUT');
    // Fragment names another key.
    expectLaurelError(() => createSigner({ privateKey, verificationMethod: `${issuer}#${other.publicKeyMultibase}`, controller: issuer }), 'INVALID_INPUT');
    // did:key of another key.
    const foreign = didKeyIssuer(other);
    expectLaurelError(() => createSigner({ privateKey, verificationMethod: foreign.verificationMethod, controller: foreign.controller }), 'INVALID_INPUT');
    // Public key instead of private.
    expectLaurelError(() => createSigner({ privateKey: publicKey.keyObject, verificationMethod: `${issuer}#x`, controller: issuer }), 'INVALID_INPUT');
  });

  it('does not expose the private key on the signer object', async () => {
    const { privateKey } = await generateKeyPair('P-256');
    const pub = publicKeyInfo(privateKey);
    const s = createSigner({ privateKey, ...didKeyIssuer(pub) });
    const d = privateKey.export({ format: 'jwk' }).d as string;
    const { inspect } = await import('node:util');
    expect(JSON.stringify({ ...s, publicKey: { ...s.publicKey, keyObject: undefined } })).not.toContain(d);
    expect(inspect(s, { depth: 5, showHidden: true })).not.toContain(d);
    expect(Object.values(s).some((v) => v === privateKey)).toBe(false);
  });
});
