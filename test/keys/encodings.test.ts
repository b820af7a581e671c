import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createPublicKey } from 'node:crypto';
import {
  KEY_ALGORITHMS,
  generateKeyPair,
  jwtAlgorithm,
  publicKeyFromJwk,
  publicKeyFromMultibase,
  publicKeyInfo,
  publicKeyView,
} from '../../core/keys/index.ts';
import { base58btcEncode, concatBytes, multibaseDecode } from '../../core/util/encoding.ts';
import { expectLaurelError } from './helpers.ts';

const VECTOR = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../../shared/spec/ob3/examples/test-vectors/eddsa-rdfc-2022-test-vector.json'), 'utf8'),
) as { publicKeyHex: string; publicKeyMultibase: string };

// W3C CCG did:key test vectors (w3c-ccg/did-method-key, test-vectors/nist-curves.json and the
// spec's RSA example); checked here against keys decoded from their JWKs.
const P256_VECTORS = [
  {
    mb: 'zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv',
    jwk: { kty: 'EC', crv: 'P-256', x: 'igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns', y: 'efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM' },
  },
  {
    mb: 'zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169',
    jwk: { kty: 'EC', crv: 'P-256', x: 'fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI', y: 'hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU' },
  },
];
const RSA_VECTOR = {
  mb: 'z4MXj1wBzi9jUstyPMS4jQqB6KdJaiatPkAtVtGc6bQEQEEsKTic4G7Rou3iBf9vPmT5dbkm9qsZsuVNjq8HCuW1w24nhBFGkRE4cd2Uf2tfrB3N7h4mnyPp1BF3ZttHTYv3DLUPi1zMdkULiow3M1GfXkoC6DoxDUm1jmN6GBj22SjVsr6dxezRVQc7aj9TxE7JLbMH1wh5X3kA58H3DFW8rnYMakFGbca5CB2Jf6CnGQZmL7o5uJAdTwXfy2iiiyPxXEGerMhHwhjTA1mKYobyk2CpeEcmvynADfNZ5MBvcCS7m3XkFCMNUYBS9NQ3fze6vMSUPsNa6GVYmKx2x6JrdEjCk3qRMMmyjnjCMfR4pXbRMZa3i',
  jwk: {
    kty: 'RSA',
    e: 'AQAB',
    n: 'sbX82NTV6IylxCh7MfV4hlyvaniCajuP97GyOqSvTmoEdBOflFvZ06kR_9D6ctt45Fk6hskfnag2GG69NALVH2o4RCR6tQiLRpKcMRtDYE_thEmfBvDzm_VVkOIYfxu-Ipuo9J_S5XDNDjczx2v-3oDh5-CIHkU46hvFeCvpUS-L8TJSbgX0kjVk_m4eIb9wh63rtmD6Uz_KBtCo5mmR4TEtcLZKYdqMp3wCjN-TlgHiz_4oVXWbHUefCEe8rFnX1iQnpDHU49_SaXQoud1jCaexFn25n-Aa8f8bc5Vm-5SeRwidHa6ErvEhTvf1dz6GoNPp2iRvm-wJ1gxwWJEYPQ',
  },
};

describe('key generation and public encodings', () => {
  it.each([
    ['Ed25519', 'z6Mk', 'OKP'],
    ['P-256', 'zDn', 'EC'],
    ['RSA-2048', 'z4MX', 'RSA'],
  ] as const)('%s: Multikey prefix %s, JWK kty %s, both decode back to the same key', async (alg, prefix, kty) => {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    expect(privateKey.type).toBe('private');
    expect(publicKey.algorithm).toBe(alg);
    expect(publicKey.publicKeyMultibase.startsWith(prefix)).toBe(true);
    expect(publicKey.publicKeyJwk.kty).toBe(kty);
    expect(publicKey.publicKeyJwk.d).toBeUndefined();
    const spki = publicKey.keyObject.export({ type: 'spki', format: 'der' });
    for (const back of [publicKeyFromMultibase(publicKey.publicKeyMultibase), publicKeyFromJwk(publicKey.publicKeyJwk)]) {
      expect(back.algorithm).toBe(alg);
      expect(back.publicKeyMultibase).toBe(publicKey.publicKeyMultibase);
      expect(back.publicKeyJwk).toEqual(publicKey.publicKeyJwk);
      expect(back.keyObject.export({ type: 'spki', format: 'der' }).equals(spki)).toBe(true);
    }
    // The private key gives the same public forms.
    expect(publicKeyInfo(privateKey).publicKeyMultibase).toBe(publicKey.publicKeyMultibase);
  });

  it('defaults to Ed25519', async () => {
    expect((await generateKeyPair()).publicKey.algorithm).toBe('Ed25519');
    expect(KEY_ALGORITHMS).toEqual(['Ed25519', 'P-256', 'RSA-2048']);
  });

  it('uses the multicodec prefixes 0xed, 0x1200 and 0x1205 and a compressed P-256 point', async () => {
    const ed = multibaseDecode((await generateKeyPair('Ed25519')).publicKey.publicKeyMultibase);
    expect([...ed.subarray(0, 2)]).toEqual([0xed, 0x01]);
    expect(ed.length).toBe(34);
    const p = multibaseDecode((await generateKeyPair('P-256')).publicKey.publicKeyMultibase);
    expect([...p.subarray(0, 2)]).toEqual([0x80, 0x24]);
    expect(p.length).toBe(2 + 33);
    expect([0x02, 0x03]).toContain(p[2]);
    const rsa = (await generateKeyPair('RSA-2048')).publicKey;
    const r = multibaseDecode(rsa.publicKeyMultibase);
    expect([...r.subarray(0, 2)]).toEqual([0x85, 0x24]);
    expect(Buffer.from(r.subarray(2)).equals(rsa.keyObject.export({ type: 'pkcs1', format: 'der' }))).toBe(true);
  });

  it('matches the OB 3.0 test vector key (publicKeyHex ↔ publicKeyMultibase)', () => {
    expect(VECTOR.publicKeyMultibase).toBe('z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi');
    const decoded = publicKeyFromMultibase(VECTOR.publicKeyMultibase);
    expect(Buffer.from(decoded.publicKeyJwk.x as string, 'base64url').toString('hex')).toBe(VECTOR.publicKeyHex);
    const fromHex = publicKeyInfo(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(VECTOR.publicKeyHex, 'hex').toString('base64url') }, format: 'jwk' }));
    expect(fromHex.publicKeyMultibase).toBe(VECTOR.publicKeyMultibase);
  });

  it.each(P256_VECTORS)('matches the W3C did:key P-256 vector $mb', ({ mb, jwk }) => {
    expect(publicKeyFromJwk(jwk).publicKeyMultibase).toBe(mb);
    expect(publicKeyFromMultibase(mb).publicKeyJwk).toEqual(jwk);
  });

  it('matches the W3C did:key RSA-2048 vector', () => {
    expect(publicKeyFromJwk(RSA_VECTOR.jwk).publicKeyMultibase).toBe(RSA_VECTOR.mb);
    const back = publicKeyFromMultibase(RSA_VECTOR.mb);
    expect(back.algorithm).toBe('RSA-2048');
    expect(back.publicKeyJwk).toEqual({ kty: 'RSA', n: RSA_VECTOR.jwk.n, e: 'AQAB' });
  });

  it('accepts an uncompressed P-256 point but always writes the compressed form', () => {
    const info = publicKeyFromJwk(P256_VECTORS[0]!.jwk);
    const uncompressed = concatBytes(
      new Uint8Array([0x80, 0x24, 0x04]),
      Buffer.from(P256_VECTORS[0]!.jwk.x, 'base64url'),
      Buffer.from(P256_VECTORS[0]!.jwk.y, 'base64url'),
    );
    expect(publicKeyFromMultibase('z' + base58btcEncode(uncompressed)).publicKeyMultibase).toBe(info.publicKeyMultibase);
  });

  it('refuses bad Multikeys with INVALID_INPUT / UNSUPPORTED', () => {
    expectLaurelError(() => publicKeyFromMultibase('u7QE'), 'INVALID_INPUT');
    expectLaurelError(() => publicKeyFromMultibase('z0OIl'), 'INVALID_INPUT');
    // Ed25519 prefix with 31 bytes.
    expectLaurelError(() => publicKeyFromMultibase('z' + base58btcEncode(concatBytes(new Uint8Array([0xed, 0x01]), new Uint8Array(31)))), 'INVALID_INPUT');
    // A P-256 "point" that is not on the curve.
    expectLaurelError(() => publicKeyFromMultibase('z' + base58btcEncode(concatBytes(new Uint8Array([0x80, 0x24, 0x02]), new Uint8Array(32).fill(0xff)))), 'INVALID_INPUT');
    // secp256k1 (0xe7) is not one of ours.
    expectLaurelError(() => publicKeyFromMultibase('z' + base58btcEncode(concatBytes(new Uint8Array([0xe7, 0x01]), new Uint8Array(33)))), 'UNSUPPORTED');
  });

  it('refuses JWKs with private members or of unsupported types', async () => {
    const { privateKey } = await generateKeyPair('P-256');
    const priv = privateKey.export({ format: 'jwk' });
    const err = expectLaurelError(() => publicKeyFromJwk(priv), 'INVALID_INPUT');
    expect(err.message).toContain('private');
    expect(err.message).not.toContain(priv.d as string);
    expectLaurelError(() => publicKeyFromJwk({ kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA' }), 'UNSUPPORTED');
    expectLaurelError(() => publicKeyFromJwk({ kty: 'oct', k: 'AAAA' }), 'INVALID_INPUT');
    expectLaurelError(() => publicKeyFromJwk('not a jwk'), 'INVALID_INPUT');
    expectLaurelError(() => publicKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: 'not base64url!' }), 'INVALID_INPUT');
  });

  it('refuses RSA keys under 2048 bits; larger ones verify under the RSA-2048 label', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expectLaurelError(() => publicKeyInfo(small), 'UNSUPPORTED');
    const big = publicKeyInfo(generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey);
    expect(big.algorithm).toBe('RSA-2048');
    expect(publicKeyFromMultibase(big.publicKeyMultibase).publicKeyJwk).toEqual(big.publicKeyJwk);
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey;
    expectLaurelError(() => publicKeyInfo(pss), 'UNSUPPORTED');
  });

  it('names the JOSE alg per key type and gives a serializable view', async () => {
    expect(jwtAlgorithm('Ed25519')).toBe('EdDSA');
    expect(jwtAlgorithm('P-256')).toBe('ES256');
    expect(jwtAlgorithm('RSA-2048')).toBe('RS256');
    const { publicKey } = await generateKeyPair('P-256');
    const view = publicKeyView(publicKey);
    expect(JSON.parse(JSON.stringify(view))).toEqual({ algorithm: 'P-256', publicKeyMultibase: publicKey.publicKeyMultibase, publicKeyJwk: publicKey.publicKeyJwk });
  });
});
