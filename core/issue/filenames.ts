// File names from roster values (learner names are untrusted input): one path component, valid
// on Windows, macOS and Linux, NFC, bounded length, and unique in a folder even where the file
// system ignores case.

/** Characters Windows refuses in names, plus both path separators. */
const FORBIDDEN = /[<>:"/\\|?*]/g;
// C0/C1 controls, DEL, and invisible format characters (bidi overrides could disguise an extension).
// Zero-width (non-)joiners stay: emoji sequences and Persian or Indic names need them.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;
/** Device names Windows reserves in every folder, with or without an extension (CON.json is CON). */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)$/i;

/** UTF-8 bytes kept for the base name; extensions and " (12)" suffixes fit within the 255-byte limit. */
export const MAX_BASE_BYTES = 100;

const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s, 'utf8') <= max) return s;
  let out = '';
  let used = 0;
  // Whole graphemes only: never split a surrogate pair, an emoji sequence or a letter from its accent.
  for (const { segment } of segmenter.segment(s)) {
    const n = Buffer.byteLength(segment, 'utf8');
    if (used + n > max) break;
    out += segment;
    used += n;
  }
  return out;
}

/**
 * One safe base name (no extension) for a value such as a learner's name: separators and
 * characters Windows forbids become '_', invisible characters go, whitespace collapses, leading
 * dots and trailing dots or spaces go (no hidden files, no '..'), Windows device names get a '_'.
 * Falls back to `fallback` when nothing usable is left.
 */
export function safeBaseName(value: string, fallback: string): string {
  // Tabs and line breaks are spaces first; other controls and invisible characters go.
  let s = value.normalize('NFC').replace(/\s+/g, ' ').replace(INVISIBLE, '').replace(FORBIDDEN, '_').trim();
  s = s.replace(/^[.\s]+/, '');
  s = truncateBytes(s, MAX_BASE_BYTES);
  s = s.replace(/[.\s]+$/, '');
  if (!/[\p{L}\p{N}]/u.test(s)) s = s.replace(/_/g, '').trim() ? s : '';
  if (!s) return fallback === value ? 'learner' : safeBaseName(fallback, 'learner');
  // "CON", "con.txt" and "COM1 .tar" are all the device on Windows: the part before the first dot counts.
  const stem = s.split('.')[0]!.trim();
  if (RESERVED.test(stem)) s = `${s}_`;
  return s;
}

/** Key under which two names collide on a case-insensitive, normalisation-insensitive file system. */
export function collisionKey(name: string): string {
  return name.normalize('NFC').toLowerCase().normalize('NFC');
}

/**
 * Hands out unique base names: the second "Ana Silva" becomes "Ana Silva (2)", compared without
 * case (Windows and macOS) so "ana silva" collides too. Extensions are added by the caller, so a
 * base name is unique for every extension at once.
 */
export class FileNamer {
  private readonly used = new Set<string>();
  /** The next number to try per base name: a class of 10,000 with 100 "Ana Silva"s stays linear. */
  private readonly nextNumber = new Map<string, number>();

  /** Marks names as taken (e.g. files the folder already holds, without extension). */
  reserve(base: string): void {
    this.used.add(collisionKey(base));
  }

  next(value: string, fallback: string): string {
    const base = safeBaseName(value, fallback);
    const baseKey = collisionKey(base);
    let candidate = base;
    let key = baseKey;
    let n = this.nextNumber.get(baseKey) ?? 2;
    if (this.used.has(key)) {
      do {
        candidate = `${base} (${n++})`;
        key = collisionKey(candidate);
      } while (this.used.has(key));
      this.nextNumber.set(baseKey, n);
    }
    this.used.add(key);
    return candidate;
  }
}
