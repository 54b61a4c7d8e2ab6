import { defineConfig } from 'vitest/config';

// `npm run histories:record`: records test/histories/*.json again from real runs (record.ts), never part of `vitest run`.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/histories/record.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
