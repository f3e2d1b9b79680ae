/**
 * Interim advection benchmark, everything in this process or its threads: the seed's kernel
 * `q[i,j,t+1] = q[i,j,t] + u[i,j,t]` on n×n×n float64 arrays, run
 *   - serially over plain Float64Arrays,
 *   - serially over `SharedArray.data` (shared memory must cost nothing in a hot loop),
 *   - chunked (the seed's myrange split) over a pool of worker_threads sharing SharedArrayBuffers.
 * All versions must produce the same q, bit for bit. Prints medians, min–max and ratios to the
 * plain serial version, and writes bench/results/advection-local.{json,svg}.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/advection-local.js [--n 500] [--threads 2] [--runs 5]
 *
 * n=500 means two 1 GB arrays per version, about 6 GB in all.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SharedArray } from '../src/index.js';
import { advectionSerial } from './advection/kernels.js';
import { measure } from './advection/measure.js';
import { checkColumns, checkSame, fillInputs } from './advection/problem.js';
import { createThreadAdvection } from './advection/threads.js';
import { report } from './report.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '500' },
    threads: { type: 'string', default: String(availableParallelism()) },
    runs: { type: 'string', default: '5' },
  },
});
const n = Number(values.n);
const threads = Number(values.threads);
const runs = Number(values.runs);
const dims = [n, n, n];
const gb = (n ** 3 * 8) / 1e9;
console.log(`advection on ${n}×${n}×${n} float64 (${gb.toFixed(2)} GB per array), ${threads} threads, 1 warm-up + ${runs} timed runs`);

const plain = { q: { data: new Float64Array(n ** 3), dims }, u: { data: new Float64Array(n ** 3), dims } };
const qs = await SharedArray.create('float64', dims);
const us = await SharedArray.create('float64', dims);
const pool = await createThreadAdvection({ n, threads });
try {
  const shared = { q: qs, u: us };
  const pooled = { q: { data: pool.q, dims }, u: { data: pool.u, dims } };
  // Fill once and copy: every page of every array is touched here, before any timing.
  fillInputs(plain.q, plain.u);
  for (const { q, u } of [shared, pooled]) {
    q.data.set(plain.q.data);
    u.data.set(plain.u.data);
  }

  const rows = await measure(
    [
      { name: 'serial Float64Array', run: () => advectionSerial(plain.q, plain.u) },
      { name: 'serial SharedArray', run: () => advectionSerial(shared.q, shared.u) },
      { name: `worker_threads ×${threads}`, run: () => pool.run() },
    ],
    runs,
  );

  checkColumns(plain.q, plain.u);
  checkSame('serial SharedArray', shared.q, plain.q);
  checkSame(`worker_threads ×${threads}`, pooled.q, plain.q);
  console.log('verified: all versions computed the same q (and sampled columns match an independent sum)\n');

  const results = new URL('../../bench/results/', import.meta.url);
  await report(rows, {
    title: `Advection kernel, ${n}×${n}×${n} float64: serial vs worker_threads`,
    baseline: 'serial Float64Array',
    args: { n, threads, runs },
    jsonPath: fileURLToPath(new URL('advection-local.json', results)),
    svgPath: fileURLToPath(new URL('advection-local.svg', results)),
  });
} finally {
  await pool.close();
  await qs.close();
  await us.close();
}
