/**
 * What a RemoteChannel's backing store must offer (Julia's AbstractChannel): the local Channel,
 * or any user object with these methods, built by the factory given to RemoteChannel.create.
 */
export interface ChannelLike<T = unknown> {
  put(v: T): unknown;
  take(): Promise<T> | T;
  fetch(): Promise<T> | T;
  isready(): boolean;
  wait(): Promise<void> | void;
  close(): void;
  isopen(): boolean;
  isempty?(): boolean;
}

const required = ['put', 'take', 'fetch', 'isready', 'wait', 'close', 'isopen'] as const;

export function isChannelLike(x: unknown): x is ChannelLike {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return required.every((m) => typeof o[m] === 'function');
}
