import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { remotecallFetch } from '../remote/calls.js';
import { localRange } from '../shared/localindices.js';
import { buildPlan } from './build.js';
import type { OpName } from './plan.js';

/**
 * `{ parallel: true }`: the operation split over the participants of its array (the output, or a
 * reduction's first operand) as `localindices` splits it: participant k runs the same native
 * loop over its share [lo, hi) of the column-major elements, over its own mapping of the shared
 * memory, in one call. Reductions combine the participants' partial results here, in participant
 * order. Every array operand must be a SharedArray (or a view of one) that each of those
 * participants maps; the caller itself may be any process that holds them, mapped or not.
 */
export async function runParallel(op: OpName, args: readonly unknown[]): Promise<unknown> {
  // The caller need not map the arrays (the participants run the loops): it checks them from
  // their dtypes, dims and strides, and runs a part only where it is a participant, so maps them.
  const plan = buildPlan(op, args, { parallel: true, unmappedHere: true });
  for (const o of plan.arrays) {
    if (o.shared === null) {
      throw coded(
        TypeError,
        'ERR_INVALID_ARG',
        `${op}: ${o.name} is a ${o.data.constructor.name} of this process only; { parallel: true } needs SharedArrays or views of them (or run without it)`,
      );
    }
  }
  const pids = plan.split.shared!.pids;
  const parts = pids.map((_, k) => localRange(plan.length, pids.length, k));
  pids.forEach((p, k) => {
    if (parts[k]!.length === 0) return;
    const missing = plan.arrays.find((o) => !o.shared!.pids.includes(p));
    if (missing) {
      throw coded(
        RangeError,
        'ERR_NOT_MAPPED',
        `${op}: with { parallel: true } process ${p}, a participant of ${plan.split.name} (pids ${pids.join(', ')}), runs a part, ` +
          `but ${missing.name} is not mapped there (its participants are ${missing.shared!.pids.join(', ')}); create the arrays with the same pids`,
      );
    }
  });
  const me = myid();
  const calls: (Promise<unknown> | null)[] = pids.map((p, k) => {
    const r = parts[k]!;
    return r.length === 0 || p === me ? null : remotecallFetch(opsPart, p, op, args, r.start, r.stop);
  });
  // This process's own part runs once the calls above are on their way (the transport writes
  // them at the end of this turn), so it overlaps with theirs.
  const k = pids.indexOf(me);
  if (k >= 0 && parts[k]!.length > 0) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    // A throw becomes this part's rejection, so the calls in flight keep a handler.
    calls[k] = new Promise((resolve) => resolve(plan.run(parts[k]!.start, parts[k]!.stop)));
  }
  // Every part settles before the operation does: a part that fails early must not hand the
  // output back to the caller (to reuse or close) while other participants still write it.
  const settled = await Promise.allSettled(calls.filter((c): c is Promise<unknown> => c !== null));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return plan.finish(settled.map((r) => (r as PromiseFulfilledResult<unknown>).value));
}

/**
 * A participant's part of a parallel operation: the same plan, built from the same arguments as
 * they arrived here (the arrays over this process's mappings), run over [lo, hi).
 */
export function opsPart(op: OpName, args: readonly unknown[], lo: number, hi: number): unknown {
  return buildPlan(op, args, { parallel: true, unmappedHere: false }).run(lo, hi);
}
