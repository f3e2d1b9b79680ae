import { coded } from '../core/errors.js';

// Julia's generic verbs as free functions: `fetch(x)`, `wait(x)`, `isready(x)`, `put(x, v)`,
// `take(x)`, `close(x)` work on a Future, a RemoteChannel or a Channel. `fetch` of anything that
// is not a reference returns it unchanged.

/**
 * Anything with a `fetch` method: a Future, a RemoteChannel, a Channel.
 * @inline
 */
interface Fetchable<T> {
  fetch(): Promise<T> | T;
}

function has<K extends string>(x: unknown, method: K): x is Record<K, (...a: unknown[]) => unknown> {
  return typeof x === 'object' && x !== null && typeof (x as Record<string, unknown>)[method] === 'function';
}

function notAReference(verb: string, x: unknown): TypeError {
  return coded(TypeError, 'ERR_INVALID_ARG', `${verb}(x): x must be a Future, RemoteChannel or Channel, got ${x === null ? 'null' : typeof x}`);
}

/**
 * Julia's `fetch`: the value of a Future (waiting for it; the first fetch caches it here), the
 * first item of a channel without removing it (waiting for one), or `x` itself when it has no
 * `fetch` method. Rejects with the call's error (a RemoteException, a ProcessExitedException)
 * when the Future holds one.
 */
export function fetch<T>(x: Fetchable<T>): Promise<T>;
/** Anything that is not a reference is its own value, returned as is. */
export function fetch<T>(x: T): T;
export function fetch(x: unknown): unknown {
  return has(x, 'fetch') ? x.fetch() : x;
}

/**
 * Wait until a Future has its value (rejecting with its error, as fetch would) or a channel has
 * an item. Throws TypeError `ERR_INVALID_ARG` when `x` has no `wait` method.
 */
export function wait(x: unknown): Promise<unknown> {
  if (!has(x, 'wait')) throw notAReference('wait', x);
  return Promise.resolve(x.wait());
}

/**
 * Whether a Future has its value, or a channel holds an item, without waiting: a boolean for a
 * local Channel, a promise of one for references (their owner may be asked). Throws TypeError
 * `ERR_INVALID_ARG` when `x` has no `isready` method.
 */
export function isready(x: unknown): Promise<boolean> | boolean {
  if (!has(x, 'isready')) throw notAReference('isready', x);
  return x.isready() as Promise<boolean> | boolean;
}

/**
 * Julia's `put!`: set a Future's value (once: a second put rejects with `ERR_FUTURE_SET`), or add
 * `v` to a channel, waiting while it is full (a closed channel rejects with
 * InvalidStateException). Throws TypeError `ERR_INVALID_ARG` when `x` has no `put` method.
 */
export function put<T>(x: { put(v: T): unknown }, v: T): Promise<unknown> {
  if (!has(x, 'put')) throw notAReference('put', x);
  return Promise.resolve(x.put(v));
}

/**
 * Julia's `take!`: remove and return a channel's first item, waiting for one (a closed, empty
 * channel rejects with InvalidStateException). Throws TypeError `ERR_INVALID_ARG` when `x` has
 * no `take` method.
 */
export function take<T>(x: { take(): Promise<T> | T }): Promise<T> {
  if (!has(x, 'take')) throw notAReference('take', x);
  return Promise.resolve(x.take());
}

/**
 * Close a channel: no more puts; takes drain what it holds, then reject. Throws TypeError
 * `ERR_INVALID_ARG` when `x` has no `close` method.
 */
export function close(x: unknown): Promise<void> {
  if (!has(x, 'close')) throw notAReference('close', x);
  return Promise.resolve(x.close()).then(() => undefined);
}
