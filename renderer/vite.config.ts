import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// The renderer is served by both shells from its own origin (laurel://app in Electron,
// http://127.0.0.1:<port> in the web shell) under a CSP without inline script or style, so the
// build emits only external files: relative base, no inlined assets, no module-preload polyfill.
export default defineConfig({
  root: here,
  base: './',
  publicDir: 'public',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1000,
  },
  logLevel: 'warn',
});
