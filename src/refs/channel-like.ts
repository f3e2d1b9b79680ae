/**
 * What a RemoteChannel's backing store must offer (Julia's AbstractChannel): the local Channel,
 * or any user object with these methods, built by the factory given to RemoteChannel.create.
 */
export interface ChannelLike<T = unknown> {
  /** Add `v` (may wait, returning a promise, while the store is full). */
  put(v: T): unknown;
  /** Remove and return the first item, waiting for one. */
  take(): Promise<T> | T;
  /** Return the first item without removing it, waiting for one. */
  fetch(): Promise<T> | T;
  /** Whether an item is there now. */
  isready(): boolean;
  /** Wait until an item is there. */
  wait(): Promise<void> | void;
  /** Accept no more items. */
  close(): void;
  /** Whether it still accepts items. */
  isopen(): boolean;
  /** Whether it holds no item (optional: without it, `!isready()` is used). */
  isempty?(): boolean;
}

const required = ['put', 'take', 'fetch', 'isready', 'wait', 'close', 'isopen'] as const;

export function isChannelLike(x: unknown): x is ChannelLike {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return required.every((m) => typeof o[m] === 'function');
}
