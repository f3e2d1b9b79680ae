/** Note on an error which thread raised it (`err.threadid`), as threads.for reports chunk errors. */
export function markThread<E extends Error>(e: E, threadid: number): E {
  Object.defineProperty(e, 'threadid', { value: threadid, enumerable: true, configurable: true, writable: true });
  return e;
}
