import type { Range } from '../core/range.js';
import { threadsFor } from './for.js';
import { nthreads } from './nthreads.js';
import { threadid } from './threadid.js';

/** Julia's `Threads` module: `threads.for` (`@threads for`), `threads.nthreads()`, `threads.threadid()`. */
export interface Threads {
  /**
   * Run `body(i)` for each element of `r`, split over nthreads() threads in contiguous chunks,
   * the larger first (see src/threads/for.ts); resolves once every chunk is done, rejects with
   * the first error of a chunk (or a CompositeException ordered by thread).
   */
  for(r: Range, body: (i: number) => unknown): Promise<void>;
  /** The same over an array's elements. */
  for<T>(r: readonly T[], body: (i: T) => unknown): Promise<void>;
  /** The number of threads `for` runs on (see {@link nthreads}). */
  nthreads(): number;
  /** This thread's id, 1 on the main thread (see {@link threadid}). */
  threadid(): number;
}

/** `threads.for(range(0, n), (i) => ...)`; also `threads.nthreads()` and `threads.threadid()`. */
export const threads: Threads = Object.freeze({ for: threadsFor as Threads['for'], nthreads, threadid });

// Also exported on their own, as the contract lists them.
export { nthreads, threadid };
