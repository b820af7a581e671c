// PNG chunk reading, baking and unbaking. We never decode pixels: we only walk the chunk list,
// with every length checked against the bytes actually present before anything is sliced.
import { LaurelError } from '../util/errors.ts';
import { crc32 } from './crc32.ts';
import { detectFormat, checkBakePayload } from './payload.ts';
import {
  DEFAULT_MAX_BYTES,
  MAX_PNG_CHUNKS,
  OB2_PNG_KEYWORD,
  PNG_KEYWORD,
  formatBytes,
  type BakeOptions,
  type BakedKind,
  type UnbakeOptions,
  type UnbakeResult,
} from './types.ts';

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const MAX_CHUNK_LENGTH = 0x7fffffff; // PNG: lengths are at most 2^31-1

export interface PngChunk {
  type: string;
  /** Byte offset of the chunk's length field. */
  offset: number;
  length: number;
  dataStart: number;
  /** Offset just past the CRC. */
  end: number;
}

export interface PngInfo {
  chunks: PngChunk[];
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

const invalid = (message: string, details?: unknown): LaurelError =>
  new LaurelError('INVALID_INPUT', message, details === undefined ? undefined : { details });

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

export function hasPngSignaturePrefix(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, PNG_SIGNATURE.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return n > 0;
}

export function checkSize(bytes: Uint8Array, maxBytes: number, what: string): void {
  if (bytes.length > maxBytes) {
    throw invalid(`${what} is too large: ${formatBytes(bytes.length)}; the limit is ${formatBytes(maxBytes)}`);
  }
}

function asBytes(bytes: unknown): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw invalid('expected the image as bytes (Uint8Array)');
  return bytes;
}

/**
 * Walk and validate the chunk list: signature, IHDR first, every length inside the file, every
 * CRC, at least one IDAT, an IEND. Bytes after IEND are ignored (and dropped when baking).
 */
export function parsePng(input: Uint8Array, maxBytes = DEFAULT_MAX_BYTES): PngInfo {
  const bytes = asBytes(input);
  checkSize(bytes, maxBytes, 'the PNG');
  const len = bytes.length;
  if (len === 0) throw invalid('not a PNG (the file is empty)');
  if (!hasPngSignaturePrefix(bytes)) throw invalid('not a PNG (bad signature)');
  if (len < PNG_SIGNATURE.length) {
    throw invalid(`truncated PNG: the file ends inside the 8-byte signature (it has ${len} bytes)`);
  }
  const chunks: PngChunk[] = [];
  let off = PNG_SIGNATURE.length;
  for (;;) {
    if (chunks.length >= MAX_PNG_CHUNKS) {
      throw invalid(`PNG has more than ${MAX_PNG_CHUNKS} chunks; refusing it as a badge image`);
    }
    if (off + 8 > len) {
      throw invalid(
        off === len
          ? `truncated PNG: no IEND chunk (the file ends at byte ${len})`
          : `truncated PNG: the chunk header at byte ${off} is cut off (the file ends at ${len})`,
      );
    }
    const length = u32(bytes, off);
    const typeBytes = bytes.subarray(off + 4, off + 8);
    if (!typeBytes.every(isLetter)) {
      throw invalid(`bad PNG: the chunk at byte ${off} has an invalid type (${[...typeBytes].map((c) => c.toString(16).padStart(2, '0')).join(' ')})`);
    }
    const type = String.fromCharCode(...typeBytes);
    if (length > MAX_CHUNK_LENGTH) {
      throw invalid(`bad PNG: chunk '${type}' at byte ${off} claims ${length} bytes, more than the PNG limit of 2^31-1`);
    }
    const dataStart = off + 8;
    const end = dataStart + length + 4;
    if (end > len) {
      throw invalid(`truncated PNG: chunk '${type}' at byte ${off} claims ${length} bytes but the file ends at ${len}`);
    }
    const stored = u32(bytes, dataStart + length);
    const computed = crc32(bytes, off + 4, dataStart + length);
    if (stored !== computed) {
      throw invalid(`bad CRC in chunk '${type}' at byte ${off} (stored ${hex(stored)}, computed ${hex(computed)})`);
    }
    if (chunks.length === 0 && type !== 'IHDR') throw invalid(`bad PNG: the first chunk is '${type}', not IHDR`);
    if (chunks.length > 0 && type === 'IHDR') throw invalid(`bad PNG: a second IHDR chunk at byte ${off}`);
    if (type === 'IHDR' && length !== 13) throw invalid(`bad PNG: IHDR is ${length} bytes long, not 13`);
    chunks.push({ type, offset: off, length, dataStart, end });
    off = end;
    if (type === 'IEND') break;
  }
  if (!chunks.some((c) => c.type === 'IDAT')) throw invalid('not a usable PNG: it has no image data (IDAT chunk)');
  const ihdr = chunks[0]!.dataStart;
  const width = u32(bytes, ihdr);
  const height = u32(bytes, ihdr + 4);
  if (width === 0 || height === 0 || width > MAX_CHUNK_LENGTH || height > MAX_CHUNK_LENGTH) {
    throw invalid(`bad PNG: IHDR gives impossible dimensions ${width}×${height}`);
  }
  return { chunks, width, height, bitDepth: bytes[ihdr + 8]!, colorType: bytes[ihdr + 9]! };
}

const TEXT_TYPES = new Set(['iTXt', 'tEXt', 'zTXt']);
const CREDENTIAL_KEYWORDS = new Set<string>([PNG_KEYWORD.ob, PNG_KEYWORD.clr, OB2_PNG_KEYWORD]);

/** The Latin-1 keyword of a text chunk, or undefined if it has no terminator in the first 80 bytes. */
function keywordOf(bytes: Uint8Array, c: PngChunk): string | undefined {
  const max = Math.min(c.length, 80);
  for (let i = 0; i < max; i++) {
    if (bytes[c.dataStart + i] === 0) return i === 0 ? undefined : latin1(bytes.subarray(c.dataStart, c.dataStart + i));
  }
  return undefined;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface TextChunk {
  chunk: PngChunk;
  keyword: string;
}

function credentialChunks(bytes: Uint8Array, info: PngInfo): TextChunk[] {
  const out: TextChunk[] = [];
  for (const chunk of info.chunks) {
    if (!TEXT_TYPES.has(chunk.type)) continue;
    const keyword = keywordOf(bytes, chunk);
    if (keyword !== undefined && CREDENTIAL_KEYWORDS.has(keyword)) out.push({ chunk, keyword });
  }
  return out;
}

function compressedError(t: TextChunk): LaurelError {
  return invalid(
    t.keyword === OB2_PNG_KEYWORD
      ? `compressed credential chunks are not allowed (OB 2.0 forbids compression too): ${t.chunk.type} '${t.keyword}' at byte ${t.chunk.offset}`
      : `compressed iTXt credential chunks are not allowed by OB 3.0 (${t.chunk.type} '${t.keyword}' at byte ${t.chunk.offset})`,
  );
}

/** Text of an uncompressed iTXt (or, for OB 2.0, tEXt) chunk. Compressed text is refused, never inflated. */
function readText(bytes: Uint8Array, t: TextChunk): string {
  const { chunk, keyword } = t;
  const data = bytes.subarray(chunk.dataStart, chunk.dataStart + chunk.length);
  const where = `${chunk.type} chunk '${keyword}' at byte ${chunk.offset}`;
  if (chunk.type === 'zTXt') throw compressedError(t);
  if (chunk.type === 'tEXt') return latin1(data.subarray(keyword.length + 1));
  let p = keyword.length + 1;
  if (p + 2 > data.length) throw invalid(`bad ${where}: it ends before the compression fields`);
  const flag = data[p]!;
  if (flag === 1) throw compressedError(t);
  if (flag !== 0) throw invalid(`bad ${where}: compression flag is ${flag} (must be 0 or 1)`);
  p += 2; // flag and method; the method means nothing when the flag is 0
  const lang = data.indexOf(0, p);
  if (lang < 0) throw invalid(`bad ${where}: the language tag has no terminator`);
  const translated = data.indexOf(0, lang + 1);
  if (translated < 0) throw invalid(`bad ${where}: the translated keyword has no terminator`);
  try {
    return utf8.decode(data.subarray(translated + 1));
  } catch {
    throw invalid(`bad ${where}: the text is not valid UTF-8`);
  }
}

function kindOf(keyword: string): BakedKind {
  return keyword === PNG_KEYWORD.ob ? 'ob3' : keyword === PNG_KEYWORD.clr ? 'clr2' : 'ob2';
}

/**
 * Read the baked credential. OB 3.0 / CLR 2.0 (`openbadgecredential` / `clrcredential` iTXt)
 * wins over an OB 2.0 `openbadges` chunk. More than one chunk of a kind, or both an OB 3.0 and
 * a CLR chunk, is refused rather than guessed.
 */
export function unbakePng(input: Uint8Array, options: UnbakeOptions = {}): UnbakeResult {
  const bytes = asBytes(input);
  const info = parsePng(bytes, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const found = credentialChunks(bytes, info);
  const byKeyword = (k: string) => found.filter((t) => t.keyword === k);
  for (const k of [PNG_KEYWORD.ob, PNG_KEYWORD.clr, OB2_PNG_KEYWORD]) {
    const list = byKeyword(k);
    if (list.length > 1) {
      throw invalid(`several ${k} chunks (at bytes ${list.map((t) => t.chunk.offset).join(', ')}); a baked image carries exactly one`);
    }
  }
  const modern = found.filter((t) => t.keyword !== OB2_PNG_KEYWORD);
  if (modern.length > 1) {
    throw invalid('this PNG has both an openbadgecredential and a clrcredential chunk; refusing to guess which is the credential');
  }
  const chosen = modern[0] ?? found[0];
  if (!chosen) {
    throw new LaurelError('NOT_FOUND', 'no baked credential in this PNG (no openbadgecredential or clrcredential iTXt chunk)');
  }
  if (chosen.keyword !== OB2_PNG_KEYWORD && chosen.chunk.type === 'tEXt') {
    throw invalid(`a tEXt '${chosen.keyword}' chunk at byte ${chosen.chunk.offset}: OB 3.0 requires an uncompressed iTXt chunk`);
  }
  const text = readText(bytes, chosen);
  return { kind: kindOf(chosen.keyword), keyword: chosen.keyword, text, format: detectFormat(text), container: 'png' };
}

function buildChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  putU32(out, 0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  putU32(out, 8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** iTXt: keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, UTF-8 text. */
export function buildCredentialChunk(keyword: string, text: string): Uint8Array {
  const kw = Buffer.from(keyword, 'latin1');
  const body = Buffer.from(text, 'utf8');
  const data = new Uint8Array(kw.length + 5 + body.length);
  data.set(kw, 0);
  // The five bytes after the keyword are already zero: NUL, flag 0, method 0, NUL, NUL.
  data.set(body, kw.length + 5);
  if (data.length > MAX_CHUNK_LENGTH) throw invalid('the credential is too large for a PNG chunk');
  return buildChunk('iTXt', data);
}

/**
 * Bake a credential into a PNG: one uncompressed iTXt chunk right before IEND. Every existing
 * credential chunk (OB 3.0, CLR 2.0 or OB 2.0, any text chunk type) is removed first, so the
 * image carries exactly one credential. Other chunks are copied byte for byte; bytes after IEND
 * are dropped.
 */
export function bakePng(input: Uint8Array, payload: string, options: BakeOptions): Uint8Array {
  const bytes = asBytes(input);
  const { kind, format } = checkBakePayload(payload, options?.kind);
  const info = parsePng(bytes, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const drop = new Set(credentialChunks(bytes, info).map((t) => t.chunk));
  // Whitespace around a compact JWS is not part of it; JSON is baked exactly as given.
  const credential = buildCredentialChunk(PNG_KEYWORD[kind], format === 'jwt' ? payload.trim() : payload);
  const parts: Uint8Array[] = [PNG_SIGNATURE];
  for (const c of info.chunks) {
    if (drop.has(c)) continue;
    if (c.type === 'IEND') parts.push(credential);
    parts.push(bytes.subarray(c.offset, c.end));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
