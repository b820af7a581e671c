/**
 * core/airgap: signing on a machine that never touches a network. The preparer writes a signing
 * request (the unsigned credentials of a prepared batch, bound by a digest); the officer on the
 * signer reviews it and approves (signed bundle) or rejects it; the preparer imports the bundle,
 * checked against its request, and exports the batch as if it had been signed locally.
 * File formats: docs/formats/signing-request.md and docs/formats/signed-bundle.md.
 */
export * from './format.ts';
export { createSigningRequest, exportSignedBatch, importSignedBundle, differingPaths, type ImportBundleOptions, type ImportedBundle } from './preparer.ts';
export {
  approveSigningRequest,
  checkSigningRequest,
  rejectSigningRequest,
  reviewSigningRequest,
  signerRequests,
  type ApprovedRequest,
  type ApproveOptions,
  type RequestReview,
  type ReviewRecipient,
  type ReviewWarning,
  type ReviewWarningCode,
  type SignerContext,
} from './signer.ts';
export { EXTERNAL_KEYSTORE, exportIssuer, importIssuer, type IssuerExport } from './issuer.ts';
