import { coded } from '../core/errors.js';
import { blockOf } from '../darray/block-ops.js';
import { DArray } from '../darray/darray.js';
import { onOwner } from '../darray/on-owner.js';
import { settleAll } from '../darray/settle.js';
import type { DType } from '../shared/dtype.js';
import { formatDims } from '../shared/layout.js';
import type { RRID } from '../transport/messages.js';
import { buildPlan } from './build.js';
import type { Scalar } from './kernels.js';
import { finishReduction, type ReductionOp } from './reductions.js';

/**
 * The reductions of a DArray: each owner runs the reduction's native loop over its own block, as
 * it would over a typed array (the blocks in parallel, nothing fetched), and the blocks' partial
 * results are combined here in block order by the same rules as a parallel operation's parts
 * (src/ops/reductions.ts). So a float sum is pairwise within each block, and integer sums and dot
 * products stay exact. `dot(a, b)` of two DArrays needs the same blocks on the same owners: each
 * owner then reads both of its blocks. The result is always a Promise.
 */
export async function reduceDArray(op: ReductionOp, args: readonly unknown[]): Promise<Scalar> {
  const [a, b] = args;
  const D = live(a, op === 'dot' ? 'a' : 'x', op);
  let partials: (Scalar | null)[];
  if (op === 'dot') {
    const E = sameLayout(D, b);
    partials = await settleAll(D.pids.map((_, k) => onOwner<Scalar>(D, k, opsBlockDot, [E.whence, E.id])));
  } else {
    partials = await settleAll(D.pids.map((_, k) => onOwner<Scalar | null>(D, k, opsBlockReduce, [op])));
  }
  return finishReduction(op, partials, D.dtype, D.length);
}

/** Owner operation: reduction `op` over this process's block of DArray `rr` (its native loop's partial result). */
export function opsBlockReduce(_from: number, rr: RRID, op: Exclude<ReductionOp, 'dot'>): unknown {
  const data = blockOf(rr).data;
  return buildPlan(op, [data], { parallel: true }).run(0, data.length);
}

/** Owner operation: the dot product of this process's blocks of DArrays `rr` and (whence, id), laid out alike. */
export function opsBlockDot(_from: number, rr: RRID, whence: number, id: number): unknown {
  const a = blockOf(rr).data;
  const b = blockOf({ whence, id }).data;
  return buildPlan('dot', [a, b], { parallel: true }).run(0, a.length);
}

/** The array operations' owner operations, for the runtime's owner-operation table. */
export const opsOwnerOps = [opsBlockReduce, opsBlockDot] as const;

/** `x` as a usable DArray: not closed, not finalized. */
function live(x: unknown, name: string, op: string): DArray<DType> {
  const D = x as DArray<DType>;
  if (D.isClosed) {
    throw coded(Error, 'ERR_ARRAY_CLOSED', `${op}: ${name} is a ${formatDims(D.dims)} DArray that is closed; it cannot be used after close()`);
  }
  if (D.isFinalized) {
    throw coded(Error, 'ERR_REF_FINALIZED', `${op}: ${name} is a ${formatDims(D.dims)} DArray whose handle was finalized; it can no longer be used`);
  }
  return D;
}

/** dot's second operand: a live DArray of a's dtype, dims, blocks and owners. */
function sameLayout(a: DArray<DType>, x: unknown): DArray<DType> {
  const layout = `{ procs: [${a.pids.join(', ')}], dist: [${a.cuts.map((c) => c.length - 1).join(', ')}] }`;
  if (!(x instanceof DArray)) {
    throw coded(
      TypeError,
      'ERR_INVALID_ARG',
      `dot: a is a DArray, so b must be a DArray with the same blocks on the same owners; make one with distribute(b, ${layout})`,
    );
  }
  const b = live(x, 'b', 'dot');
  if (b.dtype !== a.dtype) {
    throw coded(TypeError, 'ERR_DTYPE_MISMATCH', `dot: a is ${a.dtype} but b is ${b.dtype}; the array operands must have the same dtype (the operations never convert between dtypes)`);
  }
  if (formatDims(b.dims) !== formatDims(a.dims)) {
    throw coded(RangeError, 'ERR_SHAPE_MISMATCH', `dot: a is ${formatDims(a.dims)} but b is ${formatDims(b.dims)}; the operands must have the same shape`);
  }
  const sameOwners = b.pids.length === a.pids.length && b.pids.every((p, k) => p === a.pids[k]);
  const sameCuts = b.cuts.every((c, d) => c.length === a.cuts[d]?.length && c.every((x, i) => x === a.cuts[d]?.[i]));
  if (!sameOwners || !sameCuts) {
    throw coded(
      RangeError,
      'ERR_INVALID_ARG',
      `dot: a and b are DArrays cut into different blocks or owned by other processes (a: ${layout}; b: { procs: [${b.pids.join(', ')}], ` +
        `dist: [${b.cuts.map((c) => c.length - 1).join(', ')}] }); each owner multiplies its own two blocks, so create b with a's procs and dist`,
    );
  }
  return b;
}
