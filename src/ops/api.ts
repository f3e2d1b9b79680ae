import type { DArray } from '../darray/darray.js';
import type { DType, Element } from '../shared/dtype.js';
import type { SharedArray } from '../shared/shared-array.js';
import type { SharedArrayView } from '../shared/view.js';
import type { MapOp } from './elementwise.js';
import type { NumericArray } from './operand.js';
import { execute, type OpsOptions } from './run.js';

/**
 * The array operations (Julia's fill!, copyto!, broadcast arithmetic, axpy!, map!, sum, minimum,
 * maximum, mean, dot, norm; numpy's ufuncs with `out=`). Each takes typed arrays, SharedArrays and
 * views of them (scalars where a value fits), checks shapes and dtypes (coded RangeError and
 * TypeError), and runs one native loop in this process: it returns when done, with the output
 * array or the reduction's value. Array operands must share one dtype and shape; a plain typed
 * array takes the shape of the others when it has as many elements (read column-major). The
 * output may be one of the inputs (in place); an input that overlaps the output otherwise is read
 * as a copy. With a trailing `{ parallel: true }` on SharedArrays (or views), the work is split
 * over the output array's participants by `localindices` and a Promise is returned. The
 * reductions also take a DArray: its owners reduce their blocks, and a Promise is returned.
 * Numeric rules: src/ops/elementwise.ts and src/ops/reductions.ts.
 */

/** What a sum, min, max or dot of `X` returns: a bigint for 64-bit integer arrays, else a number. */
export type ReductionValue<X> = X extends
  | BigInt64Array
  | BigUint64Array
  | SharedArray<'bigint64' | 'biguint64'>
  | SharedArrayView<'bigint64' | 'biguint64'>
  ? bigint
  : number;

/** `fill(x, v)`: every element of x becomes v; returns x. Julia's `fill!(x, v)`, numpy's `x.fill(v)`. */
export function fill<A extends NumericArray>(x: A, v: number | bigint): A;
export function fill<A extends NumericArray>(x: A, v: number | bigint, opts: { parallel: true }): Promise<A>;
export function fill<A extends NumericArray>(x: A, v: number | bigint, opts?: OpsOptions): A | Promise<A>;
export function fill(...args: unknown[]): unknown {
  return execute('fill', args);
}

/** `copyTo(dst, src)`: dst's elements become src's; returns dst. Julia's `copyto!(dst, src)`, numpy's `np.copyto(dst, src)`. */
export function copyTo<A extends NumericArray>(dst: A, src: NumericArray): A;
export function copyTo<A extends NumericArray>(dst: A, src: NumericArray, opts: { parallel: true }): Promise<A>;
export function copyTo<A extends NumericArray>(dst: A, src: NumericArray, opts?: OpsOptions): A | Promise<A>;
export function copyTo(...args: unknown[]): unknown {
  return execute('copyTo', args);
}

/** `add(out, a, b)`: out = a + b elementwise (a or b may be a scalar); returns out. Julia's `out .= a .+ b`. */
export function add<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint): A;
export function add<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint, opts: { parallel: true }): Promise<A>;
export function add<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint, opts?: OpsOptions): A | Promise<A>;
export function add(...args: unknown[]): unknown {
  return execute('add', args);
}

/** `sub(out, a, b)`: out = a - b elementwise; returns out. */
export function sub<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint): A;
export function sub<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint, opts: { parallel: true }): Promise<A>;
export function sub<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint, opts?: OpsOptions): A | Promise<A>;
export function sub(...args: unknown[]): unknown {
  return execute('sub', args);
}

/** `mul(out, a, b)`: out = a * b elementwise; returns out. */
export function mul<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint): A;
export function mul<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint, opts: { parallel: true }): Promise<A>;
export function mul<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint, opts?: OpsOptions): A | Promise<A>;
export function mul(...args: unknown[]): unknown {
  return execute('mul', args);
}

/**
 * `div(out, a, b)`: out = a / b elementwise; returns out. Integer division truncates toward zero
 * (Julia's `div`, C's `/`) and a zero divisor is an ERR_DIVIDE_BY_ZERO RangeError.
 */
export function div<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint): A;
export function div<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint, opts: { parallel: true }): Promise<A>;
export function div<A extends NumericArray>(out: A, a: NumericArray | number | bigint, b: NumericArray | number | bigint, opts?: OpsOptions): A | Promise<A>;
export function div(...args: unknown[]): unknown {
  return execute('div', args);
}

/** `axpy(alpha, x, y)`: y = alpha * x + y; returns y. Julia's `axpy!(alpha, x, y)`, BLAS's daxpy. */
export function axpy<A extends NumericArray>(alpha: number | bigint, x: NumericArray, y: A): A;
export function axpy<A extends NumericArray>(alpha: number | bigint, x: NumericArray, y: A, opts: { parallel: true }): Promise<A>;
export function axpy<A extends NumericArray>(alpha: number | bigint, x: NumericArray, y: A, opts?: OpsOptions): A | Promise<A>;
export function axpy(...args: unknown[]): unknown {
  return execute('axpy', args);
}

/**
 * `map(f, out, x)`: out = f(x) elementwise for a built-in `f` ('neg', 'abs', 'sign', 'square' for
 * every dtype; 'sqrt', 'exp', 'log', 'sin', 'cos', 'tan', 'tanh', 'floor', 'ceil', 'round' (ties
 * to even), 'trunc' for float64/float32); `map(f, x)` works in place. Returns out. Julia's
 * `map!(f, out, x)`, numpy's `np.sqrt(x, out=out)`.
 */
export function map<A extends NumericArray>(f: MapOp, out: A, x: NumericArray | number | bigint): A;
export function map<A extends NumericArray>(f: MapOp, out: A, x: NumericArray | number | bigint, opts: { parallel: true }): Promise<A>;
export function map<A extends NumericArray>(f: MapOp, x: A): A;
export function map<A extends NumericArray>(f: MapOp, x: A, opts: { parallel: true }): Promise<A>;
export function map(...args: unknown[]): unknown {
  return execute('map', args);
}

/** `sum(x)`: the sum of the elements (pairwise for floats; exact for integers, bigint for 64-bit ones). */
export function sum<X extends NumericArray>(x: X): ReductionValue<X>;
export function sum<X extends NumericArray>(x: X, opts: { parallel: true }): Promise<ReductionValue<X>>;
export function sum<X extends NumericArray>(x: X, opts?: OpsOptions): ReductionValue<X> | Promise<ReductionValue<X>>;
/** `sum(D)` of a DArray: each owner reduces its block natively, in parallel; always a Promise. */
export function sum<D extends DType>(x: DArray<D>, opts?: OpsOptions): Promise<Element<D>>;
export function sum(...args: unknown[]): unknown {
  return execute('sum', args);
}

/** `min(x)`: the smallest element (NaN if any is NaN); Julia's `minimum`. Empty x: ERR_EMPTY. */
export function min<X extends NumericArray>(x: X): ReductionValue<X>;
export function min<X extends NumericArray>(x: X, opts: { parallel: true }): Promise<ReductionValue<X>>;
export function min<X extends NumericArray>(x: X, opts?: OpsOptions): ReductionValue<X> | Promise<ReductionValue<X>>;
/** `min(D)` of a DArray: each owner reduces its block natively, in parallel; always a Promise. */
export function min<D extends DType>(x: DArray<D>, opts?: OpsOptions): Promise<Element<D>>;
export function min(...args: unknown[]): unknown {
  return execute('min', args);
}

/** `max(x)`: the largest element (NaN if any is NaN); Julia's `maximum`. Empty x: ERR_EMPTY. */
export function max<X extends NumericArray>(x: X): ReductionValue<X>;
export function max<X extends NumericArray>(x: X, opts: { parallel: true }): Promise<ReductionValue<X>>;
export function max<X extends NumericArray>(x: X, opts?: OpsOptions): ReductionValue<X> | Promise<ReductionValue<X>>;
/** `max(D)` of a DArray: each owner reduces its block natively, in parallel; always a Promise. */
export function max<D extends DType>(x: DArray<D>, opts?: OpsOptions): Promise<Element<D>>;
export function max(...args: unknown[]): unknown {
  return execute('max', args);
}

/** `mean(x)`: sum(x) / length as a number (NaN for no elements). */
export function mean(x: NumericArray): number;
export function mean(x: NumericArray, opts: { parallel: true }): Promise<number>;
export function mean(x: NumericArray, opts?: OpsOptions): number | Promise<number>;
/** `mean(D)` of a DArray: each owner reduces its block natively, in parallel; always a Promise. */
export function mean<D extends DType>(x: DArray<D>, opts?: OpsOptions): Promise<number>;
export function mean(...args: unknown[]): unknown {
  return execute('mean', args);
}

/** `dot(a, b)`: the sum of a[i] * b[i] (pairwise for floats; exact for integers). */
export function dot<X extends NumericArray>(a: X, b: NumericArray): ReductionValue<X>;
export function dot<X extends NumericArray>(a: X, b: NumericArray, opts: { parallel: true }): Promise<ReductionValue<X>>;
export function dot<X extends NumericArray>(a: X, b: NumericArray, opts?: OpsOptions): ReductionValue<X> | Promise<ReductionValue<X>>;
/** `dot(a, b)` of two DArrays with the same blocks on the same owners: each owner multiplies its two blocks; always a Promise. */
export function dot<D extends DType>(a: DArray<D>, b: DArray, opts?: OpsOptions): Promise<Element<D>>;
export function dot(...args: unknown[]): unknown {
  return execute('dot', args);
}

/** `norm(x)`: the 2-norm sqrt(Σ x²) as a number, rescaled so that it neither overflows nor underflows. */
export function norm(x: NumericArray): number;
export function norm(x: NumericArray, opts: { parallel: true }): Promise<number>;
export function norm(x: NumericArray, opts?: OpsOptions): number | Promise<number>;
/** `norm(D)` of a DArray: each owner reduces its block natively, in parallel; always a Promise. */
export function norm<D extends DType>(x: DArray<D>, opts?: OpsOptions): Promise<number>;
export function norm(...args: unknown[]): unknown {
  return execute('norm', args);
}
