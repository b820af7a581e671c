// Unbake whatever image the user dropped in: PNG or SVG, told apart by content, not by name.
import { LaurelError } from '../util/errors.ts';
import { checkSize, unbakePng } from './png.ts';
import { decodeSvgBytes, notAnImage, sniffImage } from './sniff.ts';
import { unbakeSvg } from './svg.ts';
import { DEFAULT_MAX_BYTES, type UnbakeOptions, type UnbakeResult } from './types.ts';

/** PNG or SVG by content; anything else (or nothing) is INVALID_INPUT naming what it looks like. */
export function unbake(bytes: Uint8Array, options: UnbakeOptions = {}): UnbakeResult {
  if (!(bytes instanceof Uint8Array)) throw new LaurelError('INVALID_INPUT', 'expected the image as bytes (Uint8Array)');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  checkSize(bytes, maxBytes, 'the file');
  const type = sniffImage(bytes);
  if (type === 'png') return unbakePng(bytes, { maxBytes });
  if (type === 'svg') return unbakeSvg(decodeSvgBytes(bytes), { maxBytes });
  throw notAnImage(bytes);
}
