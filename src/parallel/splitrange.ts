import { coded } from '../core/errors.js';
import { Range } from '../core/range.js';

/**
 * Julia's `splitrange`, the partition `@distributed` uses, 0-based and half-open: split
 * `[start, stop)` into at most `np` contiguous chunks whose sizes differ by at most one, the
 * larger chunks first. With fewer items than `np` there is one chunk per item (never an empty
 * chunk), and an empty interval gives no chunks.
 *
 * `splitrange(0, 11, 3)` is `[0,4) [4,8) [8,11)`; `splitrange(0, 3, 4)` is `[0,1) [1,2) [2,3)`.
 *
 * (SharedArray's `localindices` uses a different rule, remainder on the last chunk; see there.)
 */
export function splitrange(start: number, stop: number, np: number): Range[] {
  for (const [name, v] of [['start', start], ['stop', stop]] as const) {
    if (!Number.isSafeInteger(v)) {
      throw coded(TypeError, 'ERR_INVALID_ARG', `splitrange ${name} must be a safe integer, got ${String(v)}`);
    }
  }
  return chunkBounds(Math.max(0, stop - start), np).map(([lo, hi]) => new Range(start + lo, start + hi));
}

/** `splitrange` over the elements of any range, stepped or descending: chunks keep its step. */
export function splitRangeOf(r: Range, np: number): Range[] {
  return chunkBounds(r.length, np).map(([lo, hi]) => r.slice(lo, hi));
}

/** `splitrange` over the index space `[0, length)` of an array (or anything with a length). */
export function splitIndices(items: { readonly length: number }, np: number): Range[] {
  return splitrange(0, items.length, np);
}

/** Offsets `[lo, hi)` of each chunk of `n` items split `np` ways (Julia's `divrem` rule). */
function chunkBounds(n: number, np: number): [number, number][] {
  if (typeof np !== 'number') {
    throw coded(TypeError, 'ERR_INVALID_ARG', `number of chunks must be a number, got ${typeof np}`);
  }
  if (!Number.isSafeInteger(np) || np < 1) {
    throw coded(RangeError, 'ERR_INVALID_ARG', `number of chunks must be a positive integer, got ${np}`);
  }
  const each = Math.floor(n / np);
  let extras = n % np;
  const nchunks = each > 0 ? np : extras;
  const bounds: [number, number][] = new Array(nchunks);
  let lo = 0;
  for (let i = 0; i < nchunks; i++) {
    const hi = lo + each + (extras > 0 ? 1 : 0);
    if (extras > 0) extras--;
    bounds[i] = [lo, hi];
    lo = hi;
  }
  return bounds;
}
