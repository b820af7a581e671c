import { describe, expect, it } from 'vitest';
import { bakePng, unbakePng } from '../../core/bake/index.ts';
import { LaurelError } from '../../core/util/errors.ts';
import {
  CLR_JSON,
  CLR_JWT,
  OB_JSON,
  OB_JWT,
  chunk,
  expectInvalid,
  insertBeforeIend,
  itxtData,
  makePng,
  parseItxt,
  pixels,
  readChunks,
} from './helpers.ts';

const cases = [
  { name: 'OB JSON', kind: 'ob', payload: OB_JSON, keyword: 'openbadgecredential', baked: 'ob3', format: 'json' },
  { name: 'OB JWT', kind: 'ob', payload: OB_JWT, keyword: 'openbadgecredential', baked: 'ob3', format: 'jwt' },
  { name: 'CLR JSON', kind: 'clr', payload: CLR_JSON, keyword: 'clrcredential', baked: 'clr2', format: 'json' },
  { name: 'CLR JWT', kind: 'clr', payload: CLR_JWT, keyword: 'clrcredential', baked: 'clr2', format: 'jwt' },
] as const;

describe('bakePng / unbakePng round trip', () => {
  for (const c of cases) {
    it(`${c.name}: one uncompressed iTXt before IEND, pixels unchanged, reads back`, () => {
      const original = makePng(8, 8);
      const baked = bakePng(original, c.payload, { kind: c.kind });

      // An independent decoder accepts the file and sees the same image.
      const before = pixels(original);
      const after = pixels(baked);
      expect([after.width, after.height]).toEqual([8, 8]);
      expect(after.data.equals(before.data)).toBe(true);

      // Hand-parse: every CRC good, exactly one iTXt, with the right keyword and flags, just before IEND.
      const chunks = readChunks(baked);
      expect(chunks.every((ch) => ch.crcOk)).toBe(true);
      expect(chunks[0]!.type).toBe('IHDR');
      expect(chunks.at(-1)!.type).toBe('IEND');
      const itxt = chunks.filter((ch) => ch.type === 'iTXt');
      expect(itxt).toHaveLength(1);
      expect(chunks.at(-2)!.type).toBe('iTXt');
      expect(parseItxt(itxt[0]!.data)).toEqual({
        keyword: c.keyword,
        compressionFlag: 0,
        compressionMethod: 0,
        language: '',
        translatedKeyword: '',
        text: c.payload,
      });

      expect(unbakePng(baked)).toEqual({ kind: c.baked, keyword: c.keyword, text: c.payload, format: c.format, container: 'png' });
    });
  }

  it('keeps the other chunks byte for byte', () => {
    const original = makePng(4, 4);
    const baked = bakePng(original, OB_JSON, { kind: 'ob' });
    const strip = (b: Uint8Array) => readChunks(b).filter((ch) => ch.type !== 'iTXt').map((ch) => Buffer.from(ch.data).toString('hex') + ch.type);
    expect(strip(baked)).toEqual(strip(original));
  });

  it('trims whitespace around a JWT (not part of a compact JWS)', () => {
    expect(unbakePng(bakePng(makePng(), `  ${OB_JWT}\n`, { kind: 'ob' })).text).toBe(OB_JWT);
  });

  it('accepts a Node Buffer and returns a Uint8Array', () => {
    const baked = bakePng(Buffer.from(makePng()), OB_JWT, { kind: 'ob' });
    expect(baked).toBeInstanceOf(Uint8Array);
    expect(unbakePng(baked).text).toBe(OB_JWT);
  });
});

describe('re-baking', () => {
  it('replaces the credential instead of adding a second one', () => {
    const once = bakePng(makePng(), OB_JSON, { kind: 'ob' });
    const twice = bakePng(once, OB_JWT, { kind: 'ob' });
    const itxt = readChunks(twice).filter((ch) => ch.type === 'iTXt');
    expect(itxt).toHaveLength(1);
    expect(unbakePng(twice).text).toBe(OB_JWT);
  });

  it('OB then CLR leaves only the CLR chunk', () => {
    const ob = bakePng(makePng(), OB_JSON, { kind: 'ob' });
    const clr = bakePng(ob, CLR_JSON, { kind: 'clr' });
    const keywords = readChunks(clr).filter((ch) => ch.type === 'iTXt').map((ch) => parseItxt(ch.data).keyword);
    expect(keywords).toEqual(['clrcredential']);
    expect(unbakePng(clr).kind).toBe('clr2');
  });

  it('removes duplicates and OB 2.0 chunks, keeps unrelated text chunks', () => {
    const dirty = insertBeforeIend(
      makePng(),
      chunk('iTXt', itxtData('openbadgecredential', '{"a":1}')),
      chunk('tEXt', new Uint8Array(Buffer.from('openbadges\0https://example.org/assertion.json', 'latin1'))),
      chunk('iTXt', itxtData('openbadgecredential', '{"a":2}')),
      chunk('iTXt', itxtData('Comment', 'made with care')),
    );
    const baked = bakePng(dirty, OB_JSON, { kind: 'ob' });
    const text = readChunks(baked).filter((ch) => ch.type === 'iTXt' || ch.type === 'tEXt');
    expect(text.map((ch) => ch.type + ':' + parseItxt(ch.data).keyword)).toEqual(['iTXt:Comment', 'iTXt:openbadgecredential']);
    expect(unbakePng(baked).text).toBe(OB_JSON);
  });

  it('drops bytes after IEND', () => {
    const withTrailer = new Uint8Array(Buffer.concat([makePng(), Buffer.from('trailing junk')]));
    const baked = bakePng(withTrailer, OB_JSON, { kind: 'ob' });
    expect(readChunks(baked).at(-1)!.type).toBe('IEND');
    expect(pixels(baked).width).toBe(8);
  });
});

describe('payload checks', () => {
  it('refuses text that is neither a JSON object nor a compact JWS', () => {
    expectInvalid(() => bakePng(makePng(), 'hello', { kind: 'ob' }), 'JSON object');
    expectInvalid(() => bakePng(makePng(), '', { kind: 'ob' }), 'empty');
    expectInvalid(() => bakePng(makePng(), '[1,2]', { kind: 'ob' }), 'JSON object');
  });

  it('refuses a CLR baked as OB and the reverse', () => {
    expectInvalid(() => bakePng(makePng(), CLR_JSON, { kind: 'ob' }), "kind 'clr'");
    expectInvalid(() => bakePng(makePng(), OB_JWT, { kind: 'clr' }), "kind 'ob'");
  });

  it('refuses an unknown kind and unpaired surrogates', () => {
    expectInvalid(() => bakePng(makePng(), OB_JSON, { kind: 'ob2' as never }), "'ob' or 'clr'");
    expectInvalid(() => bakePng(makePng(), '{"name":"\uD800"}', { kind: 'ob' }), 'surrogate');
  });

  it('refuses to bake into something that is not a valid PNG', () => {
    expectInvalid(() => bakePng(new Uint8Array(Buffer.from('<svg/>')), OB_JSON, { kind: 'ob' }), 'not a PNG (bad signature)');
    const png = makePng();
    png[20]! ^= 0xff; // inside IHDR data
    expectInvalid(() => bakePng(png, OB_JSON, { kind: 'ob' }), "bad CRC in chunk 'IHDR' at byte 8");
  });
});

describe('OB 2.0 and absent credentials', () => {
  it("recognises an OB 2.0 'openbadges' iTXt chunk", () => {
    const png = insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadges', 'https://example.org/assertions/1')));
    expect(unbakePng(png)).toMatchObject({ kind: 'ob2', keyword: 'openbadges', text: 'https://example.org/assertions/1', format: 'url' });
  });

  it("recognises an OB 2.0 'openbadges' tEXt chunk", () => {
    const png = insertBeforeIend(makePng(), chunk('tEXt', new Uint8Array(Buffer.from('openbadges\0{"type":"Assertion"}', 'latin1'))));
    expect(unbakePng(png)).toMatchObject({ kind: 'ob2', format: 'json', text: '{"type":"Assertion"}' });
  });

  it('prefers the OB 3.0 chunk when an OB 2.0 chunk is also present', () => {
    const png = insertBeforeIend(
      makePng(),
      chunk('iTXt', itxtData('openbadges', 'https://example.org/a')),
      chunk('iTXt', itxtData('openbadgecredential', OB_JSON)),
    );
    expect(unbakePng(png).kind).toBe('ob3');
  });

  it('accepts a non-empty language tag on read (liberal in what we accept)', () => {
    const png = insertBeforeIend(makePng(), chunk('iTXt', itxtData('openbadgecredential', OB_JWT, 0, 0, 'en', 'Badge')));
    expect(unbakePng(png).text).toBe(OB_JWT);
  });

  it('says NOT_FOUND for a plain PNG', () => {
    try {
      unbakePng(makePng());
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LaurelError);
      expect((e as LaurelError).code).toBe('NOT_FOUND');
    }
  });
});
