import { unbake } from '../bake/index.ts';
import type { GetFetcher } from './remote.ts';
import type { JsonObject } from '../proof/index.ts';
import { base64urlDecode } from '../util/encoding.ts';
import { isLaurelError } from '../util/errors.ts';
import type { CredentialRoute } from './report.ts';

/**
 * Input handling, before any JSON-LD processing: what the bytes are (JSON, compact JWS, a baked
 * PNG/SVG, an address to fetch), and what the credential inside is (routing by `type` and
 * `@context` only).
 */

const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;
export const URL_INPUT = /^https?:\/\/[^\s]+$/i;

export type Parsed =
  | { ok: true; format: 'json'; credential: JsonObject; container?: 'png' | 'svg' }
  | { ok: true; format: 'jwt'; jws: string; container?: 'png' | 'svg' }
  | { ok: false; reason: string; kind: 'ob2' | 'not-a-credential'; container?: 'png' | 'svg' };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

const OB2_CONTEXTS = ['https://w3id.org/openbadges/v2', 'https://openbadgespec.org/v2/context.json', 'https://w3id.org/openbadges/v1'];
export const UPGRADE_NOTE = 'Laurel Studio verifies Open Badges 3.0 and CLR 2.0 credentials; a 2.0 badge can be upgraded: re-issued as an Open Badges 3.0 credential by one of your issuers, pointing at the original (laurel upgrade <file> --issuer <id> --out <file>, or "Upgrade to OB 3.0" on the Verify screen)';

/** Works out what the input is, before any JSON-LD processing. */
export function parseInput(input: Uint8Array | string): Parsed {
  // SVG pasted as text: unbake works on bytes.
  if (typeof input === 'string' && /^\uFEFF?\s*<(\?xml|svg[\s>]|!--|!doctype)/i.test(input)) input = new TextEncoder().encode(input);
  let text: string;
  let container: 'png' | 'svg' | undefined;
  if (typeof input === 'string') {
    text = input;
  } else {
    const isPng = input.length >= 8 && input[0] === 0x89 && input[1] === 0x50 && input[2] === 0x4e && input[3] === 0x47;
    const head = new TextDecoder('utf-8').decode(input.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart();
    // '<' alone is not enough: N-Quads lines start with '<' too.
    if (isPng || /^<(\?xml|svg[\s>]|!--|!doctype)/i.test(head)) {
      try {
        const baked = unbake(input);
        container = baked.container;
        if (baked.kind === 'ob2') {
          return { ok: false, kind: 'ob2', container, reason: `this is an Open Badges 2.0 badge (baked ${baked.container.toUpperCase()}), not an Open Badges 3.0 credential. ${UPGRADE_NOTE}.` };
        }
        text = baked.text;
      } catch (e) {
        return { ok: false, kind: 'not-a-credential', reason: isLaurelError(e) ? e.message : `the image could not be read: ${(e as Error).message}` };
      }
    } else {
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(input);
      } catch {
        return { ok: false, kind: 'not-a-credential', reason: 'the file is not UTF-8 text, a PNG or an SVG' };
      }
    }
  }
  const extra = container ? { container } : {};
  text = text.replace(/^\uFEFF/, '').trim();
  if (JWS.test(text)) return { ok: true, format: 'jwt', jws: text, ...extra };
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return { ok: false, kind: 'not-a-credential', reason: `the JSON is malformed: ${(e as Error).message}`, ...extra };
    }
    if (!isObject(json)) return { ok: false, kind: 'not-a-credential', reason: 'the JSON is not an object', ...extra };
    return { ok: true, format: 'json', credential: json, ...extra };
  }
  if (/^(<[^>\s]*>|_:\S+) (<[^>\s]*>) /.test(text)) {
    return { ok: false, kind: 'not-a-credential', reason: 'this is RDF N-Quads (the canonical form a signature is computed over), not a credential', ...extra };
  }
  if (URL_INPUT.test(text)) {
    return { ok: false, kind: 'not-a-credential', reason: `this is a web address (${text.slice(0, 200)}), not a credential: verify it online to fetch what it points to`, ...extra };
  }
  return { ok: false, kind: 'not-a-credential', reason: 'not a credential: expected JSON, a compact JWS (VC-JWT), or a baked PNG/SVG badge', ...extra };
}

/** The JWT payload without verifying anything (for routing); the `vc` claim for VC-DM 1.1 JWTs. */
export function peekJwt(jws: string): { credential?: JsonObject; payload?: JsonObject } {
  try {
    const payload: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(jws.split('.')[1] ?? '')));
    if (!isObject(payload)) return {};
    const credential = isObject(payload.vc) ? { ...payload.vc } : payload;
    // VC-JWT 1.1 may leave iss out of the vc claim; routing and key binding need it.
    if (credential.issuer === undefined && typeof payload.iss === 'string') credential.issuer = payload.iss;
    return { credential, payload };
  } catch {
    return {};
  }
}

const typesOf = (doc: JsonObject): string[] => asArray(doc.type).filter((t): t is string => typeof t === 'string');

/**
 * What a JSON document is, from its `type` and `@context` alone. Only 'ob3', 'clr2',
 * 'endorsement' and 'status-list' go on to be verified.
 */
export function routeOf(doc: JsonObject): { kind: CredentialRoute; reason: string } {
  const types = typesOf(doc);
  const contexts = asArray(doc['@context']).filter((c): c is string => typeof c === 'string');
  if (types.includes('ClrCredential')) return { kind: 'clr2', reason: 'a CLR 2.0 Comprehensive Learner Record (ClrCredential)' };
  if (types.includes('OpenBadgeCredential') || types.includes('AchievementCredential')) {
    return { kind: 'ob3', reason: `an Open Badges 3.0 credential (${types.includes('OpenBadgeCredential') ? 'OpenBadgeCredential' : 'AchievementCredential'})` };
  }
  if (types.includes('EndorsementCredential')) return { kind: 'endorsement', reason: 'an Open Badges 3.0 endorsement (EndorsementCredential)' };
  if (types.includes('BitstringStatusListCredential')) {
    return { kind: 'status-list', reason: "a status list (W3C BitstringStatusListCredential): the issuer's published list of revoked or suspended credentials, not a badge" };
  }
  const ob2 = contexts.some((c) => OB2_CONTEXTS.includes(c)) || (!types.includes('VerifiableCredential') && ['Assertion', 'BadgeClass', 'Issuer'].some((t) => types.includes(t)) && doc.recipient !== undefined);
  if (ob2 || (types.includes('Assertion') && !types.includes('VerifiableCredential'))) {
    if (types.includes('BadgeClass')) return { kind: 'ob2', reason: `this is an Open Badges 2.0 BadgeClass (a badge definition), not an awarded credential. ${UPGRADE_NOTE}.` };
    if (types.includes('Issuer') || types.includes('Profile')) return { kind: 'ob2', reason: `this is an Open Badges 2.0 issuer profile, not a credential. ${UPGRADE_NOTE}.` };
    return { kind: 'ob2', reason: `this is an Open Badges 2.0 assertion, not an Open Badges 3.0 credential. ${UPGRADE_NOTE}.` };
  }
  if (types.includes('VerifiableCredential')) {
    const named = types.filter((t) => t !== 'VerifiableCredential');
    return { kind: 'not-a-credential', reason: `this is a W3C Verifiable Credential${named.length ? ` of type ${named.join(', ')}` : ''}, but not an Open Badges 3.0, CLR 2.0, endorsement or status list credential, so Laurel Studio does not verify it` };
  }
  if (types.includes('VerifiablePresentation')) return { kind: 'not-a-credential', reason: 'this is a Verifiable Presentation (a wrapper a wallet sends), not a credential: open the credential inside it' };
  if (types.includes('Profile')) return { kind: 'not-a-credential', reason: 'this is an issuer Profile (a description of an organization), not a credential: it has no recipient and no signature' };
  if (types.includes('Achievement')) return { kind: 'not-a-credential', reason: 'this is an Achievement (a badge definition), not an awarded credential' };
  if (typeof doc.kty === 'string' || Array.isArray(doc.keys)) return { kind: 'not-a-credential', reason: 'this is a public key (JWK), not a credential' };
  if (typeof doc.id === 'string' && doc.id.startsWith('did:') && (doc.verificationMethod !== undefined || doc.assertionMethod !== undefined)) {
    return { kind: 'not-a-credential', reason: 'this is a DID document (where an issuer publishes its keys), not a credential' };
  }
  if (!types.length) return { kind: 'not-a-credential', reason: `not a credential: the JSON has no "type"${contexts.length ? '' : ' and no "@context"'}` };
  return { kind: 'not-a-credential', reason: `not a credential: its type is ${types.join(', ')}` };
}

export const ACCEPT_CREDENTIAL = [
  'application/vc+ld+json',
  'application/ld+json',
  'application/json',
  'application/vc+jwt',
  'application/jwt',
  'text/plain',
  'image/png',
  'image/svg+xml',
];
const ACCEPTABLE = new Set([...ACCEPT_CREDENTIAL, 'application/vc', 'application/octet-stream', '']);

/** Fetches a credential by URL with core/net (limits, redirects); returns the bytes or why not. */
export async function fetchInput(url: string, fetcher: GetFetcher): Promise<{ ok: true; bytes: Uint8Array; finalUrl: string } | { ok: false; reason: string }> {
  try {
    const res = await fetcher.get(url, { accept: ACCEPT_CREDENTIAL });
    if (res.status !== 200) return { ok: false, reason: `${res.finalUrl} answered HTTP ${res.status}, so there was no credential to check` };
    if (!ACCEPTABLE.has(res.contentType) && !res.contentType.endsWith('+json')) {
      const what = res.contentType === 'text/html' ? 'a web page (text/html)' : res.contentType;
      return { ok: false, reason: `${res.finalUrl} sent ${what}, not a credential (JSON, a VC-JWT or a badge image)` };
    }
    return { ok: true, bytes: res.body, finalUrl: res.finalUrl };
  } catch (e) {
    return { ok: false, reason: `the credential could not be fetched: ${(e as Error).message}` };
  }
}
