import { describe, expect, it } from 'vitest';
import { checkRoster, formatProblems, formatSummary, guessMapping, parseRoster, type RosterProblem } from '../../core/import/index.ts';

describe('formatProblems', () => {
  it('groups by line, notes the spreadsheet row when it differs, marks warnings', () => {
    const problems: RosterProblem[] = [
      { line: 14, row: 12, field: 'creditsEarned', reason: "credits earned is not a number: 'three'", severity: 'error' },
      { line: 7, row: 7, field: 'email', reason: "invalid email 'bob@'", severity: 'error' },
      { line: 14, row: 12, field: 'email', reason: 'missing email', severity: 'error' },
      { line: 1, row: 1, reason: "column name 'Email' appears 2 times (columns 2, 5); rename one to use it", severity: 'warning' },
    ];
    expect(formatProblems(problems)).toEqual([
      "line 1: warning: column name 'Email' appears 2 times (columns 2, 5); rename one to use it",
      "line 7: invalid email 'bob@'",
      'line 14 (spreadsheet row 12):',
      "  - credits earned is not a number: 'three'",
      '  - missing email',
    ]);
  });

  it('stops after `max` lines and counts the rest', () => {
    const problems: RosterProblem[] = Array.from({ length: 5 }, (_, i) => ({ line: i + 2, row: i + 2, reason: 'missing email', severity: 'error' }));
    expect(formatProblems(problems, { max: 2 })).toEqual(['line 2: missing email', 'line 3: missing email', '… and 3 more lines with problems']);
    expect(formatProblems([])).toEqual([]);
  });

  it('ends a check with a one-line summary', () => {
    const parsed = parseRoster('Name,Email\nA,a@x.org\nB,b@\nC,c@x.org\n');
    const check = checkRoster(parsed, guessMapping(parsed.headers).mapping, { identity: 'email' });
    expect(formatSummary(check)).toBe('2 of 3 learners are ready; 1 row has problems (1 error, 0 warnings).');
  });
});
