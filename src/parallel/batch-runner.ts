import { type ErrorShape, errorShape } from '../core/errors.js';
import { explainMissingName } from '../remote/explain.js';

/**
 * What a worker runs for one pmap batch: `f` on every item, each outcome recorded on its own
 * (`[true, value]` or `[false, error]`), so one failing item fails only itself and can be retried
 * or handled alone. Promises are awaited together, so an I/O-bound `f` overlaps within a batch.
 */
export type Outcome = [true, unknown] | [false, ErrorShape];

function failure(e: unknown): Outcome {
  return [false, errorShape(explainMissingName(e))];
}

/** An internal function (it travels by name): runs where the batch was sent. */
export function runBatch(f: (x: unknown) => unknown, items: readonly unknown[]): Outcome[] | Promise<Outcome[]> {
  const out: Outcome[] = new Array(items.length);
  let pending: Promise<void>[] | null = null;
  for (let k = 0; k < items.length; k++) {
    try {
      const v = f(items[k]);
      if (v !== null && typeof v === 'object' && typeof (v as PromiseLike<unknown>).then === 'function') {
        (pending ??= []).push(
          Promise.resolve(v).then(
            (x) => void (out[k] = [true, x]),
            (e: unknown) => void (out[k] = failure(e)),
          ),
        );
      } else {
        out[k] = [true, v];
      }
    } catch (e) {
      out[k] = failure(e);
    }
  }
  return pending ? Promise.all(pending).then(() => out) : out;
}
