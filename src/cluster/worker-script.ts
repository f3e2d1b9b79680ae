import { fileURLToPath } from 'node:url';

/** The worker entry script (src/worker.ts, compiled): what a cluster manager starts on each worker. */
export function workerScript(): string {
  return fileURLToPath(new URL('../worker.js', import.meta.url));
}
