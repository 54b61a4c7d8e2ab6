import { defineConfig } from 'vitest/config';

// Temporal workers crash under the threads pool; Docker and Temporal tests are slow by nature.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
