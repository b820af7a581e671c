import { describe, expect, it } from 'vitest';
import { FileNamer, MAX_BASE_BYTES, safeBaseName } from '../../core/issue/index.ts';

describe('safe export file names from roster values', () => {
  it('keeps ordinary names, accents (NFC) and emoji', () => {
    expect(safeBaseName('Zoë Müller', 'x')).toBe('Zoë Müller');
    expect(safeBaseName('Zoe\u0308 Mu\u0308ller', 'x')).toBe('Zoë Müller'); // macOS writes NFD
    expect(safeBaseName('Ana 🎓 Silva', 'x')).toBe('Ana 🎓 Silva');
    expect(safeBaseName('  Li   Wei  ', 'x')).toBe('Li Wei');
  });

  it('never lets a value leave the folder or hide', () => {
    for (const hostile of ['../../etc/passwd', '..\\..\\windows\\system32', '/etc/passwd', 'a/b\\c', '..', '.', '.bashrc', '...']) {
      const name = safeBaseName(hostile, 'learner 1');
      expect(name, hostile).not.toMatch(/[/\\]/);
      expect(name, hostile).not.toMatch(/^\./);
      expect(name, hostile).not.toBe('');
    }
    expect(safeBaseName('../../etc/passwd', 'x')).toBe('_.._etc_passwd');
    expect(safeBaseName('a/b\\c', 'x')).toBe('a_b_c');
    expect(safeBaseName('..', 'learner 7')).toBe('learner 7');
  });

  it('avoids Windows device names, forbidden characters, trailing dots and invisible characters', () => {
    for (const dev of ['CON', 'con', 'Prn', 'AUX', 'NUL', 'COM1', 'lpt9', 'COM¹']) expect(safeBaseName(dev, 'x')).toBe(`${dev}_`);
    expect(safeBaseName('con.txt', 'x')).toBe('con.txt_');
    expect(safeBaseName('Console', 'x')).toBe('Console');
    expect(safeBaseName('a<b>c:d"e|f?g*h', 'x')).toBe('a_b_c_d_e_f_g_h');
    expect(safeBaseName('Jr.', 'x')).toBe('Jr');
    expect(safeBaseName('evil\u202egpj.exe', 'x')).toBe('evilgpj.exe'); // no right-to-left override
    expect(safeBaseName('tab\there\u0000', 'x')).toBe('tab here');
  });

  it('bounds the length in UTF-8 bytes without splitting a character', () => {
    const long = 'Ä'.repeat(200) + '👩‍👩‍👧';
    const name = safeBaseName(long, 'x');
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_BASE_BYTES);
    expect(name).toBe('Ä'.repeat(MAX_BASE_BYTES / 2));
    const emoji = safeBaseName('👩‍👩‍👧'.repeat(20), 'x');
    expect(Buffer.byteLength(emoji)).toBeLessThanOrEqual(MAX_BASE_BYTES);
    expect(emoji.length % '👩‍👩‍👧'.length).toBe(0); // whole family sequences only
  });

  it('de-duplicates without regard to case or normalisation', () => {
    const namer = new FileNamer();
    namer.reserve('manifest');
    expect(namer.next('Ana Silva', 'a')).toBe('Ana Silva');
    expect(namer.next('ana silva', 'a')).toBe('ana silva (2)');
    expect(namer.next('ANA SILVA', 'a')).toBe('ANA SILVA (3)');
    expect(namer.next('Zoë', 'z')).toBe('Zoë');
    expect(namer.next('Zoe\u0308', 'z')).toBe('Zoë (2)');
    expect(namer.next('Manifest', 'm')).toBe('Manifest (2)');
    expect(namer.next('', 'learner 9')).toBe('learner 9');
  });
});
