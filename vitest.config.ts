import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

// Component tests (*.component.test.ts) compile Svelte for the browser and run in jsdom; every
// other test runs in Node exactly as before. Two projects keep the browser resolve conditions
// away from the core's tests.
const COMPONENT_TESTS = 'test/renderer/**/*.component.test.ts';

export default defineConfig({
  test: {
    // The network guard makes every non-loopback connection throw, so tests prove offline behaviour.
    setupFiles: ['test/setup/network-guard.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/**/*.test.ts', 'core/**/*.test.ts', 'cli/**/*.test.ts'], exclude: [COMPONENT_TESTS, '**/node_modules/**'] },
      },
      {
        extends: true,
        plugins: [svelte({ configFile: 'renderer/svelte.config.js' }), svelteTesting()],
        test: { name: 'components', include: [COMPONENT_TESTS], environment: 'jsdom' },
      },
    ],
  },
});
