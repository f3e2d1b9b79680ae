/**
 * What do the bounds-checked accessors cost? Adds 1 to every element of a 2-d float64
 * SharedArray three ways, in the same process: `S.set(i, j, S.get(i, j) + 1)`, the linear
 * `S.set(k, S.get(k) + 1)`, and the raw `S.data[k] += 1` loop; reports times relative to raw.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/shared-accessors.js [--n 1000] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { SharedArray } from '../src/index.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '5' } } });
const n = Number(values.n);
const rounds = Number(values.rounds);
const S = await SharedArray.create('float64', [n, n]);

const variants: Record<string, () => void> = {
  'get/set (i, j)': () => {
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) S.set(i, j, S.get(i, j) + 1);
  },
  'get/set (k)': () => {
    for (let k = 0; k < S.length; k++) S.set(k, S.get(k) + 1);
  },
  'raw data[k]': () => {
    const d = S.data;
    for (let k = 0; k < d.length; k++) d[k] = (d[k] as number) + 1;
  },
};

const ratios: Record<string, number[]> = {};
const means: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  const bench = new Bench({ time: 200, iterations: 5, warmupTime: 50, warmupIterations: 2, timestampProvider: 'hrtimeNow' });
  const names = Object.keys(variants);
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + round) % names.length] as string; // rotate the order per round
    bench.add(name, variants[name] as () => void);
  }
  await bench.run();
  const mean = (name: string): number => {
    const r = bench.getTask(name)?.result;
    if (r?.state !== 'completed') throw new Error(`task ${name} did not complete`);
    return r.latency.mean;
  };
  for (const name of names) {
    (means[name] ??= []).push(mean(name));
    (ratios[name] ??= []).push(mean(name) / mean('raw data[k]'));
  }
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
console.log(`${n}×${n} float64, read-modify-write of every element, ${rounds} rounds (median of per-round ratios)`);
for (const name of Object.keys(variants)) {
  const ns = (median(means[name] ?? []) * 1e6) / (n * n);
  console.log(`  ${name.padEnd(15)} ${ns.toFixed(2).padStart(6)} ns/element   ×${median(ratios[name] ?? []).toFixed(2)} of raw`);
}
await S.close();
