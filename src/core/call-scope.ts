/**
 * Which served call the running code belongs to, and whether an interrupt has cancelled it: what
 * runtime code shared by several callers needs so that one cancelled caller cannot take the
 * others down with it.
 *
 * On a worker, calls are tagged (native/process.cc): every promise reaction registered while a
 * call runs carries its tag, and once the call is cancelled none of those reactions ever runs again.
 * That is right for the call's own code, and wrong for work the runtime keeps for everyone (a
 * fetch other callers wait on too): started inside a call, it would stall with that call. So such
 * work starts {@link detached}; a queue of waiters (a Channel's takers) skips the waiters whose
 * call was cancelled, which will never take what they are handed; and a call that holds something
 * for others (a pool's worker) arms {@link onCancelled} to give it back.
 *
 * A worker installs the addon's scope (cluster/worker-process.ts); elsewhere (the master, threads)
 * no call is ever cancelled and these are plain.
 */
export interface CallScope {
  /** The tag of the call the calling code belongs to; 0 outside any call. */
  current(): number;
  /** Whether an interrupt has cancelled the call `tag` (never for 0). */
  cancelled(tag: number): boolean;
  /** `fn()`, as part of no call: what it starts goes on whatever happens to the caller. */
  detached<T>(fn: () => T): T;
}

const plain: CallScope = {
  current: () => 0,
  cancelled: () => false,
  detached: (fn) => fn(),
};
let scope: CallScope = plain;

/** Install this process's scope (a worker does, before serving its first call). */
export function setCallScope(s: CallScope): void {
  scope = s;
}

/** See {@link CallScope.current}. */
export function currentCall(): number {
  return scope.current();
}

/** See {@link CallScope.cancelled}. */
export function callCancelled(tag: number): boolean {
  return tag !== 0 && scope.cancelled(tag);
}

/** See {@link CallScope.detached}. */
export function detached<T>(fn: () => T): T {
  return scope.detached(fn);
}

const cleanups = new Map<number, Set<() => void>>();

/**
 * Run `cleanup` once if an interrupt cancels the calling call, so that what it holds for others (a
 * pool's worker it took) is given back: its own code never runs again to do it. Runs when the
 * interrupt's marker is read ({@link sweepCancelled}), as part of no call. Returns the function
 * that disarms it, to call once the call no longer holds anything. Outside any call: nothing.
 */
export function onCancelled(cleanup: () => void): () => void {
  const tag = scope.current();
  if (tag === 0) return noop;
  let set = cleanups.get(tag);
  if (!set) cleanups.set(tag, (set = new Set()));
  const armed = set;
  armed.add(cleanup);
  return () => {
    armed.delete(cleanup);
    if (armed.size === 0 && cleanups.get(tag) === armed) cleanups.delete(tag);
  };
}

/** An interrupt was applied (its marker read): run the cleanups of the calls it cancelled. */
export function sweepCancelled(): void {
  for (const [tag, set] of cleanups) {
    if (!scope.cancelled(tag)) continue;
    cleanups.delete(tag);
    for (const cleanup of set) {
      try {
        detached(cleanup);
      } catch (e) {
        process.stderr.write(`sharedarrays: giving back what an interrupted call held failed: ${(e as Error)?.message ?? String(e)}\n`);
      }
    }
  }
}

function noop(): void {}
