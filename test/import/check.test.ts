import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkRoster,
  decodeRoster,
  guessMapping,
  parseRoster,
  type CheckOptions,
  type RosterCheck,
  type RosterMapping,
} from '../../core/import/index.ts';
import { LaurelError } from '../../core/util/errors.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/rosters');

/** Parses `text`, maps with the guess (plus `extra`), checks. */
function check(text: string, options: CheckOptions = { identity: 'email' }, extra: RosterMapping = {}): RosterCheck {
  const parsed = parseRoster(text);
  return checkRoster(parsed, { ...guessMapping(parsed.headers).mapping, ...extra }, options);
}

/** "line: reason" pairs, errors only. */
const errors = (c: RosterCheck): string[] => c.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}: ${p.reason}`);

/** Every record is either a good row or has at least one error: nothing vanishes. */
function expectNothingDropped(c: RosterCheck): void {
  const errorRows = new Set(c.problems.filter((p) => p.severity === 'error' && p.row > 1).map((p) => p.row));
  expect(c.rows.length + errorRows.size).toBe(c.stats.records);
  expect(c.stats.rejected).toBe(errorRows.size);
  for (const r of c.rows) expect(errorRows.has(r.row)).toBe(false);
}

describe('checkRoster on the Excel fixture', () => {
  const parsed = parseRoster(decodeRoster(new Uint8Array(readFileSync(path.join(FIXTURES, 'excel-semicolon-bom.csv')))).text);
  const guess = guessMapping(parsed.headers);
  const c = checkRoster(parsed, guess.mapping, { identity: 'email' });

  it('keeps the good rows, normalised', () => {
    expect(c.rows.map((r) => r.line)).toEqual([2, 3, 6]);
    expect(c.rows[0]).toEqual({
      line: 2,
      endLine: 2,
      row: 2,
      name: 'Zoë Müller',
      givenName: 'Zoë',
      familyName: 'Müller',
      email: 'zoe.mueller@example.org',
      emailKey: 'zoe.mueller@example.org',
      learnerId: 'S-001',
      resultValue: '92',
      creditsEarned: 1.5, // decimal comma in a ";" file
      activityStartDate: '2024-09-02',
      activityEndDate: '2024-12-20',
    });
    expect(c.rows[1]).toMatchObject({ name: 'Ana García, Jr.', narrative: 'Great work,\nsee the portfolio', creditsEarned: 2 });
    // A line break inside a name cell becomes a space.
    expect(c.rows[2]).toMatchObject({ name: "Seán Patrick O'Brien", givenName: 'Seán Patrick', line: 6, endLine: 7 });
  });

  it('reports each bad value on its own line, and the duplicate that differs only in case', () => {
    expect(errors(c)).toEqual([
      "9: invalid email 'bob@'",
      "9: credits earned is not a number: 'three'",
      "9: activity start date is not a date: '31/31/2024'",
      '10: duplicate learner: same email as line 2 (differs only in case)',
    ]);
    const dup = c.problems.find((p) => p.reason.startsWith('duplicate'))!;
    expect(dup).toMatchObject({ row: 8, field: 'email', column: 'E-Mail', value: 'ZOE.MUELLER@example.org' });
    expect(c.stats).toMatchObject({ records: 5, good: 3, rejected: 2, errors: 4, warnings: 0, blankLines: 2, delimiter: ';' });
    expectNothingDropped(c);
  });
});

describe('checkRoster: each kind of problem, with line numbers', () => {
  it('missing, invalid and duplicate emails', () => {
    const c = check(
      [
        'Name,Email',
        'Ann,ann@example.org',
        'Bob,',
        'Cy,bob@',
        'Di,di @example.org',
        'Ed,"Ed <ed@example.org>"',
        'Flo,flo@@example.org',
        'Gus,gus@example',
        'Hal,ANN@Example.org',
        'Ivy,ann@example.org',
        'Zoë,zoë@müller.de',
        'Zed,zoë@xn--mller-kva.de',
      ].join('\n'),
    );
    expect(errors(c)).toEqual([
      '3: missing email',
      "4: invalid email 'bob@'",
      "5: invalid email 'di @example.org' (contains a space)",
      "6: invalid email 'Ed <ed@example.org>' (put only the address, not the name)",
      "7: invalid email 'flo@@example.org' (more than one @)",
      "8: invalid email 'gus@example'",
      '9: duplicate learner: same email as line 2 (differs only in case)',
      '10: duplicate learner: same email as line 2',
      "12: duplicate learner: same email as line 11 (written 'zoë@müller.de' there)",
    ]);
    expect(c.rows.find((r) => r.line === 11)).toMatchObject({ email: 'zoë@müller.de', emailKey: 'zoë@xn--mller-kva.de' });
    expectNothingDropped(c);
  });

  it('DIDs and https subject ids', () => {
    const c = check(
      [
        'Name,DID',
        'A,did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
        'B,did:web:example.com:users:alice',
        'C,did:example:abc%20def',
        'D,https://example.org/learners/42',
        'E,did:foo',
        'F,did:KEY:z6Mk',
        'G,did:web:example.com#key-1',
        'H,http://example.org/learners/9',
        'I,urn:uuid:1234',
        'J,alice',
        'K,did:web:example.com:users:alice',
        'L,did:example:abc:',
      ].join('\n'),
      { identity: 'did' },
    );
    expect(c.rows.map((r) => r.did)).toEqual([
      'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      'did:web:example.com:users:alice',
      'did:example:abc%20def',
      'https://example.org/learners/42',
    ]);
    expect(errors(c)).toEqual([
      "6: not a DID: 'did:foo'",
      "7: not a DID: 'did:KEY:z6Mk' (the \"did:\" prefix and method name are lowercase)",
      "8: not a DID: 'did:web:example.com#key-1' (that is a DID URL; use the DID without path, query or fragment)",
      "9: subject id must be a DID or an https URL, not http: 'http://example.org/learners/9'",
      "10: not a DID or an https URL: 'urn:uuid:1234'",
      "11: not a DID or an https URL: 'alice'",
      '12: duplicate learner: same DID as line 3',
      "13: not a DID: 'did:example:abc:'",
    ]);
    expectNothingDropped(c);
  });

  it('missing identity per chosen identity, and duplicate learner ids', () => {
    const c = check(['Student ID,Name,DID', 'S1,A,', ',B,', 'S1,C,', 's1,D,'].join('\n'), { identity: 'learnerId' });
    expect(errors(c)).toEqual(['3: missing learner id', '4: duplicate learner: same learner id as line 2']);
    expect(c.rows.map((r) => r.learnerId)).toEqual(['S1', 's1']);
    const d = check(['Name,DID', 'A,'].join('\n'), { identity: 'did' });
    expect(errors(d)).toEqual(['2: missing DID']);
  });

  it('numbers: decimal comma only in ";" files, no negatives, no words', () => {
    const semi = check(['Email;Credits', 'a@x.org;1,5', 'b@x.org;2.25', 'c@x.org;three', 'd@x.org;-1', 'e@x.org;1.000,5'].join('\n'));
    expect(semi.rows.map((r) => r.creditsEarned)).toEqual([1.5, 2.25]);
    expect(errors(semi)).toEqual([
      "4: credits earned is not a number: 'three'",
      "5: credits earned can't be negative: '-1'",
      "6: credits earned is not a number: '1.000,5'",
    ]);
    const comma = check(['Email,Credits', 'a@x.org,"1,5"', 'b@x.org,3'].join('\n'));
    expect(errors(comma)).toEqual(["2: credits earned is not a number: '1,5' (write decimals with a point, e.g. 1.5)"]);
  });

  it('dates: ISO and YYYY/MM/DD accepted; day/month forms refused with a reason', () => {
    const c = check(
      [
        'Email,Start date,End date',
        'a@x.org,2024-09-02,2024-12-20T16:30:00Z',
        'b@x.org,2024/9/2,2024-12-20 16:30',
        'c@x.org,2024-09-02T09:00+0200,',
        'd@x.org,31/31/2024,',
        'e@x.org,03/04/2024,',
        'f@x.org,31.12.2024,',
        'g@x.org,2024-02-30,',
        'h@x.org,45292,',
        'i@x.org,2024-12-20,2024-09-02',
        'j@x.org,12/31/24,',
        'k@x.org,next monday,',
      ].join('\n'),
    );
    expect(c.rows.map((r) => [r.activityStartDate, r.activityEndDate])).toEqual([
      ['2024-09-02', '2024-12-20T16:30:00Z'],
      ['2024-09-02', '2024-12-20T16:30:00'],
      ['2024-09-02T09:00:00+02:00', undefined],
    ]);
    expect(errors(c)).toEqual([
      "5: activity start date is not a date: '31/31/2024'",
      "6: activity start date is ambiguous: '03/04/2024' could be 2024-04-03 or 2024-03-04; write dates as YYYY-MM-DD",
      "7: activity start date must be written as YYYY-MM-DD: '31.12.2024' (probably 2024-12-31)",
      "8: activity start date is not a date: '2024-02-30'",
      "9: activity start date is not a date: '45292' (a spreadsheet date number; format the column as YYYY-MM-DD before exporting)",
      '10: activity end date 2024-09-02 is before the start date 2024-12-20',
      "11: activity start date must be written as YYYY-MM-DD: '12/31/24'",
      "12: activity start date is not a date: 'next monday'",
    ]);
  });

  it('evidence URLs must be http(s)', () => {
    const c = check(['Email,Evidence', 'a@x.org,https://example.org/work/1', 'b@x.org,ftp://example.org/x', 'c@x.org,my portfolio', 'd@x.org,http://example.org/w'].join('\n'));
    expect(errors(c)).toEqual([
      "3: evidence URL is not an http(s) URL: 'ftp://example.org/x'",
      "4: evidence URL is not an http(s) URL: 'my portfolio'",
    ]);
  });

  it('names: missing, composed from given and family, whitespace tidied', () => {
    const c = check(['First name,Last name,Email', 'Ann,Lee,a@x.org', ',,b@x.org', 'Cher,,c@x.org', '  Dee  , Van   Dyke ,d@x.org'].join('\n'));
    expect(errors(c)).toEqual(['3: missing name']);
    expect(c.rows.map((r) => r.name)).toEqual(['Ann Lee', 'Cher', 'Dee Van Dyke']);
  });

  it('counts lines right for problems after (and inside) a multi-line quoted value', () => {
    const text = [
      'Name,Notes,Email,Credits',
      'Ann,"line one',
      'line two',
      'line three",ann@,x', // the bad email and credits sit on line 4, the record starts on line 2
      'Bob,,,2',
      '"Cy',
      'Jr.",ok,cy@x.org,1',
      'Di,,di@,1',
    ].join('\r\n');
    const c = check(text);
    expect(errors(c)).toEqual([
      "4: invalid email 'ann@'",
      "4: credits earned is not a number: 'x'",
      '5: missing email',
      "8: invalid email 'di@'",
    ]);
    expect(c.problems.find((p) => p.line === 4)!.row).toBe(2);
    expect(c.problems.find((p) => p.line === 8)!.row).toBe(5);
    expect(c.rows[0]).toMatchObject({ name: 'Cy Jr.', line: 6, endLine: 7 });
  });

  it('rows with too many or too few values, and broken quotes', () => {
    const c = check(['Name,Email,Credits', 'Ann,a@x.org,1,extra', 'Bob,b@x.org,1,', 'Cy,c@x.org', 'Di', 'Eve,"e@x.org,1', 'Fay,f@x.org,1'].join('\n'));
    expect(errors(c)).toEqual([
      "2: line has 4 values but the header has 3 columns; a value that contains ',' must be in quotes",
      "4: line has 2 values but the header has 3 columns (no value for 'Credits')",
      "5: line has 1 value but the header has 3 columns (no value for 'Email', 'Credits')",
      '5: missing email',
      '6: a quoted value starting on line 6 is never closed, so lines 6–7 were read as one value',
    ]);
    expect(c.rows.map((r) => r.line)).toEqual([3]); // a trailing empty value is fine
    expectNothingDropped(c);
  });

  it('double-encoded names are errors by default, warnings on request', () => {
    const text = ['Name,Email', 'ZoÃ« MÃ¼ller,zoe@x.org', 'Zoë Müller,zoe2@x.org'].join('\n');
    const strict = check(text);
    expect(errors(strict)).toEqual(["2: name looks double-encoded: 'ZoÃ« MÃ¼ller' was probably 'Zoë Müller'; fix the file's encoding"]);
    const lenient = check(text, { identity: 'email', doubleEncoding: 'warning' });
    expect(lenient.rows).toHaveLength(2);
    expect(lenient.stats.warnings).toBe(1);
  });

  it('refuses control characters in names and text', () => {
    const c = check(['Name,Email,Comments', '"A\u0000B",a@x.org,', 'C,c@x.org,"fine\nwith a break"', 'D,d@x.org,"bell\u0007"'].join('\n'));
    expect(errors(c)).toEqual(["2: name contains control characters: 'A\\u{0}B'", "5: narrative contains control characters: 'bell\\u{7}'"]);
    expect(c.rows[0]!.narrative).toBe('fine\nwith a break');
  });

  it('quotes hostile values safely in reasons (no raw control or bidi characters)', () => {
    const c = check(['Name,Email', 'A,"\u001b[31mevil\u202e@x.org"'].join('\n'));
    const reason = c.problems[0]!.reason;
    expect(reason).not.toMatch(/[\u001b\u202e]/);
    expect(reason).toContain('\\u{1b}');
  });
});

describe('checkRoster: a mapping that cannot work is refused up front', () => {
  const parsed = parseRoster('Name,Email,Email,Student ID\nA,a@x.org,b@x.org,S1\n');

  it('needs a column for the chosen identity', () => {
    try {
      checkRoster(parsed, { name: 'Name' }, { identity: 'did' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LaurelError);
      expect((e as LaurelError).code).toBe('INVALID_INPUT');
      expect((e as LaurelError).message).toMatch(/no column is mapped to did.*--map did=<column>.*'Student ID'/);
    }
  });

  it('refuses unknown and duplicated columns', () => {
    expect(() => checkRoster(parsed, { email: 'Mail' }, { identity: 'email' })).toThrow(/mapped to 'Mail', but the file has no such column/);
    expect(() => checkRoster(parsed, { email: 'Email' }, { identity: 'email' })).toThrow(/appears 2 times in the header; rename one/);
    expect(checkRoster(parsed, { learnerId: 'Student ID' }, { identity: 'learnerId' }).rows).toHaveLength(1);
  });
});

describe('end to end: a Windows-1252 roster', () => {
  it('is checked correctly once its encoding is chosen', () => {
    const text = 'Name;E-Mail;Credits\r\nZoë Müller;zoe@example.org;1,5\r\nRenée Faÿ;renee@example.org;2\r\n';
    const bytes = new Uint8Array([...text].map((c) => c.charCodeAt(0))); // all Latin-1, so one byte each
    expect(() => decodeRoster(bytes)).toThrow(/not UTF-8/);
    const parsed = parseRoster(decodeRoster(bytes, { encoding: 'windows-1252' }).text);
    const c = checkRoster(parsed, guessMapping(parsed.headers).mapping, { identity: 'email' });
    expect(c.problems).toEqual([]);
    expect(c.rows.map((r) => [r.name, r.email, r.creditsEarned])).toEqual([
      ['Zoë Müller', 'zoe@example.org', 1.5],
      ['Renée Faÿ', 'renee@example.org', 2],
    ]);
  });
});
