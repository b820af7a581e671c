import { LaurelError } from '../util/errors.ts';
import type { PublishApi } from '../store/index.ts';

/**
 * Credential equality for hosts (spec-digest §12): two credentials are the same when issuer.id and
 * id are equal after percent-decoding and trimming. Among equal ones, the later validFrom is the
 * current one. Used by the client to confirm a read-back and by the test host to upsert.
 */

type Json = Record<string, unknown>;

function normalize(value: string): string {
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    // A stray '%' is not an escape: compare the text as it is.
  }
  return decoded.trim();
}

export function issuerIdOf(credential: Json): string | undefined {
  const issuer = credential.issuer;
  if (typeof issuer === 'string') return issuer;
  if (issuer && typeof issuer === 'object' && typeof (issuer as Json).id === 'string') return (issuer as Json).id as string;
  return undefined;
}

/** The comparison key of a credential (JSON object), or undefined when it lacks issuer.id or id. */
export function equalityKey(credential: Json): string | undefined {
  const issuer = issuerIdOf(credential);
  const id = credential.id;
  if (typeof issuer !== 'string' || typeof id !== 'string') return undefined;
  return `${normalize(issuer)}\n${normalize(id)}`;
}

export function sameCredential(a: Json, b: Json): boolean {
  const ka = equalityKey(a);
  return ka !== undefined && ka === equalityKey(b);
}

/** validFrom (or VC 1.1 issuanceDate) as epoch ms; NaN when absent or unreadable. */
export function validFromOf(credential: Json): number {
  const v = credential.validFrom ?? credential.issuanceDate;
  return typeof v === 'string' ? Date.parse(v) : Number.NaN;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

export function isCompactJws(text: string): boolean {
  return COMPACT_JWS.test(text.trim());
}

/** The credential a VC-JWT carries: the payload itself (VC-DM 2.0) or its `vc` claim (1.1). */
export function jwtCredential(jws: string): Json {
  const parts = jws.trim().split('.');
  if (parts.length !== 3 || !isCompactJws(jws)) throw new LaurelError('INVALID_INPUT', 'Not a compact JWS (three base64url parts).');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    throw new LaurelError('INVALID_INPUT', 'The JWS payload is not JSON.');
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new LaurelError('INVALID_INPUT', 'The JWS payload is not a JSON object.');
  const p = payload as Json;
  if (p['@context'] === undefined && p.vc && typeof p.vc === 'object') return p.vc as Json;
  return p;
}

/** The credential inside a stored body (JSON text or a compact JWS). */
export function credentialOfBody(body: string, format: 'json' | 'jwt'): Json {
  if (format === 'jwt') return jwtCredential(body);
  const parsed = JSON.parse(body) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new LaurelError('INVALID_INPUT', 'The stored credential is not a JSON object.');
  return parsed as Json;
}

/** Which API a credential goes to: CLR 2.0 for a ClrCredential, else Open Badges 3.0. */
export function apiOf(credential: Json): PublishApi {
  const types = Array.isArray(credential.type) ? credential.type : [credential.type];
  return types.includes('ClrCredential') ? 'clr' : 'ob';
}
