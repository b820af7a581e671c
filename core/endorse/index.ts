/**
 * core/endorse: endorsements both ways.
 * - Giving: read someone else's credential, achievement or issuer profile (a credential must verify
 *   first), and sign an EndorsementCredential about it with one of our issuers.
 * - Receiving: attach verified EndorsementCredentials about our own achievements and issuer
 *   profiles; credentials issued afterwards embed them (see `withReceivedEndorsements`).
 */
import { randomUUID } from 'node:crypto';
import { bakePng, bakeSvg } from '../bake/index.ts';
import { defaultBadgePng, defaultBadgeSvg } from '../issue/default-badge.ts';
import { finishJsonCredential, proofPreparer, signJwtCredential } from '../issue/credential.ts';
import type { Signer } from '../keys/index.ts';
import { buildEndorsementCredential } from '../model/index.ts';
import type { JsonObject } from '../proof/index.ts';
import { allocateStatusEntries, statusListBaseUrl, type BitstringStatusListEntry } from '../status/index.ts';
import {
  appendAudit,
  findReceivedEndorsement,
  insertCredential,
  insertReceivedEndorsement,
  listReceivedEndorsements,
  setEndorsementDetached,
  type Db,
  type EndorsedKind,
  type IssuerRecord,
  type ReceivedEndorsement,
} from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import { describeVerdict, parseInput, routeOf, verifyCredential, type VerificationReport, type VerifyOptions } from '../verify/index.ts';
import { peekJwt } from '../verify/input.ts';

export type EndorsableKind = 'credential' | 'achievement' | 'profile';
/** Which part of a credential to endorse: the credential itself, its achievement, or its issuer. */
export type EndorsePart = 'credential' | 'achievement' | 'issuer';

/** Something of someone else's, read and (for a credential) verified, ready to be endorsed. */
export interface Endorsable {
  kind: EndorsableKind;
  /** What the EndorsementSubject's id will be. */
  id: string;
  name?: string;
  description?: string;
  /** Who issued or made it, when the input says. */
  issuer?: { id?: string; name?: string };
  /** The verification report, when the input was a credential. */
  report?: VerificationReport;
  /** Why it was accepted although not every check passed (status could not be checked offline …). */
  warnings: string[];
  /** For a credential: the parts that can be endorsed instead (its achievement, its issuer). */
  parts?: Array<{ part: EndorsePart; id: string; name?: string }>;
}

const MAX_COMMENT = 20_000;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const typesOf = (o: JsonObject): string[] => asArray(o.type).filter((t): t is string => typeof t === 'string');

/** Checks that may be "could not check" without refusing: the signature and key were fine. */
const TOLERATED_UNKNOWN = new Set(['status', 'refresh', 'endorsements']);

/**
 * Whether a verified credential may be acted on (endorsed, attached): valid; or genuine with only
 * its status (or a refresh) unknowable offline, which comes back as a warning. Otherwise a
 * LaurelError carrying the verifier's own reason.
 */
export function acceptVerified(report: VerificationReport, what: string, action: string): string[] {
  const outcome = describeVerdict(report);
  if (outcome === 'valid') return [];
  const failed = report.checks.find((c) => c.status === 'failed' && !c.code) ?? report.checks.find((c) => c.status === 'failed');
  if (outcome === 'could-not-check' && report.kind !== 'ob2') {
    const unknown = report.checks.filter((c) => c.status === 'unknown');
    if (!failed && unknown.every((c) => TOLERATED_UNKNOWN.has(c.id))) return unknown.map((c) => `${c.label}: ${c.reason}`);
    const first = unknown.find((c) => !TOLERATED_UNKNOWN.has(c.id)) ?? unknown[0];
    throw new LaurelError('INVALID_INPUT', `Refusing to ${action}: ${what} could not be verified (${first?.label ?? 'a check'}: ${first?.reason ?? 'unknown'}).`, { details: report });
  }
  const headline = { invalid: 'it is not valid', revoked: 'its issuer revoked it', suspended: 'its issuer suspended it', expired: 'it has expired', 'not-yet-valid': 'it is not valid yet', 'could-not-check': 'it could not be checked', valid: '' }[outcome];
  const reason = failed?.reason ?? report.checks.find((c) => c.status !== 'passed' && c.status !== 'not-applicable')?.reason ?? outcome;
  throw new LaurelError('INVALID_INPUT', `Refusing to ${action}: ${what} did not verify (${headline}): ${reason}`, { details: report });
}

function profileSummary(v: unknown): { id?: string; name?: string } | undefined {
  if (typeof v === 'string') return { id: v };
  if (!isObject(v)) return undefined;
  return { ...(str(v.id) ? { id: v.id as string } : {}), ...(str(v.name) ? { name: v.name as string } : {}) };
}

function ob2Refusal(what = 'this is an Open Badges 2.0 badge'): LaurelError {
  return new LaurelError('INVALID_INPUT', `Refusing to endorse: ${what}, which carries no Open Badges 3.0 proof to verify. Upgrade it first (laurel upgrade), or endorse the issuer's Open Badges 3.0 credential.`);
}

/**
 * Reads what is to be endorsed: a credential (OB 3.0, CLR 2.0 or an endorsement; JSON, VC-JWT or a
 * baked PNG/SVG), which must verify, or an Achievement or issuer Profile as JSON. With `part`, a
 * verified credential's achievement or issuer is endorsed instead of the credential itself.
 */
export async function inspectEndorsable(input: Uint8Array | string, options: { verify?: VerifyOptions; part?: EndorsePart } = {}): Promise<Endorsable> {
  const parsed = parseInput(input);
  if (!parsed.ok) {
    if (parsed.kind === 'ob2') throw ob2Refusal();
    throw new LaurelError('INVALID_INPUT', `Nothing to endorse: ${parsed.reason}.`);
  }
  const doc = parsed.format === 'jwt' ? peekJwt(parsed.jws).credential : parsed.credential;
  if (!doc) throw new LaurelError('INVALID_INPUT', 'Nothing to endorse: the VC-JWT payload is not a JSON object.');
  const route = routeOf(doc);
  if (route.kind === 'ob2') throw ob2Refusal(route.reason.split(/\.\s/)[0]);
  const part = options.part ?? 'credential';
  if (route.kind === 'ob3' || route.kind === 'clr2' || route.kind === 'endorsement') {
    const report = await verifyCredential(input, options.verify ?? {});
    const warnings = acceptVerified(report, 'the credential', 'endorse it');
    const c = report.credential ?? doc;
    const subject = asArray(c.credentialSubject).find(isObject);
    const achievement = route.kind === 'ob3' && subject && isObject(subject.achievement) ? subject.achievement : undefined;
    const issuer = profileSummary(c.issuer);
    const parts: NonNullable<Endorsable['parts']> = [];
    if (str(c.id)) parts.push({ part: 'credential', id: c.id as string, ...(str(c.name) ? { name: c.name as string } : {}) });
    if (achievement && str(achievement.id)) parts.push({ part: 'achievement', id: achievement.id as string, ...(str(achievement.name) ? { name: achievement.name as string } : {}) });
    if (issuer?.id) parts.push({ part: 'issuer', id: issuer.id, ...(issuer.name ? { name: issuer.name } : {}) });
    const base = { report, warnings, parts };
    if (part === 'achievement') {
      if (!achievement) throw new LaurelError('INVALID_INPUT', `This ${route.kind === 'clr2' ? 'CLR' : 'endorsement'} names no single achievement to endorse; endorse the credential or its issuer.`);
      if (!str(achievement.id)) throw new LaurelError('INVALID_INPUT', 'The credential\'s achievement has no id, so an endorsement could not name it.');
      return { kind: 'achievement', id: achievement.id as string, ...(str(achievement.name) ? { name: achievement.name as string } : {}), ...(str(achievement.description) ? { description: achievement.description as string } : {}), ...(issuer ? { issuer } : {}), ...base };
    }
    if (part === 'issuer') {
      if (!issuer?.id) throw new LaurelError('INVALID_INPUT', 'The credential names no issuer id to endorse.');
      const desc = isObject(c.issuer) ? str(c.issuer.description) : undefined;
      return { kind: 'profile', id: issuer.id, ...(issuer.name ? { name: issuer.name } : {}), ...(desc ? { description: desc } : {}), ...base };
    }
    if (!str(c.id)) throw new LaurelError('INVALID_INPUT', 'The credential has no id, so an endorsement could not name it; endorse its achievement or issuer instead.');
    const name = str(c.name) ?? (achievement ? str(achievement.name) : undefined);
    return { kind: 'credential', id: c.id as string, ...(name ? { name } : {}), ...(str(c.description) ? { description: c.description as string } : {}), ...(issuer ? { issuer } : {}), ...base };
  }
  if (part !== 'credential') throw new LaurelError('INVALID_INPUT', `Only a credential has a ${part} to endorse; this input is endorsed as it is.`);
  if (parsed.format === 'json' && route.kind === 'not-a-credential') {
    const types = typesOf(doc);
    const kind: EndorsableKind | undefined = types.includes('Achievement') ? 'achievement' : types.includes('Profile') || types.includes('Issuer') ? 'profile' : undefined;
    if (kind) {
      const id = str(doc.id);
      const what = kind === 'achievement' ? 'The achievement' : 'The profile';
      if (!id || !URI.test(id)) throw new LaurelError('INVALID_INPUT', `${what} has no id (a URL, DID or urn:uuid), so an endorsement could not name it ($.id).`);
      if (kind === 'achievement' && !str(doc.name)) throw new LaurelError('INVALID_INPUT', 'The achievement has no name ($.name); is this an OB 3.0 Achievement?');
      const creator = kind === 'achievement' ? profileSummary(doc.creator) : undefined;
      return {
        kind,
        id,
        ...(str(doc.name) ? { name: doc.name as string } : {}),
        ...(str(doc.description) ? { description: doc.description as string } : {}),
        ...(creator ? { issuer: creator } : {}),
        // Not signed by anyone: there is nothing to verify, which the screen and CLI say.
        warnings: [`${what === 'The achievement' ? 'An achievement' : 'A profile'} file carries no signature: you endorse what it says, as read from this file.`],
      };
    }
  }
  throw new LaurelError('INVALID_INPUT', `Nothing to endorse: ${route.reason}. Give a credential (JSON, VC-JWT, baked PNG/SVG), an Achievement or an issuer Profile.`);
}

export interface EndorseInput {
  target: Endorsable;
  /** The endorsement comment (Markdown). */
  comment: string;
  /** Default: "Endorsement of <name>". */
  name?: string;
  /** json: Data Integrity proof; jwt: VC-JWT (ES256/RS256). */
  format: 'json' | 'jwt';
  validFrom?: string;
  validUntil?: string;
  allowEdDSA?: boolean;
}

export interface SignedEndorsement {
  credentialId: string;
  issuerId: string;
  endorses: { kind: EndorsableKind; id: string; name?: string };
  format: 'json' | 'jwt';
  body: string;
  sha256: string;
  rowId: number;
  warnings: string[];
}

/** The endorsement comment, checked: text a person wrote, not empty, not huge, no control characters. */
export function checkComment(comment: unknown): string {
  if (typeof comment !== 'string' || !comment.trim()) throw new LaurelError('INVALID_INPUT', 'Write an endorsement comment: what you vouch for, in Markdown.');
  if (comment.length > MAX_COMMENT) throw new LaurelError('INVALID_INPUT', `The endorsement comment is ${comment.length} characters long; keep it under ${MAX_COMMENT}.`);
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.exec(comment);
  if (bad) throw new LaurelError('INVALID_INPUT', `The endorsement comment holds a control character (U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}) at position ${bad.index}.`);
  return comment.replace(/\r\n?/g, '\n').trim();
}

/** Signs an EndorsementCredential by `issuer` about `target`, stores it with an audit entry. */
export async function signEndorsement(ctx: { db: Db; actor: string; issuer: IssuerRecord; signer: Signer }, input: EndorseInput): Promise<SignedEndorsement> {
  const { db, issuer, signer } = ctx;
  if (signer.controller !== issuer.id) throw new LaurelError('INVALID_INPUT', `The signer is not the key of ${issuer.id}.`);
  if (input.format !== 'json' && input.format !== 'jwt') throw new LaurelError('INVALID_INPUT', `Unknown format '${String(input.format)}': use json or jwt.`);
  if (input.format === 'json' && issuer.keyAlgorithm === 'RSA-2048') {
    throw new LaurelError('UNSUPPORTED', `${issuer.name} has an RSA key, which signs VC-JWTs only (there is no RSA Data Integrity suite): export the endorsement as .jwt, or bake the JWT into an image.`);
  }
  const comment = checkComment(input.comment);
  const { target } = input;
  if (target.id === issuer.id) throw new LaurelError('INVALID_INPUT', `${issuer.name} cannot endorse itself.`);
  const credentialId = `urn:uuid:${randomUUID()}`;
  const credentialStatus = statusListBaseUrl(db, issuer.id) ? (allocateStatusEntries(db, issuer.id, [credentialId]).get(credentialId) as BitstringStatusListEntry | undefined) : undefined;
  const label = target.name ?? target.id;
  const credential = buildEndorsementCredential({
    id: credentialId,
    issuer: issuer.profile as never,
    name: input.name?.trim() || `Endorsement of ${label}`.slice(0, 300),
    description: `${issuer.name} endorses ${target.kind === 'profile' ? 'the organisation' : target.kind === 'achievement' ? 'the achievement' : 'the credential'} ${label}${target.issuer?.name && target.kind !== 'profile' ? ` (${target.issuer.name})` : ''}.`,
    subject: { id: target.id, endorsementComment: comment },
    ...(input.validFrom ? { validFrom: input.validFrom } : {}),
    ...(input.validUntil ? { validUntil: input.validUntil } : {}),
    ...(credentialStatus ? { credentialStatus: { ...credentialStatus } as never } : {}),
  }) as unknown as JsonObject;
  const body = input.format === 'json' ? await finishJsonCredential(credential, await proofPreparer(signer)(credential), signer) : await signJwtCredential(credential, signer, input.allowEdDSA ?? false);
  const row = db.transaction(() => {
    const stored = insertCredential(db, { credentialId, issuerId: issuer.id, recipient: target.id, format: input.format, body });
    appendAudit(db, {
      actor: ctx.actor,
      action: 'endorsement.sign',
      subject: credentialId,
      sha256: stored.sha256,
      details: { issuer: issuer.id, format: input.format, endorses: target.id, kind: target.kind, ...(target.report ? { verdict: describeVerdict(target.report) } : {}), ...(credentialStatus ? { credentialStatus: credentialStatus.id } : {}) },
    });
    return stored;
  })();
  return {
    credentialId,
    issuerId: issuer.id,
    endorses: { kind: target.kind, id: target.id, ...(target.name ? { name: target.name } : {}) },
    format: input.format,
    body,
    sha256: row.sha256,
    rowId: row.rowId,
    warnings: target.warnings,
  };
}

export type SignedFileFormat = 'json' | 'jwt' | 'png' | 'svg';

/** The signed form a file format needs: JSON for .json, the JWT for .jwt, either for images (JSON unless the key is RSA). */
export function signFormFor(file: SignedFileFormat, keyAlgorithm: IssuerRecord['keyAlgorithm']): 'json' | 'jwt' {
  if (file === 'json' || file === 'jwt') return file;
  return keyAlgorithm === 'RSA-2048' ? 'jwt' : 'json';
}

/** The file bytes of a signed credential (an endorsement, an upgraded badge): as it is, or baked into a badge image (ours by default). */
export function renderSignedFile(body: string, format: 'json' | 'jwt', file: SignedFileFormat, image?: Uint8Array): Uint8Array {
  if (file === 'json' || file === 'jwt') {
    if (file !== format) throw new LaurelError('INVALID_INPUT', `This credential was signed as ${format === 'json' ? 'JSON' : 'a VC-JWT'}; it can't be written as .${file}.`);
    return Buffer.from(body, 'utf8');
  }
  if (file === 'png') return bakePng(image ?? defaultBadgePng(), body, { kind: 'ob' });
  return Buffer.from(bakeSvg(new TextDecoder().decode(image ?? defaultBadgeSvg()), body, { kind: 'ob' }), 'utf8');
}

/** A file name's format, from its extension. */
export function fileFormatOf(file: string): SignedFileFormat | undefined {
  const m = /\.(json|jwt|jws|png|svg)$/i.exec(file);
  if (!m) return undefined;
  const ext = m[1]!.toLowerCase();
  return ext === 'jws' ? 'jwt' : (ext as SignedFileFormat);
}

// ---------------------------------------------------------------- receiving

export interface AttachedEndorsement {
  outcome: 'attached' | 'already-attached' | 're-attached';
  endorsement: ReceivedEndorsement;
  /** Where it will appear: every credential, or only those issued as VC-JWT (a JWT endorsement). */
  embeddedIn: 'all-credentials' | 'jwt-credentials';
  warnings: string[];
}

/**
 * Attaches an endorsement of one of our achievements or issuer profiles: it must be an
 * EndorsementCredential (JSON, VC-JWT or baked) that verifies, and its subject must be the target.
 */
export async function attachEndorsement(
  ctx: { db: Db; actor: string },
  input: Uint8Array | string,
  target: { kind: EndorsedKind; id: string; name?: string },
  verify: VerifyOptions = {},
): Promise<AttachedEndorsement> {
  const parsed = parseInput(input);
  if (!parsed.ok) throw new LaurelError('INVALID_INPUT', `Not an endorsement: ${parsed.reason}.`);
  const peeked = parsed.format === 'jwt' ? peekJwt(parsed.jws).credential : parsed.credential;
  const route = peeked ? routeOf(peeked) : undefined;
  if (route?.kind !== 'endorsement') throw new LaurelError('INVALID_INPUT', `Not an endorsement: ${route ? route.reason : 'the VC-JWT payload is not a JSON object'}. Only an EndorsementCredential can be attached.`);
  const report = await verifyCredential(input, verify);
  const warnings = acceptVerified(report, 'the endorsement', 'attach it');
  const c = report.credential!;
  const subject = asArray(c.credentialSubject).find(isObject);
  const endorsed = str(subject?.id);
  const what = target.kind === 'achievement' ? `the achievement ${target.id}` : `the issuer profile ${target.id}`;
  if (endorsed !== target.id) {
    throw new LaurelError('INVALID_INPUT', `This endorsement is about ${endorsed ?? 'nothing (its credentialSubject has no id)'}, not ${what}: it can only be attached to what it endorses.`);
  }
  const id = str(c.id);
  if (!id) throw new LaurelError('INVALID_INPUT', 'The endorsement has no id ($.id), so it could not be told apart from others.');
  const issuer = profileSummary(c.issuer);
  if (issuer?.id === target.id) throw new LaurelError('INVALID_INPUT', 'This endorsement was signed by the profile it endorses; a self-endorsement vouches for nothing.');
  const format = parsed.format;
  const body = format === 'jwt' ? parsed.jws : JSON.stringify(parsed.credential);
  const { db } = ctx;
  return db.transaction((): AttachedEndorsement => {
    const embeddedIn = format === 'json' ? 'all-credentials' : 'jwt-credentials';
    const existing = findReceivedEndorsement(db, target.kind, target.id, id, format);
    if (existing) {
      if (existing.body !== body) {
        throw new LaurelError('CONFLICT', `An endorsement with the id ${id} is already attached to ${what} with different content; detach it first.`);
      }
      if (!existing.detachedAt) return { outcome: 'already-attached', endorsement: existing, embeddedIn, warnings };
      setEndorsementDetached(db, existing.rowId, false);
      appendAudit(db, { actor: ctx.actor, action: 'endorsement.attach', subject: id, sha256: existing.sha256, details: { target: target.id, kind: target.kind, again: true } });
      return { outcome: 're-attached', endorsement: { ...existing, detachedAt: null }, embeddedIn, warnings };
    }
    const comment = str(subject?.endorsementComment);
    const validUntil = str(c.validUntil) ?? str(c.expirationDate);
    const row = insertReceivedEndorsement(db, {
      targetKind: target.kind,
      targetId: target.id,
      endorsementId: id,
      endorserId: issuer?.id ?? 'unknown',
      ...(issuer?.name ? { endorserName: issuer.name } : {}),
      format,
      body,
      ...(comment ? { comment } : {}),
      ...(validUntil ? { validUntil } : {}),
      verifiedAt: report.verifiedAt,
    });
    appendAudit(db, { actor: ctx.actor, action: 'endorsement.attach', subject: id, sha256: row.sha256, details: { target: target.id, kind: target.kind, endorser: row.endorserId, format, warnings } });
    return { outcome: 'attached', endorsement: row, embeddedIn, warnings };
  })();
}

/** Stops embedding a received endorsement (the row and the audit trail stay). */
export function detachEndorsement(ctx: { db: Db; actor: string }, rowId: number): ReceivedEndorsement {
  const all = listReceivedEndorsements(ctx.db, { all: true });
  const row = all.find((r) => r.rowId === rowId);
  if (!row) throw new LaurelError('NOT_FOUND', `No received endorsement #${rowId} in this workspace (laurel endorsement list).`);
  if (row.detachedAt) return row;
  ctx.db.transaction(() => {
    setEndorsementDetached(ctx.db, rowId, true);
    appendAudit(ctx.db, { actor: ctx.actor, action: 'endorsement.detach', subject: row.endorsementId, details: { target: row.targetId, kind: row.targetKind } });
  })();
  return { ...row, detachedAt: new Date().toISOString() };
}

export { withReceivedEndorsements, type WithEndorsements } from './embed.ts';
