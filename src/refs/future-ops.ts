import { coded, reviveError } from '../core/errors.js';
import type { RRID } from '../transport/messages.js';
import { futureEntry, settleFuture, whenSettled } from './store.js';

/**
 * What a Future's owner does when a holder asks (owner operations, see transport/owner-calls.ts).
 * The caller holds a count on the reference before it asks, so the entry exists (or is made, for
 * a Future created empty with `new Future(pid)`).
 */

/** The value, once set; a stored error is raised again as itself. */
export async function futureFetch(_from: number, rr: RRID): Promise<unknown> {
  const e = futureEntry(rr);
  await whenSettled(e);
  if (e.error) throw reviveError(e.error);
  return e.value;
}

/** Wait until set; a stored error is raised again as itself. */
export async function futureWait(_from: number, rr: RRID): Promise<void> {
  const e = futureEntry(rr);
  await whenSettled(e);
  if (e.error) throw reviveError(e.error);
}

export function futureIsReady(_from: number, rr: RRID): boolean {
  return futureEntry(rr).settled;
}

/** Set the value, once: a second put is an error (a RemoteException for the caller, as in Julia). */
export function futurePut(_from: number, rr: RRID, v: unknown): void {
  if (!settleFuture(futureEntry(rr), v, null)) throw coded(Error, 'ERR_FUTURE_SET', 'Future can be set only once');
}

/** The owner operations of Futures, for the runtime's owner-operation table. */
export const futureOps = [futureFetch, futureWait, futureIsReady, futurePut] as const;
