import type { KeyObject } from 'node:crypto';

/** The contracts shared by keys, proof and verify. Implementations live in core/keys. */

/**
 * 'RSA-2048' is the RSA key we generate. Keys resolved for verification may be larger RSA keys
 * (up to 8192 bits); they carry the same label because they verify the same way (RS256).
 */
export type KeyAlgorithm = 'Ed25519' | 'P-256' | 'RSA-2048';

/** A JWK as JSON (public members only unless stated). */
export type Jwk = Record<string, string | string[] | undefined> & { kty: string };

export interface PublicKeyInfo {
  algorithm: KeyAlgorithm;
  /** Multikey form: 'z' + base58btc(multicodec prefix || key bytes). z6Mk… for Ed25519, zDn… for P-256. */
  publicKeyMultibase: string;
  publicKeyJwk: Jwk;
  keyObject: KeyObject;
}

/** Something that signs with one key, as one verification method. Never exposes the private key. */
export interface Signer {
  algorithm: KeyAlgorithm;
  /** Full verification method id, e.g. did:key:z6Mk…#z6Mk… or https://example.org/issuer#z6Mk… */
  verificationMethod: string;
  /** The controller of the key: always the issuer id. */
  controller: string;
  publicKey: PublicKeyInfo;
  /**
   * Signs bytes. Ed25519: raw 64-byte signature over data. P-256: SHA-256 + ECDSA, IEEE P1363
   * (r||s, 64 bytes). RSA: RSASSA-PKCS1-v1_5 with SHA-256.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** What a verifier learns from a verification method id. */
export interface ResolvedKey {
  verificationMethod: string;
  controller: string;
  publicKey: PublicKeyInfo;
  /** How it was resolved, for the report: 'did:key', 'issuer-fragment', 'did:web', 'jwk', … */
  source: string;
  /** Present when resolution used a cached copy of a remote document. */
  cachedAt?: string;
}

/**
 * Turns a verification method id (or a JWT `kid`) into a public key. Throws LaurelError
 * NETWORK_REFUSED / NOT_FOUND when it cannot, so the verifier can say "could not check".
 */
export type KeyResolver = (verificationMethod: string) => Promise<ResolvedKey>;
