import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the built package (dist/): worker processes execute compiled JavaScript,
// so the test process must load the very same modules they do.
export default defineConfig({
  resolve: {
    alias: { sharedarrays: fileURLToPath(new URL('./dist/src/index.js', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // --expose-gc lets reference-counting and finalizer tests force a collection.
    execArgv: ['--expose-gc'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Multi-process tests start their own workers; two files at a time fit a 2-core machine.
    maxWorkers: 2,
    globalSetup: ['test/setup/global.ts'],
  },
});
