/**
 * The seed's three advection versions, as it writes them (Julia manual, "Shared Arrays"), over
 * SharedArrays. This module is loaded on every process with `everywhere()`, so its functions
 * travel to workers by reference.
 *
 *   myrange(q)                  chunk of the 2nd dimension from indexpids(q) and procs(q)
 *   advectionSharedChunk(q, u)  advection_chunk!(q, u, myrange(q)..., 1:size(q,3)-1)
 *   advectionSerial(q, u)       one process, the whole array
 *   advectionParallel(q, u)     @sync @distributed over j, once per time step
 *   advectionShared(q, u)       one remotecall_wait per participant, each doing its myrange chunk
 */
import { capture, distributed, indexpids, localindices, procs, range, remotecallWait, type Range, type SharedArray } from '../../src/index.js';
import { advectionChunk, advectionSerial, myrange as chunkOf, setVerbose } from './kernels.js';

// Re-exported so that, loaded with everywhere(), they travel to workers by reference.
export { advectionSerial, setVerbose };

/** The seed's myrange: this participant's (irange, jrange); empty for a non-participant. */
export function myrange(q: SharedArray<'float64'>): [Range, Range] {
  return chunkOf(q, indexpids(q), procs(q).length);
}

export function advectionSharedChunk(q: SharedArray<'float64'>, u: SharedArray<'float64'>): void {
  advectionChunk(q, u, ...myrange(q), range(0, q.dims[2]! - 1));
}

/** `@sync @distributed for j` once per time step: many small, synchronised parallel loops. */
export async function advectionParallel(q: SharedArray<'float64'>, u: SharedArray<'float64'>): Promise<void> {
  for (let t = 0; t < q.dims[2]! - 1; t++) await advectionStep(q, u, t);
}

/** One time step t -> t + 1 of advectionParallel: a distributed loop over the columns j. */
export function advectionStep(q: SharedArray<'float64'>, u: SharedArray<'float64'>, t: number): Promise<void> {
  const n1 = q.dims[0]!;
  return distributed(
    range(0, q.dims[1]!),
    capture({ q, u, t, n1 }, (j: number) => {
      const qd = q.data;
      const ud = u.data;
      const plane = n1 * q.dims[1]!;
      const k0 = t * plane + j * n1;
      for (let i = 0; i < n1; i++) qd[k0 + i + plane] = qd[k0 + i]! + ud[k0 + i]!;
    }),
  );
}

/** One call per participant, each running its whole chunk over every time step. */
export async function advectionShared(q: SharedArray<'float64'>, u: SharedArray<'float64'>): Promise<void> {
  await Promise.all(procs(q).map((p) => remotecallWait(advectionSharedChunk, p, q, u)));
}

/** init for u: the benchmark's input pattern over this participant's share (first touch in parallel). */
export function initU(u: SharedArray<'float64'>): void {
  const [n1, n2] = u.dims as [number, number, number];
  const d = u.data;
  const { start, stop } = localindices(u);
  for (let k = start; k < stop; k++) {
    const i = k % n1;
    const j = Math.floor(k / n1) % n2;
    const t = Math.floor(k / (n1 * n2));
    d[k] = ((i * 7 + j * 13 + t * 17) % 101) * 0.125 - 6;
  }
}

/** init for q: the first time plane holds the pattern, the rest zeros. */
export function initQ(q: SharedArray<'float64'>): void {
  const [n1, n2] = q.dims as [number, number, number];
  const d = q.data;
  const { start, stop } = localindices(q);
  for (let k = start; k < stop; k++) {
    const j = Math.floor(k / n1);
    d[k] = k < n1 * n2 ? (((k % n1) * 31 + j * 17) % 97) * 0.25 : 0;
  }
}
