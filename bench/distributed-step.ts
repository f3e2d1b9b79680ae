/**
 * The cost of one `distributed` time step (the seed's `@sync @distributed for` per step, with the
 * body capturing the step's `t` and the arrays), against the bare minimum: one round trip to each
 * worker at the same time. The arrays are tiny, so what is measured is the machinery, not the
 * kernel. Rounds alternate the two, so this shared machine's noise hits both alike.
 *   npx tsc -p tsconfig.json && node dist/bench/distributed-step.js [--steps 400] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { addprocs, capture, distributed, range, remotecallFetch, rmprocs, SharedArray, workers } from '../src/index.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '400' }, rounds: { type: 'string', default: '5' } } });
const steps = Number(values.steps);
const rounds = Number(values.rounds);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await addprocs(2);
const [n1, n2] = [4, 8];
const q = await SharedArray.create('float64', [n1, n2, steps + 1]);
const u = await SharedArray.create('float64', [n1, n2, steps + 1]);
const noop = (): void => undefined;

async function distributedSteps(): Promise<number> {
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    await distributed(
      range(0, n2),
      capture({ q, u, t, n1 }, (j: number) => {
        const qd = q.data;
        const ud = u.data;
        const plane = n1 * q.dims[1]!;
        const k0 = t * plane + j * n1;
        for (let i = 0; i < n1; i++) qd[k0 + i + plane] = qd[k0 + i]! + ud[k0 + i]!;
      }),
    );
  }
  return ((performance.now() - t0) * 1000) / steps;
}

async function roundTripPairs(): Promise<number> {
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) await Promise.all(workers().map((w) => remotecallFetch(noop, w)));
  return ((performance.now() - t0) * 1000) / steps;
}

await distributedSteps();
await roundTripPairs();
const d: number[] = [];
const r: number[] = [];
for (let k = 0; k < rounds; k++) {
  d.push(await distributedSteps());
  r.push(await roundTripPairs());
}
const ratios = d.map((x, i) => x / r[i]!);
console.log(`distributed step ${median(d).toFixed(0)} µs, bare round-trip pair ${median(r).toFixed(0)} µs, ratio ${median(ratios).toFixed(2)}× (per round: ${ratios.map((x) => x.toFixed(2)).join(' ')})`);
await q.close();
await u.close();
await rmprocs(workers());
