import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'core/**/*.test.ts', 'cli/**/*.test.ts'],
    // The network guard makes every non-loopback connection throw, so tests prove offline behaviour.
    setupFiles: ['test/setup/network-guard.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
