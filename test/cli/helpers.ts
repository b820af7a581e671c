import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'laurel.mjs');
const GUARD = path.join(ROOT, 'test', 'setup', 'no-network.mjs');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Network calls the CLI attempted (the guard blocks them all). */
  network: string[];
}

/** A scratch folder with its own workspace, for one CLI scenario. */
export function scratch(prefix = 'laurel-cli-'): string {
  return mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), prefix));
}

/**
 * Runs `laurel` as a user would, in a child process, with the network guard loaded: every
 * attempted network call is blocked and logged, so a test can assert there were none.
 */
export function laurel(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {}): Promise<RunResult> {
  const log = path.join(mkdtempSync(path.join(tmpdir(), 'laurel-net-')), 'network.log');
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: `--import=${GUARD}`, LAUREL_NETWORK_LOG: log, ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: env as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const network = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
      resolve({ code: code ?? -1, stdout, stderr, network });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

export const ACHIEVEMENT = {
  id: 'https://acme.example/achievements/intro-sql',
  type: ['Achievement'],
  name: 'Intro to SQL',
  description: 'Writes basic SQL queries against a relational database.',
  criteria: { narrative: 'Passed the final quiz with **80%** or more.' },
  achievementType: 'Course',
  tag: ['sql', 'databases'],
};
