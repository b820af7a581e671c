// Intake of a badge image chosen by the user: is it a PNG or SVG we can show and bake, and how big.
import { LaurelError } from '../util/errors.ts';
import { checkSize, parsePng } from './png.ts';
import { decodeSvgBytes, notAnImage, sniffImage } from './sniff.ts';
import { DEFAULT_IMAGE_MAX_BYTES, DEFAULT_MAX_PIXELS } from './types.ts';
import { parseXml, requireSvgRoot, type XElement } from './xml.ts';

export interface BadgeImageInfo {
  mediaType: 'image/png' | 'image/svg+xml';
  /** Pixels for PNG; for SVG the user-unit size from width/height or viewBox, or null when relative/absent. */
  width: number | null;
  height: number | null;
  bytes: Uint8Array;
}

export interface CheckBadgeImageOptions {
  /** Default 2 MB. */
  maxBytes?: number;
  /** Default 4096×4096. */
  maxPixels?: number;
}

const NUMBER = /^\s*([+]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(px)?\s*$/i;

function length(v: string | undefined): number | null {
  const m = v === undefined ? null : NUMBER.exec(v);
  return m ? Number(m[1]) : null;
}

function svgSize(root: XElement): { width: number | null; height: number | null } {
  const attr = (n: string) => root.attrs.find((a) => a.local === n && a.uri === '')?.value;
  let width = length(attr('width'));
  let height = length(attr('height'));
  const vb = attr('viewBox')?.trim().split(/[\s,]+/).map(Number);
  if (vb && vb.length === 4 && vb.every(Number.isFinite)) {
    width ??= vb[2]!;
    height ??= vb[3]!;
  }
  return { width, height };
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  const pixels = Math.ceil(width) * Math.ceil(height);
  if (pixels > maxPixels) {
    throw new LaurelError(
      'INVALID_INPUT',
      `the image is ${width}×${height} (${pixels} pixels); the limit is ${maxPixels} pixels (e.g. ${Math.floor(Math.sqrt(maxPixels))}×${Math.floor(Math.sqrt(maxPixels))})`,
    );
  }
}

/**
 * Check a badge image before it is stored or shown: PNG (chunk list valid, size from IHDR) or
 * SVG (well-formed, no DOCTYPE, root <svg>). Returns the bytes unchanged; run sanitizeSvg on an
 * SVG before showing or baking it.
 */
export function checkBadgeImage(bytes: Uint8Array, options: CheckBadgeImageOptions = {}): BadgeImageInfo {
  if (!(bytes instanceof Uint8Array)) throw new LaurelError('INVALID_INPUT', 'expected the image as bytes (Uint8Array)');
  const maxBytes = options.maxBytes ?? DEFAULT_IMAGE_MAX_BYTES;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  checkSize(bytes, maxBytes, 'the image');
  const type = sniffImage(bytes);
  if (type === 'png') {
    const info = parsePng(bytes, maxBytes);
    checkPixels(info.width, info.height, maxPixels);
    return { mediaType: 'image/png', width: info.width, height: info.height, bytes };
  }
  if (type === 'svg') {
    const root = requireSvgRoot(parseXml(decodeSvgBytes(bytes), { maxBytes }));
    const { width, height } = svgSize(root);
    if (width !== null && height !== null) checkPixels(width, height, maxPixels);
    return { mediaType: 'image/svg+xml', width, height, bytes };
  }
  throw notAnImage(bytes);
}
