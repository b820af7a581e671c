// Value checks for roster cells. Each returns a plain-words reason a person can act on; none
// throws, because one roster has many rows and every problem should be listed at once.
import { domainToASCII } from 'node:url';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

// ---------- email ----------

// Practical, not RFC 5322: one @, no spaces or list punctuation, a dotted domain whose last
// label is letters (IDNs allowed as Unicode letters or xn--).
const EMAIL_ASCII = /^[!#-'*+\-./0-9=?A-Z^-~]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const EMAIL = /^[^\s@<>()[\]\\,;:"\p{Cc}]{1,64}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/iu;

/** Returns the comparison key (lowercased, NFC, ASCII domain) of a valid email. */
export function checkEmail(v: string): Checked<string> {
  // Fast path for the common all-ASCII address (a 100k-row roster checks every one).
  if (v.length <= 254 && EMAIL_ASCII.test(v) && !v.includes('..') && v[0] !== '.' && !v.includes('.@')) {
    return { ok: true, value: v.toLowerCase() };
  }
  const bad = (hint?: string): Checked<string> => ({ ok: false, reason: `invalid email ${quote(v)}${hint ? ` (${hint})` : ''}` });
  if (/\s/.test(v)) return bad(/<.+>/.test(v) ? 'put only the address, not the name' : /[\n\r]/.test(v) ? 'contains a line break' : 'contains a space');
  const at = v.split('@').length - 1;
  if (at === 0) return bad('no @');
  if (at > 1) return bad('more than one @');
  if (v.length > 254 || !EMAIL.test(v)) return bad();
  const [local, domain] = v.split('@') as [string, string];
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return bad();
  const nfcDomain = domain.normalize('NFC').toLowerCase();
  // eslint-disable-next-line no-control-regex
  const asciiDomain = /^[\x00-\x7f]*$/.test(nfcDomain) ? nfcDomain : domainToASCII(nfcDomain);
  if (!asciiDomain) return bad('the domain is not a valid internationalised name');
  return { ok: true, value: `${local.normalize('NFC').toLowerCase()}@${asciiDomain}` };
}

// ---------- subject ids: DID or https URL ----------

// DID Core §3.1: did:<method-name>:<method-specific-id>, method-name = 1*[a-z0-9],
// method-specific-id = *( *idchar ":" ) 1*idchar, idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
const IDCHAR = '(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})';
const DID = new RegExp(`^did:[a-z0-9]+:(?:${IDCHAR}*:)*${IDCHAR}+$`);

export function isDid(v: string): boolean {
  return DID.test(v);
}

/** A DID or an https URL; the value is the comparison key (URL in its normalised form). */
export function checkSubjectId(v: string): Checked<string> {
  if (/^did:/i.test(v)) {
    if (isDid(v)) return { ok: true, value: v };
    let hint = '';
    if (/^did:[a-z0-9]*[A-Z]/.test(v) || /^DID:/.test(v)) hint = ' (the "did:" prefix and method name are lowercase)';
    else if (/[#?/]/.test(v) && isDid(v.split(/[#?/]/)[0]!)) hint = ' (that is a DID URL; use the DID without path, query or fragment)';
    else if (/\s/.test(v)) hint = ' (contains a space)';
    return { ok: false, reason: `not a DID: ${quote(v)}${hint}` };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(v)) {
    const url = parseUrl(v);
    if (url && url.protocol === 'https:' && url.hostname && !/\s/.test(v)) return { ok: true, value: url.href };
    if (url && url.protocol === 'http:') return { ok: false, reason: `subject id must be a DID or an https URL, not http: ${quote(v)}` };
    return { ok: false, reason: `not a DID or an https URL: ${quote(v)}` };
  }
  return { ok: false, reason: `not a DID or an https URL: ${quote(v)}` };
}

export function checkHttpUrl(v: string, label: string): Checked<string> {
  const url = /\s/.test(v) ? undefined : parseUrl(v);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
    return { ok: false, reason: `${label} is not an http(s) URL: ${quote(v)}` };
  }
  return { ok: true, value: v };
}

function parseUrl(v: string): URL | undefined {
  try {
    return new URL(v);
  } catch {
    return undefined;
  }
}

// ---------- numbers ----------

/** A non-negative decimal; a decimal comma ("1,5") only when the file's delimiter is ';'. */
export function checkNumber(v: string, label: string, decimalComma: boolean): Checked<number> {
  const s = v.replace(/^\+/, '');
  let n: number | undefined;
  if (/^(?:\d+(?:\.\d+)?|\.\d+)$/.test(s)) n = Number(s);
  else if (decimalComma && /^\d+,\d+$/.test(s)) n = Number(s.replace(',', '.'));
  if (n !== undefined && Number.isFinite(n)) return { ok: true, value: n };
  if (/^-\d+(?:[.,]\d+)?$/.test(s)) return { ok: false, reason: `${label} can't be negative: ${quote(v)}` };
  if (/^\d+,\d+$/.test(s)) {
    return { ok: false, reason: `${label} is not a number: ${quote(v)} (write decimals with a point, e.g. ${s.replace(',', '.')})` };
  }
  return { ok: false, reason: `${label} is not a number: ${quote(v)}` };
}

// ---------- dates ----------

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SLASH_YMD = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/;
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DMY = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$/;

/**
 * ISO 8601 dates (`2024-05-01`) and date-times (`2024-05-01T09:30:00Z`, space allowed), and
 * `2024/05/01`. Day/month/year and month/day/year are refused: "03/04/2024" is two dates.
 * The value is `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.fff][zone]`.
 */
export function checkDate(v: string, label: string): Checked<string> {
  let m = ISO_DATE.exec(v) ?? SLASH_YMD.exec(v);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (validYmd(y, mo, d)) return { ok: true, value: ymd(y, mo, d) };
    return { ok: false, reason: `${label} is not a date: ${quote(v)}` };
  }
  m = ISO_DATETIME.exec(v);
  if (m) {
    const [y, mo, d, h, mi] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
    const sec = m[6] === undefined ? 0 : Number(m[6]);
    let zone = m[8] ?? '';
    if (zone && zone.toUpperCase() !== 'Z') {
      zone = zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
      const [zh, zm] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
      if (zh > 14 || zm > 59) return { ok: false, reason: `${label} is not a date: ${quote(v)}` };
    } else zone = zone.toUpperCase();
    if (!validYmd(y, mo, d) || h > 23 || mi > 59 || sec > 59) return { ok: false, reason: `${label} is not a date: ${quote(v)}` };
    return { ok: true, value: `${ymd(y, mo, d)}T${pad(h)}:${pad(mi)}:${pad(sec)}${m[7] ?? ''}${zone}` };
  }
  m = DMY.exec(v);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[3])];
    const year = m[4]!.length === 4 ? Number(m[4]) : undefined;
    if (year === undefined) return { ok: false, reason: `${label} must be written as YYYY-MM-DD: ${quote(v)}` };
    const dayFirst = validYmd(year, b, a);
    const monthFirst = validYmd(year, a, b);
    if (!dayFirst && !monthFirst) {
      return { ok: false, reason: `${label} is not a date: ${quote(v)}` };
    }
    if (dayFirst && monthFirst && a !== b) {
      return {
        ok: false,
        reason: `${label} is ambiguous: ${quote(v)} could be ${ymd(year, b, a)} or ${ymd(year, a, b)}; write dates as YYYY-MM-DD`,
      };
    }
    const iso = dayFirst ? ymd(year, b, a) : ymd(year, a, b);
    // Accepting the unambiguous ones would make a column half-accepted; ask for one clear form.
    return { ok: false, reason: `${label} must be written as YYYY-MM-DD: ${quote(v)} (probably ${iso})` };
  }
  if (/^\d{5}(?:\.\d+)?$/.test(v)) {
    return {
      ok: false,
      reason: `${label} is not a date: ${quote(v)} (a spreadsheet date number; format the column as YYYY-MM-DD before exporting)`,
    };
  }
  return { ok: false, reason: `${label} is not a date: ${quote(v)}` };
}

function validYmd(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1]!;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const ymd = (y: number, m: number, d: number): string => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

/** Compares two normalised dates by their calendar day (time and zone ignored on purpose: a roster gives days). */
export function dayOf(v: string): string {
  return v.slice(0, 10);
}

// ---------- display ----------

/**
 * Quotes a cell value for a message: short, on one line, with control and bidi characters made
 * visible so a crafted cell can't rewrite the terminal or reorder the message.
 */
export function quote(v: string, max = 60): string {
  let s = v
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
  if (s.length > max) s = s.slice(0, max - 1) + '…';
  return `'${s}'`;
}
