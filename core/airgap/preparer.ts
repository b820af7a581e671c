// The connected machine's half: a prepared batch written out as a signing request instead of
// being signed here, and the signed bundle brought back, checked against the request and stored
// as if signed here (then exported by core/issue's run, which finds every item signed).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createKeyResolver, publicKeyFromMultibase, type ResolvedKey } from '../keys/index.ts';
import { contextDigests } from '../jsonld/index.ts';
import {
  buildLearnerCredential,
  defaultBadgePng,
  defaultBadgeSvg,
  runBatch,
  storeIssuedCredential,
  EXPORT_FORMATS,
  type BatchSummary,
  type ExportFormat,
  type RunBatchOptions,
} from '../issue/index.ts';
import { recipientOf } from '../issue/export.ts';
import { withReceivedEndorsements } from '../endorse/embed.ts';
import { checkOutDir, imagePath, type BatchOptions, type IssueContext, type ItemData } from '../issue/prepare.ts';
import {
  appendAudit,
  getAchievementVersion,
  getBatch,
  getIssuer,
  getSigningRequest,
  listBatchItems,
  listSigningRequests,
  markBatchItemSigned,
  insertSigningRequest,
  setBatchOptions,
  setBatchSigning,
  updateSigningRequest,
  workspaceId,
  type IssuerRecord,
} from '../store/index.ts';
import { verifyCredential } from '../verify/index.ts';
import { LaurelError } from '../util/errors.ts';
import { atomicWrite } from '../util/fs.ts';
import {
  BUNDLE_FORMAT,
  FORMAT_VERSION,
  REQUEST_FORMAT,
  assertBundleShape,
  canonicalJson,
  checkBundleIntegrity,
  parseFile,
  recipientLabel,
  sealRequest,
  serialize,
  sha256Hex,
  type Json,
  type RequestItem,
  type SignedBundle,
  type SigningRequest,
} from './format.ts';

const nowSeconds = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Writes the signing request for a prepared batch: every pending item's unsigned credential, built
 * exactly as a local run would build it. An earlier request for the same batch is superseded
 * (its bundle, should it come back, is refused as a replay).
 */
export function createSigningRequest(ctx: IssueContext, batchId: string): { request: SigningRequest; bytes: Uint8Array; superseded: string[] } {
  const { db } = ctx;
  const batch = getBatch(db, batchId);
  if (!batch) throw new LaurelError('NOT_FOUND', `No batch ${batchId} in this workspace.`);
  const o = batch.options as unknown as BatchOptions;
  const issuer = getIssuer(db, batch.issuerId);
  if (!issuer) throw new LaurelError('NOT_FOUND', `The batch's issuer ${batch.issuerId} is not in this workspace.`);
  const achievement = getAchievementVersion(db, batch.achievementRowid);
  if (!achievement) throw new LaurelError('NOT_FOUND', `The batch's achievement version is missing.`);
  const signing = (db.prepare('SELECT signing FROM batches WHERE id = ?').get(batchId) as { signing: string | null }).signing;
  if (signing === 'signed' || signing === 'imported') {
    throw new LaurelError('CONFLICT', `Batch ${batchId} was already signed (its bundle was imported); there is nothing left to sign.`);
  }
  const items = listBatchItems(db, batchId);
  if (signing === null && items.some((i) => i.state === 'signed' || i.state === 'exported')) {
    throw new LaurelError('CONFLICT', `Batch ${batchId} was ${batch.state === 'completed' ? 'issued' : 'partly signed'} on this machine; a signing request can only be made for a batch nothing of which is signed.`);
  }
  const pending = items.filter((i) => i.state === 'pending');
  if (!pending.length) throw new LaurelError('INVALID_INPUT', `Batch ${batchId} has no credential waiting to be signed.`);

  // As a local run builds them: with the endorsements received by now embedded (core/endorse).
  const endorsed = withReceivedEndorsements(db, issuer.profile, achievement.achievement, { jwtOnly: !o.signForms.includes('json') });
  const credentials: RequestItem[] = pending.map((it) => {
    const data = it.row as unknown as ItemData;
    const credential = buildLearnerCredential({
      credentialId: it.credentialId,
      issuer: endorsed.issuer,
      achievement: endorsed.achievement,
      ...(endorsed.endorsementJwt ? { endorsementJwt: endorsed.endorsementJwt } : {}),
      learner: data.learner,
      recipient: { identity: o.identity, plaintext: o.plaintextIdentity },
      validFrom: o.validFrom,
      validUntil: o.validUntil,
      credentialStatus: data.credentialStatus,
    });
    return { seq: it.seq, credentialId: it.credentialId, recipient: recipientOf(data.learner), credential: JSON.parse(JSON.stringify(credential)) as Record<string, Json> };
  });
  const contextUrls = new Set<string>();
  for (const c of credentials) for (const u of [c.credential['@context']].flat()) if (typeof u === 'string') contextUrls.add(u);

  const request = sealRequest({
    format: REQUEST_FORMAT,
    version: FORMAT_VERSION,
    requestId: `urn:uuid:${randomUUID()}`,
    kind: 'ob-batch',
    createdAt: nowSeconds(),
    preparedBy: { actor: ctx.actor, workspace: workspaceId(db) },
    issuer: { id: issuer.id, name: issuer.name, verificationMethod: issuer.verificationMethod, keyAlgorithm: issuer.keyAlgorithm, publicKeyMultibase: issuer.publicKeyMultibase },
    achievement: {
      id: achievement.achievementId,
      version: achievement.version,
      name: String(achievement.achievement.name ?? ''),
      sha256: achievement.sha256,
      // The Achievement as the credentials carry it (endorsements included).
      achievement: (credentials[0]!.credential.credentialSubject as Record<string, Json>).achievement as Record<string, Json>,
    },
    batch: {
      id: batch.id,
      total: batch.total,
      roster: { file: o.rosterName, sha256: batch.rosterSha256 },
      signForms: o.signForms,
      allowEdDSA: o.allowEdDSA,
      validFrom: o.validFrom,
      ...(o.validUntil ? { validUntil: o.validUntil } : {}),
    },
    contexts: contextDigests([...contextUrls].sort()),
    count: credentials.length,
    credentials,
  });
  const bytes = serialize(request);
  const superseded: string[] = [];
  db.transaction(() => {
    for (const prev of listSigningRequests(db, 'preparer', { batchId })) {
      if (prev.state !== 'awaiting-signature') continue;
      updateSigningRequest(db, prev.requestId, 'preparer', { state: 'superseded', note: `replaced by ${request.requestId} on ${request.createdAt}` });
      superseded.push(prev.requestId);
    }
    insertSigningRequest(db, {
      requestId: request.requestId,
      role: 'preparer',
      batchId,
      issuerId: issuer.id,
      digest: request.digest.value,
      state: 'awaiting-signature',
      preparer: request.preparedBy.workspace,
      achievementId: achievement.achievementId,
      achievementSha256: achievement.sha256,
      achievementVersion: achievement.version,
      count: credentials.length,
      body: Buffer.from(bytes),
    });
    setBatchSigning(db, batchId, 'awaiting-signature');
    appendAudit(db, {
      actor: ctx.actor,
      action: 'request.create',
      subject: request.requestId,
      sha256: request.digest.value,
      details: { batch: batchId, issuer: issuer.id, achievement: achievement.achievementId, version: achievement.version, count: credentials.length, superseded },
    });
  })();
  return { request, bytes, superseded };
}

// ---------------------------------------------------------------- the bundle comes back

export interface ImportBundleOptions extends RunBatchOptions {
  /** The export folder (default: the one chosen when the request was made). */
  outDir?: string;
  /** Export formats (default: the batch's); only forms the signer made can be written. */
  formats?: readonly ExportFormat[];
}

export interface ImportedBundle {
  requestId: string;
  bundleId: string;
  batchId: string;
  /** Credentials verified and stored by this call (0 when it only finished an interrupted export). */
  imported: number;
  /** The export, as core/issue's run reports it. */
  summary: BatchSummary;
  /** The signer's audit entry carried by the bundle. */
  signerAudit: SignedBundle['audit'];
}

/**
 * Keys for verifying a bundle's credentials: the issuer's from this workspace (its did:web or https
 * documents need no fetching); anything else (endorsers' keys inside the credential) offline, as
 * core/keys resolves it. Which key signed the credential itself is checked apart (signedWith).
 */
function issuerKeyResolver(issuer: IssuerRecord): (vm: string) => Promise<ResolvedKey> {
  const publicKey = publicKeyFromMultibase(issuer.publicKeyMultibase);
  const others = createKeyResolver();
  return async (vm) => (vm === issuer.verificationMethod ? { verificationMethod: vm, controller: issuer.id, publicKey, source: 'workspace issuer' } : others(vm));
}

/** The verification methods the credential's own signature names: the proofs' (JSON) or the JWS kid. */
function signedWith(body: string, form: 'json' | 'jwt'): string[] {
  try {
    if (form === 'jwt') {
      const header = JSON.parse(Buffer.from(body.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
      return [String(header.kid)];
    }
    const proof = (JSON.parse(body) as { proof?: unknown }).proof;
    return (Array.isArray(proof) ? proof : [proof]).map((p) => String((p as { verificationMethod?: unknown } | undefined)?.verificationMethod));
  } catch {
    return ['(unreadable)'];
  }
}

/** The first differing JSON paths of two values (for "what changed" messages). */
export function differingPaths(a: unknown, b: unknown, at = '$', out: string[] = [], max = 5): string[] {
  if (out.length >= max) return out;
  if (canonicalJson(a) === canonicalJson(b)) return out;
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) differingPaths(a[k], b[k], `${at}.${k}`, out, max);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => differingPaths(x, b[i], `${at}[${i}]`, out, max));
  } else out.push(at);
  return out;
}

const JWT_CLAIMS = ['iss', 'jti', 'sub', 'nbf', 'exp', 'iat'];

/**
 * Imports a signed bundle: refuses it unless it answers a request this workspace is waiting on
 * (same request id and digest, not superseded, not imported before), holds exactly the requested
 * credentials unchanged, and every signature verifies with the issuer's key. Then stores them and
 * exports the batch.
 */
export async function importSignedBundle(ctx: IssueContext, bytes: Uint8Array, options: ImportBundleOptions = {}): Promise<ImportedBundle> {
  const { db } = ctx;
  const bundle = parseFile<SignedBundle>(bytes, BUNDLE_FORMAT, 'signed bundle');
  assertBundleShape(bundle as unknown as Record<string, unknown>);
  checkBundleIntegrity(bundle);
  const reqId = bundle.request?.requestId;
  const request = typeof reqId === 'string' ? getSigningRequest(db, reqId, 'preparer') : undefined;
  if (!request) {
    throw new LaurelError(
      'VALIDATION',
      `This bundle answers signing request ${String(reqId)} (digest ${String(bundle.request?.digest)}), which this workspace did not make: it is a bundle for another request or another workspace. Nothing was imported.`,
    );
  }
  if (bundle.request.digest !== request.digest) {
    throw new LaurelError(
      'VALIDATION',
      `This bundle answers request ${reqId} with digest ${bundle.request.digest}, but the request this workspace made has digest ${request.digest}: it was signed from a different request file. Nothing was imported.`,
    );
  }
  if (request.state === 'superseded') {
    throw new LaurelError(
      'CONFLICT',
      `This bundle answers request ${reqId}, an older request for batch ${request.batchId} (${request.note ?? 'replaced by a newer one'}). Replaying an old bundle is refused: import the bundle of the newest request.`,
    );
  }
  // Stored before, export interrupted (a crash, a full disk): the same bundle finishes the export.
  if (request.state === 'signed' && request.bundleId === bundle.bundleId && request.bundleSha256 === sha256Hex(bytes)) {
    const summary = await exportSignedBatch(ctx, request.batchId!, options);
    return { requestId: reqId, bundleId: bundle.bundleId, batchId: request.batchId!, imported: 0, summary, signerAudit: bundle.audit };
  }
  if (request.state === 'signed' || request.state === 'imported') {
    const same = request.bundleId === bundle.bundleId;
    throw new LaurelError(
      'CONFLICT',
      same
        ? `This bundle (${bundle.bundleId}) was already imported on ${request.updatedAt}; importing it again is refused (a replay). Its credentials are in batch ${request.batchId}.`
        : `Request ${reqId} was already answered by bundle ${request.bundleId}, imported on ${request.updatedAt}; this second bundle (${bundle.bundleId}) is refused.`,
    );
  }
  const req = parseFile<SigningRequest>(request.body, REQUEST_FORMAT, 'signing request');
  const batchId = request.batchId!;
  const batch = getBatch(db, batchId);
  if (!batch) throw new LaurelError('NOT_FOUND', `The batch ${batchId} of request ${reqId} is no longer in this workspace.`);
  const issuer = getIssuer(db, request.issuerId);
  if (!issuer) throw new LaurelError('NOT_FOUND', `The issuer ${request.issuerId} of request ${reqId} is no longer in this workspace.`);
  if (bundle.issuer?.id !== issuer.id || bundle.issuer?.verificationMethod !== issuer.verificationMethod) {
    throw new LaurelError('VALIDATION', `The bundle says it was signed as ${String(bundle.issuer?.id)} with ${String(bundle.issuer?.verificationMethod)}; the request asked for ${issuer.id} with ${issuer.verificationMethod}.`);
  }
  if (bundle.audit?.sha256 !== request.digest || bundle.audit?.subject !== reqId) {
    throw new LaurelError('VALIDATION', `The bundle's audit entry is not the approval of request ${reqId} (digest ${request.digest}); nothing was imported.`);
  }

  // Exactly the requested credentials: nothing added, nothing missing, nothing changed.
  const expected = new Map(req.credentials.map((c) => [c.credentialId, c]));
  const items = Array.isArray(bundle.credentials) ? bundle.credentials : [];
  const seen = new Set<string>();
  const added: string[] = [];
  const duplicate: string[] = [];
  for (const it of items) {
    if (!expected.has(it.credentialId)) added.push(it.credentialId);
    else if (seen.has(it.credentialId)) duplicate.push(it.credentialId);
    seen.add(it.credentialId);
  }
  const missing = req.credentials.filter((c) => !seen.has(c.credentialId));
  if (added.length || missing.length || duplicate.length) {
    const lines = [
      ...added.map((id) => `  - added: ${id}, which the request did not ask for`),
      ...duplicate.map((id) => `  - ${id} appears more than once`),
      ...missing.map((c) => `  - missing: ${c.credentialId} (${recipientLabel(c.recipient)})`),
    ];
    throw new LaurelError('VALIDATION', `The bundle does not hold exactly the credentials of request ${reqId} (${req.count} asked, ${items.length} in the bundle); nothing was imported:\n${lines.slice(0, 50).join('\n')}`, {
      details: { added, missing: missing.map((c) => c.credentialId), duplicate },
    });
  }
  const forms = req.batch.signForms;
  const resolveKey = issuerKeyResolver(issuer);
  const problems: string[] = [];
  const verified: Array<{ item: RequestItem; bodies: Partial<Record<'json' | 'jwt', string>> }> = [];
  for (const it of items) {
    const want = expected.get(it.credentialId)!;
    const who = `${it.credentialId} (${recipientLabel(want.recipient)})`;
    const bodies: Partial<Record<'json' | 'jwt', string>> = {};
    for (const form of forms) {
      const body = it[form];
      if (typeof body !== 'string' || !body) {
        problems.push(`${who}: the ${form === 'json' ? 'JSON' : 'VC-JWT'} form the request asked for is missing`);
        continue;
      }
      let signed: Record<string, unknown>;
      try {
        if (form === 'json') {
          const { proof: _p, ...rest } = JSON.parse(body) as Record<string, unknown>;
          signed = rest;
        } else {
          const payload = JSON.parse(Buffer.from(body.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
          for (const c of JWT_CLAIMS) delete payload[c];
          signed = payload;
        }
      } catch {
        problems.push(`${who}: the ${form === 'json' ? 'JSON credential' : 'VC-JWT'} can't be read`);
        continue;
      }
      const diff = differingPaths(want.credential, signed);
      if (diff.length) {
        problems.push(`${who}: the signed credential differs from the one requested at ${diff.join(', ')}`);
        continue;
      }
      const keys = signedWith(body, form);
      if (keys.some((k) => k !== issuer.verificationMethod)) {
        problems.push(`${who}: signed with ${keys.join(', ')}, not with the issuer's key ${issuer.verificationMethod}`);
        continue;
      }
      const report = await verifyCredential(body, { resolveKey, refresh: false });
      const proof = report.checks.find((c) => c.id === 'proof');
      const failed = report.checks.filter((c) => c.status === 'failed');
      if (proof?.status !== 'passed' || failed.length) {
        const why = failed.length ? failed.map((c) => `${c.label}: ${c.reason}`).join('; ') : `${proof?.label ?? 'signature'}: ${proof?.reason ?? 'not checked'}`;
        problems.push(`${who}: the ${form === 'json' ? 'JSON' : 'VC-JWT'} credential does not verify (${why})`);
        continue;
      }
      bodies[form] = body;
    }
    if (Object.keys(bodies).length === forms.length) verified.push({ item: want, bodies });
  }
  if (problems.length) {
    throw new LaurelError('VALIDATION', `The bundle for request ${reqId} was refused; nothing was imported:\n${problems.slice(0, 50).map((p) => `  - ${p}`).join('\n')}${problems.length > 50 ? `\n  … and ${problems.length - 50} more` : ''}`, {
      details: { problems },
    });
  }

  // Export settings for this import: the folder and formats the user chose now.
  const o = batch.options as unknown as BatchOptions;
  const next: BatchOptions = { ...o, images: { ...o.images } };
  if (options.outDir) {
    next.outDir = path.resolve(options.outDir);
    checkOutDir(next.outDir, batchId);
  }
  if (options.formats && options.formats.length) {
    const formats = [...new Set(options.formats)];
    for (const f of formats) if (!EXPORT_FORMATS.includes(f)) throw new LaurelError('INVALID_INPUT', `Unknown format '${String(f)}': use json, jwt, png, svg.`);
    for (const f of ['json', 'jwt'] as const) {
      if (formats.includes(f) && !forms.includes(f)) throw new LaurelError('INVALID_INPUT', `--format ${f}: the signer made ${forms.map((x) => (x === 'jwt' ? 'VC-JWTs' : 'JSON credentials')).join(' and ')} only (as the request asked).`);
    }
    formats.sort((a, b) => EXPORT_FORMATS.indexOf(a) - EXPORT_FORMATS.indexOf(b));
    next.formats = formats;
    for (const kind of ['png', 'svg'] as const) {
      if (!formats.includes(kind) || next.images[kind]) continue;
      const img = kind === 'png' ? defaultBadgePng() : defaultBadgeSvg();
      const sha = sha256Hex(img);
      const file = imagePath(ctx.workspaceDir, sha, kind);
      if (!existsSync(file)) {
        mkdirSync(path.dirname(file), { recursive: true });
        await atomicWrite(file, img, 0o644);
      }
      next.images[kind] = { sha256: sha, name: `default badge (${kind.toUpperCase()})`, isDefault: true };
    }
  }

  const seqOf = new Map(listBatchItems(db, batchId, ['pending']).map((i) => [i.credentialId, i.seq]));
  const bundleSha = sha256Hex(bytes);
  db.transaction(() => {
    for (const v of verified) {
      const seq = seqOf.get(v.item.credentialId);
      if (seq === undefined) throw new LaurelError('CONFLICT', `Credential ${v.item.credentialId} is not waiting for a signature in batch ${batchId}; nothing was imported.`);
      let primary: number | undefined;
      for (const form of forms) {
        const row = storeIssuedCredential(db, {
          credentialId: v.item.credentialId,
          issuerId: issuer.id,
          recipient: v.item.recipient.email ?? v.item.recipient.did ?? v.item.recipient.learnerId ?? '',
          format: form,
          body: v.bodies[form]!,
          actor: ctx.actor,
          batchId,
          achievementRowid: batch.achievementRowid,
          auditDetails: { signedElsewhere: true, request: reqId, bundle: bundle.bundleId },
        });
        primary ??= row.rowId;
      }
      markBatchItemSigned(db, batchId, seq, primary!);
    }
    setBatchOptions(db, batchId, next as unknown as Record<string, unknown>);
    updateSigningRequest(db, reqId, 'preparer', { state: 'signed', bundleId: bundle.bundleId, bundleSha256: bundleSha });
    setBatchSigning(db, batchId, 'signed');
    appendAudit(db, {
      actor: ctx.actor,
      action: 'bundle.import',
      subject: reqId,
      sha256: bundleSha,
      details: { batch: batchId, bundle: bundle.bundleId, requestDigest: request.digest, count: verified.length, signer: bundle.signedBy as unknown as Record<string, unknown>, signerAudit: bundle.audit as unknown as Record<string, unknown> },
    });
  })();

  // Continue as if signed here: core/issue's run finds every item signed and only exports.
  const summary = await exportSignedBatch(ctx, batchId, options);
  return { requestId: reqId, bundleId: bundle.bundleId, batchId, imported: verified.length, summary, signerAudit: bundle.audit };
}

/**
 * Exports a batch whose bundle was imported (again, after an interrupted export): no key is
 * needed, every item is signed. Completed, the batch and its request are 'imported'.
 */
export async function exportSignedBatch(ctx: IssueContext, batchId: string, options: RunBatchOptions = {}): Promise<BatchSummary> {
  const { db } = ctx;
  const summary = await runBatch({ db, workspaceDir: ctx.workspaceDir, actor: ctx.actor }, batchId, options);
  if (summary.state === 'completed') {
    db.transaction(() => {
      for (const r of listSigningRequests(db, 'preparer', { batchId })) if (r.state === 'signed') updateSigningRequest(db, r.requestId, 'preparer', { state: 'imported' });
      setBatchSigning(db, batchId, 'imported');
    })();
  }
  return summary;
}
