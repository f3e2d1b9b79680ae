import { coded } from '../core/errors.js';
import { workers } from '../core/process-table.js';
import { remotecallFetch } from '../remote/calls.js';
import { assertShippable } from '../remote/function-shipping.js';
import { Range } from '../core/range.js';
import { runArrayChunk, runRangeChunk } from './chunk-runner.js';
import { splitIndices, splitRangeOf } from './splitrange.js';

/**
 * Julia's `@distributed`: the range (or array) is split over
 * `workers()` by `splitrange` — the first chunks take the extra items — and each worker gets
 * the body once and runs its whole chunk locally, reducing it. The caller reduces the per-worker
 * results in worker order, so the result never depends on timing. With no workers, pid 1 works.
 *
 * Without a reducer the promise settles once every chunk is done (Julia's `@sync @distributed`).
 * If a chunk fails, the loop waits for the other chunks to settle (nothing keeps running
 * unnoticed) and rejects with the first failure in worker order.
 */
export function distributed(r: Range, body: (i: number) => unknown): Promise<void>;
export function distributed<T>(r: readonly T[], body: (i: T) => unknown): Promise<void>;
// An async body's values are awaited before they are reduced, so the reducer sees V, not
// Promise<V>; and it sees V widened, since a body such as `() => (x ? 1 : 0)` is typed `0 | 1`
// while its sums are any number.
export function distributed<V>(r: Range, body: (i: number) => V | PromiseLike<V>, reducer: (a: Widened<V>, b: Widened<V>) => Widened<V>): Promise<Widened<V>>;
export function distributed<T, V>(r: readonly T[], body: (i: T) => V | PromiseLike<V>, reducer: (a: Widened<V>, b: Widened<V>) => Widened<V>): Promise<Widened<V>>;
export async function distributed(
  r: Range | readonly unknown[],
  // never: the overloads above type the body and the reducer; the chunk runners take any.
  body: (i: never) => unknown,
  reducer?: (a: never, b: never) => unknown,
): Promise<unknown> {
  if (!(r instanceof Range) && !Array.isArray(r)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'distributed(r, body): r must be a range (range(0, n)) or an array');
  }
  assertShippable(body, 'distributed body');
  if (reducer !== undefined) assertShippable(reducer, 'distributed reducer');
  const ws = workers();
  if (r.length === 0) {
    if (reducer) throw coded(RangeError, 'ERR_INVALID_ARG', 'distributed: cannot reduce over an empty range (there is no first value)');
    return undefined;
  }
  const red = (reducer ?? null) as ((a: unknown, b: unknown) => unknown) | null;
  const calls =
    r instanceof Range
      ? splitRangeOf(r, ws.length).map((c, i) => remotecallFetch(runRangeChunk, ws[i]!, body as (i: unknown) => unknown, red, c.start, c.step, c.length))
      : splitIndices(r, ws.length).map((c, i) => remotecallFetch(runArrayChunk, ws[i]!, body as (i: unknown) => unknown, red, r.slice(c.start, c.stop)));
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  if (!red) return undefined;
  const values = settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
  return values.reduce((a, b) => red(a, b));
}

/**
 * The type a `distributed` reducer works on: the body's result with literal types widened to their
 * primitive (`0 | 1` to `number`, `'a'` to `string`, `true` to `boolean`); other types unchanged.
 */
export type Widened<V> = V extends number ? number : V extends string ? string : V extends boolean ? boolean : V extends bigint ? bigint : V;
