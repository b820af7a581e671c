// Telling PNG from SVG (and from everything else) by the first bytes, and SVG bytes to text.
import { LaurelError } from '../util/errors.ts';
import { hasPngSignaturePrefix } from './png.ts';

export type ImageType = 'png' | 'svg';

function startsWith(b: Uint8Array, ...sig: number[]): boolean {
  return b.length >= sig.length && sig.every((v, i) => b[i] === v);
}

export function sniffImage(bytes: Uint8Array): ImageType | undefined {
  if (hasPngSignaturePrefix(bytes)) return 'png';
  if (startsWith(bytes, 0xfe, 0xff) || startsWith(bytes, 0xff, 0xfe)) return 'svg'; // UTF-16 BOM: parse decides
  let i = startsWith(bytes, 0xef, 0xbb, 0xbf) ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x3c ? 'svg' : undefined;
}

/** The error for bytes that are neither PNG nor SVG, naming common formats so the message helps. */
export function notAnImage(bytes: Uint8Array): LaurelError {
  if (bytes.length === 0) return new LaurelError('INVALID_INPUT', 'the file is empty');
  let what: string | undefined;
  if (startsWith(bytes, 0xff, 0xd8, 0xff)) what = 'a JPEG image';
  else if (startsWith(bytes, 0x47, 0x49, 0x46, 0x38)) what = 'a GIF image';
  else if (startsWith(bytes, 0x52, 0x49, 0x46, 0x46) && startsWith(bytes.subarray(8), 0x57, 0x45, 0x42, 0x50)) what = 'a WebP image';
  else if (startsWith(bytes, 0x25, 0x50, 0x44, 0x46)) what = 'a PDF';
  else if (startsWith(bytes, 0x7b) || startsWith(bytes, 0x65, 0x79)) what = 'a JSON credential or JWT, not an image';
  const head = [...bytes.subarray(0, 4)].map((c) => c.toString(16).padStart(2, '0')).join(' ');
  return new LaurelError(
    'INVALID_INPUT',
    what ? `this is ${what}; only PNG and SVG images can carry a baked credential` : `not a PNG or SVG image (it starts with bytes ${head})`,
  );
}

/** SVG bytes as text: UTF-8 (BOM optional), or UTF-16 with a BOM. Invalid encodings are refused. */
export function decodeSvgBytes(bytes: Uint8Array): string {
  let encoding = 'utf-8';
  let body = bytes;
  if (startsWith(bytes, 0xef, 0xbb, 0xbf)) body = bytes.subarray(3);
  else if (startsWith(bytes, 0xfe, 0xff)) [encoding, body] = ['utf-16be', bytes.subarray(2)];
  else if (startsWith(bytes, 0xff, 0xfe)) [encoding, body] = ['utf-16le', bytes.subarray(2)];
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw new LaurelError('INVALID_INPUT', `the SVG is not valid ${encoding.toUpperCase()} text (SVG files must be UTF-8, or UTF-16 with a byte order mark)`);
  }
}
