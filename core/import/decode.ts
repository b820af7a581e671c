// Bytes → text for roster files. Spreadsheets still save "CSV" in the Windows code page of the
// machine, so a file that is not UTF-8 is refused with a guess and a sample rather than decoded
// wrongly: a misread "Zoë" would end up signed into a credential.
import { LaurelError } from '../util/errors.ts';
import type { DecodedRoster, DecodeWarning, RosterEncoding } from './types.ts';

export const ROSTER_MAX_BYTES = 50 * 1024 * 1024;

export interface DecodeOptions {
  /** An encoding label the user chose (`windows-1252`, `latin1`, `utf-16le`, …). */
  encoding?: string;
  /** Size cap in bytes (default 50 MB). */
  maxBytes?: number;
}

export function decodeRoster(bytes: Uint8Array, options: DecodeOptions = {}): DecodedRoster {
  const maxBytes = options.maxBytes ?? ROSTER_MAX_BYTES;
  if (bytes.length > maxBytes) {
    throw new LaurelError(
      'INVALID_INPUT',
      `The roster file is ${formatSize(bytes.length)}; the limit is ${formatSize(maxBytes)}. Split it into smaller files.`,
      { details: { size: bytes.length, limit: maxBytes } },
    );
  }
  const warnings: DecodeWarning[] = [];
  const bom = sniffBom(bytes);
  const chosen = options.encoding?.trim() ? resolveEncoding(options.encoding.trim()) : undefined;

  let text: string;
  let encoding: RosterEncoding;
  if (bom) {
    // A byte-order mark is proof of the encoding; it wins over a choice that contradicts it.
    let fromBom: string | undefined;
    try {
      fromBom = decodeStrict(bytes.subarray(bom.length), bom.canonical, bom.label);
    } catch (e) {
      // A UTF-8 mark in front of bytes that are not UTF-8 (a tool added it to an old Excel file):
      // the person's explicit choice is then the only way to read it.
      if (!chosen || chosen === bom.canonical || bom.canonical !== 'utf-8') throw e;
    }
    if (fromBom !== undefined) {
      if (chosen && chosen !== bom.canonical) {
        warnings.push({
          message: `The file starts with a ${bom.label} byte-order mark, so it was read as ${bom.label} and the chosen encoding '${options.encoding}' was ignored.`,
        });
      }
      text = fromBom;
      encoding = bom.name;
    } else {
      warnings.push({ message: `The file starts with a UTF-8 byte-order mark but is not UTF-8; it was read as '${options.encoding}', as chosen.` });
      text = decodeStrict(bytes.subarray(bom.length), chosen!, chosen!);
      encoding = chosen!;
    }
  } else if (chosen) {
    text = decodeStrict(bytes, chosen, chosen);
    encoding = chosen;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw notUtf8Error(bytes);
    }
    encoding = 'utf-8';
  }

  if (!bom && looksLikeUtf16WithoutBom(text)) {
    const guess = utf16Order(bytes);
    throw new LaurelError(
      'ENCODING_REQUIRED',
      `The roster file looks like UTF-16 without a byte-order mark (every other byte is zero). ` +
        `Choose the encoding: on the command line add --encoding ${guess}; in the app, pick ${guess.toUpperCase()} from the encoding list. ` +
        `Or save the file as "CSV UTF-8" in your spreadsheet.`,
      { details: { guess, confidence: 'likely' } },
    );
  }
  if (text.includes('\u0000')) {
    warnings.push({ message: 'The file contains NUL characters; values holding them will be rejected.' });
  }
  warnings.push(...scanDoubleEncoding(text));
  return { text, encoding, warnings };
}

// ---------- BOM and explicit encodings ----------

// Node 20.18.3+ (and 22.13+) decode 'windows-1252' (and its aliases latin1, iso-8859-1, ascii) as
// ISO-8859-1, turning 0x80–0x9F into C1 controls instead of € ’ “ ” – … (nodejs/node#56542,
// #60888). Those bytes are exactly what Windows spreadsheets write, so decode them here, per the
// WHATWG index, and use TextDecoder for every other encoding.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80]!));
}

/** Decodes with a canonical encoding name; `fatal` makes invalid bytes throw (single-byte encodings never do). */
export function decodeBytes(bytes: Uint8Array, encoding: string, fatal = false): string {
  if (encoding === 'windows-1252') return decodeWindows1252(bytes);
  return new TextDecoder(encoding, { fatal, ignoreBOM: true }).decode(bytes);
}

interface Bom {
  length: number;
  canonical: string; // TextDecoder encoding name
  name: RosterEncoding;
  label: string;
}

function sniffBom(b: Uint8Array): Bom | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { length: 3, canonical: 'utf-8', name: 'utf-8-bom', label: 'UTF-8' };
  if (b[0] === 0xff && b[1] === 0xfe) {
    if (b[2] === 0 && b[3] === 0) {
      throw new LaurelError('UNSUPPORTED', 'The roster file is UTF-32, which is not supported. Save it as "CSV UTF-8" instead.');
    }
    return { length: 2, canonical: 'utf-16le', name: 'utf-16le', label: 'UTF-16LE' };
  }
  if (b[0] === 0xfe && b[1] === 0xff) return { length: 2, canonical: 'utf-16be', name: 'utf-16be', label: 'UTF-16BE' };
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) {
    throw new LaurelError('UNSUPPORTED', 'The roster file is UTF-32, which is not supported. Save it as "CSV UTF-8" instead.');
  }
  return undefined;
}

/** Canonical TextDecoder name for a label, or a clear refusal. */
export function resolveEncoding(label: string): string {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    throw new LaurelError(
      'INVALID_INPUT',
      `Unknown encoding '${label}'. Use a name such as utf-8, windows-1252 (also called latin1 or cp1252), ` +
        `windows-1250, iso-8859-15, utf-16le, shift_jis.`,
      { details: { encoding: label } },
    );
  }
}

function decodeStrict(bytes: Uint8Array, encoding: string, label: string): string {
  try {
    return decodeBytes(bytes, encoding, true);
  } catch {
    let where = '';
    if (encoding === 'utf-8') {
      const at = firstInvalidUtf8(bytes);
      if (at >= 0) where = ` (line ${lineOfByte(bytes, at)})`;
    }
    throw new LaurelError(
      'INVALID_INPUT',
      `The roster file is not valid ${label}${where}. Choose another encoding, or save the file as "CSV UTF-8".`,
      { details: { encoding } },
    );
  }
}

// ---------- not UTF-8: guess, honestly ----------

export interface EncodingGuess {
  encoding: string;
  confidence: 'likely' | 'possible';
  why: string;
}

/** Bytes 0x80–0x9F that Windows-1252 leaves undefined. */
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
const TYPICAL_PUNCTUATION = new Set([...'’‘“”„–—…€•°§£©®™·«»¿¡× ']);
const LETTER = /\p{L}/u;

export function guessLegacyEncoding(bytes: Uint8Array): EncodingGuess {
  let high = 0;
  let c1 = 0;
  let undefinedBytes = 0;
  let plausible = 0;
  let midWordSymbols = 0; // bytes Windows-1252 reads as symbols although they sit between letters
  const cp1250 = new TextDecoder('windows-1250');
  let midWordAs1250Letters = 0;
  const letterish = (x: number | undefined): boolean =>
    x !== undefined && ((x >= 0x41 && x <= 0x5a) || (x >= 0x61 && x <= 0x7a) || x >= 0xc0);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x80) continue;
    high++;
    if (b <= 0x9f) {
      c1++;
      if (CP1252_UNDEFINED.has(b)) undefinedBytes++;
    }
    const ch = String.fromCharCode(b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b);
    const isLetter = LETTER.test(ch);
    if (isLetter || TYPICAL_PUNCTUATION.has(ch)) plausible++;
    if (!isLetter && letterish(bytes[i - 1]) && letterish(bytes[i + 1])) {
      // Only bytes the two code pages read differently are evidence (’ is ’ in both).
      const ch1250 = cp1250.decode(bytes.subarray(i, i + 1));
      if (ch1250 !== ch) {
        midWordSymbols++;
        if (LETTER.test(ch1250)) midWordAs1250Letters++;
      }
    }
  }
  // Central European text (ł ą ż ś in Windows-1250) reads as "³ ¹ ¿ œ" in Windows-1252: symbols inside words.
  if (midWordSymbols > 0 && midWordAs1250Letters === midWordSymbols) {
    return {
      encoding: 'windows-1250',
      confidence: 'possible',
      why: 'some bytes sit inside words where Windows-1250 (Central European) reads them as letters (ł, ą, ż …) and Windows-1252 as symbols',
    };
  }
  const ratio = high === 0 ? 1 : plausible / high;
  if (undefinedBytes === 0 && ratio >= 0.9) {
    return {
      encoding: 'windows-1252',
      confidence: 'likely',
      why:
        c1 > 0
          ? 'the bytes above 0x7F read as Latin letters and Windows-1252 punctuation (such as ’ or €)'
          : 'the bytes above 0x7F read as Latin letters (é, ü, ß …) in Windows-1252 / Latin-1',
    };
  }
  return {
    encoding: 'windows-1252',
    confidence: 'possible',
    why:
      'it is the most common non-UTF-8 encoding for spreadsheets, but these bytes do not clearly fit it; the file may use ' +
      'another code page (windows-1250 for Central European, shift_jis or gbk for Japanese or Chinese)',
  };
}

const ENCODING_NAMES: Record<string, string> = {
  'windows-1252': 'Windows-1252 (Western European)',
  'windows-1250': 'Windows-1250 (Central European)',
};

function notUtf8Error(bytes: Uint8Array): LaurelError {
  const at = firstInvalidUtf8(bytes);
  const line = at >= 0 ? lineOfByte(bytes, at) : 1;
  const guess = guessLegacyEncoding(bytes);
  const sample = oneLine(decodeBytes(lineBytes(bytes, line), guess.encoding));
  const name = ENCODING_NAMES[guess.encoding] ?? guess.encoding;
  const message = [
    `The roster file is not UTF-8 (line ${line} has bytes that are not valid UTF-8).`,
    guess.confidence === 'likely'
      ? `It is most likely ${name}: ${guess.why}.`
      : `It might be ${name}: ${guess.why}. Check the sample below.`,
    `Line ${line} read as ${guess.encoding}: "${sample}"`,
    `Choose the encoding: on the command line add --encoding ${guess.encoding}; in the app, pick it from the encoding list. ` +
      `Or save the file as "CSV UTF-8" in your spreadsheet.`,
  ].join('\n');
  return new LaurelError('ENCODING_REQUIRED', message, {
    details: { guess: guess.encoding, confidence: guess.confidence, line, sample },
  });
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined) return i;
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (d < min || d > max) return i;
    }
    i += need + 1;
  }
  return -1;
}

function lineOfByte(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    const c = b[i];
    if (c === 0x0a) line++;
    else if (c === 0x0d && b[i + 1] !== 0x0a) line++;
  }
  return line;
}

function lineBytes(b: Uint8Array, line: number): Uint8Array {
  let start = 0;
  for (let l = 1; l < line; l++) {
    let j = start;
    while (j < b.length && b[j] !== 0x0a && b[j] !== 0x0d) j++;
    if (b[j] === 0x0d && b[j + 1] === 0x0a) j++;
    start = j + 1;
  }
  let end = start;
  while (end < b.length && b[end] !== 0x0a && b[end] !== 0x0d) end++;
  return b.subarray(start, end);
}

function looksLikeUtf16WithoutBom(text: string): boolean {
  const head = text.slice(0, 2000);
  if (head.length < 4) return false;
  let nul = 0;
  for (let i = 0; i < head.length; i++) if (head.charCodeAt(i) === 0) nul++;
  return nul / head.length > 0.2;
}

function utf16Order(b: Uint8Array): 'utf-16le' | 'utf-16be' {
  let even = 0;
  let odd = 0;
  for (let i = 0; i < Math.min(b.length, 4000); i++) if (b[i] === 0) (i % 2 === 0 ? even++ : odd++);
  return even > odd ? 'utf-16be' : 'utf-16le';
}

// ---------- double encoding (mojibake) ----------

const CP1252_TO_BYTE: Map<string, number> = (() => {
  const m = new Map<string, number>();
  for (let b = 0x80; b <= 0xff; b++) m.set(decodeWindows1252(new Uint8Array([b])), b);
  return m;
})();

// UTF-8 read as Windows-1252: a lead byte shown as Â Ã Ä Å (Latin letters and symbols), Î Ï
// (Greek), Ð Ñ (Cyrillic) followed by one continuation byte, or â…é (punctuation such as ’, CJK)
// followed by two. Other leads (É, Ö, Ü …) are left out on purpose: they are ordinary letters and
// "Ü»" in German quotes would otherwise "repair" to Syriac.
const CP1252_CONT = '\\u0080-\\u00BF\\u0152\\u0153\\u0160\\u0161\\u0178\\u017D\\u017E\\u0192\\u02C6\\u02DC\\u2013\\u2014\\u2018\\u2019\\u201A\\u201C\\u201D\\u201E\\u2020\\u2021\\u2022\\u2026\\u2030\\u2039\\u203A\\u20AC\\u2122';
const MOJIBAKE_SOURCE = `(?:[\\u00C2-\\u00C5\\u00CE\\u00CF\\u00D0\\u00D1][${CP1252_CONT}]|[\\u00E2-\\u00E9][${CP1252_CONT}]{2})+`;
const MOJIBAKE_TEST = new RegExp(MOJIBAKE_SOURCE);
// A lone Greek/Cyrillic-looking pair ("Ñ°") is too weak a sign; ask for two.
const WEAK_RUN = /^(?:[\u00CE\u00CF\u00D0\u00D1].)$/;

/**
 * If `value` holds UTF-8 that was read as Windows-1252 and saved again ("ZoÃ« MÃ¼ller"), returns
 * the repaired text ("Zoë Müller"); else undefined. A candidate counts only when its bytes really
 * are valid UTF-8, so ordinary accented text is not flagged.
 */
export function repairDoubleEncoding(value: string): string | undefined {
  if (!MOJIBAKE_TEST.test(value)) return undefined;
  let changed = false;
  const out = value.replace(new RegExp(MOJIBAKE_SOURCE, 'g'), (run) => {
    if (WEAK_RUN.test(run)) return run;
    const bytes = new Uint8Array(run.length);
    for (let i = 0; i < run.length; i++) {
      const b = CP1252_TO_BYTE.get(run[i]!);
      if (b === undefined) return run;
      bytes[i] = b;
    }
    try {
      const fixed = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      changed = true;
      return fixed;
    } catch {
      return run;
    }
  });
  return changed ? out : undefined;
}

function scanDoubleEncoding(text: string): DecodeWarning[] {
  const re = new RegExp(MOJIBAKE_SOURCE, 'g');
  const lines: number[] = [];
  let examples: { line: number; before: string; after: string } | undefined;
  let line = 1;
  let pos = 0;
  let total = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (repairDoubleEncoding(m[0]) === undefined) continue;
    for (let i = text.indexOf('\n', pos); i !== -1 && i < m.index; i = text.indexOf('\n', i + 1)) line++;
    pos = m.index;
    if (lines[lines.length - 1] === line) continue;
    total++;
    if (lines.length < 5) lines.push(line);
    if (!examples) {
      const start = text.lastIndexOf('\n', m.index) + 1;
      const endNl = text.indexOf('\n', m.index);
      const raw = text.slice(start, endNl === -1 ? text.length : endNl).replace(/\r$/, '');
      examples = { line, before: oneLine(raw), after: oneLine(repairDoubleEncoding(raw) ?? raw) };
    }
  }
  if (!examples) return [];
  const more = total > lines.length ? ` and ${total - lines.length} more` : '';
  return [
    {
      line: examples.line,
      message:
        `Line${total > 1 ? 's' : ''} ${lines.join(', ')}${more} contain${total > 1 ? '' : 's'} text like 'Ã©' or 'â€™', which usually means the file ` +
        `was converted to UTF-8 twice. Line ${examples.line} reads "${examples.before}"; it was probably meant to read ` +
        `"${examples.after}". Fix the export (or the file) before signing.`,
    },
  ];
}

// ---------- small helpers ----------

function oneLine(s: string, max = 120): string {
  const clean = s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?').replace(/\r?\n|\r/g, ' ');
  return clean.length > max ? clean.slice(0, max - 1) + '…' : clean;
}

function formatSize(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}
