import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellWord } from '../../cli/args.ts';

describe('shellWord: suggested commands can be pasted', () => {
  it('leaves plain words alone and quotes the rest so that sh reads back the same value', () => {
    expect(shellWord('request-2026-12-04.json')).toBe('request-2026-12-04.json');
    for (const v of ['req 2.json', "it's here.json", 'a$b`c".json', 'tab\there']) {
      expect(shellWord(v)).not.toBe(v);
      expect(execFileSync('sh', ['-c', `printf %s ${shellWord(v)}`], { encoding: 'utf8' })).toBe(v);
    }
  });
});
