import { native } from '../native.js';
import type { DType, TypedArrayOf } from '../shared/dtype.js';

/** Any typed array of a dtype this package knows. */
export type TypedArray = TypedArrayOf<DType>;

/** A scalar operand: a number, or a bigint for the 64-bit integer dtypes. */
export type Scalar = number | bigint;

/**
 * The addon's array-operation loops (native/ops.cc). Every call runs over the column-major
 * elements [lo, hi) of a shape described by `layout` (see src/ops/shape.ts); the arguments are
 * checked in TypeScript before, so the addon only loops. It still checks the layout (whole
 * numbers, dims >= 0, products and sums of dims and strides without int64 overflow) and refuses
 * one that reaches outside a typed array, or an element range outside the shape: a RangeError
 * with code ERR_INVALID_ARG.
 */
export interface NativeOps {
  /** out = a ∘ b; -1, or for integer division the position (from lo) of the first zero divisor (nothing written). */
  opsBinary(code: number, out: TypedArray, a: TypedArray | Scalar, b: TypedArray | Scalar, layout: Float64Array, lo: number, hi: number): number;
  /** y = alpha * x + y; the layout's slots are y, x, y. */
  opsAxpy(alpha: Scalar, x: TypedArray, y: TypedArray, layout: Float64Array, lo: number, hi: number): void;
  /** out = f(x); `copy` of a scalar is fill. */
  opsUnary(code: number, out: TypedArray, x: TypedArray | Scalar, layout: Float64Array, lo: number, hi: number): void;
  /** sum, min, max, sumsq or norm; min and max of nothing are null. */
  opsReduce(code: number, x: TypedArray, layout: Float64Array, lo: number, hi: number): Scalar | null;
  /** Σ a·b (a bigint for the 64-bit integer types). */
  opsDot(a: TypedArray, b: TypedArray, layout: Float64Array, lo: number, hi: number): Scalar;
  /** The operation codes, by name, as the addon numbers them. */
  opsCodes: {
    binary: Record<string, number>;
    unary: Record<string, number>;
    /** Unary codes from this one on need a floating-point dtype. */
    firstFloatOnly: number;
    reduce: Record<string, number>;
  };
}

let loaded: NativeOps | undefined;

/** The loops, from the package's one addon (loaded on first use). */
export function kernels(): NativeOps {
  return (loaded ??= native() as unknown as NativeOps);
}

/** The addon's code for an operation it must have (a missing one is a build out of step with the sources). */
export function codeOf(table: 'binary' | 'unary' | 'reduce', name: string): number {
  const code = kernels().opsCodes[table][name];
  if (code === undefined) throw new Error(`the native addon has no ${table} operation "${name}": rebuild it (npm run build:native)`);
  return code;
}
