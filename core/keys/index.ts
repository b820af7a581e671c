/**
 * core/keys: key generation (Ed25519, P-256, RSA-2048), Multikey and JWK forms, issuer
 * identifiers (did:key, did:web, HTTPS issuer + key fragment, did:jwk), the offline KeyResolver,
 * Signers, and the KeyStore with its keychain and encrypted-file backends.
 */
export type { Jwk, KeyAlgorithm, KeyResolver, PublicKeyInfo, ResolvedKey, Signer } from './types.ts';

export {
  KEY_ALGORITHMS,
  MULTICODEC,
  algorithmOf,
  generateKeyPair,
  isKeyAlgorithm,
  jwtAlgorithm,
  publicKeyFromJwk,
  publicKeyFromMultibase,
  publicKeyInfo,
  publicKeyView,
} from './algorithms.ts';

export { createSigner, importEd25519FromRaw, signBytes, verifyBytes, type CreateSignerOptions } from './signer.ts';

export {
  DID_CONTEXT,
  JWK_CONTEXT,
  MULTIKEY_CONTEXT,
  buildDidWebDocument,
  didJwkFromPublicKey,
  didKeyDocument,
  didKeyFromPublicKey,
  didKeyIssuer,
  didWebDocumentUrl,
  didWebFromUrl,
  didWebIssuer,
  didWebVerificationMethod,
  formatDidWeb,
  httpsIssuer,
  parseDidJwk,
  parseDidKey,
  parseDidWeb,
  serializeDidDocument,
  writeDidWebDocument,
  type DidDocument,
  type DidWebKey,
  type DidWebParts,
  type IssuerIdentity,
  type PublicKeyParts,
  type VerificationMethodEntry,
} from './did.ts';

export { createKeyResolver, keyFromDidDocument, resolveJwkHeader, type DocumentFetcher, type KeyResolverOptions } from './resolver.ts';

export type { ImportResult, KeyStore } from './keystore.ts';
export { DEFAULT_SCRYPT, type ScryptParams } from './envelope.ts';
export { FileKeyStore, type FileKeyStoreOptions } from './file-store.ts';
export { DEFAULT_KEYCHAIN_SERVICE, KeychainKeyStore, type KeychainKeyStoreOptions } from './keychain-store.ts';
export { openKeyStore, type KeyStoreSpec, type OpenKeyStoreOptions } from './open.ts';
export { FileSecretStore, KeychainSecretStore, openSecretStore, secretsFileFor, type SecretStore } from './secret-store.ts';
