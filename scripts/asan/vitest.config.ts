import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import { integration } from '../../vitest.config.js';

// The suite's integration project for the sanitizer run (scripts/test-native-asan.sh), with two
// changes that let LeakSanitizer's check at process exit run, and finish in time, in test
// processes and in the workers they start (which inherit execArgv):
// - --jitless: without JIT code, every stack frame lies in a loaded module; LeakSanitizer then
//   classifies a leaked stack without re-reading /proc/self/maps per frame, which otherwise makes
//   a worker's exit take longer than rmprocs' grace period, and the worker is killed mid-check;
// - test processes exit on SIGTERM (vitest stops them with it) instead of dying by the signal,
//   so the check runs there too.
// The unit project (pure JavaScript, no addon) and the type tests have nothing to sanitize.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    maxWorkers: 2,
    projects: [
      mergeConfig(integration, {
        test: {
          execArgv: ['--jitless'], // added to the integration project's
          setupFiles: [fileURLToPath(new URL('./exit-on-sigterm.ts', import.meta.url))],
        },
      }),
    ],
  },
});
