/**
 * `npm start` (scripts/start.mjs) both ways: with no Electron binary it says so in one line and
 * serves the studio to the browser; with one (a stand-in script here, through Electron's own
 * ELECTRON_OVERRIDE_DIST_PATH) it builds the shell and starts it on dist/electron/main.mjs with
 * the Electron build of the database module.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronVersion } from '../../scripts/electron-runtime.ts';
import { ensureRendererBuilt, ROOT } from '../../scripts/ui-build.ts';

let scratch: string;

beforeAll(async () => {
  await ensureRendererBuilt();
  scratch = mkdtempSync(path.join(process.env.LAUREL_TEST_SCRATCH ?? tmpdir(), 'npm-start-'));
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `node scripts/start.mjs`, until it exits or `until` matches its output (then stops it). */
function start(args: string[], env: NodeJS.ProcessEnv, until?: RegExp): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm start did not get there in time:\n${out}`));
    }, 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (until?.test(out)) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('npm start', () => {
  it('without Electron: one line saying so, then the studio in the browser', async () => {
    const { out } = await start(
      ['--workspace', path.join(scratch, 'ws1'), '--keystore', `file:${path.join(scratch, 'k.laurel')}`, '--no-open'],
      { ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ELECTRON_OVERRIDE_DIST_PATH: '', LAUREL_KEY_PASSPHRASE: 'start-test' },
      /running at http:\/\/127\.0\.0\.1:\d+\/#token=/,
    );
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('Electron is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD is set); starting Laurel Studio in your browser instead.');
    expect(lines[1]).toMatch(/^Laurel Studio is running at http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
  }, 60_000);

  it('with Electron: builds the shell and starts it with the Electron build of better-sqlite3', async () => {
    const dist = path.join(scratch, 'electron-dist');
    mkdirSync(dist);
    const record = path.join(scratch, 'electron-ran.txt');
    // A stand-in for the Electron binary: records how it was started.
    writeFileSync(path.join(dist, 'electron'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\necho "binding=$LAUREL_SQLITE_BINDING" >> '${record}'\nexit 7\n`);
    chmodSync(path.join(dist, 'electron'), 0o755);
    const native = path.join(scratch, 'native');
    const binding = path.join(native, `${electronVersion()}-${process.platform}-${process.arch}`, 'better_sqlite3.node');
    mkdirSync(path.dirname(binding), { recursive: true });
    copyFileSync(path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), binding);

    const { code, out } = await start(['--workspace', '/tmp/somewhere', '--no-open'], {
      ELECTRON_OVERRIDE_DIST_PATH: dist,
      LAUREL_ELECTRON_NATIVE_DIR: native,
      ELECTRON_SKIP_BINARY_DOWNLOAD: '',
    });
    expect(out).toBe('');
    expect(code).toBe(7);
    expect(readFileSync(record, 'utf8').split('\n')).toEqual([path.join(ROOT, 'dist', 'electron', 'main.mjs'), '--workspace', '/tmp/somewhere', `binding=${binding}`, '']);
  }, 60_000);
});
