/**
 * core/issue: issuing credentials, one or a batch. A batch is a job: prepareBatch checks the roster
 * and records a credential id for every learner (nothing signed yet); runBatch signs (in worker
 * threads, the key staying on the calling thread), stores and exports, with progress events and
 * cancel; running it again on an interrupted batch resumes it.
 */
export { achievementInput, achievementVersionFor, buildAchievementFromJson, storedAchievement } from './achievement.ts';
export {
  buildLearnerCredential,
  finishJsonCredential,
  learnerSubject,
  proofPreparer,
  signJwtCredential,
  storeIssuedCredential,
  type CredentialParts,
  type IdentityMode,
  type Learner,
  type RecipientOptions,
} from './credential.ts';
export { defaultBadgePng, defaultBadgeSvg, renderDefaultBadgeSvg } from './default-badge.ts';
export { FileNamer, safeBaseName, MAX_BASE_BYTES } from './filenames.ts';
export { MANIFEST_FILE, SUMMARY_FILE, type Manifest, type ManifestItem } from './export.ts';
export { badRowsError, batchView, inspectRoster, prepareBatch, type BatchOptions, type IssueContext, type ItemData } from './prepare.ts';
export { runBatch, type RunContext } from './run.ts';
export { reissueCredential, type ReissueInput, type ReissuedCredential } from './reissue.ts';
export { defaultWorkerCount } from './pool.ts';
export * from './types.ts';
