import { coded } from '../core/errors.js';
import type { DType } from '../shared/dtype.js';
import type { Scalar } from './kernels.js';

// The integers each integer dtype holds (uint8clamped stores 0..255 like uint8).
const intRanges: Partial<Record<DType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  uint8clamped: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};
const bigRanges: Partial<Record<DType, [bigint, bigint]>> = {
  bigint64: [-(2n ** 63n), 2n ** 63n - 1n],
  biguint64: [0n, 2n ** 64n - 1n],
};

/**
 * Check a scalar against the dtype it combines with: a bigint for bigint64/biguint64, a number
 * otherwise; for the integer dtypes it must be an integer the dtype holds (Julia's InexactError:
 * no silent rounding or wrapping of the scalar itself). float32 scalars round to float32.
 */
export function checkScalar(dtype: DType, value: Scalar, name: string, op: string): Scalar {
  const big = bigRanges[dtype];
  if (big) {
    if (typeof value !== 'bigint') {
      throw coded(TypeError, 'ERR_INVALID_VALUE', `${op}: ${name} is the number ${value}, but ${dtype} operations take a bigint scalar (write ${value}n)`);
    }
    if (value < big[0] || value > big[1]) throw notHeld(dtype, `${value}n`, `${big[0]}n to ${big[1]}n`, name, op);
    return value;
  }
  if (typeof value !== 'number') {
    throw coded(TypeError, 'ERR_INVALID_VALUE', `${op}: ${name} is the bigint ${value}n, but ${dtype} operations take a number scalar`);
  }
  const ints = intRanges[dtype];
  if (ints && !(Number.isInteger(value) && value >= ints[0] && value <= ints[1])) {
    throw notHeld(dtype, String(value), `the integers ${ints[0]} to ${ints[1]}`, name, op);
  }
  return value;
}

function notHeld(dtype: DType, shown: string, holds: string, name: string, op: string): RangeError {
  return coded(RangeError, 'ERR_INVALID_VALUE', `${op}: ${name} = ${shown} is not a ${dtype} value (${dtype} holds ${holds})`);
}
