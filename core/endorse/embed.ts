// Received endorsements embedded in credentials being issued (used by core/issue; depends only on the store).
import type { JsonObject } from '../proof/index.ts';
import { listReceivedEndorsements, type Db, type ReceivedEndorsement } from '../store/index.ts';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** What to embed in a credential being built: endorsement objects merged in, JWTs for a VC-JWT. */
export interface WithEndorsements {
  issuer: Record<string, unknown>;
  achievement: Record<string, unknown>;
  /** Compact JWS endorsements, only when the credential is signed as a VC-JWT alone. */
  endorsementJwt?: { issuer?: string[]; achievement?: string[] };
}

function mergeEndorsements(target: Record<string, unknown>, rows: ReceivedEndorsement[]): Record<string, unknown> {
  const json = rows.filter((r) => r.format === 'json');
  if (!json.length) return target;
  const existing = asArray(target.endorsement).filter(isObject);
  const ids = new Set(existing.map((e) => e.id));
  const added = json.map((r) => JSON.parse(r.body) as JsonObject).filter((e) => !ids.has(e.id));
  return added.length ? { ...target, endorsement: [...existing, ...added] } : target;
}

/**
 * The issuer profile and achievement with the attached endorsements of each embedded: JSON
 * endorsements as `endorsement` objects in every credential; JWT endorsements as `endorsementJwt`
 * only when the credential is signed as a VC-JWT alone, because the signing context (OB
 * context-3.0.3.json as published) does not define `endorsementJwt` (spec-digest §14), so a Data
 * Integrity proof over it would not verify everywhere. Expired endorsements are left out.
 */
export function withReceivedEndorsements(db: Db, issuer: Record<string, unknown>, achievement: Record<string, unknown>, options: { jwtOnly: boolean; now?: Date }): WithEndorsements {
  const now = (options.now ?? new Date()).getTime();
  const live = (r: ReceivedEndorsement) => !r.validUntil || !(Date.parse(r.validUntil) <= now);
  const forIssuer = typeof issuer.id === 'string' ? listReceivedEndorsements(db, { kind: 'profile', targetId: issuer.id }).filter(live) : [];
  const forAchievement = typeof achievement.id === 'string' ? listReceivedEndorsements(db, { kind: 'achievement', targetId: achievement.id }).filter(live) : [];
  const out: WithEndorsements = { issuer: mergeEndorsements(issuer, forIssuer), achievement: mergeEndorsements(achievement, forAchievement) };
  if (options.jwtOnly) {
    const jwt = (rows: ReceivedEndorsement[]) => rows.filter((r) => r.format === 'jwt').map((r) => r.body);
    const i = jwt(forIssuer);
    const a = jwt(forAchievement);
    if (i.length || a.length) out.endorsementJwt = { ...(i.length ? { issuer: i } : {}), ...(a.length ? { achievement: a } : {}) };
  }
  return out;
}
