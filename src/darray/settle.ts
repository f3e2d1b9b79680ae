/**
 * Wait for every promise (nothing is left running when this settles); resolve with their values
 * in order, or reject with the first failure in order — not the first in time, so that which
 * error a caller sees does not depend on timing.
 */
export async function settleAll<T>(work: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Run `f` over `items` with at most `lanes` of them in flight at once, in order; settles like
 * settleAll once every started item has.
 */
export async function inLanes<T>(items: readonly T[], lanes: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await f(items[next++] as T);
  };
  await settleAll(Array.from({ length: Math.min(lanes, items.length) }, lane));
}
