import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openKeyStore, type Signer } from '../../core/keys/index.ts';
import { Studio } from '../../core/api/index.ts';
import { insertIssuer, openWorkspaceDb, type Db } from '../../core/store/index.ts';

export const PASSPHRASE = 'a-long-test-passphrase';

export function scratchDir(prefix = 'laurel-status-'): string {
  return mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), prefix));
}

/** A Studio on a fresh workspace with an encrypted key file (no keychain needed). */
export function openStudio(dir: string = scratchDir()): Studio {
  return Studio.open({ workspace: path.join(dir, 'ws'), keystore: `file:${path.join(dir, 'keys.laurel')}`, passphrase: PASSPHRASE, face: 'test' });
}

/** The issuer's real Signer, from the same key file the Studio uses (for hand-built documents). */
export async function issuerSigner(studio: Studio, issuer: string): Promise<Signer> {
  const record = studio.findIssuer(issuer);
  const store = await openKeyStore(record.keystore as `file:${string}`, { passphrase: PASSPHRASE });
  return store.signer(record.keyRef, record.verificationMethod, record.id);
}

/** A bare workspace with issuer rows only (no keys): for allocation and state tests. */
export function bareWorkspace(issuers: Array<{ id: string; name: string; keyAlgorithm?: 'Ed25519' | 'P-256' | 'RSA-2048' }>): Db {
  const db = openWorkspaceDb(path.join(scratchDir(), 'ws'));
  const now = new Date().toISOString();
  for (const i of issuers) {
    insertIssuer(db, {
      id: i.id,
      name: i.name,
      didMethod: 'url',
      profile: { id: i.id, type: ['Profile'], name: i.name },
      keyRef: `issuer-key:${i.name}`,
      keyAlgorithm: i.keyAlgorithm ?? 'Ed25519',
      verificationMethod: `${i.id}#key-1`,
      publicKeyMultibase: 'z6MkTest',
      keystore: 'keychain',
      createdAt: now,
      updatedAt: now,
    });
  }
  return db;
}

export const ACHIEVEMENT = {
  id: 'https://acme.example/achievements/intro-sql',
  type: ['Achievement'],
  name: 'Intro to SQL',
  description: 'Writes basic SQL queries against a relational database.',
  criteria: { narrative: 'Passed the final quiz with **80%** or more.' },
};

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Network calls the CLI attempted (the guard blocks and logs them all). */
  network: string[];
}

/** Runs `laurel` in a child process with the network guard loaded, as `npm test` does for the CLI. */
export function laurel(args: string[], env: Record<string, string>): Promise<RunResult> {
  const log = path.join(scratchDir('laurel-net-'), 'network.log');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'laurel.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: `--import=${path.join(ROOT, 'test', 'setup', 'no-network.mjs')}`, LAUREL_NETWORK_LOG: log, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const network = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
      resolve({ code: code ?? -1, stdout, stderr, network });
    });
    child.stdin.end();
  });
}
