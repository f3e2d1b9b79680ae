/**
 * The `shared barrier` version: the seed's `advection_shared!` loop without a message per step.
 * One call per participant runs its `myrange` chunk through every time step, one step at a time,
 * with a Barrier between steps, as a kernel whose step t+1 needs its neighbours' step t (a
 * stencil) must. Loaded on every process with everywhere(), so its functions travel by reference.
 */
import { procs, range, remotecallWait, type Barrier, type SharedArray } from '../../src/index.js';
import { advectionChunk } from './kernels.js';
import { myrange } from './seed.js';

/** This participant's chunk, step by step, waiting at the barrier after each step. */
export function advectionBarrierChunk(q: SharedArray<'float64'>, u: SharedArray<'float64'>, b: Barrier): void {
  const [irange, jrange] = myrange(q);
  const steps = q.dims[2]! - 1;
  for (let t = 0; t < steps; t++) {
    advectionChunk(q, u, irange, jrange, range(t, t + 1));
    b.arrive();
  }
}

/** One call per participant; `b` has one party per participant. */
export async function advectionSharedBarrier(q: SharedArray<'float64'>, u: SharedArray<'float64'>, b: Barrier): Promise<void> {
  await Promise.all(procs(q).map((p) => remotecallWait(advectionBarrierChunk, p, q, u, b)));
}
