/**
 * Builds the UI: the renderer (Vite → dist/renderer) and the Electron main/preload bundles
 * (Vite → dist/electron). `ensureRendererBuilt` rebuilds only when a renderer source is newer
 * than the last build, and takes a lock so parallel callers (tests, two launches) build once.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RENDERER_OUT = path.join(ROOT, 'dist', 'renderer');
export const ELECTRON_OUT = path.join(ROOT, 'dist', 'electron');
const VITE = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
const STAMP = path.join(RENDERER_OUT, '.built');
const LOCK = path.join(ROOT, 'dist', '.renderer-build.lock');

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** True when dist/renderer is missing or older than a file in renderer/ or the lock file. */
export function rendererStale(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return newest(path.join(ROOT, 'renderer')) > built || statSync(path.join(ROOT, 'package-lock.json')).mtimeMs > built;
}

function run(args: string[], label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${label} failed (exit ${code}):\n${out.trim()}`))));
  });
}

export async function buildRenderer(): Promise<void> {
  // The stamp carries the time the build started: a source saved while it ran is newer, so the
  // next caller builds again instead of serving a bundle without that change.
  const started = new Date();
  await run(['build', '--config', 'renderer/vite.config.ts'], 'Building the renderer');
  writeFileSync(STAMP, started.toISOString());
  utimesSync(STAMP, started, started);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` holding a lock directory, so parallel callers (test files, two launches) take turns. */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 250) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else is building; a lock older than 5 minutes is left over from a crash.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      if (waited > 300_000) throw new Error(`Waited 5 minutes for another build (${lock}).`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds the renderer when it is stale; waits for a build another process is running. */
export function ensureRendererBuilt(log: (line: string) => void = () => undefined): Promise<'fresh' | 'built'> {
  return withLock(LOCK, async () => {
    if (!rendererStale()) return 'fresh';
    log('Building the studio UI (renderer)…');
    await buildRenderer();
    return 'built';
  });
}

/** The Electron main process (ESM) and preload (CommonJS, as sandboxed preloads must be). */
export function buildElectron(): Promise<void> {
  return withLock(path.join(ROOT, 'dist', '.electron-build.lock'), async () => {
    await run(['build', '--config', 'electron/vite.config.ts', '--mode', 'main'], 'Building the Electron main process');
    await run(['build', '--config', 'electron/vite.config.ts', '--mode', 'preload'], 'Building the Electron preload');
  });
}
