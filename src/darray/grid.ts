import { coded } from '../core/errors.js';
import { Range } from '../core/range.js';

/**
 * How a DArray's index space is cut into blocks, as DistributedArrays.jl does it (0-based,
 * half-open). `dist[d]` is the number of pieces of dimension d; the blocks are numbered in
 * column-major order of that grid, and block k is owned by `pids[k]`.
 */

/**
 * The cut points of one dimension of length `size` into `pieces` (DistributedArrays.jl's
 * `defaultdist(sz, nc)`): `pieces + 1` ascending positions from 0 to `size`; the first
 * `size % pieces` pieces are one longer. With more pieces than elements, the last pieces are empty.
 */
export function cutsOf(size: number, pieces: number): number[] {
  const cuts: number[] = [];
  if (size < pieces) {
    for (let k = 0; k <= pieces; k++) cuts.push(Math.min(k, size));
    return cuts;
  }
  const chunk = Math.floor(size / pieces);
  const extra = size % pieces;
  for (let k = 0; k <= pieces; k++) cuts.push(k * chunk + Math.min(k, extra));
  return cuts;
}

/**
 * The default grid for `np` processes (DistributedArrays.jl's `defaultdist(dims, pids)`): the
 * prime factors of `np`, largest first, each given to the currently longest dimension (the last
 * one on ties) while that dimension is at least as long as the factor. A factor that fits no
 * dimension is dropped, so the grid may use fewer processes than given.
 */
export function defaultDist(dims: readonly number[], np: number): number[] {
  const left = [...dims];
  const chunks = dims.map(() => 1);
  const factors = primeFactors(np).reverse();
  let k = 0;
  while (np > 1) {
    if (np % (factors[k] as number) !== 0) {
      k++;
      if (k >= factors.length) break;
    }
    const fac = factors[k] as number;
    const longest = Math.max(...left);
    const d = left.lastIndexOf(longest);
    if ((left[d] as number) >= fac) {
      left[d] = Math.floor((left[d] as number) / fac);
      chunks[d] = (chunks[d] as number) * fac;
    }
    np = Math.floor(np / fac);
  }
  return chunks;
}

/** The distinct prime factors of n, ascending. */
function primeFactors(n: number): number[] {
  const out: number[] = [];
  for (let p = 2; p * p <= n; p++) {
    if (n % p !== 0) continue;
    out.push(p);
    while (n % p === 0) n /= p;
  }
  if (n > 1) out.push(n);
  return out;
}

/** Every block's index ranges (column-major over the grid) and each dimension's cut points. */
export interface Grid {
  readonly dist: readonly number[];
  readonly cuts: readonly (readonly number[])[];
  readonly indices: readonly (readonly Range[])[];
}

/** The blocks of an array of `dims` cut `dist[d]` ways along each dimension d. */
export function gridOf(dims: readonly number[], dist: readonly number[]): Grid {
  const cuts = dims.map((size, d) => Object.freeze(cutsOf(size, dist[d] as number)));
  const count = dist.reduce((a, b) => a * b, 1);
  const indices: (readonly Range[])[] = [];
  const at = dist.map(() => 0);
  for (let b = 0; b < count; b++) {
    indices.push(Object.freeze(at.map((k, d) => new Range(cuts[d]![k]!, cuts[d]![k + 1]!))));
    for (let d = 0; d < at.length && ++at[d]! === dist[d]; d++) at[d] = 0;
  }
  return { dist: Object.freeze([...dist]), cuts: Object.freeze(cuts), indices: Object.freeze(indices) };
}

/** The piece of a dimension (cut at `cuts`) that holds index `i`, 0 <= i < size (binary search). */
export function pieceOf(cuts: readonly number[], i: number): number {
  let lo = 0;
  let hi = cuts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((cuts[mid] as number) <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The linear number of the block at grid position `at` (column-major over `dist`). */
export function blockNumber(dist: readonly number[], at: readonly number[]): number {
  let k = 0;
  let stride = 1;
  for (let d = 0; d < dist.length; d++) {
    k += (at[d] as number) * stride;
    stride *= dist[d] as number;
  }
  return k;
}

/**
 * The processes and grid of a new DArray, checked: `procs` (default: the workers, at most as
 * many as the longest dimension, as DistributedArrays.jl picks) and `dist` (default: a balanced
 * grid over them), whose product must equal the number of processes when both are given.
 */
export function planGrid(dims: readonly number[], procs: unknown, dist: unknown, workers: readonly number[]): { pids: readonly number[]; grid: Grid } {
  let pids: number[];
  if (procs === undefined) {
    const longest = Math.max(1, ...dims);
    pids = workers.slice(0, Math.min(workers.length, longest));
  } else {
    pids = checkProcs(procs);
  }
  let pieces: number[];
  if (dist === undefined) {
    pieces = defaultDist(dims, pids.length);
    pids = pids.slice(0, pieces.reduce((a, b) => a * b, 1));
  } else {
    pieces = checkDist(dist, dims);
    const product = pieces.reduce((a, b) => a * b, 1);
    if (product !== pids.length) {
      throw coded(
        RangeError,
        'ERR_INVALID_ARG',
        `dist [${pieces.join(', ')}] makes ${product} blocks but ${pids.length} process${pids.length === 1 ? ' was' : 'es were'} given ` +
          `([${pids.join(', ')}]): the product of dist must equal the number of procs`,
      );
    }
  }
  return { pids: Object.freeze(pids), grid: gridOf(dims, pieces) };
}

function checkProcs(procs: unknown): number[] {
  if (!Array.isArray(procs) || procs.length === 0) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `procs must be a non-empty array of process ids, got ${describe(procs)}`);
  }
  for (const p of procs) {
    if (!(typeof p === 'number' && Number.isSafeInteger(p) && p > 0)) {
      throw coded(TypeError, 'ERR_INVALID_ARG', `procs must hold positive integer process ids, got ${describe(p)} in [${procs.map(describe).join(', ')}]`);
    }
  }
  if (new Set(procs).size !== procs.length) {
    throw coded(RangeError, 'ERR_INVALID_ARG', `procs must not repeat a process (one block per process): [${procs.join(', ')}]`);
  }
  return [...(procs as number[])];
}

function checkDist(dist: unknown, dims: readonly number[]): number[] {
  if (!Array.isArray(dist) || dist.length !== dims.length) {
    throw coded(
      RangeError,
      'ERR_INVALID_ARG',
      `dist must give the number of pieces of each of the ${dims.length} dimensions, got ${describe(dist)}`,
    );
  }
  for (const n of dist) {
    if (!(typeof n === 'number' && Number.isSafeInteger(n) && n >= 1)) {
      throw coded(RangeError, 'ERR_INVALID_ARG', `dist entries must be positive integers, got ${describe(n)} in [${dist.map(describe).join(', ')}]`);
    }
  }
  return [...(dist as number[])];
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  return typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v);
}
