/**
 * The worker entry point: what a cluster manager starts on each worker (`node <execArgv>
 * worker.js`). It builds this process's runtime, as any process that loads the package does, and
 * then runs the worker's life (cluster/worker-process.ts).
 */
import './runtime.js';
import { runWorker } from './cluster/worker-process.js';

runWorker().catch((e: unknown) => {
  process.stderr.write(`worker failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
