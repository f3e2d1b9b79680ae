/**
 * The cost of one `distributed` time step (the seed's `@sync @distributed for` per step, with the
 * body capturing the step's `t` and the arrays), against the bare minimum: one round trip to each
 * worker at the same time. The arrays are tiny, so what is measured is the machinery, not the
 * kernel. The two alternate step by step (a distributed step, then a bare pair, ...), so this
 * shared machine's noise hits both alike; each round gives a ratio of the sums, and the figure is
 * the median ratio over rounds. Aim: at most 1.3×. Warm-up first: on this machine the code paths
 * take about 2,500 steps to reach their optimised speed (both kinds, measured per 500 steps).
 *   npx tsc -p tsconfig.json && node dist/bench/distributed-step.js [--steps 400] [--rounds 9] [--warmup 3000]
 */
import { parseArgs } from 'node:util';
import { addprocs, remotecallFetch, rmprocs, SharedArray, workers } from '../src/index.js';
import { advectionStep } from './advection/seed.js';
import { median, writeResult } from './report.js';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '400' }, rounds: { type: 'string', default: '9' }, warmup: { type: 'string', default: '3000' } },
});
const steps = Number(values.steps);
const rounds = Number(values.rounds);
const warmup = Number(values.warmup);

await addprocs(2);
const [n1, n2] = [4, 8];
const q = await SharedArray.create('float64', [n1, n2, steps + 1]);
const u = await SharedArray.create('float64', [n1, n2, steps + 1]);
const noop = (): void => undefined;

/** One distributed time step, the seed's (bench/advection/seed.ts). */
function step(t: number): Promise<void> {
  return advectionStep(q, u, t);
}

async function bare(): Promise<void> {
  await Promise.all(workers().map((w) => remotecallFetch(noop, w)));
}

/** One round: `steps` distributed steps and as many bare pairs, alternating; µs per step of each. */
async function round(n = steps): Promise<{ step: number; bare: number }> {
  let d = 0;
  let r = 0;
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    await step(k % steps);
    const t1 = performance.now();
    await bare();
    const t2 = performance.now();
    d += t1 - t0;
    r += t2 - t1;
  }
  return { step: (d * 1000) / n, bare: (r * 1000) / n };
}

await round(warmup); // connections, the template on each worker, optimised code
const samples: { step: number; bare: number }[] = [];
for (let k = 0; k < rounds; k++) samples.push(await round());
const ratios = samples.map((s) => s.step / s.bare);
const figure = {
  stepUs: median(samples.map((s) => s.step)),
  bareUs: median(samples.map((s) => s.bare)),
  ratio: median(ratios),
  aim: 1.3,
};
console.log(
  `distributed step ${figure.stepUs.toFixed(0)} µs, bare round-trip pair ${figure.bareUs.toFixed(0)} µs, ` +
    `ratio ${figure.ratio.toFixed(2)}× (aim ≤ ${figure.aim}×; per round: ${ratios.map((x) => x.toFixed(2)).join(' ')})`,
);
await writeResult('distributed-step', { steps, rounds, warmup, workers: workers().length, ...figure, samples });
await q.close();
await u.close();
await rmprocs(workers());
