/**
 * What does a large SharedArray cost to create and first touch, against `new Float64Array`?
 * Creates 1 GiB (default) and writes one element per 4 KiB page, in the same process: the shared
 * version pays shm_open + posix_fallocate (the reservation that turns "too big" into an error at
 * create instead of a SIGBUS later) and the page faults; the plain one pays the page faults.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/shared-create.js [--mib 1024] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Bench } from 'tinybench';
import { SharedArray } from '../src/index.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' }, rounds: { type: 'string', default: '3' } } });
const length = (Number(values.mib) * 2 ** 20) / 8;
const rounds = Number(values.rounds);

// Each trial's gigabyte must be returned before the next one; a forced collection does it for
// the plain array (the shared one is closed explicitly).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const touch = (d: Float64Array): void => {
  for (let k = 0; k < d.length; k += 512) d[k] = 1;
};
let keep: Float64Array | undefined;
let shared: SharedArray<'float64'> | undefined;
const release = async (): Promise<void> => {
  await shared?.close();
  shared = undefined;
  keep = undefined;
  gc();
};

const variants: Record<string, () => Promise<void> | void> = {
  'SharedArray create': async () => {
    shared = await SharedArray.create('float64', length);
  },
  'SharedArray create+touch': async () => {
    shared = await SharedArray.create('float64', length);
    touch(shared.data);
  },
  'Float64Array create+touch': () => {
    keep = new Float64Array(length);
    touch(keep);
  },
};

const bench = new Bench({ iterations: rounds, time: 0, warmupIterations: 0, warmup: false, timestampProvider: 'hrtimeNow' });
for (const [name, f] of Object.entries(variants)) bench.add(name, f, { afterEach: release });
await bench.run();

const mean = (name: string): number => {
  const r = bench.getTask(name)?.result;
  if (r?.state !== 'completed') throw new Error(`task ${name} did not complete`);
  return r.latency.mean;
};
const plain = mean('Float64Array create+touch');
console.log(`${values.mib} MiB float64, one write per 4 KiB page, mean of ${rounds} trials each`);
for (const name of Object.keys(variants)) {
  console.log(`  ${name.padEnd(26)} ${mean(name).toFixed(0).padStart(6)} ms   ×${(mean(name) / plain).toFixed(2)} of Float64Array`);
}
