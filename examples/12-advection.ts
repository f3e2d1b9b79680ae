/**
 * Seed: "Shared Arrays", the advection kernel `q[i,j,t+1] = q[i,j,t] + u[i,j,t]` in three
 * versions: serial, `@sync @distributed` per time step, and chunks delegated to each participant.
 *
 *     julia> @everywhere function myrange(q::SharedArray) ... end
 *     julia> @everywhere function advection_chunk!(q, u, irange, jrange, trange)
 *                @show (irange, jrange, trange)  # display so we can see what's happening
 *                for t in trange, j in jrange, i in irange
 *                    q[i,j,t+1] = q[i,j,t] + u[i,j,t]
 *                end
 *                q
 *            end
 *     julia> @everywhere advection_shared_chunk!(q, u) =
 *                advection_chunk!(q, u, myrange(q)..., 1:size(q,3)-1)
 *     julia> advection_serial!(q, u) = advection_chunk!(q, u, 1:size(q,1), 1:size(q,2), 1:size(q,3)-1);
 *     julia> function advection_parallel!(q, u)
 *                for t = 1:size(q,3)-1
 *                    @sync @distributed for j = 1:size(q,2)
 *                        for i = 1:size(q,1)
 *                            q[i,j,t+1]= q[i,j,t] + u[i,j,t]
 *                        end
 *                    end
 *                end
 *                q
 *            end;
 *     julia> function advection_shared!(q, u)
 *                @sync begin
 *                    for p in procs(q)
 *                        @async remotecall_wait(advection_shared_chunk!, p, q, u)
 *                    end
 *                end
 *                q
 *            end;
 *     julia> @time advection_shared!(q,u);
 *             From worker 2:       (irange,jrange,trange) = (1:500,1:125,1:499)
 *             From worker 4:       (irange,jrange,trange) = (1:500,251:375,1:499)
 *             From worker 3:       (irange,jrange,trange) = (1:500,126:250,1:499)
 *             From worker 5:       (irange,jrange,trange) = (1:500,376:500,1:499)
 *
 * The @everywhere definitions are examples/modules/advection.ts (over the benchmark's kernels,
 * bench/advection/kernels.ts), loaded with everywhere(). Ranges are 0-based and half-open:
 * Julia's `1:125` is `range(0, 125)`. All three versions must give the same q.
 *
 *   node dist/examples/12-advection.js [--n 40] [--workers 4] [--verbose]
 */
import { parseArgs } from 'node:util';
import { addprocs, capture, distributed, everywhere, procs, range, remotecallWait, rmprocs, SharedArray, workers } from '../src/index.js';
import type { Float64Array3 } from '../bench/advection/kernels.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '40' },
    workers: { type: 'string', default: '4' },
    verbose: { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const verbose = values.verbose;
const advection = new URL('./modules/advection.js', import.meta.url);

await addprocs(Number(values.workers));
await everywhere(advection);
const { advectionSerial, advectionSharedChunk } = (await import(advection.href)) as typeof import('./modules/advection.js');

const dims = [n, n, n];
const q = await SharedArray.create('float64', dims);
const u = await SharedArray.create('float64', dims);
// Some input: u varies with every index, q starts from a plane of ones.
for (let k = 0; k < u.length; k++) u.data[k] = ((k * 7919) % 1000) / 1000;
const resetQ = (a: Float64Array3) => {
  a.data.fill(0);
  a.data.fill(1, 0, n * n);
};

// advection_serial!: one process, the whole array.
const serial = { data: new Float64Array(q.length), dims };
resetQ(serial);
let t = performance.now();
advectionSerial(serial, { data: u.data, dims }, verbose);
console.log(`advection_serial!:   ${(performance.now() - t).toFixed(1)} ms`);

// advection_parallel!: a @sync @distributed loop over j for every time step.
async function advectionParallel(q: SharedArray<'float64'>, u: SharedArray<'float64'>): Promise<SharedArray<'float64'>> {
  const [n1, n2, n3] = q.dims as [number, number, number];
  for (let t = 0; t < n3 - 1; t++) {
    await distributed(
      range(0, n2),
      capture({ q, u, t, n1, n2 }, (j: number) => {
        for (let i = 0; i < n1; i++) {
          const k = i + n1 * j + n1 * n2 * t;
          q.data[k + n1 * n2] = (q.data[k] as number) + (u.data[k] as number);
        }
      }),
    );
  }
  return q;
}
resetQ(q);
t = performance.now();
await advectionParallel(q, u);
console.log(`advection_parallel!: ${(performance.now() - t).toFixed(1)} ms (${n - 1} distributed loops)`);
const parallelAgrees = q.data.every((x, k) => x === serial.data[k]);

// advection_shared!: every participant runs its own chunk, once.
async function advectionShared(q: SharedArray<'float64'>, u: SharedArray<'float64'>): Promise<SharedArray<'float64'>> {
  await Promise.all(procs(q).map((p) => remotecallWait(advectionSharedChunk, p, q, u, verbose)));
  return q;
}
resetQ(q);
t = performance.now();
await advectionShared(q, u);
console.log(`advection_shared!:   ${(performance.now() - t).toFixed(1)} ms`);
const sharedAgrees = q.data.every((x, k) => x === serial.data[k]);

console.log(`q is ${dims.join('×')}; q[0, 0, ${n - 1}] = ${q.get(0, 0, n - 1).toFixed(3)}`);
console.log('serial, parallel and shared agree:', parallelAgrees && sharedAgrees);

await Promise.all([q.close(), u.close()]);
await rmprocs(workers());
