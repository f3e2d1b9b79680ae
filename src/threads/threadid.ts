/**
 * Which thread of this process runs: 1 on the main thread, 2..nthreads() on the pool threads of
 * `threads.for` (Julia's `Threads.threadid()`). Set once, when a pool thread starts.
 */
let current = 1;

/** This thread's id: 1 on the main thread, 1..nthreads() inside `threads.for`. */
export function threadid(): number {
  return current;
}

/** @internal Called once by a pool thread's entry point (src/thread-main.ts). */
export function setThreadid(id: number): void {
  current = id;
}
