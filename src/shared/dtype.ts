import { coded } from '../core/errors.js';

/**
 * Element types a SharedArray can hold: the fixed-size numeric types JavaScript has typed arrays
 * for (Julia's "bits types" that have a JavaScript counterpart).
 */
export type DType =
  | 'float64'
  | 'float32'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint8clamped'
  | 'bigint64'
  | 'biguint64';

/**
 * The typed array behind each dtype.
 * @inline
 */
interface TypedArrays {
  /** 8-byte IEEE 754 floats (Julia's Float64). */
  float64: Float64Array;
  /** 4-byte IEEE 754 floats (Float32). */
  float32: Float32Array;
  /** Signed bytes (Int8). */
  int8: Int8Array;
  /** 2-byte signed integers (Int16). */
  int16: Int16Array;
  /** 4-byte signed integers (Int32). */
  int32: Int32Array;
  /** Unsigned bytes (UInt8). */
  uint8: Uint8Array;
  /** 2-byte unsigned integers (UInt16). */
  uint16: Uint16Array;
  /** 4-byte unsigned integers (UInt32). */
  uint32: Uint32Array;
  /** Unsigned bytes that clamp on write (0..255, rounded). */
  uint8clamped: Uint8ClampedArray;
  /** 8-byte signed integers, read and written as bigint (Int64). */
  bigint64: BigInt64Array;
  /** 8-byte unsigned integers, read and written as bigint (UInt64). */
  biguint64: BigUint64Array;
}

/** The typed array class that views an array of dtype `D`. */
export type TypedArrayOf<D extends DType> = TypedArrays[D];

/** What one element reads as: bigint for the 64-bit integer types, number otherwise. */
export type Element<D extends DType> = D extends 'bigint64' | 'biguint64' ? bigint : number;

type AnyTypedArray = TypedArrays[DType];

export interface DTypeInfo {
  readonly bytes: number;
  readonly bigint: boolean;
  readonly float: boolean;
  readonly view: (buffer: ArrayBuffer, byteOffset: number, length: number) => AnyTypedArray;
}

// One row per dtype: size, element kind and the view constructor. Views over a mapping are always
// built from its one ArrayBuffer (never a second buffer over the same memory: V8 aborts).
const table: Record<DType, DTypeInfo> = {
  float64: { bytes: 8, bigint: false, float: true, view: (b, o, n) => new Float64Array(b, o, n) },
  float32: { bytes: 4, bigint: false, float: true, view: (b, o, n) => new Float32Array(b, o, n) },
  int8: { bytes: 1, bigint: false, float: false, view: (b, o, n) => new Int8Array(b, o, n) },
  int16: { bytes: 2, bigint: false, float: false, view: (b, o, n) => new Int16Array(b, o, n) },
  int32: { bytes: 4, bigint: false, float: false, view: (b, o, n) => new Int32Array(b, o, n) },
  uint8: { bytes: 1, bigint: false, float: false, view: (b, o, n) => new Uint8Array(b, o, n) },
  uint16: { bytes: 2, bigint: false, float: false, view: (b, o, n) => new Uint16Array(b, o, n) },
  uint32: { bytes: 4, bigint: false, float: false, view: (b, o, n) => new Uint32Array(b, o, n) },
  uint8clamped: { bytes: 1, bigint: false, float: false, view: (b, o, n) => new Uint8ClampedArray(b, o, n) },
  bigint64: { bytes: 8, bigint: true, float: false, view: (b, o, n) => new BigInt64Array(b, o, n) },
  biguint64: { bytes: 8, bigint: true, float: false, view: (b, o, n) => new BigUint64Array(b, o, n) },
};

/** The dtype's row; a coded TypeError listing the valid names for anything else. */
export function dtypeInfo(dtype: unknown): DTypeInfo {
  if (typeof dtype === 'string' && Object.hasOwn(table, dtype)) return table[dtype as DType];
  throw coded(
    TypeError,
    'ERR_INVALID_DTYPE',
    `unknown dtype ${JSON.stringify(dtype) ?? String(dtype)}; expected one of ${Object.keys(table).join(', ')}`,
  );
}

/** The values an integer dtype holds exactly (uint8clamped clamps and rounds by design: none). */
const integerRange: Partial<Record<DType, readonly [number | bigint, number | bigint]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 2 ** 32 - 1],
  bigint64: [-(2n ** 63n), 2n ** 63n - 1n],
  biguint64: [0n, 2n ** 64n - 1n],
};

/**
 * Check that `value` can be stored in an array of `dtype` as it is: a bigint for 64-bit integers,
 * a number otherwise, and for the integer types an integer they can hold (Julia raises
 * InexactError rather than truncate or wrap a value silently).
 */
export function checkElement(dtype: DType, value: unknown): void {
  const info = table[dtype];
  const shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? JSON.stringify(value) : String(value);
  const ok = info.bigint ? typeof value === 'bigint' : typeof value === 'number';
  if (!ok) {
    throw coded(
      TypeError,
      'ERR_INVALID_VALUE',
      `cannot store ${shown} (${typeof value}) in a ${dtype} array: expected a ${info.bigint ? 'bigint' : 'number'}`,
    );
  }
  const range = integerRange[dtype];
  if (!range) return;
  if (typeof value === 'number' && !Number.isInteger(value)) {
    throw coded(RangeError, 'ERR_INVALID_VALUE', `cannot store ${shown} in a ${dtype} array exactly: it is not an integer (round it first, e.g. Math.round)`);
  }
  if ((value as number | bigint) < range[0] || (value as number | bigint) > range[1]) {
    throw coded(RangeError, 'ERR_INVALID_VALUE', `cannot store ${shown} in a ${dtype} array: it holds ${range[0]} to ${range[1]}`);
  }
}
