// What a card shows, pulled out of untrusted credential JSON defensively: only strings, capped in
// length, images only as data: URIs. The card renders these as text (criteria via markdown.ts).
import { SAFE_IMAGE } from './markdown.ts';

export interface CardView {
  name: string;
  description?: string;
  criteria?: string;
  achievementType?: string;
  image?: string;
  /** Set when the credential names an image we do not load (a web address). */
  imageElsewhere?: string;
  issuerName?: string;
  issuerId?: string;
  recipientName?: string;
  recipient?: string;
  validFrom?: string;
  validUntil?: string;
  /** The learner's results, named from the achievement's result descriptions and rubric levels. */
  results?: Array<{ label: string; value: string }>;
  /** What it aligns to (framework items, standards), by name. */
  alignments?: string[];
  tags?: string[];
  credits?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max = 20_000): string | undefined => (typeof v === 'string' && v.trim() ? v.slice(0, max) : undefined);
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

function imageOf(v: unknown): { image?: string; imageElsewhere?: string } {
  const id = typeof v === 'string' ? v : isObj(v) ? v.id : undefined;
  if (typeof id !== 'string') return {};
  if (SAFE_IMAGE.test(id)) return { image: id };
  try {
    const url = new URL(id);
    return url.protocol === 'https:' || url.protocol === 'http:' ? { imageElsewhere: url.host } : {};
  } catch {
    return {};
  }
}

function recipientOf(subject: Obj): string | undefined {
  if (typeof subject.id === 'string') return subject.id;
  const ids = Array.isArray(subject.identifier) ? subject.identifier : [];
  for (const i of ids) {
    if (isObj(i) && typeof i.identifier === 'string') {
      return i.hashed === true ? `${String(i.identityType ?? 'identifier')} (hashed)` : i.identifier;
    }
  }
  return undefined;
}

/** A card for a whole credential (VC with credentialSubject.achievement). */
export function cardFromCredential(credential: unknown): CardView {
  const c = isObj(credential) ? credential : {};
  const subject = isObj(first(c.credentialSubject)) ? (first(c.credentialSubject) as Obj) : {};
  const achievement = isObj(subject.achievement) ? subject.achievement : {};
  const issuer = isObj(c.issuer) ? c.issuer : typeof c.issuer === 'string' ? { id: c.issuer } : {};
  const view = cardFromAchievement(achievement, issuer);
  if (!achievement.image && c.image) Object.assign(view, imageOf(c.image));
  if (view.name === 'Untitled achievement' && text(c.name)) view.name = text(c.name, 300)!;
  const recipientName = text(subject.name, 300);
  if (recipientName) view.recipientName = recipientName;
  const recipient = recipientOf(subject);
  if (recipient) view.recipient = recipient.slice(0, 300);
  const results = resultsOf(subject, achievement);
  if (results.length) view.results = results;
  const from = text(c.validFrom ?? c.issuanceDate, 60);
  const until = text(c.validUntil ?? c.expirationDate, 60);
  if (from) view.validFrom = from;
  if (until) view.validUntil = until;
  return view;
}

/** A card for an Achievement about to be issued (the preview before signing). */
export function cardFromAchievement(achievement: unknown, issuer: unknown, recipientName?: string): CardView {
  const a = isObj(achievement) ? achievement : {};
  const i = isObj(issuer) ? issuer : {};
  const criteria = isObj(a.criteria) ? text(a.criteria.narrative) : undefined;
  // A badge without its own image shows the issuer's logo, as wallets do.
  const view: CardView = { name: text(a.name, 300) ?? 'Untitled achievement', ...imageOf(a.image ?? i.image) };
  const description = text(a.description);
  if (description) view.description = description;
  if (criteria) view.criteria = criteria;
  const type = text(a.achievementType, 100);
  if (type) view.achievementType = type.replace(/^ext:/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
  const issuerName = text(i.name, 300);
  const issuerId = text(i.id, 500);
  if (issuerName) view.issuerName = issuerName;
  if (issuerId) view.issuerId = issuerId;
  if (recipientName?.trim()) view.recipientName = recipientName.trim().slice(0, 300);
  const alignments = list(a.alignment).map((x) => (isObj(x) ? text(x.targetName, 200) : undefined)).filter((x): x is string => !!x);
  if (alignments.length) view.alignments = alignments.slice(0, 12);
  const tags = list(a.tag).map((x) => text(x, 60)).filter((x): x is string => !!x);
  if (tags.length) view.tags = tags.slice(0, 12);
  if (typeof a.creditsAvailable === 'number' && Number.isFinite(a.creditsAvailable)) view.credits = String(a.creditsAvailable);
  return view;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v.slice(0, 50) : v === undefined ? [] : [v]);

/** "Final grade: Proficient" for each result, its names looked up in the achievement by id. */
function resultsOf(subject: Obj, achievement: Obj): Array<{ label: string; value: string }> {
  const descriptions = new Map<string, Obj>();
  for (const d of list(achievement.resultDescription)) if (isObj(d) && typeof d.id === 'string') descriptions.set(d.id, d);
  const out: Array<{ label: string; value: string }> = [];
  for (const r of list(subject.result).slice(0, 10)) {
    if (!isObj(r)) continue;
    // A value without a link belongs to the only result description, when there is one.
    const d = typeof r.resultDescription === 'string' ? descriptions.get(r.resultDescription) : descriptions.size === 1 ? [...descriptions.values()][0] : undefined;
    let value = text(r.value, 200);
    if (!value && typeof r.achievedLevel === 'string') {
      const level = list(d?.rubricCriterionLevel).find((l) => isObj(l) && l.id === r.achievedLevel) as Obj | undefined;
      value = text(level?.name, 200);
    }
    if (value) out.push({ label: text(d?.name, 200) ?? 'Result', value });
  }
  return out;
}

/** "3 May 2026" from an ISO date, or the text as given when it is not one. */
export function formatDate(iso: string, month: 'long' | 'short' = 'long'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { year: 'numeric', month, day: 'numeric' });
}
