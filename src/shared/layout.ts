import { coded } from '../core/errors.js';

/**
 * Column-major layout (first index fastest), as in Julia and the seed's advection kernel:
 * the linear index of (i0, i1, ..., ik) is i0 + d0 * (i1 + d1 * (i2 + ...)).
 */

/** Validate `dims` (a number or an array of numbers) into a frozen array; coded errors otherwise. */
export function normalizeDims(dims: unknown): readonly number[] {
  const list = typeof dims === 'number' ? [dims] : dims;
  if (!Array.isArray(list)) {
    throw coded(TypeError, 'ERR_INVALID_DIMS', `dims must be a number or an array of numbers, got ${describe(dims)}`);
  }
  if (list.length === 0) {
    throw coded(RangeError, 'ERR_INVALID_DIMS', 'dims must have at least one dimension');
  }
  for (const [k, d] of list.entries()) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw coded(RangeError, 'ERR_INVALID_DIMS', `dims[${k}] must be a non-negative integer, got ${describe(d)}`);
    }
  }
  const out = Object.freeze([...(list as number[])]);
  lengthOf(out);
  return out;
}

/** The number of elements; a coded RangeError when the product is not a safe integer. */
export function lengthOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  if (!Number.isSafeInteger(n)) {
    throw coded(RangeError, 'ERR_INVALID_DIMS', `dims ${formatDims(dims)} describe too many elements (more than 2^53 - 1)`);
  }
  return n;
}

/** `3×4×2`, Julia's way of writing a size. */
export function formatDims(dims: readonly number[]): string {
  return dims.join('×');
}

/**
 * Column-major linear index with bounds checks. One index is a linear index into the whole array;
 * otherwise there must be exactly one index per dimension.
 */
export function linearIndex(dims: readonly number[], length: number, idx: readonly unknown[], count = idx.length): number {
  // `count` lets `set` pass its (indices..., value) arguments without copying them: it runs per element.
  if (count === 1) {
    const i = idx[0];
    if (!(typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < length)) throw outOfRange(idx.slice(0, count), dims);
    return i;
  }
  if (count !== dims.length) {
    throw coded(
      RangeError,
      'ERR_INVALID_ARG',
      `expected 1 (linear) or ${dims.length} indices for a ${formatDims(dims)} array, got ${count}`,
    );
  }
  let linear = 0;
  let stride = 1;
  for (let k = 0; k < count; k++) {
    const i = idx[k];
    const d = dims[k] as number;
    if (!(typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < d)) throw outOfRange(idx.slice(0, count), dims);
    linear += i * stride;
    stride *= d;
  }
  return linear;
}

function outOfRange(idx: readonly unknown[], dims: readonly number[]): RangeError {
  return coded(
    RangeError,
    'ERR_INDEX_OUT_OF_RANGE',
    `index [${idx.map(describe).join(', ')}] is out of range for a ${formatDims(dims)} array (0-based)`,
  );
}

function describe(v: unknown): string {
  return typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v);
}
