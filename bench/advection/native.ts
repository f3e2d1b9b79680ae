/**
 * The `shared native` version: the seed's shared version with its inner loops replaced by the
 * package's native array operations. Each participant, in one call, runs over its own columns
 * (the seed's myrange) one native `add` per time step:
 *
 *   add(q.view(':', jrange, t + 1), q.view(':', jrange, t), u.view(':', jrange, t))
 *
 * which is q[:, jrange, t+1] = q[:, jrange, t] + u[:, jrange, t] in Julia. The participants need
 * no synchronisation between steps: a column depends only on its own earlier steps. Loaded on
 * every process with everywhere(), so its functions travel by reference.
 */
import { add, procs, remotecallWait, type SharedArray } from '../../src/index.js';
import { myrange } from './seed.js';

/** One participant's columns over every time step, one native add per step. */
export function advectionNativeChunk(q: SharedArray<'float64'>, u: SharedArray<'float64'>): void {
  const [, jrange] = myrange(q);
  if (jrange.length === 0) return;
  const steps = q.dims[2]! - 1;
  for (let t = 0; t < steps; t++) add(q.view(':', jrange, t + 1), q.view(':', jrange, t), u.view(':', jrange, t));
}

/** One call per participant. */
export async function advectionSharedNative(q: SharedArray<'float64'>, u: SharedArray<'float64'>): Promise<void> {
  await Promise.all(procs(q).map((p) => remotecallWait(advectionNativeChunk, p, q, u)));
}
