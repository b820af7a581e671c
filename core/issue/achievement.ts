// The achievement a credential awards: from author JSON (a file, the UI) or a stored version.
import { createHash } from 'node:crypto';
import { buildAchievement, type AchievementInput } from '../model/index.ts';
import { getLatestAchievement, saveAchievementVersion, type AchievementVersion, type Db } from '../store/index.ts';
import { LaurelError, isLaurelError } from '../util/errors.ts';

/** Checks author JSON is an Achievement (not a whole credential) and drops its @context. */
export function achievementInput(raw: unknown): AchievementInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new LaurelError('VALIDATION', 'The achievement is not valid: it must be a JSON object (an OB 3.0 Achievement).');
  }
  const { '@context': _ctx, ...rest } = raw as Record<string, unknown>;
  if (rest.type !== undefined) {
    const types = Array.isArray(rest.type) ? rest.type : [rest.type];
    if (types.includes('OpenBadgeCredential') || types.includes('AchievementCredential') || types.includes('VerifiableCredential')) {
      throw new LaurelError('VALIDATION', 'The achievement is not valid: this is a whole credential, not an Achievement; pass its credentialSubject.achievement object.');
    }
  }
  if (rest.id === undefined) {
    throw new LaurelError('VALIDATION', 'The achievement is not valid: $.id: it needs an id (an https URL or urn:uuid:…) that stays the same for every credential awarding it.');
  }
  return rest as unknown as AchievementInput;
}

/** A urn:uuid that depends only on `seed`, in UUID v8 form (RFC 9562: custom, here SHA-256 based). */
export function stableUrn(seed: string): string {
  const h = createHash('sha256').update(seed, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * The builder gives a result description or rubric level without an id a random one. The same
 * file must build to the same bytes (or every run would be a new achievement version and a new
 * batch), so missing ids are derived from the achievement id and the position instead.
 */
function withStableIds(input: AchievementInput): AchievementInput {
  const list = (v: unknown): unknown[] | undefined => (v === undefined || v === null ? undefined : Array.isArray(v) ? v : [v]);
  const rds = list((input as unknown as Record<string, unknown>).resultDescription);
  if (!rds) return input;
  const base = String(input.id);
  const out = rds.map((rd, i) => {
    if (typeof rd !== 'object' || rd === null) return rd;
    const r = { ...(rd as Record<string, unknown>) };
    if (r.id === undefined || r.id === '') r.id = stableUrn(`${base}#resultDescription/${i}`);
    const levels = list(r.rubricCriterionLevel);
    if (levels) {
      r.rubricCriterionLevel = levels.map((l, j) =>
        typeof l === 'object' && l !== null && ((l as Record<string, unknown>).id === undefined || (l as Record<string, unknown>).id === '')
          ? { ...(l as Record<string, unknown>), id: stableUrn(`${base}#resultDescription/${i}/level/${j}`) }
          : l,
      );
    }
    return r;
  });
  return { ...input, resultDescription: out } as AchievementInput;
}

/** Builds (and validates) an Achievement from author JSON; the same JSON always gives the same result. */
export function buildAchievementFromJson(raw: unknown): Record<string, unknown> {
  try {
    return buildAchievement(withStableIds(achievementInput(raw))) as unknown as Record<string, unknown>;
  } catch (e) {
    if (isLaurelError(e) && e.code === 'VALIDATION' && !e.message.startsWith('The achievement')) {
      throw new LaurelError('VALIDATION', `The achievement is not valid: ${e.message}`, { details: e.details });
    }
    throw e;
  }
}

/**
 * The stored version for author JSON: an unchanged achievement keeps its version, an edited one
 * whose version has issued credentials gets the next version. Call inside a transaction.
 */
export function achievementVersionFor(db: Db, raw: unknown): AchievementVersion {
  return saveAchievementVersion(db, buildAchievementFromJson(raw));
}

/** The newest stored version of an achievement id, or a NOT_FOUND that says what to pass instead. */
export function storedAchievement(db: Db, achievementId: string): AchievementVersion {
  const found = getLatestAchievement(db, achievementId);
  if (!found) {
    throw new LaurelError(
      'NOT_FOUND',
      `No achievement '${achievementId}': it is neither a readable JSON file nor the id of an achievement stored in this workspace. Pass the achievement's JSON file.`,
    );
  }
  return found;
}
