import { callCancelled, currentCall } from '../core/call-scope.js';
import { coded, InvalidStateException } from '../core/errors.js';

/**
 * A first-in first-out queue of values shared by async tasks in one process: Julia's `Channel`.
 *
 * - `capacity` 0 (the default) is unbuffered: `put` resolves only once a taker has received the
 *   value (a rendezvous). A positive capacity buffers that many values; `Infinity` never blocks.
 * - Values, waiting takers and waiting putters are all served strictly first come, first served.
 * - `close()` stops new puts. Values already buffered can still be taken; tasks waiting to take
 *   from an empty channel, and putters blocked on a full (or unbuffered) one, are rejected, and
 *   those putters' values are dropped, as in Julia.
 *
 * The values "available" to readers are the buffer followed by the values of blocked putters;
 * blocked putters only exist while the buffer is full, so for an unbuffered channel the available
 * values are exactly the waiting putters' (Julia's `n_avail`). `RemoteChannel` calls these methods
 * by name on the owning process, so their names and semantics are part of the wire contract.
 *
 * A waiting taker or putter whose call an interrupt cancelled is gone, as an interrupted task leaves
 * Julia's wait queue: a value is never handed to such a taker (it would never see it), and such a
 * putter's value is dropped (its put never completes). See core/call-scope.ts.
 */
export class Channel<T = unknown> implements AsyncIterable<T> {
  /** Number of values buffered before `put` blocks; 0 is unbuffered. */
  readonly capacity: number;

  readonly #buffer = new Fifo<T>();
  readonly #putters = new Fifo<Putter<T>>();
  readonly #takers = new Fifo<Waiter<T>>();
  // fetch() and wait() callers: they are all woken together since none of them consumes.
  #readers: Waiter<T>[] = [];
  #closed = false;
  #closeError: Error | undefined;
  // put() on a channel with room needs no new promise: one settled promise serves every such call.
  #resolvedSelf: Promise<this> | undefined;

  /**
   * `capacity`: 0 (unbuffered), a positive integer or `Infinity`; anything else throws
   * `ERR_INVALID_ARG`.
   */
  constructor(capacity = 0) {
    if (typeof capacity !== 'number') {
      throw coded(TypeError, 'ERR_INVALID_ARG', `Channel capacity must be a number, got ${typeof capacity}`);
    }
    if (capacity !== Infinity && !(Number.isSafeInteger(capacity) && capacity >= 0)) {
      throw coded(RangeError, 'ERR_INVALID_ARG', `Channel capacity must be a non-negative integer or Infinity, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Append `v`, waiting while the channel is full (for an unbuffered one: until a taker receives it). */
  put(v: T): Promise<this> {
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#readers.length > 0) this.#wakeReaders(v);
    const taker = this.#nextTaker();
    if (taker !== undefined) {
      // Someone is already waiting: hand the value over directly. For a buffered channel this is
      // what pushing and immediately taking would do; for an unbuffered one it is the rendezvous.
      taker.resolve(v);
      return this.#resolved();
    }
    if (this.#buffer.size < this.capacity) {
      this.#buffer.push(v);
      return this.#resolved();
    }
    return new Promise<this>((resolve, reject) => {
      this.#putters.push({ value: v, resolve: () => resolve(this), reject, call: currentCall() });
    });
  }

  /** Remove and return the oldest value, waiting while there is none. */
  take(): Promise<T> {
    if (this.#buffer.size > 0) {
      const v = this.#buffer.shift() as T;
      // A slot has freed: the longest-waiting putter's value moves into the buffer.
      const putter = this.#nextPutter();
      if (putter !== undefined) {
        this.#buffer.push(putter.value);
        putter.resolve();
      }
      return Promise.resolve(v);
    }
    const putter = this.#nextPutter();
    if (putter !== undefined) {
      putter.resolve();
      return Promise.resolve(putter.value);
    }
    if (this.#closed) return Promise.reject(this.#closedError());
    return new Promise<T>((resolve, reject) => this.#takers.push({ resolve, reject, call: currentCall() }));
  }

  /** Return the oldest value without removing it, waiting while there is none. */
  fetch(): Promise<T> {
    if (this.#buffer.size > 0) return Promise.resolve(this.#buffer.peek() as T);
    const putter = this.#livePutter();
    if (putter !== undefined) return Promise.resolve(putter.value);
    if (this.#closed) return Promise.reject(this.#closedError());
    return new Promise<T>((resolve, reject) => this.#readers.push({ resolve, reject, call: 0 }));
  }

  /** Whether a value is available now (for an unbuffered channel: a putter is waiting). */
  isready(): boolean {
    return this.#buffer.size > 0 || this.#livePutter() !== undefined;
  }

  /** Whether no value is available now; never consumes. */
  isempty(): boolean {
    return !this.isready();
  }

  /** Wait until a value is available; rejects if the channel is closed and empty. */
  async wait(): Promise<void> {
    if (!this.isready()) await this.fetch();
  }

  /**
   * Close the channel. Later puts reject with `err` (default: InvalidStateException), as do takes
   * once the buffer has drained. Pending takers and blocked putters are rejected now. Closing a
   * closed channel does nothing.
   */
  close(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = err;
    for (let t = this.#takers.shift(); t !== undefined; t = this.#takers.shift()) t.reject(this.#closedError());
    for (let p = this.#putters.shift(); p !== undefined; p = this.#putters.shift()) p.reject(this.#closedError());
    const readers = this.#readers;
    this.#readers = [];
    // Readers only wait on an empty channel, which stays empty now: none of them can succeed.
    for (const r of readers) r.reject(this.#closedError());
  }

  /** Whether the channel still accepts puts (it has not been closed). */
  isopen(): boolean {
    return !this.#closed;
  }

  /**
   * Take values until the channel is closed and drained. Several iterators over one channel share
   * its values: each value goes to exactly one of them. A channel closed with a custom error makes
   * the iteration throw that error instead of ending, like Julia.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const onValue = (value: T): IteratorResult<T> => ({ value, done: false });
    const onError = (e: unknown): IteratorResult<T> => {
      if (e instanceof InvalidStateException) return { value: undefined, done: true };
      throw e;
    };
    const it: AsyncIterableIterator<T> = {
      next: () => this.take().then(onValue, onError),
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  toString(): string {
    const cap = this.capacity === Infinity ? 'unbounded' : `capacity ${this.capacity}`;
    const blocked = this.#putters.size > 0 ? `, ${this.#putters.size} put${this.#putters.size > 1 ? 's' : ''} waiting` : '';
    return `Channel(${cap}, ${this.#buffer.size} buffered${blocked}, ${this.#closed ? 'closed' : 'open'})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  #resolved(): Promise<this> {
    return (this.#resolvedSelf ??= Promise.resolve(this));
  }

  // A fresh exception per rejection, so each carries its own stack and callers may annotate it.
  #closedError(): Error {
    return this.#closeError ?? new InvalidStateException();
  }

  /** The longest-waiting taker still waiting (those of cancelled calls are dropped). */
  #nextTaker(): Waiter<T> | undefined {
    for (let t = this.#takers.shift(); t !== undefined; t = this.#takers.shift()) if (!callCancelled(t.call)) return t;
    return undefined;
  }

  /** The longest-waiting putter still waiting, taken off the queue (those of cancelled calls are dropped, with their values). */
  #nextPutter(): Putter<T> | undefined {
    const p = this.#livePutter();
    if (p !== undefined) this.#putters.shift();
    return p;
  }

  /** The longest-waiting putter still waiting, left in the queue. */
  #livePutter(): Putter<T> | undefined {
    for (let p = this.#putters.peek(); p !== undefined; p = this.#putters.peek()) {
      if (!callCancelled(p.call)) return p;
      this.#putters.shift();
    }
    return undefined;
  }

  #wakeReaders(v: T): void {
    const readers = this.#readers;
    this.#readers = [];
    for (const r of readers) r.resolve(v);
  }
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: Error): void;
  /** The call that waits (core/call-scope.ts): a taker is skipped once an interrupt cancels it. 0: none. */
  call: number;
}

interface Putter<T> {
  value: T;
  resolve(): void;
  reject(e: Error): void;
  /** The call that waits to put (core/call-scope.ts). */
  call: number;
}

/**
 * A growable ring buffer: O(1) push and shift without the O(n) `Array.prototype.shift` that a
 * long queue (an unbounded channel, thousands of blocked putters) would pay on every take.
 */
class Fifo<T> {
  #items: (T | undefined)[] = new Array<T | undefined>(8);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(v: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = v;
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const v = this.#items[this.#head];
    // Drop the slot's reference so a taken value can be garbage-collected.
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    return v;
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  // Capacity stays a power of two so wrapping is a mask; unroll the ring into the new array.
  #grow(): void {
    const old = this.#items;
    const items = new Array<T | undefined>(old.length * 2);
    for (let k = 0; k < this.#size; k++) items[k] = old[(this.#head + k) & (old.length - 1)];
    this.#items = items;
    this.#head = 0;
  }
}
