import { threadsFor } from './for.js';
import { nthreads } from './nthreads.js';
import { threadid } from './threadid.js';

/** Julia's `Threads` module: `threads.for` (`@threads for`), `threads.nthreads()`, `threads.threadid()`. */
export interface Threads {
  /** Run `body(i)` for each element of `r`, split over nthreads() threads (see src/threads/for.ts). */
  for<T = number>(r: import('../core/range.js').Range | readonly T[], body: (i: T) => unknown): Promise<void>;
  nthreads(): number;
  threadid(): number;
}

/** `threads.for(range(0, n), (i) => ...)`; also `threads.nthreads()` and `threads.threadid()`. */
export const threads: Threads = Object.freeze({ for: threadsFor as Threads['for'], nthreads, threadid });

// Also exported on their own, as the contract lists them.
export { nthreads, threadid };
