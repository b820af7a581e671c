// Fixtures for the bake tests, made in code: tiny PNGs from pngjs, sample credentials, and a
// chunk reader written separately from core/bake (bitwise CRC, no shared code) to check output.
import { PNG } from 'pngjs';
import { LaurelError } from '../../core/util/errors.ts';

export function makePng(width = 8, height = 8): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      png.data[i] = (x * 37) & 0xff;
      png.data[i + 1] = (y * 53) & 0xff;
      png.data[i + 2] = (x * y * 11) & 0xff;
      png.data[i + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

export function pixels(bytes: Uint8Array): { width: number; height: number; data: Buffer } {
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: png.data };
}

export function bitwiseCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export interface RawChunk {
  type: string;
  offset: number;
  data: Uint8Array;
  crcOk: boolean;
}

/** Independent chunk walk for assertions (trusts nothing in core/bake). */
export function readChunks(bytes: Uint8Array): RawChunk[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RawChunk[] = [];
  let off = 8;
  while (off < bytes.length) {
    const len = dv.getUint32(off);
    const type = Buffer.from(bytes.subarray(off + 4, off + 8)).toString('latin1');
    const data = bytes.subarray(off + 8, off + 8 + len);
    const crc = dv.getUint32(off + 8 + len);
    out.push({ type, offset: off, data, crcOk: crc === bitwiseCrc32(bytes.subarray(off + 4, off + 8 + len)) });
    off += 12 + len;
  }
  return out;
}

export interface ParsedItxt {
  keyword: string;
  compressionFlag: number;
  compressionMethod: number;
  language: string;
  translatedKeyword: string;
  text: string;
}

export function parseItxt(data: Uint8Array): ParsedItxt {
  const z1 = data.indexOf(0);
  const keyword = Buffer.from(data.subarray(0, z1)).toString('latin1');
  const compressionFlag = data[z1 + 1]!;
  const compressionMethod = data[z1 + 2]!;
  const z2 = data.indexOf(0, z1 + 3);
  const z3 = data.indexOf(0, z2 + 1);
  return {
    keyword,
    compressionFlag,
    compressionMethod,
    language: Buffer.from(data.subarray(z1 + 3, z2)).toString('latin1'),
    translatedKeyword: Buffer.from(data.subarray(z2 + 1, z3)).toString('utf8'),
    text: Buffer.from(data.subarray(z3 + 1)).toString('utf8'),
  };
}

/** A chunk with a correct CRC (for building hostile files that get past the CRC check). */
export function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, bitwiseCrc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function itxtData(keyword: string, text: string | Uint8Array, flag = 0, method = 0, lang = '', translated = ''): Uint8Array {
  const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return new Uint8Array(
    Buffer.concat([
      Buffer.from(keyword, 'latin1'),
      Buffer.of(0, flag, method),
      Buffer.from(lang, 'latin1'),
      Buffer.of(0),
      Buffer.from(translated, 'utf8'),
      Buffer.of(0),
      body,
    ]),
  );
}

/** Insert chunks right before IEND of a valid PNG. */
export function insertBeforeIend(png: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
  const iend = png.length - 12;
  return new Uint8Array(Buffer.concat([png.subarray(0, iend), ...chunks, png.subarray(iend)]));
}

export function expectInvalid(fn: () => unknown, message?: string | RegExp): LaurelError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof LaurelError)) {
    throw new Error(`expected a LaurelError, got ${err === undefined ? 'no error' : String(err)}`);
  }
  if (err.code !== 'INVALID_INPUT') throw new Error(`expected INVALID_INPUT, got ${err.code}: ${err.message}`);
  if (message !== undefined) {
    const ok = typeof message === 'string' ? err.message.includes(message) : message.test(err.message);
    if (!ok) throw new Error(`message ${JSON.stringify(err.message)} does not match ${String(message)}`);
  }
  return err;
}

const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export const OB_JSON = JSON.stringify(
  {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
    id: 'urn:uuid:2f0b4a7e-7f6b-4c1d-9d2e-0a1b2c3d4e5f',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: 'did:key:z6MkExample', type: ['Profile'], name: 'Laurel Academy — Zürich 🎓' },
    validFrom: '2026-01-01T00:00:00Z',
    name: 'Certified Baker',
    credentialSubject: { type: ['AchievementSubject'], achievement: { id: 'urn:uuid:1', type: ['Achievement'], name: 'Baking' } },
  },
  null,
  2,
);

export const CLR_JSON = JSON.stringify({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json'],
  id: 'urn:uuid:clr-1',
  type: ['VerifiableCredential', 'ClrCredential'],
  issuer: { id: 'did:key:z6MkExample', type: ['Profile'] },
  name: 'Transcript',
});

export const OB_JWT = `${b64u({ alg: 'RS256', typ: 'JWT', kid: 'did:key:z6MkExample#key-1' })}.${b64u({
  iss: 'did:key:z6MkExample',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  name: 'Certified Baker',
})}.c2lnbmF0dXJlLWJ5dGVz`;

export const CLR_JWT = `${b64u({ alg: 'ES256', typ: 'JWT' })}.${b64u({
  iss: 'did:key:z6MkExample',
  type: ['VerifiableCredential', 'ClrCredential'],
})}.c2lnbmF0dXJl`;
