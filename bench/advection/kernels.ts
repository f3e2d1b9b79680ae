/**
 * The seed's advection kernel `q[i,j,t+1] = q[i,j,t] + u[i,j,t]` and the functions around it
 * (Julia manual, "Shared Arrays": myrange, advection_chunk!, advection_serial!), 0-based with
 * half-open ranges, over column-major Float64 data: element (i,j,t) of dims [n1,n2,n3] is at
 * i + n1*j + n1*n2*t. Every benchmark version runs exactly this code, so they differ only in
 * where the memory lives and who runs which chunk.
 */
import { range, type Range } from '../../src/index.js';

let verbose = false;

/** Print every chunk's ranges, as the seed's `@show` does (in this process). */
export function setVerbose(on: boolean): void {
  verbose = on;
}

/** What the kernels need of an array: a SharedArray works, and so does `{ data, dims }`. */
export interface Float64Array3 {
  readonly data: Float64Array;
  readonly dims: readonly number[];
}

/**
 * The `(irange, jrange)` of chunk `idx` (0-based) of `nchunks`, split along the 2nd dimension as
 * the seed does: `splits = [round(Int, s) for s in range(0, stop=size(q,2), length=nchunks+1)]`,
 * chunk idx is `splits[idx] : splits[idx+1]`. `idx` -1 means "not assigned a piece" (the seed's
 * `indexpids(q) == 0`) and gives empty ranges.
 */
export function myrange(q: Float64Array3, idx: number, nchunks: number): [Range, Range] {
  if (!Number.isSafeInteger(nchunks) || nchunks < 1) throw new RangeError(`nchunks must be a positive integer, got ${nchunks}`);
  if (!Number.isSafeInteger(idx) || idx < -1 || idx >= nchunks) {
    throw new RangeError(`chunk index must be -1 or in [0, ${nchunks}), got ${idx}`);
  }
  if (idx === -1) return [range(0, 0), range(0, 0)];
  const [n1, n2] = dims3(q);
  // n2 * k is an exact integer, so the division is the correctly rounded k-th point of Julia's range.
  const split = (k: number): number => roundHalfEven((n2 * k) / nchunks);
  return [range(0, n1), range(split(idx), split(idx + 1))];
}

/**
 * The seed's `advection_chunk!`: `for t in trange, j in jrange, i in irange` (t outermost, i
 * innermost, so the inner loop walks contiguous memory). `trange` indexes the source plane t,
 * so it must stay below n3 - 1. Ranges are checked once here, because a typed array silently
 * ignores out-of-bounds writes.
 */
export function advectionChunk(q: Float64Array3, u: Float64Array3, irange: Range, jrange: Range, trange: Range): void {
  // The seed's `@show (irange, jrange, trange)`: with --verbose, each call says what it does.
  if (verbose) console.log(`(irange, jrange, trange) = (${irange}, ${jrange}, ${trange})`);
  const [n1, n2, n3] = dims3(q);
  const ud = u.data;
  const qd = q.data;
  if (u.dims.length !== 3 || u.dims[0] !== n1 || u.dims[1] !== n2 || u.dims[2] !== n3) {
    throw new RangeError(`u has dims [${u.dims.join(',')}], q has [${n1},${n2},${n3}]`);
  }
  if (qd.length < n1 * n2 * n3 || ud.length < n1 * n2 * n3) throw new RangeError('data is shorter than its dims');
  checkWithin('irange', irange, n1);
  checkWithin('jrange', jrange, n2);
  checkWithin('trange', trange, n3 - 1);

  const plane = n1 * n2;
  const { start: i0, step: istep, length: ilen } = irange;
  const { start: j0, step: jstep, length: jlen } = jrange;
  const { start: t0, step: tstep, length: tlen } = trange;
  for (let tk = 0; tk < tlen; tk++) {
    const tbase = (t0 + tk * tstep) * plane;
    for (let jk = 0; jk < jlen; jk++) {
      let k = tbase + (j0 + jk * jstep) * n1 + i0;
      for (let ik = 0; ik < ilen; ik++, k += istep) qd[k + plane] = (qd[k] as number) + (ud[k] as number);
    }
  }
}

/** The seed's `advection_serial!`: the whole array in one chunk. */
export function advectionSerial(q: Float64Array3, u: Float64Array3): void {
  const [n1, n2, n3] = dims3(q);
  advectionChunk(q, u, range(0, n1), range(0, n2), range(0, Math.max(0, n3 - 1)));
}

function dims3(a: Float64Array3): [number, number, number] {
  const [n1, n2, n3] = a.dims;
  if (a.dims.length !== 3 || n1 === undefined || n2 === undefined || n3 === undefined) {
    throw new RangeError(`the advection kernel needs a 3-d array, got dims [${a.dims.join(',')}]`);
  }
  return [n1, n2, n3];
}

function checkWithin(name: string, r: Range, n: number): void {
  const last = r.last;
  if (last !== undefined && (r.start < 0 || r.start >= n || last < 0 || last >= n)) {
    throw new RangeError(`${name} ${r.toString()} is outside [0, ${n})`);
  }
}

// Julia's round(Int, x) rounds ties to even (round(2.5) == 2); Math.round would give 3.
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}
