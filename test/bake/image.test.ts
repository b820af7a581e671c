import { describe, expect, it } from 'vitest';
import { bakePng, bakeSvg, checkBadgeImage, unbake } from '../../core/bake/index.ts';
import { CLR_JSON, OB_JSON, OB_JWT, expectInvalid, makePng } from './helpers.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

describe('checkBadgeImage', () => {
  it('PNG: media type and size from IHDR, bytes returned as given', () => {
    const png = makePng(12, 7);
    const info = checkBadgeImage(png);
    expect(info).toMatchObject({ mediaType: 'image/png', width: 12, height: 7 });
    expect(info.bytes).toBe(png);
  });

  it('SVG: size from width/height, else viewBox, else null', () => {
    expect(checkBadgeImage(bytes(`<svg xmlns="${SVG_NS}" width="120px" height="80"/>`))).toMatchObject({ mediaType: 'image/svg+xml', width: 120, height: 80 });
    expect(checkBadgeImage(bytes(`<svg xmlns="${SVG_NS}" viewBox="0 0 64 32"/>`))).toMatchObject({ width: 64, height: 32 });
    expect(checkBadgeImage(bytes(`<svg xmlns="${SVG_NS}" width="100%"/>`))).toMatchObject({ width: null, height: null });
  });

  it('too many bytes: the message names the limit and the size found', () => {
    const png = makePng(8, 8);
    expectInvalid(() => checkBadgeImage(png, { maxBytes: 10 }), `the image is too large: ${png.length} bytes; the limit is 10 bytes`);
    expectInvalid(() => checkBadgeImage(new Uint8Array(3 * 1024 * 1024)), 'the limit is 2 MB');
  });

  it('too many pixels: the message names the limit and the size found', () => {
    expectInvalid(() => checkBadgeImage(makePng(20, 10), { maxPixels: 100 }), 'the image is 20×10 (200 pixels); the limit is 100 pixels');
    expectInvalid(() => checkBadgeImage(bytes(`<svg xmlns="${SVG_NS}" width="100000" height="100000"/>`)), 'the limit is 16777216 pixels');
  });

  it('a PNG header claiming huge dimensions is refused without decoding', () => {
    const png = makePng(1, 1);
    const dv = new DataView(png.buffer, png.byteOffset);
    dv.setUint32(16, 100_000);
    dv.setUint32(20, 100_000);
    // Fix the IHDR CRC so only the size check can object.
    let crc = 0xffffffff;
    for (const b of png.subarray(12, 29)) {
      crc ^= b;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
    dv.setUint32(29, (crc ^ 0xffffffff) >>> 0);
    expectInvalid(() => checkBadgeImage(png), 'the image is 100000×100000 (10000000000 pixels)');
  });

  it('other formats get a message that names them', () => {
    expectInvalid(() => checkBadgeImage(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0)), 'this is a JPEG image');
    expectInvalid(() => checkBadgeImage(bytes('GIF89a')), 'this is a GIF image');
    expectInvalid(() => checkBadgeImage(bytes('hello')), 'not a PNG or SVG image');
    expectInvalid(() => checkBadgeImage(new Uint8Array(0)), 'the file is empty');
    expectInvalid(() => checkBadgeImage(bytes('<html/>')), 'not an SVG');
  });
});

describe('unbake (sniffing)', () => {
  it('reads a baked PNG and a baked SVG', () => {
    expect(unbake(bakePng(makePng(), OB_JWT, { kind: 'ob' }))).toMatchObject({ kind: 'ob3', container: 'png', format: 'jwt' });
    const svg = bakeSvg(`<svg xmlns="${SVG_NS}"/>`, CLR_JSON, { kind: 'clr' });
    expect(unbake(bytes(svg))).toMatchObject({ kind: 'clr2', container: 'svg', text: CLR_JSON });
  });

  it('SVG with a BOM and leading whitespace, and UTF-16', () => {
    const svg = bakeSvg(`<svg xmlns="${SVG_NS}"/>`, OB_JSON, { kind: 'ob' });
    const withBom = new Uint8Array(Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from('\n  ' + svg)]));
    expect(unbake(withBom).text).toBe(OB_JSON);
    const utf16 = new Uint8Array(Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(svg, 'utf16le')]));
    expect(unbake(utf16).text).toBe(OB_JSON);
  });

  it('neither PNG nor SVG, or empty', () => {
    expectInvalid(() => unbake(bytes(OB_JSON)), 'a JSON credential or JWT, not an image');
    expectInvalid(() => unbake(new Uint8Array(0)), 'the file is empty');
    expectInvalid(() => unbake(Uint8Array.of(0x89, 0x50)), 'truncated PNG');
  });
});
