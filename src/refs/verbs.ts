import { coded } from '../core/errors.js';

/**
 * Julia's generic verbs as free functions: `fetch(x)`, `wait(x)`, `isready(x)`, `put(x, v)`,
 * `take(x)`, `close(x)` work on a Future, a RemoteChannel or a Channel. `fetch` of anything that
 * is not a reference returns it unchanged.
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

export function fetch<T>(x: Fetchable<T>): Promise<T>;
export function fetch<T>(x: T): T;
export function fetch(x: unknown): unknown {
  return has(x, 'fetch') ? x.fetch() : x;
}

export function wait(x: unknown): Promise<unknown> {
  if (!has(x, 'wait')) throw notAReference('wait', x);
  return Promise.resolve(x.wait());
}

export function isready(x: unknown): Promise<boolean> | boolean {
  if (!has(x, 'isready')) throw notAReference('isready', x);
  return x.isready() as Promise<boolean> | boolean;
}

export function put<T>(x: { put(v: T): unknown }, v: T): Promise<unknown> {
  if (!has(x, 'put')) throw notAReference('put', x);
  return Promise.resolve(x.put(v));
}

export function take<T>(x: { take(): Promise<T> | T }): Promise<T> {
  if (!has(x, 'take')) throw notAReference('take', x);
  return Promise.resolve(x.take());
}

export function close(x: unknown): Promise<void> {
  if (!has(x, 'close')) throw notAReference('close', x);
  return Promise.resolve(x.close()).then(() => undefined);
}
