// The badge image used when the user gives none: a flat rosette with a star, no text (text would
// need fonts and a language). The SVG ships in resources/badges/; the PNG is drawn from the same
// geometry here (no rasterizer needed), deterministically, so a batch exports the same bytes on
// every run and resume.
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { crc32 } from '../bake/crc32.ts';
import { resourcePath } from '../util/resources.ts';

const SIZE = 256;
const C = SIZE / 2;
const COLORS = {
  rosette: [0x1f, 0x5c, 0x45],
  disc: [0x2e, 0x7d, 0x5b],
  light: [0xf3, 0xe9, 0xc6],
} as const;
const hex = (c: readonly number[]): string => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');

/** A star polygon around the centre: `points` tips at `outer`, valleys at `inner`, first tip straight up. */
function starPoints(points: number, outer: number, inner: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < points * 2; i++) {
    const r = i % 2 === 0 ? outer : inner;
    const a = -Math.PI / 2 + (i * Math.PI) / points;
    out.push([Math.round((C + r * Math.cos(a)) * 100) / 100, Math.round((C + r * Math.sin(a)) * 100) / 100]);
  }
  return out;
}

const ROSETTE = starPoints(24, 124, 110);
const DISC_R = 98;
const RING_R = 86;
const RING_W = 6;
const STAR = starPoints(5, 50, 20);

export const DEFAULT_BADGE_SVG_FILE = 'default-badge.svg';

/** The SVG text of the default badge (what resources/badges/default-badge.svg holds). */
export function renderDefaultBadgeSvg(): string {
  const pts = (p: Array<[number, number]>) => p.map(([x, y]) => `${x},${y}`).join(' ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">`,
    `  <title>Badge</title>`,
    `  <polygon points="${pts(ROSETTE)}" fill="${hex(COLORS.rosette)}"/>`,
    `  <circle cx="${C}" cy="${C}" r="${DISC_R}" fill="${hex(COLORS.disc)}"/>`,
    `  <circle cx="${C}" cy="${C}" r="${RING_R}" fill="none" stroke="${hex(COLORS.light)}" stroke-width="${RING_W}"/>`,
    `  <polygon points="${pts(STAR)}" fill="${hex(COLORS.light)}"/>`,
    `</svg>`,
    '',
  ].join('\n');
}

/** The shipped default badge SVG. */
export function defaultBadgeSvg(): Uint8Array {
  return readFileSync(resourcePath('badges', DEFAULT_BADGE_SVG_FILE));
}

/** Where a horizontal line at `y` crosses the polygon's edges, sorted: a point is inside when an odd number lie left of it. */
function crossings(y: number, poly: Array<[number, number]>): number[] {
  const xs: number[] = [];
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y) xs.push(((xj - xi) * (y - yi)) / (yj - yi) + xi);
  }
  return xs.sort((p, q) => p - q);
}

function inside(x: number, xs: readonly number[]): boolean {
  let n = 0;
  while (n < xs.length && xs[n]! < x) n++;
  return n % 2 === 1;
}

/** The colour at a point, painting the shapes in SVG order; undefined where nothing is drawn. */
function colorAt(x: number, y: number, star: readonly number[], rosette: readonly number[]): readonly number[] | undefined {
  const dx = x - C;
  const dy = y - C;
  const d = Math.sqrt(dx * dx + dy * dy);
  if (d > 125) return undefined;
  if (inside(x, star)) return COLORS.light;
  if (Math.abs(d - RING_R) <= RING_W / 2) return COLORS.light;
  if (d <= DISC_R) return COLORS.disc;
  if (inside(x, rosette)) return COLORS.rosette;
  return undefined;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + data.length) >>> 0, 8 + data.length);
  return out;
}

let png: Uint8Array | undefined;

/** The default badge as an RGBA PNG, 4×4 supersampled (drawn once per process). */
export function defaultBadgePng(): Uint8Array {
  if (png) return png;
  const S = 4;
  const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  for (let y = 0; y < SIZE; y++) {
    const row = y * (SIZE * 4 + 1); // filter byte 0 (None) first
    // Scanline fill: edge crossings once per sample row, not a polygon test per sample.
    const lines = Array.from({ length: S }, (_, sy) => ({ star: crossings(y + (sy + 0.5) / S, STAR), rosette: crossings(y + (sy + 0.5) / S, ROSETTE) }));
    for (let x = 0; x < SIZE; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let sy = 0; sy < S; sy++) {
        const { star, rosette } = lines[sy]!;
        for (let sx = 0; sx < S; sx++) {
          const c = colorAt(x + (sx + 0.5) / S, y + (sy + 0.5) / S, star, rosette);
          if (!c) continue;
          r += c[0]!;
          g += c[1]!;
          b += c[2]!;
          n++;
        }
      }
      const o = row + 1 + x * 4;
      if (n > 0) {
        raw[o] = Math.round(r / n);
        raw[o + 1] = Math.round(g / n);
        raw[o + 2] = Math.round(b / n);
        raw[o + 3] = Math.round((255 * n) / (S * S));
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
  return png;
}
