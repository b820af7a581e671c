import { describe, expect, it } from 'vitest';
import { decodeRoster, guessLegacyEncoding, repairDoubleEncoding } from '../../core/import/index.ts';
import { LaurelError } from '../../core/util/errors.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Windows-1252 bytes for text that only uses Latin-1 letters and ASCII (enough for these fixtures). */
function cp1252(s: string): Uint8Array {
  const special: Record<string, number> = { '’': 0x92, '€': 0x80, '“': 0x93, '”': 0x94, '–': 0x96 };
  return new Uint8Array(
    [...s].map((c) => {
      if (special[c] !== undefined) return special[c]!;
      const code = c.codePointAt(0)!;
      if (code > 0xff) throw new Error(`not in the fixture's cp1252 subset: ${c}`);
      return code;
    }),
  );
}

function caught(fn: () => unknown): LaurelError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LaurelError) return e;
    throw e;
  }
  throw new Error('expected a LaurelError');
}

describe('decodeRoster: UTF-8 and UTF-16', () => {
  it('reads UTF-8 without a BOM', () => {
    const r = decodeRoster(utf8('name,email\nZoë Müller,zoe@example.org\n'));
    expect(r.encoding).toBe('utf-8');
    expect(r.text).toBe('name,email\nZoë Müller,zoe@example.org\n');
    expect(r.warnings).toEqual([]);
  });

  it('reads UTF-8 with a BOM and removes the BOM', () => {
    const r = decodeRoster(utf8('\uFEFFname;email\r\nZoë;zoe@example.org\r\n'));
    expect(r.encoding).toBe('utf-8-bom');
    expect(r.text.startsWith('name;email')).toBe(true);
  });

  it('reads UTF-16LE and UTF-16BE with a BOM', () => {
    const text = 'name\temail\r\nŁukasz Żółw\tlukasz@example.pl\r\n';
    const le = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    const beBody = Buffer.from(text, 'utf16le');
    beBody.swap16();
    const be = new Uint8Array([0xfe, 0xff, ...beBody]);
    expect(decodeRoster(le)).toMatchObject({ encoding: 'utf-16le', text });
    expect(decodeRoster(be)).toMatchObject({ encoding: 'utf-16be', text });
  });

  it('refuses UTF-16 without a BOM with a guess, rather than reading NULs', () => {
    const e = caught(() => decodeRoster(new Uint8Array(Buffer.from('name,email\nA,a@example.org\n', 'utf16le'))));
    expect(e.code).toBe('ENCODING_REQUIRED');
    expect(e.message).toMatch(/UTF-16/);
    expect(e.message).toContain('--encoding utf-16le');
  });

  it('refuses files over the size cap', () => {
    const e = caught(() => decodeRoster(utf8('x'.repeat(2000)), { maxBytes: 1024 }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/limit is 1 KB/);
  });
});

describe('decodeRoster: a Windows-1252 export', () => {
  const bytes = cp1252('Name;E-Mail\r\nAnna Schmidt;anna@example.org\r\nZoë Müller;zoe@example.org\r\nDon’t Panic;dp@example.org\r\n');

  it('is refused without an encoding, naming the guess, a decoded sample line and how to choose', () => {
    const e = caught(() => decodeRoster(bytes));
    expect(e.code).toBe('ENCODING_REQUIRED');
    expect(e.message).toContain('not UTF-8');
    expect(e.message).toContain('line 3');
    expect(e.message).toContain('Windows-1252');
    expect(e.message).toContain('"Zoë Müller;zoe@example.org"');
    expect(e.message).toContain('--encoding windows-1252');
    expect(e.details).toMatchObject({ guess: 'windows-1252', confidence: 'likely', line: 3, sample: 'Zoë Müller;zoe@example.org' });
  });

  it('is read correctly once the encoding is chosen (any WHATWG label)', () => {
    for (const label of ['windows-1252', 'cp1252', 'latin1', 'ISO-8859-1']) {
      const r = decodeRoster(bytes, { encoding: label });
      expect(r.encoding).toBe('windows-1252');
      expect(r.text).toContain('Zoë Müller;zoe@example.org');
      expect(r.text).toContain('Don’t Panic');
    }
  });

  it('behind a UTF-8 byte-order mark (added by some tool): refused, then read as the encoding chosen, with a warning', () => {
    const marked = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);
    expect(caught(() => decodeRoster(marked)).message).toMatch(/UTF-8/);
    const r = decodeRoster(marked, { encoding: 'windows-1252' });
    expect(r.encoding).toBe('windows-1252');
    expect(r.text.startsWith('Name;E-Mail')).toBe(true);
    expect(r.text).toContain('Zoë Müller;zoe@example.org');
    expect(r.warnings.map((w) => w.message).join(' ')).toMatch(/byte-order mark but is not UTF-8/);
  });

  it('maps 0x80–0x9F to € ‚ “ ” ’ … as Windows-1252 does (Node 20 TextDecoder reads them as C1 controls)', () => {
    const all = new Uint8Array([0x4e, 0x0a, ...Array.from({ length: 32 }, (_, i) => 0x80 + i)]);
    const text = decodeRoster(all, { encoding: 'windows-1252' }).text;
    expect(text).toBe('N\n€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ');
  });

  it('refuses an unknown encoding name clearly', () => {
    const e = caught(() => decodeRoster(bytes, { encoding: 'klingon-8' }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain("Unknown encoding 'klingon-8'");
    expect(e.message).toContain('windows-1252');
  });

  it('says which line is not UTF-8 when UTF-8 is chosen explicitly', () => {
    const e = caught(() => decodeRoster(bytes, { encoding: 'utf-8' }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/not valid utf-8 \(line 3\)/);
  });

  it('guesses honestly when the bytes do not look like Windows-1252', () => {
    // 0x81 and 0x8D are undefined in Windows-1252.
    const g = guessLegacyEncoding(new Uint8Array([0x61, 0x81, 0x8d, 0x62]));
    expect(g.confidence).toBe('possible');
    expect(guessLegacyEncoding(cp1252('Zoë Müller')).confidence).toBe('likely');
  });

  it('suggests Windows-1250 when bytes inside words are letters only there (Polish)', () => {
    const table = new Map<string, number>();
    const d = new TextDecoder('windows-1250');
    for (let b = 0x80; b <= 0xff; b++) table.set(d.decode(new Uint8Array([b])), b);
    const text = 'Nazwisko;E-mail\nŁukasz Żółw;lukasz@example.pl\nMałgorzata Wąsik;m@example.pl\n';
    const bytes = new Uint8Array([...text].map((c) => (c.charCodeAt(0) < 0x80 ? c.charCodeAt(0) : table.get(c)!)));
    const e = caught(() => decodeRoster(bytes));
    expect(e.code).toBe('ENCODING_REQUIRED');
    expect(e.details).toMatchObject({ guess: 'windows-1250', confidence: 'possible', line: 2, sample: 'Łukasz Żółw;lukasz@example.pl' });
    expect(e.message).toContain('--encoding windows-1250');
    expect(decodeRoster(bytes, { encoding: 'windows-1250' }).text).toBe(text);
  });

  it('lets a BOM win over a contradicting choice, with a warning', () => {
    const r = decodeRoster(utf8('\uFEFFname\nZoë\n'), { encoding: 'windows-1252' });
    expect(r.encoding).toBe('utf-8-bom');
    expect(r.text).toBe('name\nZoë\n');
    expect(r.warnings[0]!.message).toMatch(/byte-order mark.*ignored/);
  });
});

describe('double-encoded text (mojibake)', () => {
  it('warns about UTF-8 read as Windows-1252 and saved again, with lines and the repaired text', () => {
    const text = 'name,email\nAnna,a@example.org\nZoÃ« MÃ¼ller,zoe@example.org\nDonâ€™t Panic,dp@example.org\n';
    const r = decodeRoster(utf8(text));
    expect(r.warnings).toHaveLength(1);
    const w = r.warnings[0]!;
    expect(w.line).toBe(3);
    expect(w.message).toContain('Lines 3, 4');
    expect(w.message).toContain('"ZoÃ« MÃ¼ller,zoe@example.org"');
    expect(w.message).toContain('"Zoë Müller,zoe@example.org"');
  });

  it('does not flag ordinary accented text', () => {
    const clean = 'name\nZoë Müller\nÇa va\nÅngström\nCafé ©\nÉcole «Ü»\nŁódź\nNguyễn\n';
    expect(decodeRoster(utf8(clean)).warnings).toEqual([]);
    for (const line of clean.split('\n')) expect(repairDoubleEncoding(line)).toBeUndefined();
  });

  it('repairs the typical sequences', () => {
    expect(repairDoubleEncoding('Ã©cole')).toBe('école');
    expect(repairDoubleEncoding('Donâ€™t')).toBe('Don’t');
    expect(repairDoubleEncoding('StraÃŸe')).toBe('Straße');
    expect(repairDoubleEncoding('Å‚ódka')).toBe('łódka');
  });
});
