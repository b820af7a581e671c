// What kind of text is baked, and whether a payload is fit to bake.
import { LaurelError } from '../util/errors.ts';
import type { BakeKind, PayloadFormat } from './types.ts';

const JWS_RE = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;
const URL_RE = /^https?:\/\/\S+$/i;

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function decodeJwsPart(part: string): Record<string, unknown> | undefined {
  return parseObject(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Classify baked text. 'json' needs a JSON object; 'jwt' needs a compact JWS whose header decodes to JSON. */
export function detectFormat(text: string): PayloadFormat {
  const t = text.trim();
  if (t.startsWith('{')) return parseObject(t) ? 'json' : 'unknown';
  const m = JWS_RE.exec(t);
  if (m) return decodeJwsPart(m[1]!) ? 'jwt' : 'unknown';
  if (URL_RE.test(t)) return 'url';
  return 'unknown';
}

/** Index of the first lone surrogate, or -1. Such text can't be encoded as UTF-8 or carried by XML. */
export function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

function credentialTypes(payload: string, format: PayloadFormat): string[] {
  let obj: Record<string, unknown> | undefined;
  if (format === 'json') obj = parseObject(payload.trim());
  else if (format === 'jwt') {
    const claims = decodeJwsPart(JWS_RE.exec(payload.trim())![2]!);
    // VC-JWT puts the credential at the top level; older JWTs wrap it in a `vc` claim.
    const vc = claims?.vc;
    obj = vc !== null && typeof vc === 'object' && !Array.isArray(vc) ? (vc as Record<string, unknown>) : claims;
  }
  const t = obj?.type;
  if (typeof t === 'string') return [t];
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Refuse a payload that isn't a credential as JSON or a compact JWS, that can't be encoded, or
 * whose `type` says it is the other kind (a CLR baked under the OB keyword is a real mistake).
 */
export function checkBakePayload(payload: unknown, kind: unknown): { kind: BakeKind; format: 'json' | 'jwt' } {
  if (kind !== 'ob' && kind !== 'clr') {
    throw new LaurelError('INVALID_INPUT', `bake kind must be 'ob' or 'clr' (got ${JSON.stringify(kind)})`);
  }
  if (typeof payload !== 'string' || payload.trim() === '') {
    throw new LaurelError('INVALID_INPUT', 'nothing to bake: the credential text is empty');
  }
  const format = detectFormat(payload);
  if (format !== 'json' && format !== 'jwt') {
    throw new LaurelError(
      'INVALID_INPUT',
      'only a credential as a JSON object (embedded proof) or a compact JWS (VC-JWT) can be baked',
    );
  }
  const bad = loneSurrogateAt(payload);
  if (bad >= 0) {
    throw new LaurelError('INVALID_INPUT', `the credential text has an unpaired UTF-16 surrogate at offset ${bad}; it can't be encoded as UTF-8`);
  }
  const types = credentialTypes(payload, format);
  const isClr = types.includes('ClrCredential');
  const isOb = types.includes('OpenBadgeCredential') || types.includes('AchievementCredential');
  if (kind === 'ob' && isClr && !isOb) {
    throw new LaurelError('INVALID_INPUT', "this credential is a ClrCredential; bake it with kind 'clr'");
  }
  if (kind === 'clr' && isOb && !isClr) {
    throw new LaurelError('INVALID_INPUT', "this credential is an OpenBadgeCredential; bake it with kind 'ob'");
  }
  return { kind, format };
}
