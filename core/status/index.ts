/**
 * core/status: credential status (revocation, suspension).
 *
 * Issuing: W3C Bitstring Status List v1.0. Each issuer that has a status list URL gets lists per
 * purpose, created lazily in the workspace (`<base>/<issuer-slug>-<purpose>-<n>.json`, 131,072
 * entries each); credentials get entries at random free indexes before they are signed; revoking
 * or suspending flips bits; the signed BitstringStatusListCredential is written to a file that the
 * user hosts at the list's URL.
 *
 * Why one entry per Open Badges credential: both OB 3.0 schema builds define credentialStatus as a
 * single object (the data model says 0..1), so an array [revocation, suspension], which the W3C
 * spec allows, fails schema validation and 1EdTech conformance. OB credentials therefore carry one
 * `revocation` entry. Suspension works for credentials that hold a suspension entry
 * (`allocateStatusEntries(…, { suspension: true })` for other VC types); suspending an OB
 * credential is refused with that reason rather than faked.
 *
 * Contexts: the entry and list terms come from the VC 2.0 context, which every credential we sign
 * already names first; the list credential uses only that context. The separate
 * https://www.w3.org/ns/credentials/status/v1 context (bundled, for verifying others' VC 1.1-era
 * lists) defines the same terms identically, so adding it would change nothing but the bytes.
 *
 * Checking: `checkStatus` for the verifier, offline by default, with a seam for fetching lists.
 */
export { MIN_BITSTRING_BITS, MAX_BITSTRING_BYTES, newBitstring, getBit, setBit, encodeBitstring, decodeBitstring } from './bitstring.ts';
export type { BitstringStatusListEntry, CredentialState, StatusListInfo, StatusPurpose } from './types.ts';
export { STATUS_PURPOSES } from './types.ts';
export {
  normalizeStatusListBaseUrl,
  setStatusListBaseUrl,
  statusListBaseUrl,
  allocateStatusEntries,
  statusListCapacity,
  statusEntriesOf,
  setCredentialStatus,
  listStatusListInfo,
  buildStatusListCredential,
  statusListFileName,
  exportStatusList,
  type AllocateOptions,
  type StatusChange,
  type StatusListCredentialOptions,
  type ExportedStatusList,
} from './lists.ts';
export {
  checkStatus,
  type CheckStatusOptions,
  type StatusCheckResult,
  type StatusCheckStatus,
  type StatusEntryResult,
  type StatusListFetcher,
  type StatusListLookup,
} from './check.ts';
