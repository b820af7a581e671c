import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROSTER_MAX_ROWS, decodeRoster, parseRoster, sniffDelimiter } from '../../core/import/index.ts';
import { LaurelError } from '../../core/util/errors.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/rosters');

describe('parseRoster: an Excel export (BOM, ";", CRLF, quoted commas and line breaks, blank lines)', () => {
  const bytes = new Uint8Array(readFileSync(path.join(FIXTURES, 'excel-semicolon-bom.csv')));
  const decoded = decodeRoster(bytes);
  const parsed = parseRoster(decoded.text);

  it('is read as UTF-8 with a BOM and sniffed as ";"-separated', () => {
    expect(bytes.subarray(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
    expect(decoded.text).toContain('\r\n'); // the fixture really is CRLF
    expect(decoded.encoding).toBe('utf-8-bom');
    expect(parsed.delimiter).toBe(';');
  });

  it('trims header names (leading/trailing spaces, BOM)', () => {
    expect(parsed.headers).toEqual(['Nachname', 'Vorname', 'E-Mail', 'Matrikelnummer', 'Punkte', 'Credits', 'Beginn', 'Abschlussdatum', 'Bemerkung']);
    expect(parsed.headerLine).toBe(1);
  });

  it('keeps quoted values with the delimiter, commas and line breaks intact', () => {
    const ana = parsed.records[1]!;
    expect(ana.values[0]).toBe('García, Jr.');
    expect(ana.values[8]).toBe('Great work,\nsee the portfolio');
  });

  it('skips blank lines (also ";;;;" rows) and keeps physical line numbers and spreadsheet rows', () => {
    expect(parsed.blankLines).toBe(2);
    expect(parsed.records.map((r) => [r.line, r.endLine, r.row])).toEqual([
      [2, 2, 2],
      [3, 4, 3], // a quoted value spans lines 3–4
      [6, 7, 5], // line 5 is blank (row 4); this record spans lines 6–7
      [9, 9, 7], // line 8 is ";;;;;;;;" (row 6)
      [10, 10, 8],
    ]);
  });
});

describe('parseRoster: delimiters and line breaks', () => {
  it('sniffs comma, semicolon (with decimal commas) and tab', () => {
    expect(sniffDelimiter('name,email\nA,a@x.org\n')).toBe(',');
    expect(sniffDelimiter('name;email;credits\nA;a@x.org;1,5\nB;b@x.org;2,25\n')).toBe(';');
    expect(sniffDelimiter('name\temail\nA, Jr.\ta@x.org\n')).toBe('\t');
    expect(sniffDelimiter('name,email\n"Müller; Zoë",z@x.org\n')).toBe(',');
    expect(sniffDelimiter('email\na@x.org\n')).toBe(','); // one column: nothing to sniff
  });

  it('gives the same line numbers for LF, CRLF and CR files', () => {
    const lines = ['name,email', 'A,a@x.org', '"Multi', 'line",b@x.org', '', 'C,c@x.org'];
    for (const nl of ['\n', '\r\n', '\r']) {
      const parsed = parseRoster(lines.join(nl) + nl);
      expect(parsed.records.map((r) => r.line)).toEqual([2, 3, 6]);
      expect(parsed.records[1]!.values[0]).toBe('Multi\nline');
    }
  });

  it('counts lines right after several multi-line values', () => {
    const text = 'name,email,notes\n"A\n\nB",a@x.org,"x\ny\nz"\nC,c@x.org,\n\n\nD,d@x.org,"1\n2"\nE,e@x.org,\n';
    const parsed = parseRoster(text);
    expect(parsed.records.map((r) => [r.line, r.endLine])).toEqual([
      [2, 6],
      [7, 7],
      [10, 11],
      [12, 12],
    ]);
  });

  it('finds the header after leading blank lines', () => {
    const parsed = parseRoster('\n\nname,email\nA,a@x.org\n');
    expect(parsed.headerLine).toBe(3);
    expect(parsed.headerRow).toBe(3);
    expect(parsed.records[0]).toMatchObject({ line: 4, row: 4 });
  });

  it('reports an unterminated quote on the record where it starts', () => {
    const parsed = parseRoster('name,email\nA,a@x.org\n"B,b@x.org\nC,c@x.org\n');
    const bad = parsed.records[1]!;
    expect(bad.line).toBe(3);
    expect(bad.quoteErrors?.[0]).toMatch(/quoted value starting on line 3 is never closed/);
  });

  it('reports duplicate and empty header names', () => {
    const parsed = parseRoster('Email,Name,email,,\na@x.org,A,b@x.org,stray,\n');
    const reasons = parsed.problems.map((p) => p.reason);
    expect(reasons).toContainEqual(expect.stringMatching(/column name 'Email' and 'email' appears 2 times \(columns 1, 3\)/));
    expect(reasons).toContainEqual(expect.stringMatching(/columns 4, 5 have no name.*values in column 4 are ignored/));
    expect(parsed.problems.every((p) => p.line === 1 && p.severity === 'warning')).toBe(true);
  });

  it('refuses an empty file', () => {
    expect(() => parseRoster('\n\n  \n')).toThrow(/empty/);
  });

  it('caps the number of rows with a clear message', () => {
    expect(ROSTER_MAX_ROWS).toBe(200_000);
    const text = 'email\n' + Array.from({ length: 6 }, (_, i) => `u${i}@x.org`).join('\n');
    expect(parseRoster(text, { maxRows: 6 }).records).toHaveLength(6);
    try {
      parseRoster(text, { maxRows: 5 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LaurelError);
      expect((e as LaurelError).code).toBe('INVALID_INPUT');
      expect((e as LaurelError).message).toMatch(/more than 5 rows.*Split it/);
    }
  });

  it('caps the text size', () => {
    expect(() => parseRoster('email\n' + 'a@x.org\n'.repeat(100), { maxChars: 100 })).toThrow(/too large/);
  });
});
