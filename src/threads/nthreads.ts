import { availableParallelism } from 'node:os';
import { coded } from '../core/errors.js';

/** More threads than this is taken for a typo rather than a wish (each one is a V8 isolate). */
const MAX_THREADS = 1024;

let count: number | undefined;

/**
 * The number of threads `threads.for` runs on (Julia's `Threads.nthreads()`): the main thread
 * plus a pool of `nthreads() - 1` worker threads. Read once from `SHAREDARRAYS_NUM_THREADS`
 * (Julia's `JULIA_NUM_THREADS`): unset means 1, as in Julia, and `auto` the number of cores.
 * The same in every thread of a process; each worker process reads its own environment.
 */
export function nthreads(): number {
  return (count ??= parseNumThreads(process.env.SHAREDARRAYS_NUM_THREADS));
}

/** The value of SHAREDARRAYS_NUM_THREADS as a thread count; a coded RangeError naming the fix. */
export function parseNumThreads(value: string | undefined): number {
  const v = value?.trim() ?? '';
  if (v === '') return 1;
  if (v === 'auto') return availableParallelism();
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= MAX_THREADS)) {
    throw coded(
      RangeError,
      'ERR_INVALID_ARG',
      `SHAREDARRAYS_NUM_THREADS must be a whole number from 1 to ${MAX_THREADS} or "auto", got ${JSON.stringify(value)}; ` +
        'set it before starting node, e.g. SHAREDARRAYS_NUM_THREADS=4',
    );
  }
  return n;
}

/** @internal A pool thread takes its process's count (src/thread-main.ts). */
export function setNthreads(n: number): void {
  count = n;
}
