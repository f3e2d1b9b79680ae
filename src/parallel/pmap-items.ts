import { Range } from '../core/range.js';

/**
 * A pmap's input, taken a batch at a time. Items are taken only when a worker is free, so an
 * async iterable is consumed with a bounded number of items in flight. Arrays and ranges are
 * taken without iterating: an array is sliced, and a stretch of a range is only its start, step
 * and length (the worker counts the items itself).
 */
export interface ItemSource {
  /** How many items there are, when known up front (the progress total, the tail's batch sizes). */
  readonly total: number | undefined;
  /** Up to `max` next items: fewer at the end, none once the input is exhausted. */
  take(max: number): Stretch | Promise<Stretch>;
}

/** Consecutive items of the input: listed, or (values null) the range stretch start, start + step, ... */
export interface Stretch {
  n: number;
  values: readonly unknown[] | null;
  start: number;
  step: number;
}

/** Item `k` of a stretch. */
export function itemOf(s: Stretch, k: number): unknown {
  return s.values === null ? s.start + k * s.step : s.values[k];
}

/** Listed items as a stretch. */
export function listed(values: readonly unknown[]): Stretch {
  return { n: values.length, values, start: 0, step: 1 };
}

/** The items of `items` (validated by the caller: an iterable, an async iterable or a string). */
export function itemSource(items: Iterable<unknown> | AsyncIterable<unknown>): ItemSource {
  if (items instanceof Range) return rangeSource(items);
  if (Array.isArray(items)) return arraySource(items);
  if (typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return asyncSource(items as AsyncIterable<unknown>);
  return iterableSource(items as Iterable<unknown>);
}

function rangeSource(r: Range): ItemSource {
  let taken = 0;
  return {
    total: r.length,
    take(max) {
      const n = Math.min(max, r.length - taken);
      const s: Stretch = { n, values: null, start: r.start + taken * r.step, step: r.step };
      taken += n;
      return s;
    },
  };
}

function arraySource(a: readonly unknown[]): ItemSource {
  let taken = 0;
  return {
    total: a.length,
    take(max) {
      const values = a.slice(taken, taken + max);
      taken += values.length;
      return listed(values);
    },
  };
}

function iterableSource(items: Iterable<unknown>): ItemSource {
  const it = items[Symbol.iterator]();
  const o = items as { length?: unknown; size?: unknown };
  let done = false;
  return {
    total: typeof items === 'string' ? [...items].length : typeof o.length === 'number' ? o.length : typeof o.size === 'number' ? o.size : undefined,
    take(max) {
      const values: unknown[] = [];
      while (!done && values.length < max) {
        const r = it.next();
        if (r.done) done = true;
        else values.push(r.value);
      }
      return listed(values);
    },
  };
}

function asyncSource(items: AsyncIterable<unknown>): ItemSource {
  const it = items[Symbol.asyncIterator]();
  let done = false;
  return {
    total: undefined,
    async take(max) {
      const values: unknown[] = [];
      while (!done && values.length < max) {
        const r = await it.next();
        if (r.done) done = true;
        else values.push(r.value);
      }
      return listed(values);
    },
  };
}
