import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Studio, type CreateIssuerInput } from '../../core/api/index.ts';
import type { Db } from '../../core/store/index.ts';

/** Cheap scrypt for test key files (the default cost is tested in test/keys). */
export const TEST_SCRYPT = { N: 2 ** 12, r: 8, p: 1 };
export const PASSPHRASE = 'correct horse battery staple';

export function scratchDir(prefix: string): string {
  return mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), `${prefix}-`));
}

export function openStudio(dir: string): Studio {
  return Studio.open({
    workspace: path.join(dir, 'ws'),
    keystore: `file:${path.join(dir, 'keys.laurel')}`,
    passphrase: PASSPHRASE,
    scrypt: TEST_SCRYPT,
    face: 'test',
  });
}

export async function studioWithIssuer(prefix: string, issuer: Partial<CreateIssuerInput> = {}): Promise<{ dir: string; studio: Studio; issuerId: string }> {
  const dir = scratchDir(prefix);
  const studio = openStudio(dir);
  const created = await studio.createIssuer({ name: 'Acme Training', url: 'https://acme.example', ...issuer });
  return { dir, studio, issuerId: created.id };
}

export const ACHIEVEMENT = {
  id: 'https://acme.example/achievements/first-aid',
  name: 'First Aid',
  description: 'Gives first aid: assesses a casualty, CPR, recovery position.',
  criteria: { narrative: 'Attended the course and passed the practical assessment.' },
  achievementType: 'Certificate',
};

/** A UTF-8 CSV roster of `n` learners (Name, Email, Score). */
export function roster(n: number, header = 'Name,Email,Score', row = (i: number) => `Learner ${i},learner.${i}@example.org,${50 + (i % 50)}`): Buffer {
  const lines = [header];
  for (let i = 1; i <= n; i++) lines.push(row(i));
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

export const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

export function credentialRows(db: Db, batchId: string): Array<{ credential_id: string; format: string; body: Buffer; sha256: string; achievement_rowid: number }> {
  return db.prepare('SELECT credential_id, format, body, sha256, achievement_rowid FROM credentials WHERE batch_id = ? ORDER BY rowid_pk').all(batchId) as Array<{
    credential_id: string;
    format: string;
    body: Buffer;
    sha256: string;
    achievement_rowid: number;
  }>;
}

/**
 * verifier-core's verdict on the signature of a credential that may carry a credentialStatus:
 * offline it can't fetch the status list (reported as status_list_not_found, not fatal) nor the
 * OB JSON Schema (advisory). Those two fetches are the only network attempts allowed.
 */
export async function dccSignatureValid(credential: Record<string, unknown>): Promise<boolean> {
  const { vi, expect } = await import('vitest');
  const { verifyCredential } = await import('@digitalcredentials/verifier-core');
  const { blockedCalls } = await import('../setup/network-guard.ts');
  const statusUrl = (credential.credentialStatus as { statusListCredential?: string } | undefined)?.statusListCredential;
  const before = blockedCalls.length;
  const quiet = [vi.spyOn(console, 'error').mockImplementation(() => {}), vi.spyOn(console, 'log').mockImplementation(() => {})];
  let result: Awaited<ReturnType<typeof verifyCredential>>;
  try {
    result = await verifyCredential({ credential: credential as never, knownDIDRegistries: [] });
  } finally {
    for (const q of quiet) q.mockRestore();
  }
  for (const a of blockedCalls.slice(before)) {
    if (statusUrl && a === `fetch ${statusUrl}`) continue;
    expect(a).toMatch(/^fetch https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/schema\//);
  }
  return !result.errors?.length && result.log?.find((s) => s.id === 'valid_signature')?.valid === true;
}
