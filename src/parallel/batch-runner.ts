import { type ErrorShape, errorShape } from '../core/errors.js';
import { explainMissingName } from '../remote/explain.js';

/**
 * What a worker runs for one pmap batch: `f` on every item, each outcome recorded on its own, so
 * one failing item fails only itself and can be retried or handled alone. Promises are awaited
 * together, so an I/O-bound `f` overlaps within a batch.
 *
 * A batch is built to cross cheaply both ways: its items arrive as a list, as numbers packed in a
 * Float64Array, or, for a stretch of a range, as just `start, step, n` (items null); its values go
 * back as one list, packed the same way when every value is a number, with the failures apart.
 * Nothing is allocated per item beyond the values themselves.
 */

/** `[values, failures]`: the values in item order (a failed item's slot is unused), and the failures by position in the batch. */
export type BatchOutcome<E = ErrorShape> = [values: unknown[] | Float64Array, failures: [number, E][] | null];

/** The items of a batch: a list, packed numbers, or null for the range stretch start, start + step, ... */
export type BatchItems = readonly unknown[] | Float64Array | null;

function failure(e: unknown): ErrorShape {
  return errorShape(explainMissingName(e));
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as PromiseLike<unknown>).then === 'function';
}

/** Values that are all numbers travel as their bytes (failed slots become NaN, and are not read). */
export function packValues(values: unknown[], failures: readonly [number, unknown][] | null): unknown[] | Float64Array {
  let f = 0;
  for (let k = 0; k < values.length; k++) {
    if (typeof values[k] === 'number') continue;
    // A failure's slot holds nothing: skip it (failures are listed in position order).
    if (failures !== null && f < failures.length && failures[f]![0] === k) {
      f++;
      continue;
    }
    return values;
  }
  return Float64Array.from(values as number[]);
}

/** An internal function (it travels by name): runs where the batch was sent. */
export function runBatch(f: (x: unknown) => unknown, items: BatchItems, start: number, step: number, n: number): BatchOutcome | Promise<BatchOutcome> {
  // Pushed in order (placeholders for promises and failures), so the list stays packed.
  const values: unknown[] = [];
  let failures: [number, ErrorShape][] | null = null;
  let pending: Promise<void>[] | null = null;
  for (let k = 0; k < n; k++) {
    let v: unknown;
    try {
      v = f(items === null ? start + k * step : items[k]);
    } catch (e) {
      (failures ??= []).push([k, failure(e)]);
      values.push(undefined);
      continue;
    }
    if (isThenable(v)) {
      values.push(undefined);
      (pending ??= []).push(
        Promise.resolve(v).then(
          (x) => void (values[k] = x),
          (e: unknown) => void (failures ??= []).push([k, failure(e)]),
        ),
      );
    } else {
      values.push(v);
    }
  }
  if (!pending) return [packValues(values, failures), failures];
  return Promise.all(pending).then(() => {
    failures?.sort((a, b) => a[0] - b[0]);
    return [packValues(values, failures), failures];
  });
}
