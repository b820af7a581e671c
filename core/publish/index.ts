/**
 * core/publish: Laurel Studio as an Open Badges 3.0 / CLR 2.0 "Service Consumer (Write)": host
 * discovery, dynamic registration with a loopback redirect, authorization code + PKCE in the
 * system browser, tokens in the OS keychain, upsertCredential with bounded retries, read-back
 * with getCredentials (equality rule), putProfile. The decisions: docs/decisions.md §8 and §16.
 */
export { API_PATHS, REVOCATION_KEYS, discover, normalizeBaseUrl, parseServiceDescription, scopeUri, type ScopeName, type ServiceDescription } from './discovery.ts';
export { apiOf, credentialOfBody, equalityKey, issuerIdOf, jwtCredential, sameCredential, validFromOf } from './equality.ts';
export { CALLBACK_PATH, DEFAULT_CALLBACK_PORT, createPkce, loopbackRedirect, type ClientMetadata, type TokenSet } from './oauth.ts';
export { DEFAULT_RETRY, retryAfterMs, type RetryPolicy } from './retry.ts';
export { LAUREL_CLIENT } from './client-metadata.ts';
export {
  DEFAULT_PUBLISH_SETTINGS,
  HostService,
  type DisconnectResult,
  type HostContext,
  type HostDiscovery,
  type HostView,
  type OpenUrl,
  type PendingConnection,
  type PublishSettings,
  type ReconnectDetails,
  reconnectOf,
} from './service.ts';
export { HostSession } from './session.ts';
export {
  publishCredentials,
  pushProfile,
  type ProfileResult,
  type PublishInput,
  type PublishItemResult,
  type PublishOptions,
  type PublishOutcome,
  type PublishProgress,
  type PublishSummary,
} from './publish.ts';
