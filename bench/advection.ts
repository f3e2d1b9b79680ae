/**
 * The main job (`npm run bench`): the seed's advection kernel `q[i,j,t+1] = q[i,j,t] + u[i,j,t]`
 * on n×n×n float64 SharedArrays, in the seed's three versions and the alternative a Node user
 * would pick:
 *   serial          advectionSerial: the whole array in the master
 *   distributed     advectionParallel: `@sync @distributed for j` once per time step
 *   shared chunked  advectionShared: one remotecallWait per participant, each its myrange chunk
 *   worker_threads  the same chunks on Node's worker_threads over one SharedArrayBuffer each
 *   threads         threads.for over j on the package's threads (SHAREDARRAYS_NUM_THREADS = workers)
 *   shared barrier  one call per participant running every step, a Barrier between steps
 *   shared native   one call per participant, one native `add` over views per time step
 *   C serial        bench/baselines/advection.c built with the system compiler (-O3 -march=native)
 *   C OpenMP        the same C loop on OpenMP threads (as many as workers); both C rows are
 *                   skipped with a note when there is no compiler (or no OpenMP)
 * Julia's figures (seed, 4 processes): serial 830 ms, @distributed 2.5 s, shared 238 ms.
 *
 * One warm-up run of each, then timed runs interleaved in rounds; every version is first checked
 * to compute exactly the same q (the C versions and worker_threads compute into memory of their
 * own, checked the same way). Prints a table (median, min, max, ratio to serial), the ratios
 * paired within each round (shared chunked / worker_threads: aim ≤ 1.05×; distributed / shared
 * chunked: aim ≤ 2×; shared native / C OpenMP when there is a C compiler), and writes
 * bench/results/advection.json and advection.svg (bench/results/ is ignored by git; reference
 * runs are committed in bench/reference/).
 *
 *   npm run bench -- [--n 500] [--workers <cores>] [--runs 5] [--verbose]
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { addprocs, Barrier, everywhere, remotecallFetch, rmprocs, SharedArray, workers } from '../src/index.js';
import { measure } from './advection/measure.js';
import { checkColumns } from './advection/problem.js';
import { advectionParallel, advectionSerial, advectionShared, initQ, initU, setVerbose } from './advection/seed.js';
import { startCBaseline } from './advection/c-baseline.js';
import { advectionSharedNative } from './advection/native.js';
import { advectionSharedBarrier } from './advection/shared-barrier.js';
import { advectionThreads } from './advection/threads-for.js';
import { createThreadAdvection } from './advection/threads.js';
import { median, report, resultPath } from './report.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '500' },
    workers: { type: 'string', default: String(availableParallelism()) },
    runs: { type: 'string', default: '5' },
    verbose: { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const nw = Number(values.workers);
const runs = Number(values.runs);
if (!(n >= 2) || !(nw >= 1) || !(runs >= 1)) throw new RangeError('--n must be ≥ 2, --workers and --runs ≥ 1');
const dims = [n, n, n];
console.log(`advection on ${n}×${n}×${n} float64 (${((n ** 3 * 8) / 2 ** 30).toFixed(2)} GiB per array), ${nw} workers, 1 warm-up + ${runs} timed runs`);

// The threads version uses as many threads as there are workers (read at the first nthreads()).
process.env.SHAREDARRAYS_NUM_THREADS ??= String(nw);
await addprocs(nw);
await everywhere(fileURLToPath(new URL('./advection/seed.js', import.meta.url)));
await everywhere(fileURLToPath(new URL('./advection/shared-barrier.js', import.meta.url)));
await everywhere(fileURLToPath(new URL('./advection/native.js', import.meta.url)));
if (values.verbose) {
  setVerbose(true);
  await Promise.all(workers().map((p) => remotecallFetch(setVerbose, p, true)));
}
// The first touch of 2 GB is split over the participants (init), as the seed's init examples do.
const q = await SharedArray.create('float64', dims, { init: initQ });
const u = await SharedArray.create('float64', dims, { init: initU });
const threads = await createThreadAdvection({ n, threads: nw });
const steps = await Barrier.create(q.pids.length);
const c = await startCBaseline(q, u, nw); // null, after a note, without a C compiler
try {
  threads.q.set(q.data);
  threads.u.set(u.data);
  const plane = n * n;
  const lastPlane = (a: Float64Array): Float64Array => a.slice(plane * (n - 1));

  // Every version must compute the same q, bit for bit (the same additions, in the same order).
  const versions = [
    { name: 'serial', run: () => advectionSerial(q, u) },
    { name: 'distributed', run: () => advectionParallel(q, u) },
    { name: 'shared chunked', run: () => advectionShared(q, u) },
    { name: `worker_threads`, run: () => threads.run() },
    { name: 'threads', run: () => advectionThreads(q, u) },
    { name: 'shared barrier', run: () => advectionSharedBarrier(q, u, steps) },
    { name: 'shared native', run: () => advectionSharedNative(q, u) },
    ...(c?.versions ?? []),
  ];
  let reference: Float64Array | null = null;
  for (const v of versions) {
    const target = 'q' in v ? v.q : v.name === 'worker_threads' ? threads.q : q.data;
    target.fill(0, plane);
    await v.run();
    const last = lastPlane(target);
    reference ??= last;
    if (!last.every((x, k) => x === reference![k])) throw new Error(`${v.name} computed a different q`);
  }
  checkColumns(q, u);
  console.log('verified: all versions compute the same q\n');
  setVerbose(false);
  await Promise.all(workers().map((p) => remotecallFetch(setVerbose, p, false)));

  const rows = await measure(versions, runs);
  // Paired within each round (both ran in it, a few hundred ms apart): the noise of this shared
  // machine cancels out of a round's ratio better than out of a ratio of medians.
  const openmp = rows.find((r) => r.name.startsWith('C OpenMP'))?.name;
  const pairings: [string, string, string, number | null][] = [
    ['shared chunked / worker_threads', 'shared chunked', 'worker_threads', 1.05],
    ['distributed / shared chunked', 'distributed', 'shared chunked', 2],
    ...(openmp ? [[`shared native / ${openmp}`, 'shared native', openmp, null] as [string, string, string, null]] : []),
  ];
  const pairs = Object.fromEntries(
    pairings.map(([label, a, b, aim]) => {
      const sa = rows.find((r) => r.name === a)!.samples;
      const sb = rows.find((r) => r.name === b)!.samples;
      const perRound = sa.map((x, i) => x / sb[i]!);
      return [label, { perRound, median: median(perRound), aim }];
    }),
  );
  await report(rows, {
    title: `Advection ${n}×${n}×${n} float64 on ${nw} workers`,
    baseline: 'serial',
    args: { n, workers: nw, runs },
    jsonPath: resultPath('advection.json'),
    svgPath: resultPath('advection.svg'),
    extra: { pairedRatios: pairs },
  });
  for (const [label, p] of Object.entries(pairs)) {
    const aim = p.aim === null ? '' : ` (aim ≤ ${p.aim}×)`;
    console.log(`${label}, per round: ${p.perRound.map((x) => x.toFixed(2)).join(' ')}; median ${p.median.toFixed(2)}×${aim}`);
  }
} finally {
  await threads.close();
  await steps.close();
  await c?.close();
  await q.close();
  await u.close();
  await rmprocs(workers());
}
