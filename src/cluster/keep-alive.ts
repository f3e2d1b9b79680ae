/**
 * Keep this process alive until `work` settles. The master's handles to its workers are unref'd
 * so that a finished script can exit; while it adds or removes workers, nothing else may be
 * holding the event loop (a worker that has connected but not yet joined is such a moment).
 */
export async function keepAliveDuring<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 2 ** 30);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
