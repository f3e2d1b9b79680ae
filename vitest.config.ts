import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Two tiers. `unit`: pure modules (codec, messages, frames, handshake over an in-process pair,
// dispatcher, ranges, channels) straight from src/, in seconds, with no addon and no processes.
// `integration`: everything that starts processes, against the built package (dist/): worker
// processes execute compiled JavaScript, so the test process must load the very same modules.
export default defineConfig({
  test: {
    // Multi-process tests start their own workers; two files at a time fit a 2-core machine.
    maxWorkers: 2,
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        resolve: {
          alias: { sharedarrays: fileURLToPath(new URL('./dist/src/index.js', import.meta.url)) },
        },
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // Slurm's tests need Slurm installed: CI runs them in a step of their own (test:slurm).
          exclude: ['test/unit/**', 'test/slurm-*.test.ts'],
          pool: 'forks',
          // --expose-gc lets reference-counting and finalizer tests force a collection.
          execArgv: ['--expose-gc'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          globalSetup: ['test/setup/global.ts'],
        },
      },
      {
        resolve: {
          alias: { sharedarrays: fileURLToPath(new URL('./dist/src/index.js', import.meta.url)) },
        },
        test: {
          name: 'slurm',
          include: ['test/slurm-*.test.ts'],
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          globalSetup: ['test/setup/global.ts'],
        },
      },
    ],
  },
});
