import { expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isLaurelError, type ErrorCode, type LaurelError } from '../../core/util/errors.ts';

/** Cheap scrypt for tests that write many files. One test per store checks the default cost. */
export const TEST_SCRYPT = { N: 2 ** 12, r: 8, p: 1 };

export const KEYRING = process.env.LAUREL_TEST_KEYRING === '1';

export function scratchDir(prefix: string): string {
  const base = process.env.LAUREL_TEST_SCRATCH ?? tmpdir();
  return mkdtempSync(path.join(base, `${prefix}-`));
}

export function expectLaurelError(fn: () => unknown, code: ErrorCode): LaurelError {
  try {
    fn();
  } catch (e) {
    if (!isLaurelError(e)) throw e;
    expect(e.code, e.message).toBe(code);
    return e;
  }
  throw new Error(`expected a LaurelError ${code}, nothing was thrown`);
}

export async function expectLaurelRejection(p: Promise<unknown>, code: ErrorCode): Promise<LaurelError> {
  try {
    await p;
  } catch (e) {
    if (!isLaurelError(e)) throw e;
    expect(e.code, e.message).toBe(code);
    return e;
  }
  throw new Error(`expected a LaurelError ${code}, the promise resolved`);
}

/** A unique keychain service per test file so parallel files and runs never share items. */
export function testService(label: string): string {
  return `Laurel Studio Test ${label} ${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
