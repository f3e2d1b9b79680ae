import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Two tiers. `unit`: pure modules (codec, messages, frames, handshake over an in-process pair,
// dispatcher, ranges, channels) straight from src/, in seconds, with no addon and no processes.
// `integration`: everything that starts processes, against the built package (dist/): worker
// processes execute compiled JavaScript, so the test process must load the very same modules.
// Beside them, `types`: type tests (expectTypeOf) of the public signatures, checked by tsc
// against dist/'s declarations (test/types/tsconfig.json), as a user's code sees them; nothing
// runs. And `slurm`, in a CI step of its own.

const sharedarrays = fileURLToPath(new URL('./dist/src/index.js', import.meta.url));

/** The integration project; the sanitizer run (scripts/asan/vitest.config.ts) extends it. */
export const integration: TestProjectInlineConfiguration = {
  resolve: { alias: { sharedarrays } },
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
};

export default defineConfig({
  test: {
    // Multi-process tests start their own workers; two files at a time fit a 2-core machine.
    maxWorkers: 2,
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      integration,
      {
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['test/types/**/*.test-d.ts'],
            tsconfig: 'test/types/tsconfig.json',
          },
          globalSetup: ['test/setup/global.ts'],
        },
      },
      {
        resolve: { alias: { sharedarrays } },
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
