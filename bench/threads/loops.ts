/**
 * What bench/threads.ts runs on worker processes, in a module of its own so that everywhere()
 * can load it there (its exports then travel by reference).
 */
import type { Barrier, SharedArray } from '../../src/index.js';

/** The no-op a master-driven time step sends each worker. */
export function noop(): void {}

/** One participant: `count` rounds, recording the time from each completed round to the next (µs). */
export function barrierLoop(b: Barrier, times: SharedArray<'float64'>, offset: number, count: number): void {
  const d = times.data;
  let last = performance.now();
  for (let r = 0; r < count; r++) {
    b.arrive();
    const t = performance.now();
    d[offset + r] = (t - last) * 1e3;
    last = t;
  }
}
