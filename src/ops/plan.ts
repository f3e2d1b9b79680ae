import { coded } from '../core/errors.js';
import { dtypeInfo } from '../shared/dtype.js';
import { codeOf, kernels, type TypedArray } from './kernels.js';
import type { ArrayOperand } from './operand.js';
import { overlap } from './overlap.js';
import { layoutOf } from './shape.js';

/** The operations, by their public names. */
export type OpName = 'fill' | 'copyTo' | 'add' | 'sub' | 'mul' | 'div' | 'axpy' | 'map' | 'sum' | 'min' | 'max' | 'mean' | 'dot' | 'norm';

/**
 * One checked operation, ready to run: built from the arguments (every check done), then run over
 * element ranges, then finished. A serial call runs [0, length) and finishes that one partial
 * result; a parallel call runs each participant's share where it is mapped (src/ops/parallel.ts)
 * and finishes their partial results in participant order.
 */
export interface Plan {
  readonly op: OpName;
  /** Elements of the shape the operation runs over. */
  readonly length: number;
  /** Every array operand (a parallel run checks each is shared with the participants). */
  readonly arrays: readonly ArrayOperand[];
  /** The array whose participants split a parallel run: the output, or a reduction's first operand. */
  readonly split: ArrayOperand;
  /** The native loop over the column-major elements [lo, hi); returns that part's partial result. */
  run(lo: number, hi: number): unknown;
  /** The operation's result from the partial results (in element order). */
  finish(partials: readonly unknown[]): unknown;
}

/** How a plan is being built: serially here, or as (a part of) a parallel operation. */
export interface PlanContext {
  readonly parallel: boolean;
  /**
   * Built on the caller of a parallel operation, which may not map the arrays: an unmapped one is
   * checked from its dtype, dims and strides (operand.ts), and `run` is called here only over a
   * part of a participant, which maps every operand (parallel.ts checks that first).
   */
  readonly unmappedHere?: boolean;
}

/** Builds the plan of one operation from its arguments (options already removed). */
export type PlanBuilder = (args: readonly unknown[], ctx: PlanContext) => Plan;

/** The element count of a shape. */
export function lengthOfShape(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * The input as the loops should read it when `out` is written: itself, unless the two overlap in
 * memory without being the same elements; then a private copy (serial; numpy does the same), or
 * a coded error (parallel: the participants would race, and a copy here is not shared with them).
 */
export function readableInput(op: string, out: ArrayOperand, input: ArrayOperand, dims: readonly number[], ctx: PlanContext): ArrayOperand {
  if (overlap(out, input, dims) !== 'partial') return input;
  if (ctx.parallel) {
    throw coded(
      RangeError,
      'ERR_OVERLAP',
      `${op}: ${out.name} and ${input.name} overlap in memory without being the same elements; with { parallel: true } the participants ` +
        `would overwrite elements others still read: copy ${input.name} first (copyTo into another array), or run without parallel`,
    );
  }
  const length = lengthOfShape(dims);
  const info = dtypeInfo(input.dtype);
  const data = info.view(new ArrayBuffer(length * info.bytes), 0, length) as TypedArray;
  const copy: ArrayOperand = { kind: 'array', name: input.name, source: data, dtype: input.dtype, data, offset: 0, dims: null, strides: null, length, writable: true, shared: null };
  kernels().opsUnary(codeOf('unary', 'copy'), data, input.data, layoutOf(dims, [copy, input]), 0, length);
  return copy;
}

/** A plan that writes `out` and returns it. */
export function writingPlan(op: OpName, out: ArrayOperand, arrays: readonly ArrayOperand[], dims: readonly number[], run: (lo: number, hi: number) => unknown): Plan {
  return { op, length: lengthOfShape(dims), arrays, split: out, run, finish: () => out.source };
}
