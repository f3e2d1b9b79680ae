import { coded } from '../core/errors.js';
import { dtypeInfo, type DType } from '../shared/dtype.js';
import { codeOf, kernels, type Scalar } from './kernels.js';
import { arrayOperand, checkSameDtype } from './operand.js';
import { lengthOfShape, type OpName, type Plan, type PlanBuilder } from './plan.js';
import { commonShape, layoutOf } from './shape.js';

/**
 * The reductions' plans: sum, min, max, mean, dot, norm. What they return:
 *  - float64/float32: numbers; sums and dot products are pairwise (as numpy and Julia sum), in
 *    double precision (float32 elements are widened first); min/max are NaN when any element is;
 *  - 8- to 32-bit integers: sums and dot products are exact (64- or 128-bit accumulators) and
 *    returned as numbers, so exact up to 2^53; min/max as numbers;
 *  - bigint64/biguint64: sum, min, max and dot are exact bigints (128- and 192-bit accumulators);
 *  - mean and norm are numbers for every dtype; norm rescales to avoid overflow and underflow.
 * The sum of no elements is 0 (0n), their mean NaN, and their min or max an ERR_EMPTY RangeError.
 */

/** The reductions, by their public names. */
export type ReductionOp = 'sum' | 'min' | 'max' | 'mean' | 'norm' | 'dot';

/** sum(x), min(x), max(x), mean(x), norm(x). */
function reductionPlan(op: Exclude<ReductionOp, 'dot'>): PlanBuilder {
  return ([xArg], ctx) => {
    const x = arrayOperand(xArg, 'x', op, ctx);
    const dims = commonShape(op, [x]);
    const slots = [x];
    const code = codeOf('reduce', op === 'mean' ? 'sum' : op);
    const length = lengthOfShape(dims);
    return {
      op,
      length,
      arrays: [x],
      split: x,
      run: (lo, hi) => kernels().opsReduce(code, x.data, layoutOf(dims, slots), lo, hi),
      finish: (partials) => finishReduction(op, partials as (Scalar | null)[], x.dtype, length),
    };
  };
}

/** dot(a, b): the sum of a[i] * b[i]. */
const dotPlan: PlanBuilder = ([aArg, bArg], ctx): Plan => {
  const a = arrayOperand(aArg, 'a', 'dot', ctx);
  const b = arrayOperand(bArg, 'b', 'dot', ctx);
  checkSameDtype('dot', [a, b]);
  const dims = commonShape('dot', [a, b]);
  const slots = [a, b];
  return {
    op: 'dot',
    length: lengthOfShape(dims),
    arrays: [a, b],
    split: a,
    run: (lo, hi) => kernels().opsDot(a.data, b.data, layoutOf(dims, slots), lo, hi),
    finish: (partials) => finishReduction('dot', partials as Scalar[], a.dtype, lengthOfShape(dims)),
  };
};

type Finisher = (partials: readonly (Scalar | null)[], dtype: DType, length: number) => Scalar;

const finishers: Record<ReductionOp, Finisher> = {
  sum: (partials, dtype) => total(partials as Scalar[], dtype),
  dot: (partials, dtype) => total(partials as Scalar[], dtype),
  min: (partials, dtype) => extreme('min', partials, dtype),
  max: (partials, dtype) => extreme('max', partials, dtype),
  mean: (partials, dtype, length) => Number(total(partials as Scalar[], dtype)) / length,
  norm: (partials) => combineNorms(partials as number[]),
};

/**
 * The result of reduction `op` over `length` elements of `dtype` from its parts' partial results
 * (what each part's native loop returned), in element order: the parts of a parallel operation,
 * or a DArray's blocks.
 */
export function finishReduction(op: ReductionOp, partials: readonly (Scalar | null)[], dtype: DType, length: number): Scalar {
  return finishers[op](partials, dtype, length);
}

/** The parts' sums added in order (bigints exactly). */
function total(partials: readonly Scalar[], dtype: DType): Scalar {
  if (dtypeInfo(dtype).bigint) return (partials as bigint[]).reduce((s, p) => s + p, 0n);
  return (partials as number[]).reduce((s, p) => s + p, 0);
}

function extreme(op: 'min' | 'max', partials: readonly (Scalar | null)[], dtype: DType): Scalar {
  const found = partials.filter((p): p is Scalar => p !== null);
  if (found.length === 0) {
    throw coded(RangeError, 'ERR_EMPTY', `${op}: x has no elements, and the ${op === 'min' ? 'minimum' : 'maximum'} of nothing is undefined (as in Julia and numpy)`);
  }
  if (!dtypeInfo(dtype).bigint) return op === 'min' ? Math.min(...(found as number[])) : Math.max(...(found as number[]));
  return (found as bigint[]).reduce((m, v) => ((op === 'min' ? v < m : v > m) ? v : m));
}

/** The 2-norm of the whole from the parts' 2-norms, scaled by the largest so nothing overflows. */
function combineNorms(parts: readonly number[]): number {
  if (parts.some(Number.isNaN)) return NaN;
  const scale = Math.max(0, ...parts);
  if (scale === 0 || scale === Infinity || parts.length === 1) return scale;
  let s = 0;
  for (const p of parts) s += (p / scale) ** 2;
  return scale * Math.sqrt(s);
}

/** The reductions' plans by operation name. */
export const reductionPlans: Partial<Record<OpName, PlanBuilder>> = {
  sum: reductionPlan('sum'),
  min: reductionPlan('min'),
  max: reductionPlan('max'),
  mean: reductionPlan('mean'),
  norm: reductionPlan('norm'),
  dot: dotPlan,
};
