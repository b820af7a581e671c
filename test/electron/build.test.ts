/**
 * The Electron build: Vite bundles the shell (main as ES module, preload as CommonJS) and it type
 * checks and builds here even though the Electron binary can't run here. The built main's imports
 * must all resolve, and the built preload must expose exactly the API, talking only to ipcRenderer.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHELL_METHODS, STUDIO_METHODS } from '../../core/api/contract.ts';
import { buildElectron, ELECTRON_OUT } from '../../scripts/ui-build.ts';

beforeAll(async () => {
  await buildElectron();
}, 120_000);

describe('the Electron build', () => {
  it('writes main.mjs, whose relative imports all exist (the core loads from source through tsx)', () => {
    const files = readdirSync(ELECTRON_OUT).filter((f) => f.endsWith('.mjs'));
    expect(files).toContain('main.mjs');
    const main = readFileSync(path.join(ELECTRON_OUT, 'main.mjs'), 'utf8');
    expect(main).toMatch(/import \{ register \} from "tsx\/esm\/api";\s*(\/\/.*\s*)*\/\*\*[\s\S]*?\*\/\s*register\(\);/);
    let relative = 0;
    for (const f of files) {
      const code = readFileSync(path.join(ELECTRON_OUT, f), 'utf8');
      for (const m of code.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)) {
        relative++;
        expect(existsSync(path.resolve(ELECTRON_OUT, m[1]!)), `${f} imports ${m[1]}`).toBe(true);
      }
      // Nothing from the core is bundled in: it has one copy, the source.
      expect(code).not.toContain('class LaurelError');
    }
    expect(relative).toBeGreaterThan(3);
  });

  it('builds a CommonJS preload that exposes exactly the contract and the shell methods, plus onEvent', () => {
    const code = readFileSync(path.join(ELECTRON_OUT, 'preload.cjs'), 'utf8');
    const invoked: unknown[][] = [];
    const listeners = new Map<string, (...a: unknown[]) => void>();
    let exposed: { key: string; api: Record<string, (...a: unknown[]) => unknown> } | undefined;
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, (...a: unknown[]) => unknown>) => (exposed = { key, api }) },
      ipcRenderer: {
        invoke: (...a: unknown[]) => invoked.push(a),
        on: (channel: string, fn: (...a: unknown[]) => void) => listeners.set(channel, fn),
        removeListener: (channel: string) => listeners.delete(channel),
      },
    };
    const requireOnly = (name: string) => {
      if (name !== 'electron') throw new Error(`the preload required ${name}`);
      return electron;
    };
    const methods = [...STUDIO_METHODS, ...SHELL_METHODS];
    runInNewContext(code, { require: requireOnly, module: { exports: {} }, exports: {}, process: { argv: ['electron', '--type=renderer', `--laurel-api=${methods.join(',')},bad-name!`] } });
    expect(exposed!.key).toBe('studio');
    expect(Object.keys(exposed!.api).sort()).toEqual([...methods, 'onEvent'].sort());
    exposed!.api.verify!({ text: 'x' });
    expect(invoked).toEqual([['studio', 'verify', { text: 'x' }]]);
    const seen: unknown[] = [];
    const off = exposed!.api.onEvent!((e: unknown) => seen.push(e)) as () => void;
    // The page's listener gets the data only, never Electron's event object.
    listeners.get('studio:event')!({ sender: 'ipc internals' }, { jobId: 'j', type: 'done', result: 1 });
    expect(seen).toEqual([{ jobId: 'j', type: 'done', result: 1 }]);
    off();
    expect(listeners.has('studio:event')).toBe(false);
  });
});
