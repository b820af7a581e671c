// Hostile PNGs: every one must end in LaurelError('INVALID_INPUT') with a precise message, fast,
// without inflating anything or allocating by a claimed length.
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bakePng, unbakePng, unbake } from '../../core/bake/index.ts';
import { LaurelError } from '../../core/util/errors.ts';
import { OB_JSON, chunk, expectInvalid, insertBeforeIend, itxtData, makePng, readChunks } from './helpers.ts';

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function setU32(b: Uint8Array, off: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(off, v);
}

describe('hostile PNG input', { timeout: 60_000 }, () => {
  it('zero-length file', () => {
    expectInvalid(() => unbakePng(new Uint8Array(0)), 'not a PNG (the file is empty)');
  });

  it('file cut inside the signature', () => {
    for (let n = 1; n < 8; n++) expectInvalid(() => unbakePng(new Uint8Array(PNG_SIG.subarray(0, n))), 'ends inside the 8-byte signature');
  });

  it('bad signature', () => {
    expectInvalid(() => unbakePng(new Uint8Array(Buffer.from('GIF89a........'))), 'not a PNG (bad signature)');
  });

  it('a chunk length past the end of the file', () => {
    const png = makePng();
    const idat = readChunks(png).find((c) => c.type === 'IDAT')!;
    const cut = png.subarray(0, idat.offset + 20);
    expectInvalid(
      () => unbakePng(cut),
      `truncated PNG: chunk 'IDAT' at byte ${idat.offset} claims ${idat.data.length} bytes but the file ends at ${cut.length}`,
    );
  });

  it('a huge claimed length (2^31-1) is refused without allocating', () => {
    const png = makePng();
    const idat = readChunks(png).find((c) => c.type === 'IDAT')!;
    const copy = new Uint8Array(png);
    setU32(copy, idat.offset, 0x7fffffff);
    expectInvalid(() => unbakePng(copy), `chunk 'IDAT' at byte ${idat.offset} claims 2147483647 bytes but the file ends at ${copy.length}`);
    setU32(copy, idat.offset, 0xffffffff);
    expectInvalid(() => unbakePng(copy), 'more than the PNG limit of 2^31-1');
  });

  it('a chunk header cut off', () => {
    const png = makePng();
    expectInvalid(() => unbakePng(png.subarray(0, 8 + 25 + 3)), 'chunk header at byte 33 is cut off');
  });

  it('a missing IEND', () => {
    const png = makePng();
    expectInvalid(() => unbakePng(png.subarray(0, png.length - 12)), 'truncated PNG: no IEND chunk');
  });

  it('a bad CRC in the credential chunk', () => {
    const png = insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadgecredential', OB_JSON)));
    const itxt = readChunks(png).find((c) => c.type === 'iTXt')!;
    png[itxt.offset + 8 + 30]! ^= 0x01;
    expectInvalid(() => unbakePng(png), `bad CRC in chunk 'iTXt' at byte ${itxt.offset}`);
  });

  it('several openbadgecredential chunks', () => {
    const png = insertBeforeIend(
      makePng(),
      chunk('iTXt', itxtData('openbadgecredential', OB_JSON)),
      chunk('iTXt', itxtData('openbadgecredential', OB_JSON)),
    );
    expectInvalid(() => unbakePng(png), 'several openbadgecredential chunks');
  });

  it('both an OB 3.0 and a CLR chunk', () => {
    const png = insertBeforeIend(
      makePng(),
      chunk('iTXt', itxtData('openbadgecredential', OB_JSON)),
      chunk('iTXt', itxtData('clrcredential', OB_JSON)),
    );
    expectInvalid(() => unbakePng(png), 'both an openbadgecredential and a clrcredential chunk');
  });

  it('a compressed iTXt credential chunk is refused, never inflated (even a deflate bomb)', () => {
    // 64 MB of zeros deflates to ~64 KB; inflating it is exactly what we must not do.
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024));
    const png = insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadgecredential', bomb, 1, 0)));
    expectInvalid(() => unbakePng(png), 'compressed iTXt credential chunks are not allowed by OB 3.0');
    const ob2 = insertBeforeIend(makePng(), chunk('zTXt', new Uint8Array(Buffer.concat([Buffer.from('openbadges\0\0'), bomb]))));
    expectInvalid(() => unbakePng(ob2), 'compressed credential chunks are not allowed');
  });

  it('a tEXt chunk with the OB 3.0 keyword', () => {
    const png = insertBeforeIend(makePng(), chunk('tEXt', new Uint8Array(Buffer.from(`openbadgecredential\0${OB_JSON}`, 'latin1'))));
    expectInvalid(() => unbakePng(png), 'OB 3.0 requires an uncompressed iTXt chunk');
  });

  it('malformed iTXt fields', () => {
    const noLang = insertBeforeIend(makePng(), chunk('iTXt', new Uint8Array(Buffer.from('openbadgecredential\0\0\0en'))));
    expectInvalid(() => unbakePng(noLang), 'language tag has no terminator');
    const short = insertBeforeIend(makePng(), chunk('iTXt', new Uint8Array(Buffer.from('openbadgecredential\0'))));
    expectInvalid(() => unbakePng(short), 'ends before the compression fields');
    const badFlag = insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadgecredential', OB_JSON, 7)));
    expectInvalid(() => unbakePng(badFlag), 'compression flag is 7');
    const badUtf8 = insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadgecredential', Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d))));
    expectInvalid(() => unbakePng(badUtf8), 'not valid UTF-8');
  });

  it('first chunk not IHDR, invalid chunk type, bad IHDR', () => {
    const noIhdr = new Uint8Array(Buffer.concat([PNG_SIG, chunk('IDAT', new Uint8Array(4)), chunk('IEND', new Uint8Array(0))]));
    expectInvalid(() => unbakePng(noIhdr), "the first chunk is 'IDAT', not IHDR");
    const badType = new Uint8Array(makePng());
    badType[8 + 4] = 0x31; // '1' in 'IHDR'
    expectInvalid(() => unbakePng(badType), 'invalid type');
    const zeroSize = new Uint8Array(Buffer.concat([PNG_SIG, chunk('IHDR', new Uint8Array(13)), chunk('IDAT', new Uint8Array(4)), chunk('IEND', new Uint8Array(0))]));
    expectInvalid(() => unbakePng(zeroSize), 'impossible dimensions 0×0');
    const noIdat = new Uint8Array(Buffer.concat([PNG_SIG, chunk('IHDR', new Uint8Array(13)), chunk('IEND', new Uint8Array(0))]));
    expectInvalid(() => unbakePng(noIdat), 'no image data');
  });

  it('many chunks: a cap with a message, and no slowdown below it', () => {
    const png = makePng();
    const head = png.subarray(0, png.length - 12);
    const tiny = chunk('prIv', new Uint8Array(0));
    const many = (n: number) => new Uint8Array(Buffer.concat([head, ...Array.from({ length: n }, () => tiny), png.subarray(png.length - 12)]));
    expect(() => unbakePng(many(50_000))).toThrow(/no baked credential/);
    expectInvalid(() => unbakePng(many(100_001)), 'more than 100000 chunks');
  });

  it('a size cap on the whole input, with the limit in the message', () => {
    const big = new Uint8Array(21 * 1024 * 1024);
    big.set(PNG_SIG);
    expectInvalid(() => unbakePng(big), 'the limit is 20 MB');
    expectInvalid(() => unbake(big), 'the limit is 20 MB');
    expectInvalid(() => unbakePng(makePng(), { maxBytes: 50 }), /too large: \d+ bytes; the limit is 50 bytes/);
    expectInvalid(() => bakePng(makePng(), OB_JSON, { kind: 'ob', maxBytes: 50 }), 'the limit is 50 bytes');
  });

  it('not bytes at all', () => {
    expectInvalid(() => unbakePng('hello' as unknown as Uint8Array), 'Uint8Array');
  });

  it('every truncation of a baked PNG is a typed error', () => {
    const baked = bakePng(makePng(), OB_JSON, { kind: 'ob' });
    for (let n = 0; n < baked.length; n++) {
      expectInvalid(() => unbakePng(baked.subarray(0, n)));
    }
  });

  it('random byte corruption never escapes as anything but a LaurelError', () => {
    const baked = bakePng(makePng(), OB_JSON, { kind: 'ob' });
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 2000; round++) {
      const copy = new Uint8Array(baked);
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
      try {
        unbakePng(copy);
      } catch (e) {
        expect(e).toBeInstanceOf(LaurelError);
      }
    }
  });
});
