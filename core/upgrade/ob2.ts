// Reading an Open Badges 2.0 badge (an assertion as JSON, a signed JWS, a hosted URL, or baked in
// a PNG/SVG) and checking what can be checked: a hosted assertion against the copy at its id, a
// signed one against its issuer's key, and the issuer's revocation list.
import { createPublicKey } from 'node:crypto';
import { unbake } from '../bake/index.ts';
import { verifyBytes } from '../keys/signer.ts';
import { createFetcher } from '../net/index.ts';
import type { JsonObject } from '../proof/index.ts';
import { base64urlDecode } from '../util/encoding.ts';
import { LaurelError, isLaurelError } from '../util/errors.ts';
import type { GetFetcher } from '../verify/index.ts';

export const OB2_CONTEXTS = ['https://w3id.org/openbadges/v2', 'https://openbadgespec.org/v2/context.json', 'https://w3id.org/openbadges/v1'];
const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const URL_RE = /^https?:\/\/\S+$/i;
const ACCEPT_JSON = ['application/ld+json', 'application/json', 'text/plain'];

export type Ob2Check = 'passed' | 'failed' | 'unknown';

export interface Ob2Badge {
  /** The assertion (the hosted copy when it was fetched). */
  assertion: JsonObject;
  badgeClass: JsonObject;
  issuer: JsonObject;
  /** The assertion as read: JSON text, the JWS, or the URL's JSON. */
  original: string;
  /** What was read: a JSON assertion, a signed JWS, or an address. */
  source: 'json' | 'jws' | 'url';
  container?: 'png' | 'svg';
  /** How its genuineness was checked, and the result. */
  verification: { method: 'hosted' | 'signed' | 'unchecked'; status: Ob2Check; reason: string };
  /** Revocation (hosted: the copy says revoked / is gone; signed: the issuer's revocation list). */
  revocation: { status: Ob2Check; reason: string };
  /** Things a person should know that don't stop the upgrade. */
  notes: string[];
}

export interface ReadOb2Options {
  /** Fetch the hosted assertion, badge class, issuer, keys and revocation list. Default false. */
  online?: boolean;
  fetcher?: GetFetcher;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const typesOf = (o: JsonObject): string[] => asArray(o.type).filter((t): t is string => typeof t === 'string');
const text = (b: Uint8Array) => new TextDecoder('utf-8').decode(b).replace(/^\uFEFF/, '').trim();

function parseJson(t: string, where: string): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    throw new LaurelError('INVALID_INPUT', `${where} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(v)) throw new LaurelError('INVALID_INPUT', `${where} is not a JSON object.`);
  return v;
}

function decodeJws(jws: string): { header: JsonObject; payload: JsonObject } {
  const [h, p] = jws.split('.');
  try {
    const header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(h!))) as unknown;
    const payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(p!))) as unknown;
    if (isObject(header) && isObject(payload)) return { header, payload };
  } catch {
    // fall through
  }
  throw new LaurelError('INVALID_INPUT', 'The signed badge (JWS) does not decode to a JSON header and assertion.');
}

/** What kind of OB document this is; refuses OB 3.0 credentials and anything not a 2.0 assertion. */
function checkAssertion(doc: JsonObject): void {
  const types = typesOf(doc);
  if (types.includes('VerifiableCredential')) throw new LaurelError('INVALID_INPUT', 'This is already an Open Badges 3.0 (Verifiable Credential) credential: there is nothing to upgrade. Verify it with laurel verify.');
  if (types.includes('BadgeClass')) throw new LaurelError('INVALID_INPUT', 'This is an Open Badges 2.0 BadgeClass (a badge definition), not an awarded badge: upgrade the assertion a learner received.');
  if (types.includes('Issuer') || types.includes('Profile')) throw new LaurelError('INVALID_INPUT', 'This is an Open Badges 2.0 issuer profile, not an awarded badge.');
  const contexts = asArray(doc['@context']).filter((c): c is string => typeof c === 'string');
  const looks = types.includes('Assertion') || contexts.some((c) => OB2_CONTEXTS.includes(c)) || (doc.recipient !== undefined && doc.badge !== undefined);
  if (!looks) throw new LaurelError('INVALID_INPUT', 'This is not an Open Badges 2.0 assertion: it has no "type": "Assertion", no OB 2.0 @context, and no recipient and badge.');
  if (!isObject(doc.recipient)) throw new LaurelError('INVALID_INPUT', 'The assertion names no recipient ($.recipient): there is nobody to re-issue it to.');
  if (doc.badge === undefined) throw new LaurelError('INVALID_INPUT', 'The assertion names no badge ($.badge).');
}

async function fetchText(fetcher: GetFetcher, url: string, what: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetcher.get(url, { accept: ACCEPT_JSON });
    return { status: res.status, body: text(res.body) };
  } catch (e) {
    throw new LaurelError('NOT_FOUND', `The ${what} could not be fetched from ${url}: ${isLaurelError(e) ? e.message : (e as Error).message}`);
  }
}

async function fetchJson(fetcher: GetFetcher, url: string, what: string): Promise<JsonObject> {
  const res = await fetchText(fetcher, url, what);
  if (res.status !== 200) throw new LaurelError('NOT_FOUND', `The ${what} at ${url} answered HTTP ${res.status}.`);
  return parseJson(res.body, `The ${what} at ${url}`);
}

/** An embedded object, or (online) the document at the URL; offline a URL is an error that says so. */
async function resolveNode(v: unknown, what: string, where: string, net: GetFetcher | undefined): Promise<JsonObject> {
  if (isObject(v)) return v;
  const url = str(v);
  if (!url) throw new LaurelError('INVALID_INPUT', `The assertion's ${what} (${where}) is missing.`);
  if (!URL_RE.test(url)) throw new LaurelError('INVALID_INPUT', `The assertion's ${what} (${where}) is "${url.slice(0, 200)}", neither an embedded object nor a web address.`);
  if (!net) throw new LaurelError('INVALID_INPUT', `The ${what} is not in the file, only its address ${url}: upgrade online (--online) so that it can be fetched.`);
  return fetchJson(net, url, what);
}

/** Reads the badge; nothing is fetched unless `online`. */
export async function readOb2Badge(input: Uint8Array | string, options: ReadOb2Options = {}): Promise<Ob2Badge> {
  const net: GetFetcher | undefined = options.online ? (options.fetcher ?? createFetcher()) : undefined;
  let raw: string;
  let container: 'png' | 'svg' | undefined;
  let bakedContent: string | undefined;
  if (input instanceof Uint8Array) {
    const isPng = input.length >= 8 && input[0] === 0x89 && input[1] === 0x50;
    const head = new TextDecoder('utf-8').decode(input.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart();
    if (isPng || /^<(\?xml|svg[\s>]|!--|!doctype)/i.test(head)) {
      const baked = unbake(input);
      if (baked.kind !== 'ob2') {
        throw new LaurelError('INVALID_INPUT', `This image carries an ${baked.kind === 'ob3' ? 'Open Badges 3.0 credential' : 'CLR 2.0 record'}, not an Open Badges 2.0 badge: there is nothing to upgrade. Verify it with laurel verify.`);
      }
      container = baked.container;
      raw = baked.text.trim();
      bakedContent = baked.content?.trim();
    } else {
      raw = text(input);
    }
  } else {
    raw = input.replace(/^\uFEFF/, '').trim();
  }
  const extra = container ? { container } : {};
  const notes: string[] = [];
  // An SVG baked with the address in `verify` and the assertion as content: offline, the content is read.
  if (!net && URL_RE.test(raw) && bakedContent?.startsWith('{')) {
    notes.push(`the image names the assertion's address ${raw.slice(0, 200)}; offline, the copy baked in the image was read`);
    raw = bakedContent;
  }

  let assertion: JsonObject;
  let source: Ob2Badge['source'];
  let jws: string | undefined;
  let original = raw;
  if (raw.startsWith('{')) {
    assertion = parseJson(raw, 'The badge');
    source = 'json';
  } else if (JWS.test(raw)) {
    jws = raw;
    assertion = decodeJws(raw).payload;
    source = 'jws';
  } else if (URL_RE.test(raw)) {
    if (!net) throw new LaurelError('INVALID_INPUT', `This badge is only an address (${raw.slice(0, 200)}), a hosted Open Badges 2.0 assertion: upgrade online (--online) so that it can be fetched.`);
    const res = await fetchText(net, raw, 'hosted assertion');
    if (res.status !== 200) throw new LaurelError('NOT_FOUND', `The hosted assertion at ${raw} answered HTTP ${res.status}${res.status === 404 || res.status === 410 ? ': its issuer has removed it (in Open Badges 2.0 that means revoked)' : ''}.`);
    assertion = parseJson(res.body, `The hosted assertion at ${raw}`);
    original = res.body;
    source = 'url';
  } else {
    throw new LaurelError('INVALID_INPUT', 'Not an Open Badges 2.0 badge: expected an assertion as JSON, a signed badge (JWS), its web address, or a PNG/SVG with one baked in.');
  }
  // Open Badges 1.0 wrote the recipient as a bare (hashed) e-mail with the salt beside it.
  if (typeof assertion.recipient === 'string') {
    const r = assertion.recipient.trim();
    assertion = { ...assertion, recipient: { type: 'email', hashed: /^(sha256|md5)\$/i.test(r), identity: r, ...(str(assertion.salt) ? { salt: str(assertion.salt) } : {}) } };
    notes.push('an Open Badges 1.0 assertion: its recipient was read as an e-mail address');
  }
  checkAssertion(assertion);

  // The verification object (OB 2.0) or the 1.x `verify` one.
  const verification = isObject(assertion.verification) ? assertion.verification : isObject(assertion.verify) ? assertion.verify : {};
  const vtype = str(verification.type)?.toLowerCase() ?? '';
  const signed = jws !== undefined || vtype === 'signed' || vtype === 'signedbadge';
  let result: Ob2Badge['verification'];
  let revocation: Ob2Badge['revocation'] = { status: 'unknown', reason: 'not checked' };

  let badgeClass: JsonObject;
  let issuer: JsonObject;
  if (signed) {
    badgeClass = await resolveNode(assertion.badge, 'badge class', '$.badge', net);
    issuer = await resolveNode(badgeClass.issuer, 'issuer profile', '$.badge.issuer', net);
    if (!jws) {
      result = { method: 'signed', status: 'unknown', reason: 'the assertion says it is a signed badge, but this is its JSON without the signature (JWS), so there is nothing to check' };
    } else if (!net) {
      result = { method: 'signed', status: 'unknown', reason: `the signature needs the issuer's public key at ${str(verification.creator) ?? '(no key address)'}; this ran offline` };
    } else {
      result = await checkSignature(jws, verification, issuer, net);
    }
    revocation = await checkRevocationList(assertion, issuer, net);
  } else {
    // Hosted: the copy at the assertion's id is the authority.
    const id = str(assertion.id) ?? str(verification.url);
    if (!id || !URL_RE.test(id)) {
      result = { method: 'unchecked', status: 'unknown', reason: 'the assertion is neither signed nor hosted at a web address, so nothing proves who issued it' };
    } else if (!net) {
      result = { method: 'hosted', status: 'unknown', reason: `a hosted badge is checked against the copy at ${id}; this ran offline` };
    } else if (source === 'url' && id === raw) {
      result = { method: 'hosted', status: 'passed', reason: `fetched from its own address ${id}` };
    } else {
      const res = await fetchText(net, id, 'hosted assertion').catch((e: unknown) => ({ status: 0, body: (e as Error).message }));
      if (res.status === 404 || res.status === 410) {
        result = { method: 'hosted', status: 'failed', reason: `the issuer no longer hosts it at ${id} (HTTP ${res.status}): in Open Badges 2.0 that means the badge was revoked` };
        revocation = { status: 'failed', reason: result.reason };
      } else if (res.status !== 200) {
        result = { method: 'hosted', status: 'unknown', reason: res.status ? `${id} answered HTTP ${res.status}` : res.body };
      } else {
        let hosted: JsonObject | undefined;
        try {
          hosted = parseJson(res.body, `The hosted copy at ${id}`);
        } catch (e) {
          result = { method: 'hosted', status: 'failed', reason: (e as Error).message };
        }
        if (hosted) {
          const same = str(hosted.id) === id && sameRecipient(hosted.recipient, assertion.recipient) && idOf(hosted.badge) === idOf(assertion.badge);
          if (!same) result = { method: 'hosted', status: 'failed', reason: `the copy hosted at ${id} is a different assertion (its id or recipient differ from this file's)` };
          else {
            result = { method: 'hosted', status: 'passed', reason: `the issuer hosts the same assertion at ${id}` };
            // The hosted copy is what the issuer says now: use it.
            assertion = hosted;
          }
        } else result ??= { method: 'hosted', status: 'failed', reason: 'unreadable hosted copy' };
      }
    }
    if (result.status === 'passed' || (source === 'url' && net)) {
      revocation = assertion.revoked === true ? { status: 'failed', reason: `the issuer marks it revoked${str(assertion.revocationReason) ? `: ${str(assertion.revocationReason)}` : ''}` } : { status: 'passed', reason: 'the issuer still hosts it, not marked revoked' };
    }
    badgeClass = await resolveNode(assertion.badge, 'badge class', '$.badge', net);
    issuer = await resolveNode(badgeClass.issuer, 'issuer profile', '$.badge.issuer', net);
    if (result.status === 'passed') {
      // The hosted assertion must live where its issuer is (OB 2.0 hosted verification).
      const origin = (u: string | undefined) => {
        try {
          return u ? new URL(u).origin : undefined;
        } catch {
          return undefined;
        }
      };
      const allowed = asArray(verification.allowedOrigins).filter((o): o is string => typeof o === 'string');
      const at = origin(str(assertion.id));
      if (at && origin(str(issuer.id)) && at !== origin(str(issuer.id)) && !allowed.some((o) => at.endsWith(o))) {
        notes.push(`the assertion is hosted at ${at}, not at its issuer's address ${str(issuer.id)}`);
      }
    }
  }
  return { assertion, badgeClass, issuer, original, source, ...extra, verification: result, revocation, notes };
}

/** The same recipient, whatever the key order or the case of the hash. */
function sameRecipient(a: unknown, b: unknown): boolean {
  if (!isObject(a) || !isObject(b)) return false;
  const norm = (r: JsonObject) => [str(r.type)?.toLowerCase() ?? 'email', r.hashed === true || r.hashed === 'true', str(r.identity)?.toLowerCase(), str(r.salt) ?? ''].join('\u0000');
  return norm(a) === norm(b);
}

/** A node's id, whether it is embedded or given as its address. */
function idOf(v: unknown): string | undefined {
  return isObject(v) ? str(v.id) : str(v);
}

async function checkSignature(jws: string, verification: JsonObject, issuer: JsonObject, net: GetFetcher): Promise<Ob2Badge['verification']> {
  const { header } = decodeJws(jws);
  const alg = str(header.alg);
  if (alg !== 'RS256' && alg !== 'ES256') return { method: 'signed', status: 'failed', reason: `the signature algorithm ${alg ?? '(none)'} is not one Open Badges 2.0 uses (RS256)` };
  const creator = str(verification.creator);
  if (!creator) return { method: 'signed', status: 'failed', reason: 'the assertion names no key (verification.creator), so the signature cannot be checked' };
  let key: JsonObject;
  try {
    key = await fetchJson(net, creator, 'issuer key');
  } catch (e) {
    return { method: 'signed', status: 'unknown', reason: (e as Error).message };
  }
  const owner = str(key.owner);
  if (owner && str(issuer.id) && owner !== str(issuer.id)) return { method: 'signed', status: 'failed', reason: `the key ${creator} belongs to ${owner}, not to the badge's issuer ${str(issuer.id)}` };
  const pem = str(key.publicKeyPem);
  if (!pem) return { method: 'signed', status: 'failed', reason: `the key document at ${creator} has no publicKeyPem` };
  let publicKey;
  try {
    publicKey = createPublicKey(pem);
  } catch {
    return { method: 'signed', status: 'failed', reason: `the key at ${creator} is not a readable PEM public key` };
  }
  const [h, p, s] = jws.split('.');
  const ok = verifyBytes(publicKey, new TextEncoder().encode(`${h}.${p}`), base64urlDecode(s!));
  return ok ? { method: 'signed', status: 'passed', reason: `signed (${alg}) with the issuer's key ${creator}` } : { method: 'signed', status: 'failed', reason: `the signature does not match the issuer's key ${creator}: the badge was changed or not signed by it` };
}

async function checkRevocationList(assertion: JsonObject, issuer: JsonObject, net: GetFetcher | undefined): Promise<Ob2Badge['revocation']> {
  const url = str(issuer.revocationList);
  if (!url) return { status: 'passed', reason: 'the issuer publishes no revocation list' };
  if (!net) return { status: 'unknown', reason: `the issuer's revocation list ${url} was not fetched (offline)` };
  let list: JsonObject;
  try {
    list = await fetchJson(net, url, 'revocation list');
  } catch (e) {
    return { status: 'unknown', reason: (e as Error).message };
  }
  const id = str(assertion.id);
  const uid = str(assertion.uid);
  const hit = asArray(list.revokedAssertions).find((r) => (id && r === id) || (isObject(r) && ((id && r.id === id) || (uid && r.uid === uid))));
  if (hit) return { status: 'failed', reason: `the issuer's revocation list ${url} lists it${isObject(hit) && str(hit.revocationReason) ? `: ${str(hit.revocationReason)}` : ''}` };
  return { status: 'passed', reason: `not on the issuer's revocation list ${url}` };
}
