import type { Range } from '../core/range.js';

/**
 * Copying rectangular parts of column-major N-d arrays: the one kernel behind reading a slice
 * out of a block, placing it into the reader's result, and writing a piece of `distribute` into
 * a block. The first dimension is contiguous, so each column of a part is one `set` (or a short
 * loop for a few elements, where `set` costs more than it saves).
 */

/** The typed arrays of every dtype, as far as copying goes (src and dst always share a dtype). */
export interface Elements {
  readonly length: number;
  [k: number]: number | bigint;
  subarray(begin: number, end: number): Elements;
  // `never`: each typed array's `set` takes its own kind of elements; copyBox only ever passes
  // a subarray of the same dtype.
  set(src: never, offset: number): void;
}

// Below this run length a plain loop beats subarray + set (a view object per column).
const SET_MIN = 32;

/**
 * Copy the elements of `src` (of dims `srcDims`) selected by `sel` (one range per dimension, in
 * src's coordinates, positive steps) into `dst` (of dims `dstDims`), the selection's first
 * element landing at position `at` (one index per dimension) and the rest in the same order.
 */
export function copyBox(
  src: Elements,
  srcDims: readonly number[],
  sel: readonly Range[],
  dst: Elements,
  dstDims: readonly number[],
  at: readonly number[],
): void {
  const n = sel.length;
  const lens = sel.map((r) => r.length);
  if (lens.some((l) => l === 0)) return;
  const srcStride = strides(srcDims);
  const dstStride = strides(dstDims);
  const first = sel[0] as Range;
  const run = lens[0] as number;
  const step = first.step;
  const idx = new Array<number>(n).fill(0);
  for (;;) {
    let s = first.start;
    let t = at[0] as number;
    for (let d = 1; d < n; d++) {
      s += (sel[d] as Range).at(idx[d] as number) * (srcStride[d] as number);
      t += ((at[d] as number) + (idx[d] as number)) * (dstStride[d] as number);
    }
    if (step === 1 && run >= SET_MIN) {
      dst.set(src.subarray(s, s + run) as never, t);
    } else {
      for (let k = 0; k < run; k++) dst[t + k] = src[s + k * step] as number;
    }
    let d = 1;
    while (d < n && ++(idx[d] as number) === lens[d]) idx[d++] = 0;
    if (d >= n) return;
  }
}

/** Column-major strides of `dims`. */
export function strides(dims: readonly number[]): number[] {
  const out: number[] = [];
  let s = 1;
  for (const d of dims) {
    out.push(s);
    s *= d;
  }
  return out;
}

/** One piece of a selection: its ranges, and where its first element sits within the whole. */
export interface Piece {
  sel: Range[];
  at: number[];
}

/**
 * Cut a selection into pieces of at most `maxElements` elements each (one message must stay
 * under the frame limit): along the last dimension that has more than one index, in slabs as
 * thick as fit, and a slab that alone is too big is cut further along the dimensions before it.
 */
export function splitSelection(sel: readonly Range[], maxElements: number): Piece[] {
  const out: Piece[] = [];
  cut([...sel], sel.map(() => 0), sel.length - 1, Math.max(1, Math.floor(maxElements)), out);
  return out;
}

function cut(sel: Range[], at: number[], last: number, max: number, out: Piece[]): void {
  const total = sel.reduce((a, r) => a * r.length, 1);
  if (total <= max || total === 0) {
    out.push({ sel, at });
    return;
  }
  let d = last;
  while (d > 0 && (sel[d] as Range).length === 1) d--;
  const r = sel[d] as Range;
  const slab = total / r.length;
  const thick = Math.max(1, Math.floor(max / slab));
  for (let k = 0; k < r.length; k += thick) {
    const part = [...sel];
    part[d] = r.slice(k, k + thick);
    const where = [...at];
    where[d] = (where[d] as number) + k;
    if (slab * Math.min(thick, r.length - k) <= max) out.push({ sel: part, at: where });
    else cut(part, where, d - 1, max, out);
  }
}
