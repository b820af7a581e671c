// The two files of air-gapped signing, their canonical bytes and digests (docs/formats/).
//
// Canonical bytes: the JSON Canonicalization Scheme (RFC 8785) of the document without its
// top-level `digest` member, encoded as UTF-8. For the values these files hold (objects, arrays,
// strings, booleans, null, finite numbers) JCS is: object members sorted by the UTF-16 code units
// of their names, no whitespace, strings and numbers as ECMAScript's JSON.stringify writes them.
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../store/index.ts';
import { LaurelError } from '../util/errors.ts';

export const REQUEST_FORMAT = 'laurel-signing-request';
export const BUNDLE_FORMAT = 'laurel-signed-bundle';
export const ISSUER_FORMAT = 'laurel-issuer';
export const FORMAT_VERSION = 1;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Deeper than any credential: a guard against hostile files, not a limit anyone meets. */
const MAX_DEPTH = 100;

/** RFC 8785 canonical JSON text of a value. */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) throw new LaurelError('INVALID_INPUT', `The document is nested more than ${MAX_DEPTH} levels deep; no credential is.`);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new LaurelError('INVALID_INPUT', 'A number that is not finite cannot be canonicalized.');
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 asks.
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k], depth + 1)}`).join(',')}}`;
    }
    default:
      throw new LaurelError('INVALID_INPUT', `A ${typeof value} value cannot be written as JSON.`);
  }
}

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** SHA-256 (hex) of a value's canonical UTF-8 bytes. */
export function digestOf(value: unknown): string {
  return sha256Hex(Buffer.from(canonicalJson(value), 'utf8'));
}

/** The document without its `digest` member: what the digest covers. */
export function digestBody<T extends { digest?: unknown }>(doc: T): Omit<T, 'digest'> {
  const { digest: _d, ...body } = doc;
  return body;
}

/** A digest for people to compare out loud or on paper: the first 20 hex digits in groups of four. */
export function fingerprint(digest: string): string {
  return (digest.slice(0, 20).match(/.{4}/g) ?? []).join(' ');
}

// ---------------------------------------------------------------- the signing request

export interface RequestIssuer {
  id: string;
  name: string;
  /** The key the officer signs with, as the issuer's credentials name it. */
  verificationMethod: string;
  keyAlgorithm: string;
  publicKeyMultibase: string;
}

export interface RequestRecipient {
  name?: string;
  email?: string;
  did?: string;
  learnerId?: string;
}

export interface RequestItem {
  /** Position in the batch (roster order). */
  seq: number;
  credentialId: string;
  /** Who it is for, in clear, for the officer's review (the credential may carry only a salted hash). */
  recipient: RequestRecipient;
  /** The unsigned credential, exactly as it is to be signed. */
  credential: Record<string, Json>;
}

export interface RequestDigest {
  algorithm: 'sha-256';
  canonicalization: 'RFC8785';
  /** SHA-256 of the canonical bytes of the request without `digest`. */
  value: string;
  /**
   * Digests of the parts, so that a refusal can say which part changed (not covered by `value`;
   * a changed part always changes `value` too).
   */
  parts: {
    members: Record<string, string>;
    credentials: Array<{ credentialId: string; recipient: string; credential: string }>;
  };
}

export interface SigningRequest {
  format: typeof REQUEST_FORMAT;
  version: typeof FORMAT_VERSION;
  requestId: string;
  kind: 'ob-batch';
  createdAt: string;
  preparedBy: { actor: string; workspace: string };
  issuer: RequestIssuer;
  achievement: { id: string; version: number; name: string; sha256: string; achievement: Record<string, Json> };
  batch: {
    id: string;
    total: number;
    roster: { file: string | null; sha256: string | null };
    /** Forms the signer makes of each credential: a Data Integrity proof (json) and/or a VC-JWT (jwt). */
    signForms: Array<'json' | 'jwt'>;
    allowEdDSA: boolean;
    validFrom: string;
    validUntil?: string;
  };
  /** Context URL → SHA-256 of the bytes the preparer's pinned bundle holds. */
  contexts: Record<string, string>;
  count: number;
  credentials: RequestItem[];
  digest: RequestDigest;
}

/** Adds the digest (value and parts) to a request body. */
export function sealRequest(body: Omit<SigningRequest, 'digest'>): SigningRequest {
  return { ...body, digest: requestDigest(body) };
}

export function requestDigest(body: Omit<SigningRequest, 'digest'>): RequestDigest {
  const members: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (k !== 'credentials') members[k] = digestOf(v);
  return {
    algorithm: 'sha-256',
    canonicalization: 'RFC8785',
    value: digestOf(body),
    parts: {
      members,
      credentials: body.credentials.map((c) => ({ credentialId: c.credentialId, recipient: digestOf(c.recipient), credential: digestOf(c.credential) })),
    },
  };
}

export function recipientLabel(r: RequestRecipient | undefined): string {
  if (!r) return '(unknown)';
  const id = r.email ?? r.did ?? r.learnerId;
  return r.name && id ? `${r.name} <${id}>` : (r.name ?? id ?? '(unnamed)');
}

/**
 * Checks a request's digest; on a mismatch, says which parts differ from what was prepared
 * (by the part digests the file carries).
 */
export function checkRequestIntegrity(req: SigningRequest): void {
  const body = digestBody(req);
  const actual = digestOf(body);
  const d = req.digest;
  if (d?.algorithm !== 'sha-256' || d.canonicalization !== 'RFC8785' || typeof d.value !== 'string') {
    throw new LaurelError('VALIDATION', 'The signing request has no usable digest (sha-256 over RFC 8785 canonical JSON); it can\'t be checked, so it is refused.');
  }
  if (actual === d.value) return;
  const problems: string[] = [];
  const parts = d.parts;
  if (parts && typeof parts === 'object' && parts.members && Array.isArray(parts.credentials)) {
    for (const [k, v] of Object.entries(body)) {
      if (k === 'credentials') continue;
      if (!(k in parts.members)) problems.push(`"${k}" was added`);
      else if (digestOf(v) !== parts.members[k]) problems.push(`"${k}" differs from what was prepared`);
    }
    for (const k of Object.keys(parts.members)) if (!(k in body)) problems.push(`"${k}" was removed`);
    const items = Array.isArray(body.credentials) ? body.credentials : [];
    const prepared = new Map(parts.credentials.map((c) => [c.credentialId, c]));
    const present = new Set<string>();
    for (const item of items) {
      const id = String(item?.credentialId);
      present.add(id);
      const p = prepared.get(id);
      if (!p) {
        problems.push(`credential ${id} (${recipientLabel(item?.recipient)}) was added`);
        continue;
      }
      if (digestOf(item.recipient) !== p.recipient) problems.push(`credential ${id}: its recipient (now ${recipientLabel(item.recipient)}) differs from what was prepared`);
      if (digestOf(item.credential) !== p.credential) problems.push(`credential ${id} (${recipientLabel(item.recipient)}): the unsigned credential differs from what was prepared`);
    }
    for (const p of parts.credentials) if (!present.has(p.credentialId)) problems.push(`credential ${p.credentialId} was removed`);
    if (!problems.length && items.map((i) => i.credentialId).join('\n') !== parts.credentials.map((c) => c.credentialId).join('\n')) problems.push('the credentials are in another order');
  }
  if (!problems.length) problems.push(parts?.members && Array.isArray(parts.credentials) ? 'the digest recorded in the file was changed' : 'the file carries no part digests, so which part changed can\'t be said');
  throw new LaurelError(
    'VALIDATION',
    `The signing request was changed after it was prepared (its SHA-256 is ${actual}, the file says ${d.value}), so nothing in it will be signed:\n${problems
      .slice(0, 50)
      .map((p) => `  - ${p}`)
      .join('\n')}${problems.length > 50 ? `\n  … and ${problems.length - 50} more` : ''}`,
    { details: { expected: d.value, actual, problems } },
  );
}

// ---------------------------------------------------------------- the signed bundle

/** The signer's audit entry as its audit log holds it (core/store/audit.ts). */
export type AuditRecord = Omit<AuditEntry, 'details'> & { details: Record<string, Json> | null };

export interface BundleItem {
  seq: number;
  credentialId: string;
  /** The signed JSON credential (Data Integrity proof), as stored by the signer. */
  json?: string;
  /** The VC-JWT. */
  jwt?: string;
}

export interface SignedBundle {
  format: typeof BUNDLE_FORMAT;
  version: typeof FORMAT_VERSION;
  bundleId: string;
  /** The request this answers: its id and digest (the binding), and how many credentials it asked for. */
  request: { requestId: string; digest: string; count: number; preparer: string };
  issuer: { id: string; verificationMethod: string };
  signedAt: string;
  signedBy: { actor: string; workspace: string };
  credentials: BundleItem[];
  /** The signer's audit entry for the approval, as written in its audit log. */
  audit: AuditRecord;
  digest: { algorithm: 'sha-256'; canonicalization: 'RFC8785'; value: string };
}

export function sealBundle(body: Omit<SignedBundle, 'digest'>): SignedBundle {
  return { ...body, digest: { algorithm: 'sha-256', canonicalization: 'RFC8785', value: digestOf(body) } };
}

export function checkBundleIntegrity(b: SignedBundle): void {
  const d = b.digest;
  if (d?.algorithm !== 'sha-256' || d.canonicalization !== 'RFC8785' || typeof d.value !== 'string') {
    throw new LaurelError('VALIDATION', 'The signed bundle has no usable digest (sha-256 over RFC 8785 canonical JSON); it is refused.');
  }
  const actual = digestOf(digestBody(b));
  if (actual !== d.value) {
    throw new LaurelError('VALIDATION', `The signed bundle was changed after it was signed (its SHA-256 is ${actual}, the file says ${d.value}); nothing was imported.`, {
      details: { expected: d.value, actual },
    });
  }
}

// ---------------------------------------------------------------- reading the files

/** Parses a file of the given format; says plainly what it is when it is something else. */
export function parseFile<T>(bytes: Uint8Array | string, format: string, what: string): T {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new LaurelError('INVALID_INPUT', `This is not a ${what}: it is not JSON (${(e as Error).message}).`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new LaurelError('INVALID_INPUT', `This is not a ${what}: it is not a JSON object.`);
  const f = (doc as { format?: unknown }).format;
  if (f !== format) {
    const known: Record<string, string> = { [REQUEST_FORMAT]: 'a signing request', [BUNDLE_FORMAT]: 'a signed bundle', [ISSUER_FORMAT]: 'an issuer export' };
    const is = typeof f === 'string' && known[f] ? `; it is ${known[f]}` : '';
    throw new LaurelError('INVALID_INPUT', `This is not a ${what} (its "format" is ${JSON.stringify(f ?? null)}, expected "${format}")${is}.`);
  }
  const v = (doc as { version?: unknown }).version;
  if (v !== FORMAT_VERSION) {
    throw new LaurelError('UNSUPPORTED', `This ${what} is version ${JSON.stringify(v)}; this Laurel Studio reads version ${FORMAT_VERSION}. Use the same Laurel Studio version on both machines.`);
  }
  return doc as T;
}

/** The file as written: canonical order is not needed for reading, but pretty JSON is for auditing by eye. */
export function serialize(doc: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(doc, null, 2) + '\n', 'utf8');
}

// ---------------------------------------------------------------- shapes, before anything reads them

type Shape = 'string' | 'number' | 'object' | 'array' | 'boolean';
function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
function expectShape(doc: Record<string, unknown>, what: string, fields: Record<string, Shape | `${Shape}?`>, at: string): void {
  for (const [name, want] of Object.entries(fields)) {
    const optional = want.endsWith('?');
    const type = want.replace('?', '');
    const v = doc[name];
    if (v === undefined && optional) continue;
    if (kindOf(v) !== type) throw new LaurelError('INVALID_INPUT', `This ${what} is malformed: ${at}${name} should be ${type === 'array' ? 'an array' : type === 'object' ? 'an object' : `a ${type}`}, not ${v === undefined ? 'missing' : kindOf(v)}.`);
  }
}

/** A request's structure (types of every member read), so that checks read what they expect. */
export function assertRequestShape(r: Record<string, unknown>): void {
  const what = 'signing request';
  expectShape(r, what, { requestId: 'string', kind: 'string', createdAt: 'string', preparedBy: 'object', issuer: 'object', achievement: 'object', batch: 'object', contexts: 'object', count: 'number', credentials: 'array', digest: 'object' }, '');
  expectShape(r.preparedBy as Record<string, unknown>, what, { actor: 'string', workspace: 'string' }, 'preparedBy.');
  expectShape(r.issuer as Record<string, unknown>, what, { id: 'string', name: 'string', verificationMethod: 'string', keyAlgorithm: 'string', publicKeyMultibase: 'string' }, 'issuer.');
  expectShape(r.achievement as Record<string, unknown>, what, { id: 'string', version: 'number', name: 'string', sha256: 'string', achievement: 'object' }, 'achievement.');
  expectShape(r.batch as Record<string, unknown>, what, { id: 'string', total: 'number', roster: 'object', signForms: 'array', allowEdDSA: 'boolean', validFrom: 'string', validUntil: 'string?' }, 'batch.');
  for (const [url, sha] of Object.entries(r.contexts as Record<string, unknown>)) {
    if (typeof sha !== 'string') throw new LaurelError('INVALID_INPUT', `This ${what} is malformed: contexts["${url}"] should be a SHA-256 (hex text).`);
  }
  (r.credentials as unknown[]).forEach((c, i) => {
    if (kindOf(c) !== 'object') throw new LaurelError('INVALID_INPUT', `This ${what} is malformed: credentials[${i}] should be an object, not ${kindOf(c)}.`);
    expectShape(c as Record<string, unknown>, what, { seq: 'number', credentialId: 'string', recipient: 'object', credential: 'object' }, `credentials[${i}].`);
  });
}

/** A bundle's structure. */
export function assertBundleShape(b: Record<string, unknown>): void {
  const what = 'signed bundle';
  expectShape(b, what, { bundleId: 'string', request: 'object', issuer: 'object', signedAt: 'string', signedBy: 'object', credentials: 'array', audit: 'object', digest: 'object' }, '');
  expectShape(b.request as Record<string, unknown>, what, { requestId: 'string', digest: 'string', count: 'number' }, 'request.');
  expectShape(b.issuer as Record<string, unknown>, what, { id: 'string', verificationMethod: 'string' }, 'issuer.');
  (b.credentials as unknown[]).forEach((c, i) => {
    if (kindOf(c) !== 'object') throw new LaurelError('INVALID_INPUT', `This ${what} is malformed: credentials[${i}] should be an object, not ${kindOf(c)}.`);
    expectShape(c as Record<string, unknown>, what, { seq: 'number', credentialId: 'string', json: 'string?', jwt: 'string?' }, `credentials[${i}].`);
  });
}

