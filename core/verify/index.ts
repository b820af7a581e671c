import type { DocumentFetcher } from '../keys/index.ts';
import type { KeyResolver } from '../keys/types.ts';
import type { JsonObject } from '../proof/index.ts';
import { issuerIdOf } from '../proof/credential.ts';
import { checkStatus, type StatusListFetcher, type StatusListLookup } from '../status/index.ts';
import { LaurelError } from '../util/errors.ts';
import { asArray, check, checkContextAndType, checkDates, checkSchema, isObject, parseInstant } from './checks.ts';
import { fetchInput, parseInput, peekJwt, routeOf, URL_INPUT, type Parsed } from './input.ts';
import { createVerifierKeys, type VerifierKeys } from './keys.ts';
import { checkEmbeddedProofs, checkJwtProof, type ProofOutcome } from './proofs.ts';
import { checkRecipient, type RecipientQuery } from './recipient.ts';
import { RemoteSource, type GetFetcher } from './remote.ts';
import { describeVerdict, verdictOf, type Check, type CredentialRoute, type EndorsementItem, type VerdictDescription, type VerificationReport } from './report.ts';
import { summarize } from './summary.ts';

export * from './report.ts';
export { parseInput, routeOf } from './input.ts';
export { summarize } from './summary.ts';
export { checkRecipient, type RecipientQuery } from './recipient.ts';
export { remoteCacheDir, RemoteSource, type GetFetcher, type RemoteDocument } from './remote.ts';
export { parseDerivedProofValue } from './ecdsa-sd.ts';

export interface VerifyOptions {
  /** The instant the dates are checked against (default: now). */
  now?: Date;
  /**
   * Fetch what verification needs from the network (through core/net): the input when it is an
   * address, did:web / https key documents (saved to `cacheDir`), status lists, and the issuer's
   * refresh service. Off by default: offline, saved copies answer, else the check is "could not check".
   */
  online?: boolean;
  /** The fetcher used when online (default: core/net's bounded fetcher). Tests map hosts to loopback servers here. */
  fetcher?: GetFetcher;
  /** Where remote key documents are kept with their fetch date: `remoteCacheDir(<workspace>)`. */
  cacheDir?: string;
  /** Overrides key resolution entirely (tests, custom trust). */
  resolveKey?: KeyResolver;
  /** Fetches did:web / https key documents (the pre-`online` seam; bypasses the cache). */
  fetchDocument?: DocumentFetcher;
  /** Fetches a status list by URL. Default when online: core/net. Without either (and no local copy) status is "could not check". */
  fetchStatusList?: StatusListFetcher;
  /** Status lists the user has as files, by list URL (their `id`); used before fetching. */
  statusListFiles?: StatusListLookup;
  /** Also check that the credential was issued to this person (adds a 'recipient' check). */
  recipient?: RecipientQuery;
  /** Ask a `1EdTechCredentialRefresh` service (online only, after the proof passed). Default true. */
  refresh?: boolean;
  /**
   * Reuse JSON-LD expansion across credentials of one structure (same canonical output; see
   * core/proof/expansion-cache.ts). Default true; false canonicalizes every document from scratch.
   */
  reuseExpansion?: boolean;
}

/** Nested credentials (CLR contents, endorsements of endorsements) deeper than this are not opened. */
const MAX_DEPTH = 4;
const ACCEPT_STATUS = ['application/vc+ld+json', 'application/ld+json', 'application/json', 'application/vc+jwt', 'application/jwt', 'text/plain'];

interface Ctx {
  now: Date;
  options: VerifyOptions;
  remote: RemoteSource;
  fetchList?: StatusListFetcher;
  depth: number;
  recipient?: RecipientQuery;
}

function makeCtx(options: VerifyOptions): Ctx {
  const remote = new RemoteSource({ online: options.online === true, ...(options.fetcher ? { fetcher: options.fetcher } : {}), ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) });
  const net = remote.net;
  const fetchList: StatusListFetcher | undefined =
    options.fetchStatusList ??
    (net
      ? async (url) => {
          const res = await net.get(url, { accept: ACCEPT_STATUS });
          if (res.status !== 200) throw new LaurelError('NOT_FOUND', `${res.finalUrl} answered HTTP ${res.status}`);
          return new TextDecoder('utf-8').decode(res.body);
        }
      : undefined);
  return { now: options.now ?? new Date(), options, remote, ...(fetchList ? { fetchList } : {}), depth: 0, ...(options.recipient ? { recipient: options.recipient } : {}) };
}

function unusable(reason: string, kind: CredentialRoute, ctx: Ctx, extra: Partial<VerificationReport> = {}): VerificationReport {
  const checks = [check('parse', 'failed', reason)];
  // An OB 2.0 badge is not judged here, so it is neither valid nor invalid.
  return { verdict: kind === 'ob2' ? 'indeterminate' : 'invalid', format: 'unknown', kind, checks, summary: {}, verifiedAt: ctx.now.toISOString(), ...extra };
}

/**
 * Verifies one credential (JSON, VC-JWT, a baked PNG/SVG, or — online — an address) and reports
 * every check. Routes by content first: OB 3.0, CLR 2.0 (and each credential inside), an
 * endorsement, a status list credential; an OB 2.0 badge or anything else is reported as such.
 */
export async function verifyCredential(input: Uint8Array | string, options: VerifyOptions = {}): Promise<VerificationReport> {
  const ctx = makeCtx(options);
  if (typeof input === 'string' && URL_INPUT.test(input.trim())) {
    const url = input.trim();
    if (!ctx.remote.net) {
      return unusable(`this is a web address (${url.slice(0, 200)}); verify online to fetch the credential it points to`, 'not-a-credential', ctx, { url });
    }
    const fetched = await fetchInput(url, ctx.remote.net);
    if (!fetched.ok) return unusable(fetched.reason, 'not-a-credential', ctx, { url });
    const report = await verifyParsed(parseInput(fetched.bytes), ctx, true);
    return { ...report, url };
  }
  return verifyParsed(parseInput(input), ctx, true);
}

async function verifyParsed(parsed: Parsed, ctx: Ctx, allowRefresh: boolean): Promise<VerificationReport> {
  const container = parsed.container ? { container: parsed.container } : {};
  if (!parsed.ok) return unusable(parsed.reason, parsed.kind, ctx, container);
  const peeked = parsed.format === 'jwt' ? peekJwt(parsed.jws).credential : parsed.credential;
  if (!peeked) return { ...unusable('the VC-JWT payload is not a JSON object, so it holds no credential', 'not-a-credential', ctx, container), format: 'jwt' };
  const route = routeOf(peeked);
  if (route.kind === 'ob2' || route.kind === 'not-a-credential') {
    return { ...unusable(route.reason, route.kind, ctx, container), format: parsed.format };
  }
  return verifyDocument(parsed, route.kind, route.reason, ctx, allowRefresh, peeked);
}

async function verifyDocument(
  parsed: Extract<Parsed, { ok: true }>,
  kind: CredentialRoute,
  what: string,
  ctx: Ctx,
  allowRefresh: boolean,
  peeked: JsonObject,
): Promise<VerificationReport> {
  const { now, options } = ctx;
  const where = parsed.container ? `, baked in ${parsed.container === 'png' ? 'a PNG' : 'an SVG'} image` : '';
  const checks: Check[] = [check('parse', 'passed', `${what}, ${parsed.format === 'jwt' ? 'signed as a VC-JWT' : 'as JSON'}${where}`)];
  const keys: VerifierKeys = options.resolveKey ? { resolveKey: options.resolveKey, notes: new Map() } : createVerifierKeys(ctx.remote, issuerIdOf(peeked), options.fetchDocument);

  let credential: JsonObject;
  let outcome: ProofOutcome;
  if (parsed.format === 'jwt') {
    const jwt = await checkJwtProof(parsed.jws, keys, ctx.remote, options.reuseExpansion !== false);
    credential = jwt.jwt.credential ?? peeked;
    outcome = jwt;
    checks.push(checkContextAndType(credential, kind), checkSchema(credential, kind), jwt.proof, jwt.binding, jwt.claims!);
  } else {
    credential = parsed.credential;
    checks.push(checkContextAndType(credential, kind), checkSchema(credential, kind));
    outcome = await checkEmbeddedProofs(credential, keys, options.reuseExpansion !== false);
    checks.push(outcome.proof, outcome.binding);
  }
  checks.push(...checkDates(credential, now));
  checks.push(await statusCheck(credential, keys, ctx));

  const report: VerificationReport = {
    verdict: 'valid',
    format: parsed.format,
    kind,
    ...(parsed.container ? { container: parsed.container } : {}),
    checks,
    summary: summarize(credential, kind),
    credential,
    verifiedAt: now.toISOString(),
  };

  if (ctx.recipient && (kind === 'ob3' || kind === 'clr2')) checks.push(checkRecipient(credential, ctx.recipient));
  if (kind !== 'status-list') {
    const endorsements = await verifyEndorsements(credential, ctx);
    if (endorsements.length) {
      report.endorsements = endorsements;
      checks.push(aggregate('endorsements', endorsements.map((e) => ({ name: `the endorsement by ${e.endorser ?? 'an unnamed endorser'} (${e.path})`, outcome: e.outcome, report: e.report, note: e.note })), 'endorsement'));
    }
  }
  if (kind === 'clr2') {
    const inner = await verifyInner(credential, ctx);
    report.inner = inner.reports;
    checks.push(inner.check);
  }
  report.verdict = verdictOf(checks);
  if (allowRefresh) return refresh(report, credential, outcome.trusted, ctx);
  return report;
}

async function statusCheck(credential: JsonObject, keys: VerifierKeys, ctx: Ctx): Promise<Check> {
  const status = await checkStatus(credential, {
    now: ctx.now,
    resolveKey: keys.resolveKey,
    ...(ctx.fetchList ? { fetchList: ctx.fetchList } : {}),
    ...(ctx.options.statusListFiles ? { localFiles: ctx.options.statusListFiles } : {}),
  });
  // details: one result per credentialStatus entry; `set` says revoked/suspended as opposed to an unusable list.
  const hit = status.entries.filter((e) => e.status === 'failed' && e.set === true);
  const code = hit.some((e) => e.purpose !== 'suspension') ? 'revoked' : hit.length ? 'suspended' : undefined;
  return check('status', status.status, status.reason, { ...(status.entries.length ? { details: status.entries } : {}), ...(code && status.status === 'failed' ? { code } : {}) });
}

// ------------------------------------------------------------------ refresh

function sameCredential(a: JsonObject, b: JsonObject): boolean {
  // spec-digest §12: issuer id and credential id, percent-decoded and trimmed.
  const norm = (v: unknown) => {
    if (typeof v !== 'string') return undefined;
    try {
      return decodeURIComponent(v).trim();
    } catch {
      return v.trim();
    }
  };
  return norm(a.id) !== undefined && norm(a.id) === norm(b.id) && norm(issuerIdOf(a)) === norm(issuerIdOf(b));
}

/**
 * `1EdTechCredentialRefresh`: asked once, online, only after the original's signature checked out.
 * The new version replaces the original only if it is the same credential (§12), at least as
 * recent, genuine (signature and issuer key pass) and not broken; otherwise the original stands.
 */
async function refresh(report: VerificationReport, credential: JsonObject, trusted: boolean, ctx: Ctx): Promise<VerificationReport> {
  const service = asArray(credential.refreshService).find((s) => isObject(s) && s.type === '1EdTechCredentialRefresh');
  if (!isObject(service) || ctx.options.refresh === false) return report;
  const url = typeof service.id === 'string' ? service.id : undefined;
  const keep = (reason: string, warning = false, details?: unknown): VerificationReport => {
    report.checks.push(check('refresh', 'not-applicable', reason, { ...(warning ? { warning: true } : {}), ...(details ? { details } : {}) }));
    return report;
  };
  if (!url) return keep('the credential names a refresh service without an address', true);
  if (!trusted) return keep(`the issuer offers a newer version at ${url}, but a refresh service is asked only once the signature has checked out`);
  const net = ctx.remote.net;
  if (!net) return keep(`the issuer offers a newer version at ${url}; it was not asked because this check ran offline`);
  const fetched = await fetchInput(url, net);
  if (!fetched.ok) return keep(`kept this version: asking the issuer's refresh service ${url} failed: ${fetched.reason}`, true);
  const fresh = await verifyParsed(parseInput(fetched.bytes), { ...ctx, depth: ctx.depth }, false);
  const freshCredential = fresh.credential;
  const failedReason = fresh.checks.find((c) => c.status === 'failed' && !c.code)?.reason ?? fresh.checks.find((c) => c.status !== 'passed' && (c.id === 'proof' || c.id === 'key-binding'))?.reason;
  if (!freshCredential || fresh.checks[0]?.status === 'failed') return keep(`kept this version: the refresh service ${url} did not return a credential (${fresh.checks[0]?.reason})`, true, fresh);
  if (!sameCredential(freshCredential, credential)) {
    return keep(`kept this version: the refresh service ${url} returned a different credential (${String(freshCredential.id)} from ${String(issuerIdOf(freshCredential))})`, true, fresh);
  }
  const proofOk = fresh.checks.every((c) => (c.id === 'proof' || c.id === 'key-binding' ? c.status === 'passed' : true));
  if (!proofOk || describeVerdict(fresh) === 'invalid') return keep(`kept this version: the version from the refresh service ${url} did not verify (${failedReason ?? 'see its report'})`, true, fresh);
  const oldFrom = parseInstant(credential.validFrom ?? credential.issuanceDate);
  const newFrom = parseInstant(freshCredential.validFrom ?? freshCredential.issuanceDate);
  if (oldFrom !== undefined && newFrom !== undefined && newFrom < oldFrom) return keep(`kept this version: the refresh service ${url} returned an older version`, true, fresh);
  fresh.checks.push(check('refresh', 'passed', `this report is about the current version from the issuer's refresh service ${url}, which verified; it replaces the version given${newFrom !== oldFrom ? ` (valid from ${String(credential.validFrom ?? credential.issuanceDate)})` : ''}`));
  fresh.verdict = verdictOf(fresh.checks);
  fresh.refreshedFrom = { url, original: report };
  return fresh;
}

// ------------------------------------------------------------------ endorsements and CLR contents

interface Part {
  name: string;
  outcome: VerdictDescription;
  report: VerificationReport;
  note?: string;
}

/** One check summing up the verified parts: forged or revoked parts fail it, expired ones warn. */
function aggregate(id: 'endorsements' | 'inner-credentials', parts: Part[], noun: string): Check {
  const n = parts.length;
  const plural = (k: number) => `${k} ${noun}${k === 1 ? '' : 's'}`;
  const by = (o: VerdictDescription | VerdictDescription[]) => parts.filter((p) => (Array.isArray(o) ? o.includes(p.outcome) : p.outcome === o));
  const list = (ps: Part[]) =>
    ps
      .map((p) => `${p.name}: ${p.report.checks.find((c) => c.status === 'failed' && !c.code)?.reason ?? p.report.checks.find((c) => c.status === 'failed')?.reason ?? p.report.checks.find((c) => c.status === 'unknown')?.reason ?? p.outcome}`)
      .join('; ');
  const details = parts.map((p) => ({ name: p.name, outcome: p.outcome }));
  const bad = by(['invalid', 'revoked', 'suspended']);
  if (bad.length) return check(id, 'failed', `${bad.length} of ${plural(n)} did not verify: ${list(bad)}`, { details });
  const unknown = by('could-not-check');
  if (unknown.length) return check(id, 'unknown', `${unknown.length} of ${plural(n)} could not be fully checked: ${list(unknown)}`, { details });
  const dated = by(['expired', 'not-yet-valid']);
  const notes = parts.filter((p) => p.note).map((p) => `${p.name}: ${p.note}`);
  if (dated.length || notes.length) {
    const d = dated.map((p) => `${p.name} ${p.outcome === 'expired' ? 'has expired' : 'is not valid yet'}`);
    return check(id, 'passed', `${plural(n)} verified (signature and issuer), with notes: ${[...d, ...notes].join('; ')}`, { warning: true, details });
  }
  return check(id, 'passed', `${n === 1 ? `the ${noun}` : `all ${plural(n)}`} verified`, { details });
}

interface Found {
  path: string;
  format: 'json' | 'jwt';
  value: JsonObject | string;
  /** The object the endorsement is attached to (it should endorse that object's id). */
  parentId?: string;
}

/** `endorsement` and `endorsementJwt` anywhere in the credential (not inside other embedded credentials). */
function findEndorsements(node: unknown, path: string, out: Found[], depth = 0): void {
  if (depth > 32) return;
  if (Array.isArray(node)) {
    node.forEach((n, i) => findEndorsements(n, `${path}[${i}]`, out, depth + 1));
    return;
  }
  if (!isObject(node)) return;
  const parentId = typeof node.id === 'string' ? node.id : undefined;
  for (const [key, value] of Object.entries(node)) {
    const here = `${path}.${key}`;
    if (key === 'endorsement') {
      asArray(value).forEach((e, i) => {
        if (isObject(e)) out.push({ path: Array.isArray(value) ? `${here}[${i}]` : here, format: 'json', value: e, ...(parentId ? { parentId } : {}) });
      });
    } else if (key === 'endorsementJwt') {
      asArray(value).forEach((e, i) => {
        if (typeof e === 'string') out.push({ path: Array.isArray(value) ? `${here}[${i}]` : here, format: 'jwt', value: e, ...(parentId ? { parentId } : {}) });
      });
    } else if (key !== 'verifiableCredential' && key !== 'proof' && key !== '@context' && typeof value === 'object') {
      findEndorsements(value, here, out, depth + 1);
    }
  }
}

async function verifyEndorsements(credential: JsonObject, ctx: Ctx): Promise<Array<EndorsementItem & { note?: string }>> {
  const found: Found[] = [];
  findEndorsements(credential, '$', found);
  if (!found.length) return [];
  const sub: Ctx = { ...ctx, depth: ctx.depth + 1 };
  delete sub.recipient; // an endorsement is about the badge or its issuer, not issued to the learner
  const items: Array<EndorsementItem & { note?: string }> = [];
  for (const f of found) {
    let report: VerificationReport;
    if (sub.depth > MAX_DEPTH) {
      report = unusable('endorsements nested this deep are not opened', 'not-a-credential', sub);
    } else {
      const parsed: Parsed = f.format === 'json' ? { ok: true, format: 'json', credential: f.value as JsonObject } : { ok: true, format: 'jwt', jws: (f.value as string).trim() };
      report = await verifyParsed(parsed, sub, true);
      if (report.kind !== 'endorsement' && report.checks[0]?.status === 'passed') {
        report.checks.push(check('context-type', 'failed', `this is not an EndorsementCredential (it is ${report.kind}), so it endorses nothing`));
        report.verdict = verdictOf(report.checks);
      }
    }
    const c = report.credential;
    const subject = c ? asArray(c.credentialSubject).find(isObject) : undefined;
    const endorsed = typeof subject?.id === 'string' ? subject.id : undefined;
    const note = f.parentId && endorsed && endorsed !== f.parentId ? `it endorses ${endorsed}, not ${f.parentId} it is attached to` : undefined;
    items.push({
      path: f.path,
      format: f.format,
      ...(report.summary.issuerName || report.summary.issuerId ? { endorser: report.summary.issuerName ?? report.summary.issuerId } : {}),
      ...(typeof subject?.endorsementComment === 'string' ? { comment: subject.endorsementComment } : {}),
      outcome: describeVerdict(report),
      report,
      ...(note ? { note } : {}),
    });
  }
  return items;
}

async function verifyInner(credential: JsonObject, ctx: Ctx): Promise<{ reports: VerificationReport[]; check: Check }> {
  const subject = asArray(credential.credentialSubject).find(isObject);
  const list = subject ? asArray(subject.verifiableCredential) : [];
  const sub: Ctx = { ...ctx, depth: ctx.depth + 1 };
  const reports: VerificationReport[] = [];
  const parts: Part[] = [];
  const skipped: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const vc = list[i];
    const at = `$.credentialSubject.verifiableCredential[${i}]`;
    if (!isObject(vc)) {
      skipped.push(`${at} is not a JSON credential (a CLR embeds credentials as objects; it has no slot for a VC-JWT)`);
      continue;
    }
    const route = routeOf(vc);
    if (route.kind !== 'ob3') {
      skipped.push(`${at} was not checked: ${route.kind === 'not-a-credential' ? route.reason : `only Open Badges credentials inside a CLR are checked (this is ${route.kind})`}`);
      continue;
    }
    const r = sub.depth > MAX_DEPTH ? unusable('credentials nested this deep are not opened', 'not-a-credential', sub) : await verifyParsed({ ok: true, format: 'json', credential: vc }, sub, true);
    reports.push(r);
    const name = r.summary.achievementName ?? r.summary.name ?? r.summary.id ?? at;
    parts.push({ name: `"${name}" from ${r.summary.issuerName ?? r.summary.issuerId ?? 'an unnamed issuer'}`, outcome: describeVerdict(r), report: r });
  }
  if (!parts.length) {
    const reason = list.length ? `none of the ${list.length} bundled credentials is an Open Badges credential that can be checked${skipped.length ? `: ${skipped.join('; ')}` : ''}` : 'the record bundles no credentials (credentialSubject.verifiableCredential is empty)';
    return { reports, check: check('inner-credentials', list.length ? 'unknown' : 'failed', reason) };
  }
  const c = aggregate('inner-credentials', parts, 'bundled credential');
  if (skipped.length) {
    c.reason += `; ${skipped.join('; ')}`;
    if (c.status === 'passed') c.warning = true;
  }
  return { reports, check: c };
}
