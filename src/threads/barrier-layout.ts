/**
 * A Barrier's state: int32 elements of a small SharedArray, read and written with atomics by every
 * thread of every process that maps it (src/threads/barrier.ts, barrier-holders.ts).
 */

/** Arrivals in the current round. */
export const COUNT = 0;
/** Rounds completed: the futex word waiters sleep on. */
export const GENERATION = 1;
/** INTACT, WRITING (a participant is recording why), TIMED_OUT or DIED. */
export const BROKEN = 2;
/** Who broke it: cluster pid, thread id, OS pid, kernel thread id, and the deadline that passed. */
export const BY_PID = 3;
export const BY_THREAD = 4;
export const BY_OSPID = 5;
export const BY_TID = 6;
export const BY_MS = 7;
/** Holder entries ever taken (entries below it may have been freed again). */
export const USED = 8;
/** First holder entry: ENTRY ints each, OS pid (0 free, -1 being written), tid, cluster pid, thread id. */
export const REGISTRY = 16;
export const ENTRY = 4;

export const INTACT = 0;
export const WRITING = -1;
export const TIMED_OUT = 1;
export const DIED = 2;

/** State elements for a barrier that `holders` threads may hold at once. */
export function stateLength(holders: number): number {
  return REGISTRY + ENTRY * holders;
}

/** How many holder entries a state has. */
export function capacityOf(a: Int32Array): number {
  return (a.length - REGISTRY) / ENTRY;
}
