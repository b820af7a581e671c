/**
 * core/clr: Comprehensive Learner Records (CLR 2.0). A record for one learner bundles credentials
 * (ours from the workspace, and third-party ones that verify, embedded byte-for-byte as signed),
 * grouping achievements and associations; it is signed with one of our issuers (Data Integrity),
 * verified again as a whole (outer proof, then every bundled credential), stored in the
 * credentials table, and exported as JSON or baked into PNG/SVG (keyword `clrcredential`). A
 * roster gives one record per learner, as a job with progress and cancel.
 */
import type { Signer } from '../keys/index.ts';
import { bakePng, bakeSvg, checkBadgeImage, sanitizeSvg } from '../bake/index.ts';
import { defaultBadgePng, defaultBadgeSvg, storeIssuedCredential } from '../issue/index.ts';
import { signDataIntegrity, type JsonObject } from '../proof/index.ts';
import { insertClr, type ClrInnerRef, type Db, type IssuerRecord } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import { checkRecipient, describeVerdict, parseInput, type VerificationReport } from '../verify/index.ts';
import { buildClrCredential, innerAchievement, type ClrBuildInput, type ClrLearner } from './build.ts';
import type { AssociationInput } from './associations.ts';

export { ASSOCIATION_TYPES, assertAssociations, checkAssociations, isAssociationType, parseAssociation } from './associations.ts';
export type { Association, AssociationInput, AssociationIssue, AssociationType } from './associations.ts';
export { achievementIndex, buildClrCredential, innerAchievement, CLR_SCHEMA_URL } from './build.ts';
export type { ClrBuildInput, ClrLearner } from './build.ts';
export { learnerCredentials, runClrBatch, type LearnerCredential, type ClrBatchInput, type ClrBatchLearner, type ClrBatchProgress, type ClrBatchSummary } from './batch.ts';

type Json = Record<string, unknown>;

/** Verifies a credential the way the studio does (workspace key cache and status lists). */
export type ClrVerifier = (input: Uint8Array | string, recipient?: string) => Promise<VerificationReport>;

export interface ClrContext {
  db: Db;
  actor: string;
  issuer: IssuerRecord;
  signer: Signer;
  verify: ClrVerifier;
}

/** A credential to bundle: a file's bytes (JSON or a baked PNG/SVG) or a credential object. */
export interface ClrCredentialSource {
  /** What to call it in messages: a file name or a credential id. */
  label: string;
  bytes?: Uint8Array | string;
  credential?: Json;
}

export interface CheckedCredential {
  label: string;
  credential: Json;
  issuerId: string | null;
  issuerName: string | null;
  achievement: { id: string; name: string } | null;
  outcome: ReturnType<typeof describeVerdict>;
  /** Said when it was bundled although not every check passed (expired, status not checkable). */
  note?: string;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function failedReason(r: VerificationReport): string {
  return (r.checks.find((c) => c.status === 'failed' && !c.code) ?? r.checks.find((c) => c.status === 'failed') ?? r.checks.find((c) => c.status === 'unknown'))?.reason ?? describeVerdict(r);
}

/**
 * Reads and verifies one credential to bundle. It must be an Open Badges JSON credential with an
 * embedded proof that verifies (expired is allowed: a transcript records the past), issued to the
 * learner when it names them in a way we can compare. Its object is kept exactly as parsed.
 */
export async function checkCredentialForClr(source: ClrCredentialSource, learner: string, verify: ClrVerifier, aliases: readonly string[] = []): Promise<CheckedCredential> {
  const input = source.credential ? JSON.stringify(source.credential) : source.bytes;
  if (input === undefined) throw new LaurelError('INVALID_INPUT', `${source.label}: nothing to read.`);
  const parsed = source.credential ? ({ ok: true, format: 'json', credential: source.credential } as const) : parseInput(input);
  if (!parsed.ok) throw new LaurelError('INVALID_INPUT', `${source.label}: ${parsed.reason}.`);
  if (parsed.format === 'jwt') {
    throw new LaurelError('UNSUPPORTED', `${source.label} is a VC-JWT: a CLR embeds credentials as JSON objects with their own proof and has no slot for a JWT. Use the JSON form of the credential.`);
  }
  const credential = parsed.credential as Json;
  const types = Array.isArray(credential.type) ? credential.type : [credential.type];
  if (types.includes('ClrCredential')) throw new LaurelError('INVALID_INPUT', `${source.label} is itself a CLR; bundle the credentials inside it instead.`);
  if (!types.includes('OpenBadgeCredential') && !types.includes('AchievementCredential')) {
    throw new LaurelError('INVALID_INPUT', `${source.label} is not an Open Badges credential (type ${JSON.stringify(credential.type)}).`);
  }
  const report = await verify(JSON.stringify(credential), learner);
  const outcome = describeVerdict(report);
  const unknown = report.checks.filter((c) => c.status === 'unknown');
  const recipient = report.checks.find((c) => c.id === 'recipient');
  let note: string | undefined;
  const alias = recipient?.status === 'failed' ? aliases.find((a) => checkRecipient(credential as JsonObject, { identifier: a }).status === 'passed') : undefined;
  if (alias) {
    recipient!.status = 'passed';
    note = `issued to ${alias}, the same learner`;
  }
  if (recipient?.status === 'failed') {
    // A learner known by DID can't be compared with a credential that names them only by a hashed
    // e-mail address: bundled, with a note. Anything that names someone else is refused.
    const subject = [credential.credentialSubject].flat().find(isObject);
    const byEmailOnly = !/@/.test(learner) && subject !== undefined && typeof subject.id !== 'string';
    if (!byEmailOnly) throw new LaurelError('VALIDATION', `${source.label} was not issued to ${learner}: ${recipient.reason}.`);
    note = `it names its learner by an identifier that can't be compared with ${learner}`;
  }
  const failedOther = report.checks.some((c) => c.status === 'failed' && c.id !== 'recipient' && c.code !== 'expired');
  if (outcome === 'expired' && !failedOther) note = [note, 'it has expired'].filter(Boolean).join('; ');
  else if (!failedOther && (outcome === 'valid' || outcome === 'invalid' || outcome === 'could-not-check') && unknown.every((c) => c.id === 'status' || c.id === 'recipient')) {
    if (unknown.length) note = [note, ...unknown.map((c) => c.reason)].filter(Boolean).join('; ');
  } else {
    throw new LaurelError('VALIDATION', `${source.label} does not verify (${outcome}): ${failedReason(report)}. Only credentials that verify can be bundled.`);
  }
  const issuer = credential.issuer;
  return {
    label: source.label,
    credential,
    issuerId: typeof issuer === 'string' ? issuer : isObject(issuer) && typeof issuer.id === 'string' ? issuer.id : null,
    issuerName: isObject(issuer) && typeof issuer.name === 'string' ? issuer.name : null,
    achievement: innerAchievement(credential) ?? null,
    outcome,
    ...(note ? { note } : {}),
  };
}

export interface CreateClrInput {
  name: string;
  description?: string;
  learner: ClrLearner;
  credentials: readonly ClrCredentialSource[];
  achievements?: readonly unknown[];
  associations?: readonly AssociationInput[];
  partial?: boolean;
  validUntil?: string;
  /** Set by a roster run. */
  batchId?: string;
}

export interface CreatedClr {
  credentialId: string;
  issuerId: string;
  rowId: number;
  sha256: string;
  /** The signed ClrCredential as stored (JSON text). */
  body: string;
  credentials: CheckedCredential[];
  /** The verifier's report on the signed record (outer proof, then every bundled credential). */
  report: VerificationReport;
}

/** Builds, signs, verifies again, stores and audits one CLR. */
export async function createClr(ctx: ClrContext, input: CreateClrInput): Promise<CreatedClr> {
  if (!input.credentials.length) throw new LaurelError('INVALID_INPUT', 'A CLR bundles at least one credential: add one.');
  const checked: CheckedCredential[] = [];
  for (const c of input.credentials) checked.push(await checkCredentialForClr(c, input.learner.recipient, ctx.verify, input.learner.aliases ?? []));
  const seen = new Map<string, string>();
  for (const c of checked) {
    const id = typeof c.credential.id === 'string' ? c.credential.id : undefined;
    if (id && seen.has(id)) throw new LaurelError('INVALID_INPUT', `${c.label} is the same credential as ${seen.get(id)} (${id}); bundle it once.`);
    if (id) seen.set(id, c.label);
  }
  const build: ClrBuildInput = {
    issuer: ctx.issuer.profile,
    name: input.name,
    learner: input.learner,
    credentials: checked.map((c) => c.credential),
    ...(input.description ? { description: input.description } : {}),
    ...(input.achievements ? { achievements: input.achievements } : {}),
    ...(input.associations ? { associations: input.associations } : {}),
    ...(input.partial ? { partial: true } : {}),
    ...(input.validUntil ? { validUntil: input.validUntil } : {}),
  };
  const unsigned = buildClrCredential(build);
  const signed = await signDataIntegrity(unsigned as JsonObject, ctx.signer);
  const body = JSON.stringify(signed, null, 2) + '\n';
  const report = await ctx.verify(body);
  const verdict = describeVerdict(report);
  const innerOk = report.checks.find((c) => c.id === 'inner-credentials');
  const outerOk = report.checks.filter((c) => c.id === 'proof' || c.id === 'key-binding' || c.id === 'schema' || c.id === 'context-type').every((c) => c.status === 'passed');
  if (!outerOk || innerOk?.status === 'failed' || verdict === 'invalid') {
    throw new LaurelError('VALIDATION', `The signed CLR did not verify, so it was not stored: ${failedReason(report)}.`, { details: { report } });
  }
  const subject = unsigned.credentialSubject as Json;
  const inner: ClrInnerRef[] = checked.map((c) => ({
    id: typeof c.credential.id === 'string' ? c.credential.id : null,
    issuer: c.issuerId,
    issuerName: c.issuerName,
    achievementId: c.achievement?.id ?? null,
    name: c.achievement?.name ?? null,
  }));
  const credentialId = String(signed.id);
  const stored = ctx.db.transaction(() => {
    const row = storeIssuedCredential(ctx.db, {
      credentialId,
      issuerId: ctx.issuer.id,
      recipient: input.learner.recipient.trim(),
      format: 'json',
      body,
      actor: ctx.actor,
      ...(input.batchId ? { auditDetails: { kind: 'clr', credentials: checked.length, clrBatch: input.batchId } } : { auditDetails: { kind: 'clr', credentials: checked.length } }),
    });
    insertClr(ctx.db, {
      credentialRowid: row.rowId,
      credentialId,
      name: String(signed.name),
      learner: input.learner.recipient.trim(),
      partial: input.partial === true,
      credentials: checked.length,
      achievements: Array.isArray(subject.achievement) ? subject.achievement.length : 0,
      associations: Array.isArray(subject.association) ? subject.association.length : 0,
      inner,
      batchId: input.batchId ?? null,
      createdAt: row.createdAt,
    });
    return row;
  })();
  return { credentialId, issuerId: ctx.issuer.id, rowId: stored.rowId, sha256: stored.sha256, body, credentials: checked, report };
}

export type ClrFileFormat = 'json' | 'png' | 'svg';

/** A signed CLR as a file: its JSON, or baked into a PNG/SVG (the given image, else the default badge). */
export function clrFile(body: string, format: ClrFileFormat, image?: Uint8Array): { bytes: Uint8Array; mediaType: string } {
  if (format === 'json') return { bytes: Buffer.from(body, 'utf8'), mediaType: 'application/vc+ld+json' };
  if (image) {
    const info = checkBadgeImage(image);
    if ((info.mediaType === 'image/png') !== (format === 'png')) throw new LaurelError('INVALID_INPUT', `The image is ${info.mediaType === 'image/png' ? 'a PNG' : 'an SVG'}; a .${format} file needs ${format === 'png' ? 'a PNG' : 'an SVG'} image.`);
  }
  if (format === 'png') return { bytes: bakePng(image ?? defaultBadgePng(), body, { kind: 'clr' }), mediaType: 'image/png' };
  const svg = sanitizeSvg(new TextDecoder().decode(image ?? defaultBadgeSvg())).svg;
  return { bytes: Buffer.from(bakeSvg(svg, body, { kind: 'clr' }), 'utf8'), mediaType: 'image/svg+xml' };
}

/** The file format an --out name asks for. */
export function clrFormatOf(file: string): ClrFileFormat {
  const m = /\.(json|png|svg)$/i.exec(file);
  if (!m) throw new LaurelError('INVALID_INPUT', `--out ${file}: the name must end in .json, .png or .svg (the CLR as JSON, or baked into a badge image).`);
  return m[1]!.toLowerCase() as ClrFileFormat;
}
