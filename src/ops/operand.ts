import { coded } from '../core/errors.js';
import { DArray } from '../darray/darray.js';
import type { DType, TypedArrayOf } from '../shared/dtype.js';
import { formatDims } from '../shared/layout.js';
import { SharedArray } from '../shared/shared-array.js';
import { SharedArrayView } from '../shared/view.js';
import type { Scalar, TypedArray } from './kernels.js';

/** What the operations accept as an array: a typed array, a SharedArray or a view of one. */
export type NumericArray = TypedArrayOf<DType> | SharedArray<DType> | SharedArrayView<DType>;

/**
 * An array argument reduced to what the loops need: the typed array holding its elements, the
 * first element's index there, and its shape and strides. A plain typed array has no shape of
 * its own (`dims` and `strides` are null): it takes the other operands' shape, read column-major.
 */
export interface ArrayOperand {
  readonly kind: 'array';
  /** The argument's name in messages: out, a, b, x, y, dst, src. */
  readonly name: string;
  readonly source: NumericArray;
  readonly dtype: DType;
  readonly data: TypedArray;
  readonly offset: number;
  readonly dims: readonly number[] | null;
  readonly strides: readonly number[] | null;
  readonly length: number;
  readonly writable: boolean;
  /** The SharedArray whose memory this is; null for a plain typed array. */
  readonly shared: SharedArray<DType> | null;
}

/** A scalar argument (checked against the operation's dtype later, see scalar.ts). */
export interface ScalarOperand {
  readonly kind: 'scalar';
  readonly name: string;
  readonly value: Scalar;
}

/** An operation's argument as the plans see it. */
export type Operand = ArrayOperand | ScalarOperand;

// By Symbol.toStringTag, which subclasses (Buffer) and other realms report like the base class.
const typedArrayDtypes: Record<string, DType> = {
  Float64Array: 'float64',
  Float32Array: 'float32',
  Int8Array: 'int8',
  Int16Array: 'int16',
  Int32Array: 'int32',
  Uint8Array: 'uint8',
  Uint16Array: 'uint16',
  Uint32Array: 'uint32',
  Uint8ClampedArray: 'uint8clamped',
  BigInt64Array: 'bigint64',
  BigUint64Array: 'biguint64',
};

/** The dtype of a typed array this package knows; undefined for anything else. */
function typedArrayDtype(x: unknown): DType | undefined {
  if (!ArrayBuffer.isView(x) || x instanceof DataView) return undefined;
  return typedArrayDtypes[(x as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag]];
}

/** Column-major strides of a contiguous array of `dims`: [1, d0, d0*d1, ...]. */
export function columnMajorStrides(dims: readonly number[]): number[] {
  const strides: number[] = [];
  let s = 1;
  for (const n of dims) {
    strides.push(s);
    s *= n;
  }
  return strides;
}

/** Where an operand is taken: `unmappedHere` on the caller of a parallel operation (see PlanContext). */
export interface OperandContext {
  readonly unmappedHere?: boolean;
}

/**
 * An array argument; coded errors for anything else, a closed array, or one not mapped here
 * (unless `ctx.unmappedHere`: then its `data` is the empty typed array an unmapped SharedArray
 * has, which shape, dtype and overlap checks never read, and the native loops refuse to).
 */
export function arrayOperand(x: unknown, name: string, op: string, ctx: OperandContext = {}): ArrayOperand {
  if (x instanceof SharedArray) {
    const S = usable(x, name, op, 'SharedArray', ctx);
    return { kind: 'array', name, source: x, dtype: x.dtype, data: S.data, offset: 0, dims: x.dims, strides: columnMajorStrides(x.dims), length: x.length, writable: x.isWritable, shared: x };
  }
  if (x instanceof SharedArrayView) {
    const S = usable(x.parent, name, op, 'view of a SharedArray', ctx);
    return { kind: 'array', name, source: x, dtype: x.dtype, data: S.data, offset: x.offset, dims: x.dims, strides: x.strides, length: x.length, writable: S.isWritable, shared: S };
  }
  const dtype = typedArrayDtype(x);
  if (dtype !== undefined) {
    const data = x as TypedArray;
    return { kind: 'array', name, source: data, dtype, data, offset: 0, dims: null, strides: null, length: data.length, writable: true, shared: null };
  }
  if (x instanceof DArray) {
    throw coded(
      TypeError,
      'ERR_INVALID_ARG',
      `${op}: ${name} is a DArray, whose blocks live on their owners: the reductions take one as their first operand ` +
        '(sum, min, max, mean, norm; dot of two DArrays laid out alike); for elementwise work run the operations on each block, in D.forEachBlock(...)',
    );
  }
  throw coded(TypeError, 'ERR_INVALID_ARG', `${op}: ${name} must be a typed array, a SharedArray or a view of one, got ${describe(x)}`);
}

/** An array argument, or a scalar (number or bigint) where the operation takes one. */
export function operandOrScalar(x: unknown, name: string, op: string, ctx: OperandContext = {}): Operand {
  if (typeof x === 'number' || typeof x === 'bigint') return { kind: 'scalar', name, value: x };
  if (x instanceof SharedArray || x instanceof SharedArrayView || typedArrayDtype(x) !== undefined || x instanceof DArray) return arrayOperand(x, name, op, ctx);
  throw coded(TypeError, 'ERR_INVALID_ARG', `${op}: ${name} must be a number, a bigint, a typed array, a SharedArray or a view of one, got ${describe(x)}`);
}

/** Refuse to write an array opened read-only. */
export function checkWritable(o: ArrayOperand, op: string): void {
  if (!o.writable) {
    throw coded(TypeError, 'ERR_READ_ONLY', `${op}: ${o.name} is over a file opened read-only (mode r); open it with r+ to write`);
  }
}

/** All array operands share one dtype (no silent conversions). */
export function checkSameDtype(op: string, arrays: readonly ArrayOperand[]): void {
  const first = arrays[0];
  const other = arrays.find((o) => o.dtype !== first?.dtype);
  if (first && other) {
    throw coded(
      TypeError,
      'ERR_DTYPE_MISMATCH',
      `${op}: ${first.name} is ${first.dtype} but ${other.name} is ${other.dtype}; the array operands must have the same dtype (the operations never convert between dtypes)`,
    );
  }
}

function usable(S: SharedArray<DType>, name: string, op: string, what: string, ctx: OperandContext): SharedArray<DType> {
  if (S.isClosed) {
    throw coded(Error, 'ERR_ARRAY_CLOSED', `${op}: ${name} is a ${what} (${formatDims(S.dims)}) that is closed; it cannot be used after close()`);
  }
  if (!S.isMapped && !ctx.unmappedHere) {
    throw coded(
      RangeError,
      'ERR_NOT_MAPPED',
      `${op}: ${name} is a ${what} (${formatDims(S.dims)}) not mapped in this process: it is not a participant (pids ${S.pids.join(', ')}); ` +
        'run the operation on a participant, or with { parallel: true }',
    );
  }
  return S;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'object') return `an instance of ${(x as object).constructor?.name ?? 'Object'}`;
  return `${typeof x} ${String(x)}`;
}
