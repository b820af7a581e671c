// The offline machine's half: open a signing request, check it byte for byte and against this
// studio's own pinned contexts and issuer, show the officer what is to be signed, and on approval
// sign with the key in the keychain and write the signed bundle. Nothing here touches the network:
// no fetcher is reachable from this module, and signing needs only the pinned context bundle.
import { randomUUID } from 'node:crypto';
import { loadContextBundle } from '../jsonld/index.ts';
import type { Signer } from '../keys/index.ts';
import { assertValid, hashIdentity } from '../model/index.ts';
import { finishJsonCredential, proofPreparer, signJwtCredential } from '../issue/index.ts';
import type { JsonObject } from '../proof/index.ts';
import {
  appendAudit,
  getIssuer,
  getSigningRequest,
  insertSigningRequest,
  lastRequestFrom,
  listSigningRequests,
  updateSigningRequest,
  workspaceId,
  type Db,
  type IssuerRecord,
  summarizeSigningRequest,
  type SigningRequestRecord,
  type SigningRequestSummary,
} from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';
import {
  BUNDLE_FORMAT,
  FORMAT_VERSION,
  REQUEST_FORMAT,
  assertRequestShape,
  canonicalJson,
  checkRequestIntegrity,
  fingerprint,
  parseFile,
  recipientLabel,
  sealBundle,
  serialize,
  sha256Hex,
  type AuditRecord,
  type Json,
  type RequestRecipient,
  type SignedBundle,
  type SigningRequest,
} from './format.ts';

export interface SignerContext {
  db: Db;
  actor: string;
  /** The issuer's signer from its key store (the keychain); throws when the key is not here. */
  signerFor: (issuer: IssuerRecord) => Promise<Signer>;
  /** Where the issuer's key lives, in words. */
  keyLocation: (issuer: IssuerRecord) => string;
  now?: () => Date;
}

export type ReviewWarningCode = 'validity-past' | 'backdated' | 'not-yet-valid' | 'duplicate-recipient' | 'achievement-changed';

export interface ReviewWarning {
  code: ReviewWarningCode;
  message: string;
}

export interface ReviewRecipient {
  seq: number;
  credentialId: string;
  label: string;
  name?: string;
  email?: string;
  did?: string;
  learnerId?: string;
}

export interface RequestReview {
  requestId: string;
  digest: string;
  /** The digest's first digits, for the officer to compare with the preparer's (phone, paper). */
  fingerprint: string;
  kind: SigningRequest['kind'];
  preparedAt: string;
  preparedBy: SigningRequest['preparedBy'];
  issuer: { id: string; name: string; verificationMethod: string; keyAlgorithm: string; keyLocation: string };
  achievements: Array<{ id: string; name: string; version: number; sha256: string; count: number }>;
  count: number;
  forms: Array<'json' | 'jwt'>;
  dates: { validFrom: string; validUntil: string | null };
  roster: SigningRequest['batch']['roster'];
  contexts: Array<{ url: string; sha256: string }>;
  /** The first credential exactly as it will be signed (the others differ in recipient and id). */
  firstCredential: Record<string, unknown>;
  /** The first recipients, as a sample; `recipients` is the full list (searchable in the UI). */
  sample: ReviewRecipient[];
  recipients: ReviewRecipient[];
  warnings: ReviewWarning[];
  /** What this workspace has done with the request before. */
  state: 'new' | 'reviewed' | 'approved' | 'rejected';
  decidedAt: string | null;
  note: string | null;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Does the credential's subject name this recipient (DID, or an identifier, hashed or not)? */
function namesRecipient(subject: Record<string, unknown>, r: RequestRecipient): boolean {
  if (r.did && subject.id === r.did) return true;
  const values = [r.email?.trim().toLowerCase(), r.email, r.learnerId].filter((x): x is string => typeof x === 'string' && x !== '');
  const ids = Array.isArray(subject.identifier) ? subject.identifier : [];
  for (const raw of ids) {
    if (!isObject(raw)) continue;
    const hash = raw.identityHash;
    if (typeof hash !== 'string') continue;
    for (const v of values) {
      if (raw.hashed === true && hash.toLowerCase() === hashIdentity(v, typeof raw.salt === 'string' ? raw.salt : '').toLowerCase()) return true;
      if (raw.hashed === false && hash === v) return true;
    }
  }
  return false;
}

/**
 * Reads and checks a request without deciding anything: its integrity, its contexts against this
 * studio's pinned bundle, its issuer against this workspace's, and every credential (unsigned,
 * valid, issued by that issuer, awarding the stated achievement, naming the recipient shown).
 */
export function checkSigningRequest(ctx: SignerContext, bytes: Uint8Array): { request: SigningRequest; issuer: IssuerRecord } {
  const request = parseFile<SigningRequest>(bytes, REQUEST_FORMAT, 'signing request');
  assertRequestShape(request as unknown as Record<string, unknown>);
  checkRequestIntegrity(request);
  if (request.kind !== 'ob-batch') throw new LaurelError('UNSUPPORTED', `This request asks for "${String(request.kind)}"; this studio signs "ob-batch" requests.`);
  if (!Array.isArray(request.credentials) || request.credentials.length !== request.count) {
    throw new LaurelError('VALIDATION', `The request says it holds ${String(request.count)} credentials but lists ${Array.isArray(request.credentials) ? request.credentials.length : 'none'}.`);
  }

  const forms = request.batch?.signForms;
  if (!Array.isArray(forms) || forms.length === 0 || forms.some((f) => f !== 'json' && f !== 'jwt') || new Set(forms).size !== forms.length) {
    throw new LaurelError('VALIDATION', `The request asks for the forms ${JSON.stringify(forms)}; it must ask for "json" (a Data Integrity proof), "jwt" (a VC-JWT) or both.`);
  }
  if (typeof request.batch.validFrom !== 'string') throw new LaurelError('VALIDATION', 'The request has no validFrom date for its credentials.');

  // Contexts: each must be one this studio pins, with the very same bytes.
  const pinned = loadContextBundle().digests;
  const ctxProblems: string[] = [];
  for (const [url, sha] of Object.entries(request.contexts ?? {})) {
    const mine = pinned.get(url);
    if (!mine) ctxProblems.push(`${url} is not in this studio's pinned bundle`);
    else if (mine !== sha) ctxProblems.push(`${url}: the preparer's copy has SHA-256 ${sha}, this studio's pinned copy has ${mine}`);
  }
  if (ctxProblems.length) {
    throw new LaurelError('CONTEXT_INTEGRITY', `The request's JSON-LD contexts don't match this studio's pinned bundle, so nothing will be signed:\n${ctxProblems.map((p) => `  - ${p}`).join('\n')}`, {
      details: { problems: ctxProblems },
    });
  }

  const issuer = getIssuer(ctx.db, request.issuer?.id);
  if (!issuer) {
    throw new LaurelError('NOT_FOUND', `The request asks to sign as ${String(request.issuer?.id)} (${String(request.issuer?.name)}), which is not an issuer of this workspace.`);
  }
  if (issuer.verificationMethod !== request.issuer.verificationMethod || issuer.publicKeyMultibase !== request.issuer.publicKeyMultibase) {
    throw new LaurelError(
      'VALIDATION',
      `The request names the key ${request.issuer.verificationMethod} for ${issuer.id}; this workspace's key for that issuer is ${issuer.verificationMethod}. Export the issuer again (laurel issuer export) and import it on the preparing machine.`,
    );
  }
  // Received endorsements (verified when attached on the preparer) may ride along on the profile.
  const bare = (p: unknown): string => {
    if (!isObject(p)) return canonicalJson(p ?? null);
    const { endorsement: _e, endorsementJwt: _j, ...rest } = p;
    return canonicalJson(rest);
  };
  const profile = bare(issuer.profile);
  const jwtOnly = !request.batch.signForms.includes('json');
  const achievement = canonicalJson(request.achievement?.achievement);
  const ids = new Set<string>();
  const problems: string[] = [];
  for (const item of request.credentials) {
    const c = item.credential as Record<string, unknown>;
    const who = `credential ${String(item.credentialId)} (${recipientLabel(item.recipient)})`;
    if (!isObject(c)) {
      problems.push(`${who}: not a JSON object`);
      continue;
    }
    if (c.id !== item.credentialId) problems.push(`${who}: its id is ${String(c.id)}`);
    if (ids.has(item.credentialId)) problems.push(`${who}: listed twice`);
    ids.add(item.credentialId);
    if (c.proof !== undefined) problems.push(`${who}: already carries a proof`);
    for (const u of [c['@context']].flat()) {
      if (typeof u === 'string' && !(u in request.contexts)) problems.push(`${who}: uses the context ${u}, which the request does not list`);
    }
    if (bare(c.issuer) !== profile) problems.push(`${who}: its issuer profile is not this workspace's profile of ${issuer.id} (export the issuer again and import it on the preparing machine)`);
    const subject = isObject(c.credentialSubject) ? c.credentialSubject : {};
    if (canonicalJson(subject.achievement) !== achievement) problems.push(`${who}: awards another achievement than the request states`);
    if (!namesRecipient(subject, item.recipient ?? {})) problems.push(`${who}: the credential does not name this recipient`);
    if (item.recipient?.name !== undefined && subject.name !== undefined && subject.name !== item.recipient.name) problems.push(`${who}: the credential names "${String(subject.name)}"`);
    if (c.validFrom !== request.batch.validFrom || (c.validUntil ?? null) !== (request.batch.validUntil ?? null)) problems.push(`${who}: its dates differ from the request's`);
    try {
      // endorsementJwt is defined by the verification copy of the OB context only (VC-JWT-only credentials).
      assertValid(c, jwtOnly ? { kind: 'achievement', terms: 'verify' } : {});
    } catch (e) {
      problems.push(`${who}: ${(e as Error).message}`);
    }
    if (problems.length > 50) break;
  }
  if (problems.length) {
    throw new LaurelError('VALIDATION', `The request can't be signed as it is:\n${problems.slice(0, 50).map((p) => `  - ${p}`).join('\n')}`, { details: { problems } });
  }
  return { request, issuer };
}

function changedFields(a: unknown, b: unknown): string[] {
  if (!isObject(a) || !isObject(b)) return [];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null)).sort();
}

function buildReview(ctx: SignerContext, request: SigningRequest, issuer: IssuerRecord, record: SigningRequestRecord | undefined): RequestReview {
  const now = (ctx.now ?? (() => new Date()))();
  const recipients: ReviewRecipient[] = request.credentials.map((c) => ({ seq: c.seq, credentialId: c.credentialId, label: recipientLabel(c.recipient), ...c.recipient }));
  const warnings: ReviewWarning[] = [];
  const { validFrom, validUntil } = request.batch;
  if (validUntil && Date.parse(validUntil) <= now.getTime()) {
    warnings.push({ code: 'validity-past', message: `The credentials expire on ${validUntil}, which is in the past: they would be expired as soon as they are signed.` });
  }
  const from = Date.parse(validFrom);
  if (from < now.getTime() - 7 * 86_400_000) warnings.push({ code: 'backdated', message: `The credentials are valid from ${validFrom}, more than a week ago (backdated).` });
  else if (from > now.getTime() + 86_400_000) warnings.push({ code: 'not-yet-valid', message: `The credentials only become valid on ${validFrom}.` });

  const byKey = new Map<string, ReviewRecipient[]>();
  for (const r of recipients) {
    const key = r.email?.trim().toLowerCase() ?? r.did ?? r.learnerId;
    if (!key) continue;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  for (const [key, list] of byKey) {
    if (list.length > 1) warnings.push({ code: 'duplicate-recipient', message: `${key} receives ${list.length} credentials (rows ${list.map((r) => r.seq).join(', ')}).` });
  }

  const previous = lastRequestFrom(ctx.db, request.preparedBy.workspace, request.achievement.id, request.requestId);
  if (previous && previous.achievementSha256 !== request.achievement.sha256) {
    let fields: string[] = [];
    try {
      const prev = parseFile<SigningRequest>(previous.body, REQUEST_FORMAT, 'signing request');
      fields = changedFields(prev.achievement.achievement, request.achievement.achievement);
    } catch {
      // an unreadable earlier request only loses the field list
    }
    warnings.push({
      code: 'achievement-changed',
      message: `The achievement "${request.achievement.name}" changed since the last request from this preparer (${previous.requestId}, ${previous.createdAt}): version ${previous.achievementVersion ?? '?'} then, version ${request.achievement.version} now${fields.length ? `; changed: ${fields.join(', ')}` : ''}.`,
    });
  }

  return {
    requestId: request.requestId,
    digest: request.digest.value,
    fingerprint: fingerprint(request.digest.value),
    kind: request.kind,
    preparedAt: request.createdAt,
    preparedBy: request.preparedBy,
    issuer: { id: issuer.id, name: issuer.name, verificationMethod: issuer.verificationMethod, keyAlgorithm: issuer.keyAlgorithm, keyLocation: ctx.keyLocation(issuer) },
    achievements: [{ id: request.achievement.id, name: request.achievement.name, version: request.achievement.version, sha256: request.achievement.sha256, count: request.count }],
    count: request.count,
    forms: request.batch.signForms,
    dates: { validFrom, validUntil: validUntil ?? null },
    roster: request.batch.roster,
    contexts: Object.entries(request.contexts).map(([url, sha256]) => ({ url, sha256 })),
    firstCredential: request.credentials[0]?.credential ?? {},
    sample: recipients.slice(0, 10),
    recipients,
    warnings,
    state: record ? (record.state === 'approved' ? 'approved' : record.state === 'rejected' ? 'rejected' : 'reviewed') : 'new',
    decidedAt: record && (record.state === 'approved' || record.state === 'rejected') ? record.updatedAt : null,
    note: record?.note ?? null,
  };
}

/** The signer's record of a request; a request id seen before with other content is refused. */
function recordFor(ctx: SignerContext, request: SigningRequest, bytes: Uint8Array, create: boolean): SigningRequestRecord | undefined {
  const found = getSigningRequest(ctx.db, request.requestId, 'signer');
  if (found && found.digest !== request.digest.value) {
    throw new LaurelError(
      'CONFLICT',
      `A request with the id ${request.requestId} but another digest (${found.digest}) was opened here on ${found.createdAt}; this one (${request.digest.value}) is refused. The preparer makes every request with a new id.`,
    );
  }
  if (found || !create) return found;
  return insertSigningRequest(ctx.db, {
    requestId: request.requestId,
    role: 'signer',
    batchId: null,
    issuerId: request.issuer.id,
    digest: request.digest.value,
    state: 'reviewed',
    preparer: request.preparedBy.workspace,
    achievementId: request.achievement.id,
    achievementSha256: request.achievement.sha256,
    achievementVersion: request.achievement.version,
    count: request.count,
    body: Buffer.from(bytes),
  });
}

/** Opens a request for the officer: checks it and returns the review (recording that it was opened). */
export function reviewSigningRequest(ctx: SignerContext, bytes: Uint8Array): RequestReview {
  const { request, issuer } = checkSigningRequest(ctx, bytes);
  // Warnings compare with earlier requests: build the review before this one is recorded.
  const before = recordFor(ctx, request, bytes, false);
  const review = buildReview(ctx, request, issuer, before);
  if (!before) {
    ctx.db.transaction(() => {
      recordFor(ctx, request, bytes, true);
      appendAudit(ctx.db, {
        actor: ctx.actor,
        action: 'request.review',
        subject: request.requestId,
        sha256: request.digest.value,
        details: { issuer: issuer.id, count: request.count, preparer: request.preparedBy.workspace, warnings: review.warnings.map((w) => w.code) },
      });
    })();
  }
  return review;
}

export interface ApproveOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ApprovedRequest {
  review: RequestReview;
  bundle: SignedBundle;
  bytes: Uint8Array;
  /** True when the request had been approved before: the same bundle, not signed again. */
  again: boolean;
}

/**
 * The officer approves: every credential is signed with the issuer's key (from the keychain),
 * the approval is written to the audit log, and the signed bundle carries that entry.
 */
export async function approveSigningRequest(ctx: SignerContext, bytes: Uint8Array, options: ApproveOptions = {}): Promise<ApprovedRequest> {
  const { request, issuer } = checkSigningRequest(ctx, bytes);
  const before = recordFor(ctx, request, bytes, false);
  const review = buildReview(ctx, request, issuer, before);
  if (before?.state === 'rejected') {
    throw new LaurelError('CONFLICT', `Request ${request.requestId} was rejected here on ${before.updatedAt}${before.note ? ` (${before.note})` : ''}; it can't be approved now. Ask the preparer for a new request.`);
  }
  if (before?.state === 'approved' && before.bundle) {
    const bundle = parseFile<SignedBundle>(before.bundle, BUNDLE_FORMAT, 'signed bundle');
    return { review, bundle, bytes: new Uint8Array(before.bundle), again: true };
  }
  // Approval needs the key: a missing or locked keychain stops here, before anything is recorded.
  const signer = await ctx.signerFor(issuer);
  const forms = request.batch.signForms;
  const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const prepare = forms.includes('json') ? proofPreparer(signer, created, { reuseExpansion: true }) : undefined;
  const credentials: SignedBundle['credentials'] = [];
  let done = 0;
  for (const item of request.credentials) {
    if (options.signal?.aborted) throw new LaurelError('CANCELLED', 'Signing was cancelled; nothing was approved and no bundle was written.');
    const credential = item.credential as unknown as JsonObject;
    const out: SignedBundle['credentials'][number] = { seq: item.seq, credentialId: item.credentialId };
    if (prepare) out.json = await finishJsonCredential(credential, await prepare(credential), signer);
    if (forms.includes('jwt')) out.jwt = await signJwtCredential(credential, signer, request.batch.allowEdDSA);
    credentials.push(out);
    options.onProgress?.(++done, request.count);
  }

  const signedAt = new Date().toISOString();
  const bundleId = `urn:uuid:${randomUUID()}`;
  const me = workspaceId(ctx.db);
  let result!: ApprovedRequest;
  ctx.db.transaction(() => {
    recordFor(ctx, request, bytes, true);
    appendAudit(ctx.db, {
      actor: ctx.actor,
      action: 'request.approve',
      subject: request.requestId,
      sha256: request.digest.value,
      details: {
        bundle: bundleId,
        issuer: issuer.id,
        verificationMethod: issuer.verificationMethod,
        achievement: request.achievement.id,
        achievementVersion: request.achievement.version,
        achievementSha256: request.achievement.sha256,
        count: request.count,
        forms,
        preparer: request.preparedBy.workspace,
        preparedBy: request.preparedBy.actor,
        warnings: review.warnings.map((w) => w.code),
      },
    });
    const row = ctx.db.prepare('SELECT * FROM audit_log WHERE seq = last_insert_rowid()').get() as Omit<AuditRecord, 'details'> & { details: string | null };
    const audit: AuditRecord = { ...row, details: row.details ? (JSON.parse(row.details) as Record<string, Json>) : null };
    const bundle = sealBundle({
      format: BUNDLE_FORMAT,
      version: FORMAT_VERSION,
      bundleId,
      request: { requestId: request.requestId, digest: request.digest.value, count: request.count, preparer: request.preparedBy.workspace },
      issuer: { id: issuer.id, verificationMethod: issuer.verificationMethod },
      signedAt,
      signedBy: { actor: ctx.actor, workspace: me },
      credentials,
      audit,
    });
    const out = serialize(bundle);
    updateSigningRequest(ctx.db, request.requestId, 'signer', { state: 'approved', bundleId, bundleSha256: sha256Hex(out), bundle: out });
    result = { review: { ...review, state: 'approved', decidedAt: signedAt }, bundle, bytes: out, again: false };
  })();
  return result;
}

/** The officer rejects: recorded with the reason in the audit log; nothing is signed. */
export function rejectSigningRequest(ctx: SignerContext, bytes: Uint8Array, reason: string): RequestReview {
  const { request, issuer } = checkSigningRequest(ctx, bytes);
  const before = recordFor(ctx, request, bytes, false);
  if (before?.state === 'approved') throw new LaurelError('CONFLICT', `Request ${request.requestId} was approved here on ${before.updatedAt}; it can't be rejected now (revoke the credentials instead).`);
  const review = buildReview(ctx, request, issuer, before);
  const why = reason.trim() || 'no reason given';
  ctx.db.transaction(() => {
    recordFor(ctx, request, bytes, true);
    updateSigningRequest(ctx.db, request.requestId, 'signer', { state: 'rejected', note: why });
    appendAudit(ctx.db, { actor: ctx.actor, action: 'request.reject', subject: request.requestId, sha256: request.digest.value, details: { reason: why, issuer: issuer.id, count: request.count } });
  })();
  return { ...review, state: 'rejected', decidedAt: new Date().toISOString(), note: why };
}

/** Requests this workspace opened as the signer, newest first. */
export function signerRequests(db: Db): SigningRequestSummary[] {
  return listSigningRequests(db, 'signer').map(summarizeSigningRequest);
}
