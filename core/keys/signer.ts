import { constants, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { LaurelError } from '../util/errors.ts';
import { algorithmOf, publicKeyInfo } from './algorithms.ts';
import type { KeyAlgorithm, PublicKeyInfo, Signer } from './types.ts';

export interface CreateSignerOptions {
  privateKey: KeyObject;
  /** Full verification method id; must be `<controller>#<fragment>`. */
  verificationMethod: string;
  /** The issuer id. */
  controller: string;
}

/**
 * A Signer over one private key. The key lives only in this closure: it is not a property, so
 * it can't be serialized, inspected or sent over IPC with the signer.
 */
export function createSigner(options: CreateSignerOptions): Signer {
  const { privateKey, verificationMethod, controller } = options;
  if (!privateKey || typeof privateKey !== 'object' || privateKey.type !== 'private') {
    throw new LaurelError('INVALID_INPUT', 'createSigner needs a private KeyObject.');
  }
  const publicKey = publicKeyInfo(privateKey);
  checkBinding(verificationMethod, controller, publicKey);
  const algorithm = publicKey.algorithm;
  return {
    algorithm,
    verificationMethod,
    controller,
    publicKey,
    sign: (data: Uint8Array) => signBytes(privateKey, algorithm, data),
  };
}

/** Signs per the Signer contract in types.ts (off the main thread: node's async sign). */
export function signBytes(privateKey: KeyObject, algorithm: KeyAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  const [digest, key] = signingParams(privateKey, algorithm);
  return new Promise((resolve, reject) => {
    nodeSign(digest, data, key, (err, sig) => (err ? reject(err) : resolve(new Uint8Array(sig))));
  });
}

/** Checks a signature made per the Signer contract. Returns false (never throws) on a bad signature. */
export function verifyBytes(publicKey: PublicKeyInfo | KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const keyObject = 'keyObject' in publicKey ? publicKey.keyObject : publicKey;
  const [digest, key] = signingParams(keyObject, algorithmOf(keyObject));
  try {
    return nodeVerify(digest, data, key, signature);
  } catch {
    return false;
  }
}

function signingParams(key: KeyObject, algorithm: KeyAlgorithm): [string | null, KeyObject | { key: KeyObject; dsaEncoding?: 'ieee-p1363'; padding?: number }] {
  if (algorithm === 'Ed25519') return [null, key];
  if (algorithm === 'P-256') return ['sha256', { key, dsaEncoding: 'ieee-p1363' }];
  return ['sha256', { key, padding: constants.RSA_PKCS1_PADDING }];
}

/**
 * Refuses a verification method that could never verify: it must sit under the controller
 * (`<controller>#…`), and where the id itself names the key (did:key, `issuer#z…`) it must name
 * this key.
 */
function checkBinding(verificationMethod: string, controller: string, publicKey: PublicKeyInfo): void {
  if (typeof verificationMethod !== 'string' || typeof controller !== 'string' || !controller) {
    throw new LaurelError('INVALID_INPUT', 'A signer needs a verification method id and a controller (the issuer id).');
  }
  const hash = verificationMethod.indexOf('#');
  if (hash < 0 || verificationMethod.slice(0, hash) !== controller || hash === verificationMethod.length - 1) {
    throw new LaurelError(
      'INVALID_INPUT',
      `The verification method '${verificationMethod}' is not under its controller '${controller}': it must be '${controller}#<key id>', because verifiers require the key's controller to be the issuer.`,
    );
  }
  const fragment = verificationMethod.slice(hash + 1);
  if (controller.startsWith('did:key:') && controller !== `did:key:${publicKey.publicKeyMultibase}`) {
    throw new LaurelError('INVALID_INPUT', `The did:key '${controller}' is not this signing key (expected did:key:${publicKey.publicKeyMultibase}).`);
  }
  const namesKey = controller.startsWith('did:key:') || /^https?:/.test(controller);
  if (namesKey && /^z[1-9A-HJ-NP-Za-km-z]+$/.test(fragment) && fragment !== publicKey.publicKeyMultibase) {
    throw new LaurelError('INVALID_INPUT', `The verification method fragment '#${fragment.slice(0, 16)}…' names a different key than the one signing (${publicKey.publicKeyMultibase.slice(0, 16)}…).`);
  }
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Loads an Ed25519 private key from its 32-byte seed (the form test vectors publish). A 64-byte
 * seed||public value is split. When the public key is given it must match the seed.
 */
export function importEd25519FromRaw(seed: Uint8Array, publicKey?: Uint8Array): KeyObject {
  let s = seed;
  let pub = publicKey;
  if (s.length === 64 && pub === undefined) {
    pub = s.subarray(32);
    s = s.subarray(0, 32);
  }
  if (s.length !== 32) throw new LaurelError('INVALID_INPUT', `An Ed25519 seed is 32 bytes (got ${s.length}).`);
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, s]), format: 'der', type: 'pkcs8' });
  if (pub !== undefined) {
    const derived = Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x as string, 'base64url');
    if (pub.length !== 32 || !derived.equals(Buffer.from(pub))) {
      throw new LaurelError('INVALID_INPUT', 'The Ed25519 public key does not belong to this seed.');
    }
  }
  return key;
}
