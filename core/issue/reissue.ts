// Re-issuing: a corrected or updated credential for the same learner. Signed credentials are
// never edited: the new one gets its own id and row, which points at the row it replaces.
import { randomUUID } from 'node:crypto';
import { withReceivedEndorsements } from '../endorse/embed.ts';
import type { Signer } from '../keys/index.ts';
import { allocateStatusEntries, statusListBaseUrl, type BitstringStatusListEntry } from '../status/index.ts';
import { getAchievementVersion, getBatch, getCredentialsById, getIssuer, type AchievementVersion, type StoredCredential } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import { achievementVersionFor, storedAchievement } from './achievement.ts';
import { buildLearnerCredential, finishJsonCredential, proofPreparer, signJwtCredential, storeIssuedCredential, type IdentityMode, type Learner } from './credential.ts';
import type { BatchOptions, IssueContext, ItemData } from './prepare.ts';

export interface ReissueInput {
  /** The id of the credential to replace (its newest row is the one replaced). */
  credentialId: string;
  /** A corrected learner name. */
  name?: string;
  /** Award this achievement instead (JSON, or a stored id: its newest version); default: the same version. */
  achievement?: { json: unknown } | { id: string };
  /** VC-JWT with an Ed25519 key. */
  allowEdDSA?: boolean;
}

export interface ReissuedCredential {
  credentialId: string;
  replaces: { credentialId: string; rowId: number };
  format: 'json' | 'jwt';
  body: string;
  sha256: string;
  rowId: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Who the old credential was for, and how they were named in it. */
function learnerOf(ctx: IssueContext, old: StoredCredential): { learner: Learner; identity: IdentityMode; plaintext: boolean } {
  if (old.batchId) {
    const item = ctx.db.prepare('SELECT row_json FROM batch_items WHERE batch_id = ? AND credential_id = ?').get(old.batchId, old.credentialId) as { row_json: string } | undefined;
    const batch = getBatch(ctx.db, old.batchId);
    if (item && batch) {
      const o = batch.options as unknown as BatchOptions;
      return { learner: { ...(JSON.parse(item.row_json) as ItemData).learner }, identity: o.identity, plaintext: o.plaintextIdentity };
    }
  }
  // A single credential: the recipient as typed, the name as signed.
  const r = old.recipient.trim();
  const name = (subjectOf(old).name as string | undefined) ?? undefined;
  if (EMAIL.test(r)) return { learner: { email: r, emailKey: r.toLowerCase(), name }, identity: 'email', plaintext: false };
  return { learner: { did: r, name }, identity: 'did', plaintext: false };
}

function payloadOf(c: StoredCredential): Record<string, unknown> {
  if (c.format === 'json') return JSON.parse(c.body) as Record<string, unknown>;
  return JSON.parse(Buffer.from(c.body.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

function subjectOf(c: StoredCredential): Record<string, unknown> {
  const s = payloadOf(c).credentialSubject;
  return (Array.isArray(s) ? s[0] : s) as Record<string, unknown>;
}

export async function reissueCredential(ctx: IssueContext & { signer: Signer }, input: ReissueInput): Promise<ReissuedCredential> {
  const { db, signer } = ctx;
  const rows = getCredentialsById(db, input.credentialId);
  if (!rows.length) throw new LaurelError('NOT_FOUND', `No credential ${input.credentialId} was issued from this workspace.`);
  const old = rows.find((r) => r.format === 'json') ?? rows[0]!;
  // Endorsements and upgraded OB 2.0 badges live in the same table but have no learner row to re-issue from.
  const types = [payloadOf(old).type].flat();
  if (types.includes('EndorsementCredential')) throw new LaurelError('UNSUPPORTED', `${old.credentialId} is an endorsement, not a learner's credential: sign a new endorsement instead (laurel endorse).`);
  if (ctx.db.prepare('SELECT 1 FROM ob2_upgrades WHERE credential_rowid = ?').get(old.rowId)) {
    throw new LaurelError('UNSUPPORTED', `${old.credentialId} is an upgraded Open Badges 2.0 badge: upgrade the original again (laurel upgrade) to re-issue it.`);
  }
  const issuer = getIssuer(db, old.issuerId);
  if (!issuer) throw new LaurelError('NOT_FOUND', `The credential's issuer ${old.issuerId} is no longer in this workspace.`);
  if (signer.controller !== issuer.id) throw new LaurelError('INVALID_INPUT', `The signer is not the key of ${issuer.id}.`);
  const { learner, identity, plaintext } = learnerOf(ctx, old);
  if (input.name !== undefined) {
    if (!input.name.trim()) throw new LaurelError('INVALID_INPUT', 'The corrected name is empty.');
    learner.name = input.name.trim();
  }
  let version: AchievementVersion | undefined;
  if (input.achievement) {
    const a = input.achievement;
    version = db.transaction(() => ('json' in a ? achievementVersionFor(db, a.json) : storedAchievement(db, a.id)))();
  } else if (old.achievementRowid) {
    version = getAchievementVersion(db, old.achievementRowid);
  }
  // Credentials from before achievements were stored carry their achievement themselves.
  const achievement = version?.achievement ?? (subjectOf(old).achievement as Record<string, unknown>);
  const credentialId = `urn:uuid:${randomUUID()}`;
  let credentialStatus: BitstringStatusListEntry | undefined;
  if (statusListBaseUrl(db, issuer.id)) credentialStatus = allocateStatusEntries(db, issuer.id, [credentialId]).get(credentialId) as BitstringStatusListEntry;
  const endorsed = withReceivedEndorsements(db, issuer.profile, achievement, { jwtOnly: old.format === 'jwt' });
  const credential = buildLearnerCredential({
    credentialId,
    issuer: endorsed.issuer,
    achievement: endorsed.achievement,
    endorsementJwt: endorsed.endorsementJwt,
    learner,
    recipient: { identity, plaintext },
    credentialStatus: credentialStatus ? { ...credentialStatus } : undefined,
  });
  const body = old.format === 'json' ? await finishJsonCredential(credential, await proofPreparer(signer)(credential), signer) : await signJwtCredential(credential, signer, input.allowEdDSA ?? false);
  const stored = db.transaction(() =>
    storeIssuedCredential(db, {
      credentialId,
      issuerId: issuer.id,
      recipient: old.recipient,
      format: old.format,
      body,
      actor: ctx.actor,
      reissueOf: old.rowId,
      ...(version ? { achievementRowid: version.rowid } : {}),
      auditDetails: { reissueOf: old.credentialId },
    }),
  )();
  return { credentialId, replaces: { credentialId: old.credentialId, rowId: old.rowId }, format: old.format, body, sha256: stored.sha256, rowId: stored.rowId };
}
