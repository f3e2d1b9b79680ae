/**
 * Does SharedArray memory cost anything in a hot loop? Runs the seed's advection kernel
 * `q[i,j,t+1] = q[i,j,t] + u[i,j,t]` (column-major) over `SharedArray.data` and over plain
 * Float64Arrays of the same size, in the same process, and reports the time ratio (expected
 * within 1.05: both are Float64Arrays, only the backing memory differs).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/shared-inner-loop.js [--n 200] [--rounds 5]
 *
 * The machine is shared and noisy, so the variants alternate over several rounds and the ratio
 * is computed within each round; the median (and min–max) over rounds is reported.
 */
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { SharedArray } from '../src/index.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '200' }, rounds: { type: 'string', default: '5' } } });
const n = Number(values.n);
const rounds = Number(values.rounds);

// One kernel for both variants: the same machine code runs on both kinds of memory.
function advection(q: Float64Array, u: Float64Array, n1: number, n2: number, n3: number): void {
  const plane = n1 * n2;
  for (let t = 0; t < n3 - 1; t++) {
    for (let j = 0; j < n2; j++) {
      const base = j * n1 + t * plane;
      for (let i = 0; i < n1; i++) q[base + i + plane] = (q[base + i] as number) + (u[base + i] as number);
    }
  }
}

const dims = [n, n, n];
const fillU = (u: Float64Array): void => {
  for (let k = 0; k < u.length; k++) u[k] = (k % 7) * 0.5;
};
const qs = await SharedArray.create('float64', dims);
const us = await SharedArray.create('float64', dims, { init: (S) => fillU(S.data) });
const qp = new Float64Array(n ** 3);
const up = new Float64Array(n ** 3);
fillU(up);

const ratios: number[] = [];
const means: Record<string, number[]> = { shared: [], plain: [] };
for (let round = 0; round < rounds; round++) {
  const bench = new Bench({ time: 500, iterations: 5, warmupIterations: 2, timestampProvider: 'hrtimeNow' });
  const tasks: [string, () => void][] = [
    ['shared', () => advection(qs.data, us.data, n, n, n)],
    ['plain', () => advection(qp, up, n, n, n)],
  ];
  if (round % 2 === 1) tasks.reverse();
  for (const [name, f] of tasks) bench.add(name, f);
  await bench.run();
  const mean = (name: string): number => {
    const r = bench.getTask(name)?.result;
    if (r?.state !== 'completed') throw new Error(`task ${name} did not complete`);
    return r.latency.mean;
  };
  for (const name of ['shared', 'plain']) means[name]?.push(mean(name));
  ratios.push(mean('shared') / mean('plain'));
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
console.log(`advection kernel on ${n}×${n}×${n} float64 (${((n ** 3 * 8) / 2 ** 20).toFixed(0)} MiB per array), ${rounds} rounds`);
console.log(`  SharedArray.data: ${median(means.shared ?? []).toFixed(1)} ms per sweep (median of round means)`);
console.log(`  Float64Array:     ${median(means.plain ?? []).toFixed(1)} ms per sweep`);
console.log(
  `  ratio shared/plain: median ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`,
);
await qs.close();
await us.close();
