/**
 * Proofs: Data Integrity (embedded; eddsa-rdfc-2022 / ecdsa-rdfc-2019, verifying also eddsa-2022 and
 * Ed25519Signature2020) and VC-JWT (external; ES256 / RS256, EdDSA on request). Keys come in only as
 * the Signer / KeyResolver contracts of core/keys; nothing here touches the network.
 */
export {
  signDataIntegrity,
  createDataIntegritySigner,
  createProofPreparer,
  completeDataIntegrityProof,
  verifyDataIntegrity,
  type ProofKeyInfo,
  type PreparedProof,
  type SigningCryptosuite,
  type SignDataIntegrityOptions,
  type VerifyDataIntegrityOptions,
  type ProofVerificationResult,
  type ProofStatus,
} from './data-integrity.ts';
export {
  canonicalizeForProof,
  hashForProof,
  ED25519_2020_CONTEXT,
  type ProofCanonicalForms,
  type ProofHashes,
} from './canonicalize.ts';
export {
  signJwt,
  verifyJwt,
  claimsForCredential,
  type JwtAlg,
  type SignJwtOptions,
  type VerifyJwtOptions,
  type JwtVerification,
  type JwtCheck,
  type JwtCheckId,
} from './jwt.ts';
export {
  createDocumentCanonicalizer,
  type DocumentCanonicalizerOptions,
  type DocumentCanonicalizerStats,
} from './expansion-cache.ts';
export type { JsonObject } from './credential.ts';
