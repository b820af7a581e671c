import type { JsonObject } from '../proof/index.ts';
import { asArray, isObject } from './checks.ts';
import type { CredentialRoute, CredentialSummary, SummaryAchievement, SummaryProfile, SummaryRecipient } from './report.ts';

/** What a person wants to see of a credential: who issued what to whom, when, and its pictures. */

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v) return v;
  // A JSON-LD language map ({"en": "…"}) is allowed by the JSON-LD schema build: show one value.
  if (isObject(v)) {
    const first = Object.values(v).find((x) => typeof x === 'string' && x);
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}

function imageOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined; // OB 2.0 style; the schema check says it is wrong
  if (isObject(v)) return str(v.id);
  return undefined;
}

function compact<T extends object>(o: T): T | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
}

function profileOf(v: unknown): SummaryProfile | undefined {
  if (typeof v === 'string') return { id: v };
  if (!isObject(v)) return undefined;
  return compact<SummaryProfile>({ id: str(v.id), name: str(v.name), url: str(v.url), email: str(v.email), image: imageOf(v.image) });
}

function achievementOf(v: unknown): SummaryAchievement | undefined {
  if (!isObject(v)) return undefined;
  const criteria = isObject(v.criteria) ? (str(v.criteria.narrative) ?? str(v.criteria.id)) : undefined;
  return compact<SummaryAchievement>({
    id: str(v.id),
    name: str(v.name),
    description: str(v.description),
    achievementType: str(v.achievementType),
    criteria,
    image: imageOf(v.image),
    creator: profileOf(v.creator),
  });
}

function recipientOf(subject: JsonObject | undefined): SummaryRecipient | undefined {
  if (!subject) return undefined;
  const identifiers = asArray(subject.identifier)
    .filter(isObject)
    .map((i) => {
      const hashed = i.hashed === true;
      return { ...(str(i.identityType) ? { identityType: str(i.identityType)! } : {}), hashed, ...(!hashed && str(i.identityHash) ? { value: str(i.identityHash)! } : {}) };
    });
  const name = str(subject.name) ?? ([str(subject.givenName), str(subject.familyName)].filter(Boolean).join(' ') || undefined);
  return compact<SummaryRecipient>({ id: str(subject.id), name, identifiers: identifiers.length ? identifiers : undefined });
}

function recipientLine(r: SummaryRecipient | undefined): string | undefined {
  if (!r) return undefined;
  let who = r.id;
  const first = r.identifiers?.[0];
  if (!who && first) who = first.hashed ? `${first.identityType ?? 'identifier'} (hashed)` : `${first.value ?? ''} (${first.identityType ?? 'identifier'})`;
  if (r.name) return `${r.name}${who ? ` — ${who}` : ''}`;
  return who;
}

export function summarize(c: JsonObject, route?: CredentialRoute): CredentialSummary {
  const subject = asArray(c.credentialSubject).find(isObject);
  const types = asArray(c.type).filter((t): t is string => typeof t === 'string');
  const issuer = profileOf(c.issuer);
  const achievement = route === 'ob3' || route === undefined ? achievementOf(subject?.achievement) : undefined;
  const recipient = route === 'ob3' || route === 'clr2' || route === undefined ? recipientOf(subject) : undefined;
  const validFrom = str(c.validFrom) ?? str(c.issuanceDate);
  const validUntil = str(c.validUntil) ?? str(c.expirationDate);
  const signed = asArray(c.proof).filter(isObject).map((p) => str(p.created)).find(Boolean);
  const images = compact({ issuer: issuer?.image, achievement: achievement?.image, credential: imageOf(c.image) });

  const out: CredentialSummary = {};
  const set = <K extends keyof CredentialSummary>(k: K, v: CredentialSummary[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('kind', types.find((t) => t !== 'VerifiableCredential'));
  set('id', str(c.id));
  set('issuerId', issuer?.id);
  set('issuerName', issuer?.name);
  set('achievementName', achievement?.name ?? str(c.name));
  set('achievementDescription', achievement?.description ?? str(c.description));
  set('recipient', recipientLine(recipient));
  set('validFrom', validFrom);
  set('validUntil', validUntil);
  set('image', images?.achievement ?? images?.credential ?? images?.issuer);
  set('name', str(c.name));
  set('description', str(c.description));
  set('issuer', issuer);
  set('achievement', achievement);
  set('recipientDetails', recipient);
  set('dates', compact({ validFrom, validUntil, awardedDate: str(c.awardedDate), signed }));
  set('images', images);
  if (route === 'clr2' && subject) {
    const inner = asArray(subject.verifiableCredential).filter(isObject);
    const names = [
      ...inner.map((vc) => (isObject(vc.credentialSubject) && isObject(vc.credentialSubject.achievement) ? str(vc.credentialSubject.achievement.name) : undefined)),
      ...asArray(subject.achievement).filter(isObject).map((a) => str(a.name)),
    ].filter((n): n is string => !!n);
    set('clr', { credentials: inner.length, achievements: [...new Set(names)] });
  }
  if (route === 'endorsement' && subject) {
    // An endorsement endorses something: show that, and the comment, where an achievement would be.
    set('achievementDescription', str(subject.endorsementComment) ?? out.achievementDescription);
  }
  return out;
}
