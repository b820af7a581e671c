import { ECDH, createPrivateKey, createPublicKey, generateKeyPair as nodeGenerateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { base58btcEncode, base64urlDecode, base64urlEncode, concatBytes, multibaseDecode, varintDecode, varintEncode } from '../util/encoding.ts';
import { LaurelError } from '../util/errors.ts';
import type { Jwk, KeyAlgorithm, PublicKeyInfo } from './types.ts';

/**
 * The three key types, their Multikey and JWK public forms, and the conversions between them.
 * Everything here is pure node:crypto; private keys only ever appear as KeyObjects.
 */

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['Ed25519', 'P-256', 'RSA-2048'];

/** Multicodec codes of the public key types (https://github.com/multiformats/multicodec). */
export const MULTICODEC = {
  'Ed25519': 0xed,
  'P-256': 0x1200,
  /** RSA public key as PKCS#1 DER (RSAPublicKey), as did:key uses it. */
  'RSA-2048': 0x1205,
} as const satisfies Record<KeyAlgorithm, number>;

/** RSA moduli we accept from others: ours are 2048-bit; smaller ones are refused as too weak. */
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 8192;

const generate = promisify(nodeGenerateKeyPair);

export function isKeyAlgorithm(value: unknown): value is KeyAlgorithm {
  return typeof value === 'string' && (KEY_ALGORITHMS as readonly string[]).includes(value);
}

/** The JOSE `alg` each key type signs with. */
export function jwtAlgorithm(algorithm: KeyAlgorithm): 'EdDSA' | 'ES256' | 'RS256' {
  return algorithm === 'Ed25519' ? 'EdDSA' : algorithm === 'P-256' ? 'ES256' : 'RS256';
}

/** Generates a key pair. The private key stays a KeyObject: callers store it, never print it. */
export async function generateKeyPair(algorithm: KeyAlgorithm = 'Ed25519'): Promise<{ privateKey: KeyObject; publicKey: PublicKeyInfo }> {
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (algorithm === 'Ed25519') pair = await generate('ed25519');
  else if (algorithm === 'P-256') pair = await generate('ec', { namedCurve: 'prime256v1' });
  else if (algorithm === 'RSA-2048') pair = await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  else throw new LaurelError('UNSUPPORTED', `Unknown key algorithm '${String(algorithm)}'. Use one of: ${KEY_ALGORITHMS.join(', ')}.`);
  return { privateKey: pair.privateKey, publicKey: publicKeyInfo(pair.publicKey) };
}

/** Which of our algorithms a key (public or private) is. Throws UNSUPPORTED for anything else. */
export function algorithmOf(key: KeyObject): KeyAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return 'Ed25519';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'P-256';
    throw new LaurelError('UNSUPPORTED', `EC keys on curve ${curve ?? 'unknown'} are not supported; only P-256 is.`);
  }
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
      throw new LaurelError('UNSUPPORTED', `RSA keys of ${bits} bits are not supported; use ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits.`);
    }
    // 'RSA-2048' names the RSA family: larger keys verify the same way (RS256).
    return 'RSA-2048';
  }
  throw new LaurelError('UNSUPPORTED', `Keys of type ${type ?? 'unknown'} are not supported; use Ed25519, P-256 or RSA.`);
}

/** The public forms of a key. Given a private key, uses its public half. */
export function publicKeyInfo(key: KeyObject): PublicKeyInfo {
  const keyObject = key.type === 'private' ? createPublicKey(key) : key;
  if (keyObject.type !== 'public') throw new LaurelError('INVALID_INPUT', 'Expected an asymmetric key, got a secret key.');
  const algorithm = algorithmOf(keyObject);
  const publicKeyJwk = publicJwkOf(keyObject, algorithm);
  return { algorithm, publicKeyMultibase: multikeyOf(keyObject, algorithm, publicKeyJwk), publicKeyJwk, keyObject };
}

/** The public forms without the KeyObject: safe to serialize, log or send to the renderer. */
export function publicKeyView(info: PublicKeyInfo): { algorithm: KeyAlgorithm; publicKeyMultibase: string; publicKeyJwk: Jwk } {
  return { algorithm: info.algorithm, publicKeyMultibase: info.publicKeyMultibase, publicKeyJwk: { ...info.publicKeyJwk } };
}

function publicJwkOf(key: KeyObject, algorithm: KeyAlgorithm): Jwk {
  const raw = key.export({ format: 'jwk' }) as Record<string, string>;
  // Build the JWK member by member so nothing but public members can ever leave.
  if (algorithm === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519', x: raw.x! };
  if (algorithm === 'P-256') return { kty: 'EC', crv: 'P-256', x: raw.x!, y: raw.y! };
  return { kty: 'RSA', n: raw.n!, e: raw.e! };
}

function multikeyOf(key: KeyObject, algorithm: KeyAlgorithm, jwk: Jwk): string {
  let body: Uint8Array;
  if (algorithm === 'Ed25519') body = base64urlDecode(jwk.x as string);
  else if (algorithm === 'P-256') {
    const x = base64urlDecode(jwk.x as string);
    const y = base64urlDecode(jwk.y as string);
    body = concatBytes(new Uint8Array([0x02 | (y[y.length - 1]! & 1)]), x);
  } else body = new Uint8Array(key.export({ type: 'pkcs1', format: 'der' }));
  return 'z' + base58btcEncode(concatBytes(varintEncode(MULTICODEC[algorithm]), body));
}

/** Decodes a Multikey `publicKeyMultibase` (z6Mk…, zDn…, z4MX…) into a public key. */
export function publicKeyFromMultibase(publicKeyMultibase: string): PublicKeyInfo {
  if (typeof publicKeyMultibase !== 'string' || !publicKeyMultibase.startsWith('z')) {
    throw new LaurelError('INVALID_INPUT', 'A publicKeyMultibase must be base58btc multibase (start with "z").');
  }
  let bytes: Uint8Array;
  let code: number;
  let body: Uint8Array;
  try {
    bytes = multibaseDecode(publicKeyMultibase);
    const v = varintDecode(bytes);
    code = v.value;
    body = bytes.subarray(v.length);
  } catch (cause) {
    throw new LaurelError('INVALID_INPUT', `'${clip(publicKeyMultibase)}' is not a valid publicKeyMultibase.`, { cause });
  }
  let keyObject: KeyObject;
  try {
    if (code === MULTICODEC['Ed25519']) {
      if (body.length !== 32) throw new Error(`an Ed25519 key is 32 bytes, got ${body.length}`);
      keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(body) }, format: 'jwk' });
    } else if (code === MULTICODEC['P-256']) {
      // Compressed (33 bytes) is the Multikey form; uncompressed (65) is accepted from older tools.
      if (body.length !== 33 && body.length !== 65) throw new Error(`a P-256 key is 33 (compressed) or 65 bytes, got ${body.length}`);
      const point = ECDH.convertKey(body, 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
      keyObject = createPublicKey({
        key: { kty: 'EC', crv: 'P-256', x: base64urlEncode(point.subarray(1, 33)), y: base64urlEncode(point.subarray(33, 65)) },
        format: 'jwk',
      });
    } else if (code === MULTICODEC['RSA-2048']) {
      keyObject = createPublicKey({ key: Buffer.from(body), format: 'der', type: 'pkcs1' });
    } else {
      throw new LaurelError('UNSUPPORTED', `publicKeyMultibase uses multicodec 0x${code.toString(16)}; supported are 0xed (Ed25519), 0x1200 (P-256) and 0x1205 (RSA).`);
    }
  } catch (cause) {
    if (cause instanceof LaurelError) throw cause;
    throw new LaurelError('INVALID_INPUT', `'${clip(publicKeyMultibase)}' does not hold a valid public key: ${(cause as Error).message}.`, { cause });
  }
  return publicKeyInfo(keyObject);
}

/** Members that make a JWK private. A JWK with any of them is refused, never imported. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Turns a public JWK (e.g. a JWT `jwk` header or a `publicKeyJwk`) into a public key. Refuses private JWKs. */
export function publicKeyFromJwk(jwk: unknown): PublicKeyInfo {
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw new LaurelError('INVALID_INPUT', 'A JWK must be a JSON object.');
  const j = jwk as Record<string, unknown>;
  const leaked = PRIVATE_JWK_MEMBERS.filter((m) => m in j);
  if (leaked.length > 0) {
    // Never echo the values: the point is that they are secret.
    throw new LaurelError('INVALID_INPUT', `Refusing a JWK that contains private key members (${leaked.join(', ')}); a public key must never carry them.`);
  }
  let key: Record<string, string>;
  if (j.kty === 'OKP' && j.crv === 'Ed25519' && typeof j.x === 'string') key = { kty: 'OKP', crv: 'Ed25519', x: j.x };
  else if (j.kty === 'EC' && j.crv === 'P-256' && typeof j.x === 'string' && typeof j.y === 'string') key = { kty: 'EC', crv: 'P-256', x: j.x, y: j.y };
  else if (j.kty === 'RSA' && typeof j.n === 'string' && typeof j.e === 'string') key = { kty: 'RSA', n: j.n, e: j.e };
  else {
    throw new LaurelError('UNSUPPORTED', `Unsupported JWK (kty ${JSON.stringify(j.kty)}, crv ${JSON.stringify(j.crv)}); supported are OKP/Ed25519, EC/P-256 and RSA.`);
  }
  let keyObject: KeyObject;
  try {
    for (const v of Object.values(key)) base64urlDecode(v);
    keyObject = createPublicKey({ key, format: 'jwk' });
  } catch (cause) {
    throw new LaurelError('INVALID_INPUT', `The JWK does not hold a valid ${key.kty} public key.`, { cause });
  }
  return publicKeyInfo(keyObject);
}

/** Loads a private key from PKCS#8 DER. Used by the key stores; messages never include the bytes. */
export function privateKeyFromPkcs8(der: Uint8Array, expected?: KeyAlgorithm): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch {
    throw new LaurelError('INVALID_INPUT', 'A stored private key could not be read (it is not valid PKCS#8).');
  }
  const algorithm = algorithmOf(key);
  if (expected && algorithm !== expected) {
    throw new LaurelError('INVALID_INPUT', `A stored private key is ${algorithm}, but its record says ${expected}.`);
  }
  return key;
}

export function pkcs8Of(privateKey: KeyObject): Uint8Array {
  if (privateKey.type !== 'private') throw new LaurelError('INVALID_INPUT', 'Expected a private key.');
  return new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
