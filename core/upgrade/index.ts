/**
 * core/upgrade: Open Badges 2.0 → 3.0. Reads an OB 2.0 badge (core/upgrade/ob2.ts), maps it to an
 * OB 3.0 Achievement and AchievementSubject, and re-issues it under one of our issuers, as the
 * "re-issue a ≤ 2.0 badge as 3.0" use case describes: the original stays referenced (`related` on
 * the achievement, an `evidence` item for the assertion) and its first award date is kept
 * (`awardedDate`). The original issuer is the achievement's `creator`.
 */
import { randomUUID } from 'node:crypto';
import { withReceivedEndorsements } from '../endorse/embed.ts';
import { achievementVersionFor, stableUrn } from '../issue/achievement.ts';
import { finishJsonCredential, proofPreparer, signJwtCredential, storeIssuedCredential } from '../issue/credential.ts';
import type { Signer } from '../keys/index.ts';
import { buildAchievementCredential, describeIdentityHashProblem, normalizeDateTime, type AchievementCredentialInput } from '../model/index.ts';
import type { JsonObject } from '../proof/index.ts';
import { allocateStatusEntries, statusListBaseUrl, type BitstringStatusListEntry } from '../status/index.ts';
import { insertOb2Upgrade, listOb2Upgrades, type Db, type IssuerRecord } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import type { Ob2Badge } from './ob2.ts';

export { readOb2Badge, type Ob2Badge, type Ob2Check, type ReadOb2Options } from './ob2.ts';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** Images larger than this (as data: URIs) are left out: they bloat every canonicalization (impl guide). */
const MAX_DATA_URI = 512 * 1024;

/** What the OB 2.0 badge becomes: the achievement, the subject, and the credential's own fields. */
export interface Ob3Mapping {
  achievement: JsonObject;
  subject: JsonObject;
  evidence: JsonObject[];
  validFrom: string;
  awardedDate: string;
  validUntil?: string;
  /** What was left out or changed, in words. */
  notes: string[];
}

function image(v: unknown, where: string, notes: string[]): JsonObject | undefined {
  const id = isObject(v) ? str(v.id) : str(v);
  if (!id) return undefined;
  if (!URI.test(id)) {
    notes.push(`${where}: "${id.slice(0, 80)}" is not a URL or data: URI, left out`);
    return undefined;
  }
  if (id.startsWith('data:') && id.length > MAX_DATA_URI) {
    notes.push(`${where}: the embedded image (${Math.round(id.length / 1024)} KB as a data: URI) was left out; give the badge an image URL`);
    return undefined;
  }
  const caption = isObject(v) ? str(v.caption) : undefined;
  return { id, type: 'Image', ...(caption ? { caption } : {}) };
}

/** OB 2.0 date (ISO 8601, or a Unix timestamp in 1.x) → DateTimeZ. A time without a zone is read as UTC. */
function dateOf(v: unknown, where: string, notes: string[]): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const s = str(v);
  if (!s) return undefined;
  if (/^\d+$/.test(s)) return new Date(Number(s) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return `${s}T00:00:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) {
    notes.push(`${where} (${s}) has no time zone; read as UTC`);
    return normalizeDateTime(`${s}Z`, where);
  }
  try {
    return normalizeDateTime(s, where);
  } catch {
    throw new LaurelError('INVALID_INPUT', `The badge's ${where} "${s}" is not a date.`);
  }
}

function profile(issuer: JsonObject, notes: string[]): JsonObject {
  const id = str(issuer.id);
  if (!id || !URI.test(id)) throw new LaurelError('INVALID_INPUT', 'The badge\'s issuer has no id (a URL), so the original issuer could not be named.');
  const out: JsonObject = { id, type: ['Profile'] };
  if (str(issuer.name)) out.name = str(issuer.name);
  if (str(issuer.url) && URI.test(str(issuer.url)!)) out.url = str(issuer.url);
  if (str(issuer.email)) {
    if (EMAIL.test(str(issuer.email)!)) out.email = str(issuer.email);
    else notes.push(`the issuer's email "${str(issuer.email)}" is not an e-mail address, left out`);
  }
  if (str(issuer.description)) out.description = str(issuer.description);
  const img = image(issuer.image, "the issuer's image", notes);
  if (img) out.image = img;
  return out;
}

const IDENTITY_TYPES: Record<string, string> = { email: 'emailAddress', url: 'ext:url', telephone: 'ext:telephone', id: 'identifier' };

/** OB 2.0 recipient → IdentityObject: the hash and salt are kept exactly, so the same address still matches. */
function identity(recipient: JsonObject): { identifier: JsonObject; id?: string } {
  const type = str(recipient.type)?.toLowerCase() ?? 'email';
  const value = str(recipient.identity);
  if (!value) throw new LaurelError('INVALID_INPUT', 'The assertion\'s recipient has no identity ($.recipient.identity).');
  const hashed = recipient.hashed === true || recipient.hashed === 'true';
  const identityType = IDENTITY_TYPES[type] ?? `ext:${type.replace(/[^A-Za-z0-9.\-_]/g, '') || 'identity'}`;
  if (hashed) {
    // OB 2.0 writes the algorithm in lower case with a $; some issuers wrote upper case.
    const hash = value.replace(/^(SHA256|MD5)\$/i, (m) => m.toLowerCase());
    const problem = describeIdentityHashProblem(hash);
    if (problem) throw new LaurelError('INVALID_INPUT', `The assertion's hashed recipient identity cannot be carried over: ${problem}`);
    const salt = str(recipient.salt);
    return { identifier: { type: 'IdentityObject', hashed: true, identityHash: hash, identityType, ...(salt ? { salt } : {}) } };
  }
  const id = (type === 'url' || type === 'id') && URI.test(value) ? value : undefined;
  return { identifier: { type: 'IdentityObject', hashed: false, identityHash: type === 'email' ? value.toLowerCase() : value, identityType }, ...(id ? { id } : {}) };
}

function evidenceOf(v: unknown, notes: string[]): JsonObject[] {
  const out: JsonObject[] = [];
  asArray(v).forEach((e, i) => {
    if (typeof e === 'string') {
      if (URI.test(e.trim())) out.push({ id: e.trim(), type: ['Evidence'] });
      else notes.push(`evidence[${i}] "${e.slice(0, 80)}" is not a URL, left out`);
      return;
    }
    if (!isObject(e)) return;
    const item: JsonObject = { type: ['Evidence'] };
    if (str(e.id) && URI.test(str(e.id)!)) item.id = str(e.id);
    for (const k of ['narrative', 'name', 'description', 'genre', 'audience']) if (str(e[k])) item[k] = str(e[k]);
    if (Object.keys(item).length > 1) out.push(item);
  });
  return out;
}

function alignmentsOf(v: unknown, notes: string[]): JsonObject[] | undefined {
  const out: JsonObject[] = [];
  asArray(v).forEach((a, i) => {
    if (!isObject(a)) return;
    const targetName = str(a.targetName);
    const targetUrl = str(a.targetUrl);
    if (!targetName || !targetUrl || !URI.test(targetUrl)) {
      notes.push(`alignment[${i}] has no ${!targetName ? 'targetName' : 'targetUrl (a URL)'}, which OB 3.0 requires; left out`);
      return;
    }
    const al: JsonObject = { type: ['Alignment'], targetName, targetUrl };
    for (const k of ['targetCode', 'targetDescription', 'targetFramework']) if (str(a[k])) al[k] = str(a[k]);
    out.push(al);
  });
  return out.length ? out : undefined;
}

/**
 * The OB 3.0 form of an OB 2.0 badge: BadgeClass → Achievement (criteria, alignments, image, tags;
 * the original issuer as creator; `related` pointing at the BadgeClass), recipient → IdentityObject
 * (hash and salt kept), evidence carried over plus one item for the original assertion,
 * issuedOn → validFrom and awardedDate, expires → validUntil.
 */
export function mapOb2(badge: Ob2Badge, upgradedBy: { name: string }): Ob3Mapping {
  const notes: string[] = [];
  const { assertion, badgeClass: bc, issuer } = badge;
  const name = str(bc.name);
  if (!name) throw new LaurelError('INVALID_INPUT', 'The badge class has no name ($.badge.name).');
  const bcId = str(bc.id);
  const assertionId = str(assertion.id) ?? str(assertion.uid);
  const achievement: JsonObject = {
    // Stable per badge class: upgrading several learners' badges of one class gives one achievement.
    id: stableUrn(`ob2-badgeclass:${bcId ?? `${str(issuer.id)}#${name}`}`),
    type: ['Achievement'],
    achievementType: 'Badge',
    name,
    description: str(bc.description) ?? name,
  };
  if (!str(bc.description)) notes.push('the badge class has no description; its name is used');
  const c = bc.criteria;
  if (isObject(c)) {
    const crit: JsonObject = {};
    if (str(c.id) && URI.test(str(c.id)!)) crit.id = str(c.id);
    if (str(c.narrative)) crit.narrative = str(c.narrative);
    achievement.criteria = Object.keys(crit).length ? crit : { narrative: `As set by ${str(issuer.name) ?? 'the original issuer'} for the Open Badges 2.0 badge "${name}".` };
  } else if (str(c) && URI.test(str(c)!)) {
    achievement.criteria = { id: str(c) };
  } else {
    achievement.criteria = { narrative: `As set by ${str(issuer.name) ?? 'the original issuer'} for the Open Badges 2.0 badge "${name}".` };
    notes.push('the badge class states no criteria; a narrative naming the original issuer stands in');
  }
  const img = image(bc.image, "the badge class's image", notes);
  if (img) achievement.image = img;
  const alignment = alignmentsOf(bc.alignment, notes);
  if (alignment) achievement.alignment = alignment;
  const tags = asArray(bc.tags).filter((t): t is string => typeof t === 'string' && t.trim() !== '');
  if (tags.length) achievement.tag = tags;
  achievement.creator = profile(issuer, notes);
  if (bcId && URI.test(bcId)) achievement.related = [{ id: bcId, type: ['Related'], version: 'Open Badges 2.0' }];

  const { identifier, id } = identity(assertion.recipient as JsonObject);
  const subject: JsonObject = { type: ['AchievementSubject'], identifier: [identifier], ...(id ? { id } : {}) };
  if (str(assertion.narrative)) subject.narrative = str(assertion.narrative);
  const subjectImage = image(assertion.image, "the assertion's image", notes);
  if (subjectImage && !String(subjectImage.id).startsWith('data:')) subject.image = subjectImage;

  const issuedOn = dateOf(assertion.issuedOn, 'issuedOn', notes);
  if (!issuedOn) throw new LaurelError('INVALID_INPUT', 'The assertion has no issuedOn date ($.issuedOn).');
  const validUntil = dateOf(assertion.expires, 'expires', notes);
  const evidence = evidenceOf(assertion.evidence, notes);
  const how = badge.verification.status === 'passed' ? `checked (${badge.verification.reason})` : `not checked (${badge.verification.reason})`;
  evidence.push({
    ...(assertionId && URI.test(assertionId) ? { id: assertionId } : {}),
    type: ['Evidence'],
    name: 'Original Open Badges 2.0 assertion',
    description: `Awarded by ${str(issuer.name) ?? str(issuer.id)} on ${issuedOn} as an Open Badges 2.0 badge${assertionId ? ` (${assertionId})` : ''}; ${how}; re-issued as Open Badges 3.0 by ${upgradedBy.name}.`,
    genre: 'Open Badges 2.0 assertion',
  });
  return { achievement, subject, evidence, validFrom: issuedOn, awardedDate: issuedOn, ...(validUntil ? { validUntil } : {}), notes };
}

export interface UpgradeOptions {
  format: 'json' | 'jwt';
  /** Re-issue although the badge could not be checked (offline, or signed JSON without its JWS). */
  allowUnverified?: boolean;
  allowEdDSA?: boolean;
  now?: Date;
}

export interface UpgradedCredential {
  credentialId: string;
  issuerId: string;
  format: 'json' | 'jwt';
  body: string;
  sha256: string;
  rowId: number;
  achievement: { id: string; version: number; name: string };
  original: { assertionId?: string; badgeClassId?: string; issuer: { id?: string; name?: string }; verification: Ob2Badge['verification']; revocation: Ob2Badge['revocation'] };
  notes: string[];
  /** Earlier upgrades of the same assertion in this workspace (credential row ids). */
  earlier: number[];
}

/** Refuses a badge that failed a check, was revoked or has expired; an unchecked one needs allowUnverified. */
export function checkUpgradable(badge: Ob2Badge, options: { allowUnverified?: boolean; now?: Date }): void {
  const v = badge.verification;
  if (v.status === 'failed') throw new LaurelError('INVALID_INPUT', `Refusing to upgrade: the Open Badges 2.0 badge did not verify: ${v.reason}.`);
  if (badge.revocation.status === 'failed') throw new LaurelError('INVALID_INPUT', `Refusing to upgrade: the badge was revoked: ${badge.revocation.reason}.`);
  const expires = str(badge.assertion.expires);
  if (expires && Date.parse(expires) <= (options.now ?? new Date()).getTime()) throw new LaurelError('INVALID_INPUT', `Refusing to upgrade: the badge expired on ${expires}.`);
  if (v.status === 'unknown' && !options.allowUnverified) {
    throw new LaurelError('INVALID_INPUT', `The Open Badges 2.0 badge could not be checked: ${v.reason}. Upgrade online, or re-issue it unchecked on your own authority (--allow-unverified).`);
  }
}

/** Re-issues the badge as an OB 3.0 credential by `issuer`; stores it, the upgrade record and an audit entry. */
export async function upgradeOb2(ctx: { db: Db; actor: string; issuer: IssuerRecord; signer: Signer }, badge: Ob2Badge, options: UpgradeOptions): Promise<UpgradedCredential> {
  const { db, issuer, signer } = ctx;
  if (signer.controller !== issuer.id) throw new LaurelError('INVALID_INPUT', `The signer is not the key of ${issuer.id}.`);
  if (options.format === 'json' && issuer.keyAlgorithm === 'RSA-2048') {
    throw new LaurelError('UNSUPPORTED', `${issuer.name} has an RSA key, which signs VC-JWTs only: write the upgraded credential as .jwt.`);
  }
  checkUpgradable(badge, options);
  const mapping = mapOb2(badge, { name: issuer.name });
  const version = db.transaction(() => achievementVersionFor(db, mapping.achievement))();
  const credentialId = `urn:uuid:${randomUUID()}`;
  const credentialStatus = statusListBaseUrl(db, issuer.id) ? (allocateStatusEntries(db, issuer.id, [credentialId]).get(credentialId) as BitstringStatusListEntry | undefined) : undefined;
  const endorsed = withReceivedEndorsements(db, issuer.profile, version.achievement, { jwtOnly: false });
  const input: AchievementCredentialInput = {
    id: credentialId,
    issuer: endorsed.issuer as never,
    achievement: endorsed.achievement as never,
    subject: mapping.subject as never,
    validFrom: mapping.validFrom,
    awardedDate: mapping.awardedDate,
    ...(mapping.validUntil ? { validUntil: mapping.validUntil } : {}),
    evidence: mapping.evidence as never,
    ...(credentialStatus ? { credentialStatus: { ...credentialStatus } as never } : {}),
  };
  const credential = buildAchievementCredential(input) as unknown as JsonObject;
  const body = options.format === 'json' ? await finishJsonCredential(credential, await proofPreparer(signer)(credential), signer) : await signJwtCredential(credential, signer, options.allowEdDSA ?? false);
  const assertionId = str(badge.assertion.id) ?? str(badge.assertion.uid);
  const identifier = (mapping.subject.identifier as JsonObject[])[0]!;
  const recipient = identifier.hashed === true ? `${String(identifier.identityType)} ${String(identifier.identityHash)}` : String(identifier.identityHash);
  const earlier = assertionId ? listOb2Upgrades(db, assertionId).map((u) => u.credentialRowid) : [];
  const stored = db.transaction(() => {
    const row = storeIssuedCredential(db, {
      credentialId,
      issuerId: issuer.id,
      recipient,
      format: options.format,
      body,
      actor: ctx.actor,
      achievementRowid: version.rowid,
      auditDetails: { upgradedFrom: assertionId ?? null, ob2Issuer: str(badge.issuer.id) ?? null, verification: badge.verification.method, checked: badge.verification.status },
    });
    insertOb2Upgrade(db, {
      credentialRowid: row.rowId,
      assertionId: assertionId ?? `sha256:${row.sha256}`,
      ...(str(badge.badgeClass.id) ? { badgeClassId: str(badge.badgeClass.id)! } : {}),
      ...(str(badge.issuer.id) ? { originalIssuer: str(badge.issuer.id)! } : {}),
      verification: badge.verification.status === 'passed' ? (badge.verification.method === 'unchecked' ? 'unchecked' : badge.verification.method) : 'unchecked',
      original: badge.original,
    });
    return row;
  })();
  return {
    credentialId,
    issuerId: issuer.id,
    format: options.format,
    body,
    sha256: stored.sha256,
    rowId: stored.rowId,
    achievement: { id: version.achievementId, version: version.version, name: String(version.achievement.name) },
    original: {
      ...(assertionId ? { assertionId } : {}),
      ...(str(badge.badgeClass.id) ? { badgeClassId: str(badge.badgeClass.id)! } : {}),
      issuer: { ...(str(badge.issuer.id) ? { id: str(badge.issuer.id)! } : {}), ...(str(badge.issuer.name) ? { name: str(badge.issuer.name)! } : {}) },
      verification: badge.verification,
      revocation: badge.revocation,
    },
    notes: [...badge.notes, ...mapping.notes],
    earlier,
  };
}
