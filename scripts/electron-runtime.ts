/**
 * What `npm start` needs before it can open the desktop app: the Electron binary (fetched once by
 * Electron's own installer when missing) and a build of better-sqlite3 for Electron's ABI, kept
 * apart from the Node build the CLI and tests use (electron/main.ts loads it in its place).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './ui-build.ts';

const ELECTRON_DIR = path.join(ROOT, 'node_modules', 'electron');

export function electronVersion(): string {
  return (JSON.parse(readFileSync(path.join(ELECTRON_DIR, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The Electron executable if it is installed. Read from the package's path.txt, never by
 * requiring 'electron': its index.js starts a download when the binary is missing.
 */
export function electronBinary(): string | null {
  let rel: string;
  try {
    rel = readFileSync(path.join(ELECTRON_DIR, 'path.txt'), 'utf8').trim();
  } catch {
    // Not installed; ELECTRON_OVERRIDE_DIST_PATH (Electron's own variable) can still name one.
    if (!process.env.ELECTRON_OVERRIDE_DIST_PATH) return null;
    rel = process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : process.platform === 'win32' ? 'electron.exe' : 'electron';
  }
  const bin = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(ELECTRON_DIR, 'dist'), rel);
  return existsSync(bin) ? bin : null;
}

interface RunResult {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, output: output + e.message });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The most telling line of a failed tool's output, for a one-line message. */
export function shortReason(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const telling = lines.find((l) => /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|fetch failed|HTTP(Error)?\b|404|403|checksum|ERR_REQUIRE_ESM|EACCES/i.test(l));
  const line = (telling ?? lines.find((l) => !/^at /.test(l)) ?? 'no output').replace(/^\w*Error:\s*/, '');
  return line.length > 140 ? `${line.slice(0, 137)}…` : line;
}

/**
 * Runs Electron's installer once (it downloads the binary for this platform). Says nothing unless
 * it takes long enough to be a real download. Returns null when the binary is there afterwards.
 */
export async function fetchElectronOnce(say: (line: string) => void): Promise<string | null> {
  const slow = setTimeout(() => say(`Downloading Electron ${electronVersion()} (first start only)…`), 2000);
  const r = await run(process.execPath, [path.join(ELECTRON_DIR, 'install.js')], { timeoutMs: 10 * 60_000 });
  clearTimeout(slow);
  if (electronBinary()) return null;
  return r.code === 0 ? 'the installer finished but left no binary' : shortReason(r.output);
}

/**
 * better-sqlite3 built for this Electron: a prebuilt binary (prebuild-install) or, failing that, a
 * compile against Electron's headers (node-gyp). Cached per Electron version; returns its path.
 */
export async function sqliteForElectron(say: (line: string) => void): Promise<{ binding: string } | { error: string }> {
  const version = electronVersion();
  const cacheDir = path.join(process.env.LAUREL_ELECTRON_NATIVE_DIR ?? path.join(ROOT, 'dist', 'electron-native'), `${version}-${process.platform}-${process.arch}`);
  const binding = path.join(cacheDir, 'better_sqlite3.node');
  if (existsSync(binding)) return { binding };

  say(`Preparing the database module for Electron ${version} (first start only)…`);
  const src = path.join(ROOT, 'node_modules', 'better-sqlite3');
  mkdirSync(path.dirname(cacheDir), { recursive: true });
  const work = mkdtempSync(path.join(path.dirname(cacheDir), '.build-'));
  try {
    for (const part of ['package.json', 'binding.gyp', 'src', 'deps']) cpSync(path.join(src, part), path.join(work, part), { recursive: true });
    const built = path.join(work, 'build', 'Release', 'better_sqlite3.node');
    const target = ['--runtime=electron', `--target=${version}`, `--arch=${process.arch}`, `--platform=${process.platform}`];
    const prebuilt = await run(process.execPath, [path.join(ROOT, 'node_modules', 'prebuild-install', 'bin.js'), ...target], { cwd: work, timeoutMs: 5 * 60_000 });
    if (!existsSync(built)) {
      const gyp = process.env.npm_config_node_gyp ?? path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
      const compiled = existsSync(gyp)
        ? await run(process.execPath, [gyp, 'rebuild', '--release', `--target=${version}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers'], { cwd: work, timeoutMs: 15 * 60_000 })
        : { code: -1, output: 'node-gyp was not found' };
      if (!existsSync(built)) return { error: `no prebuilt binary (${shortReason(prebuilt.output)}) and the compile failed (${shortReason(compiled.output)})` };
    }
    mkdirSync(cacheDir, { recursive: true });
    cpSync(built, binding);
    return { binding };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Starts Electron on the built main process and resolves with its exit code. */
export function runElectron(binary: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(binary, [path.join(ROOT, 'dist', 'electron', 'main.mjs'), ...args], { cwd: ROOT, env, stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
