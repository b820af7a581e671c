import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const core = path.join(root, 'core') + path.sep;
const outDir = fileURLToPath(new URL('../dist/electron', import.meta.url));
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** electron, Node's modules and packages stay imports; so does the core (see coreFromSource). */
const external = (id: string) => id === 'electron' || nodeBuiltins.has(id) || (!id.startsWith('.') && !path.isAbsolute(id) && !id.startsWith('\0'));

/** The core runs from source via tsx (see boot.ts): its imports are kept, pointing at core/. */
const coreFromSource: Plugin = {
  name: 'laurel-core-from-source',
  enforce: 'pre',
  resolveId(id, importer) {
    if (!importer || !id.startsWith('.')) return null;
    const file = path.resolve(path.dirname(importer), id);
    // Emitted as written here: a path from dist/electron/ back to the source file.
    return file.startsWith(core) ? { id: path.relative(outDir, file).split(path.sep).join('/'), external: true } : null;
  },
};

// Two bundles (npm run build:electron runs both):
// --mode main:    electron/boot.ts → dist/electron/main.mjs (ES module) plus the shell's chunk;
//                 the core's imports stay relative paths into core/ and load through tsx.
// --mode preload: the preload as CommonJS, which sandboxed preloads must be; it needs only electron.
export default defineConfig(({ mode }) =>
  mode === 'preload'
    ? {
        root,
        logLevel: 'warn',
        build: {
          outDir,
          emptyOutDir: false,
          target: 'chrome120',
          minify: false,
          lib: { entry: 'electron/preload.ts', formats: ['cjs'], fileName: () => 'preload.cjs' },
          rollupOptions: { external: ['electron'] },
        },
      }
    : {
        root,
        logLevel: 'warn',
        plugins: [coreFromSource],
        build: {
          ssr: 'electron/boot.ts',
          outDir,
          emptyOutDir: false,
          target: 'node20',
          minify: false,
          sourcemap: true,
          rollupOptions: {
            external,
            output: { format: 'es', entryFileNames: 'main.mjs', chunkFileNames: 'shell-[hash].mjs' },
          },
        },
      },
);
