#!/usr/bin/env node
// `npm test`: runs the whole suite. On Linux it starts a private D-Bus session with an unlocked
// gnome-keyring, so the keychain tests talk to a real Secret Service, then prints a plain
// "N passed, N failed" line (read by CI). Extra arguments go to vitest (e.g. a file filter).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'laurel-test-'));
const results = path.join(scratch, 'vitest-results.json');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const vitestArgs = [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...process.argv.slice(2)];

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
let command = process.execPath;
let args = vitestArgs;
const env = { ...process.env, LAUREL_TEST_SCRATCH: scratch };

if (process.platform === 'linux' && !process.env.LAUREL_TEST_NO_KEYRING) {
  if (has('dbus-run-session') && has('gnome-keyring-daemon')) {
    for (const d of ['data', 'runtime', 'config']) {
      const dir = path.join(scratch, d);
      spawnSync('mkdir', ['-m', '700', '-p', dir]);
    }
    env.XDG_DATA_HOME = path.join(scratch, 'data');
    env.XDG_RUNTIME_DIR = path.join(scratch, 'runtime');
    env.XDG_CONFIG_HOME = path.join(scratch, 'config');
    env.LAUREL_TEST_KEYRING = '1';
    command = 'dbus-run-session';
    args = ['--', 'sh', '-c', 'printf laurel-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"', 'sh', process.execPath, ...vitestArgs];
  } else {
    console.error('npm test: dbus-run-session / gnome-keyring-daemon not found; the keychain tests need a Secret Service.');
    console.error('  Debian/Ubuntu: apt-get install gnome-keyring dbus dbus-user-session libsecret-tools');
  }
}

const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
child.on('exit', (code, signal) => {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (existsSync(results)) {
    const r = JSON.parse(readFileSync(results, 'utf8'));
    passed = r.numPassedTests ?? 0;
    skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // A suite that failed to load counts as a failure even when it has no test results.
    const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
    failed = (r.numFailedTests ?? 0) + brokenFiles;
  } else {
    failed = 1;
  }
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  rmSync(scratch, { recursive: true, force: true });
  process.exit(code === 0 && failed === 0 ? 0 : code || 1);
  void signal;
});
