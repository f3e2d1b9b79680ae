/**
 * The seed's `@everywhere` definitions for the advection example ("Shared Arrays"): `myrange`,
 * `advection_chunk!` (with its `@show`) and `advection_shared_chunk!`, built on the benchmark's
 * kernels (bench/advection/kernels.ts), so the example runs exactly the benchmarked code.
 * Loaded on every process with `everywhere()`; its exports then travel by reference.
 */
import { indexpids, procs, range, type Range, type SharedArray } from '../../src/index.js';
import { advectionChunk as kernel, myrange as chunkRange, type Float64Array3 } from '../../bench/advection/kernels.js';

/**
 * The seed's `myrange(q)`: this process's `(irange, jrange)`, split along the 2nd dimension
 * over `procs(q)`. A process that is not a participant (`indexpids(q) === -1`, Julia's 0)
 * gets empty ranges.
 */
export function myrange(q: SharedArray<'float64'>): [Range, Range] {
  return chunkRange(q, indexpids(q), procs(q).length);
}

/** The seed's `advection_chunk!`, with its `@show` when `verbose`. */
export function advectionChunk(q: Float64Array3, u: Float64Array3, irange: Range, jrange: Range, trange: Range, verbose = false): Float64Array3 {
  if (verbose) console.log(`(irange, jrange, trange) = (${irange}, ${jrange}, ${trange})`);
  kernel(q, u, irange, jrange, trange);
  return q;
}

/** The seed's `advection_serial!`. */
export function advectionSerial(q: Float64Array3, u: Float64Array3, verbose = false): Float64Array3 {
  const [n1, n2, n3] = q.dims as [number, number, number];
  return advectionChunk(q, u, range(0, n1), range(0, n2), range(0, n3 - 1), verbose);
}

/**
 * The seed's `advection_shared_chunk!(q, u) = advection_chunk!(q, u, myrange(q)..., 1:size(q,3)-1)`.
 * Returns nothing: the result is in the shared memory.
 */
export function advectionSharedChunk(q: SharedArray<'float64'>, u: SharedArray<'float64'>, verbose = false): void {
  const [irange, jrange] = myrange(q);
  advectionChunk(q, u, irange, jrange, range(0, (q.dims[2] as number) - 1), verbose);
}
