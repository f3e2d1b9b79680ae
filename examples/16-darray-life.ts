/**
 * Seed: "Distributed Arrays", "Constructing Distributed Arrays" and "Distributed Array
 * Operations" (DistributedArrays.jl).
 *
 *     dfill(v, args...) = DArray(I->fill(v, map(length,I)), args...)
 *
 *     function life_step(d::DArray)
 *         DArray(size(d),procs(d)) do I
 *             top   = mod(first(I[1])-2,size(d,1))+1
 *             bot   = mod( last(I[1])  ,size(d,1))+1
 *             left  = mod(first(I[2])-2,size(d,2))+1
 *             right = mod( last(I[2])  ,size(d,2))+1
 *             old = Array(Bool, length(I[1])+2, length(I[2])+2)
 *             old[1      , 1      ] = d[top , left]   # left side
 *             old[2:end-1, 1      ] = d[I[1], left]
 *             ...                                      # and the other seven pieces
 *             life_rule(old)
 *         end
 *     end
 *
 * `life_rule`, `life_step` and the serial version are bench/darray/life.ts (loaded on every
 * process with everywhere(), as the seed's functions are with @everywhere): each block of the
 * next generation is made on its owner, which fetches its halo from the neighbouring blocks with
 * `d.slice(...)` (the seed's `d[I[1], left]`), one request per block touched. The board is a
 * torus of uint8 cells (Julia's Bool), 0-based: Julia's `mod(first(I[1])-2, m)+1` is
 * `(I[0].start - 1 + m) % m`. Checked cell for cell against the serial version at every
 * generation.
 *
 *   node dist/examples/16-darray-life.js [--n 1000] [--generations 100] [--workers 4]
 */
import { inspect, parseArgs } from 'node:util';
import { addprocs, capture, DArray, type DArrayOptions, distribute, everywhere, localindices, procs, type Range, rmprocs, workers } from '../src/index.js';
import { lifeStep, lifeStepSerial, randomBoard } from '../bench/darray/life.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    generations: { type: 'string', default: '100' },
    workers: { type: 'string', default: '4' },
  },
});
const n = Number(values.n);
const generations = Number(values.generations);

await addprocs(Number(values.workers));
// `@everywhere` the life functions: lifeRule then travels by reference, compiled once per worker.
await everywhere(new URL('../bench/darray/life.js', import.meta.url));

// dfill(v, args...) = DArray(I -> fill(v, map(length, I)), args...), in our words: init gets the
// block's ranges and returns its data; `v` travels with the function.
function myDfill(v: number, dims: number[], opts?: DArrayOptions<'float64'>): Promise<DArray<'float64'>> {
  return DArray.create(
    capture({ v }, (I: Range[]) => new Float64Array(I.reduce((count, r) => count * r.length, 1)).fill(v)),
    dims,
    opts,
  );
}
const F = await myDfill(0.5, [4, 6]);
console.log(inspect(F));
console.log(await F.show());
console.log(`sum = ${await F.sum()}; localindices on process 1: [${localindices(F).join(', ')}] (it owns no block)`);
await F.close();

// The board: the same random start here and, distributed, over the workers.
let serial = randomBoard(n, n);
let d = await distribute(serial, { dims: [n, n] });
console.log(`${n}×${n} board over workers [${procs(d).join(', ')}], blocks ${d.indices.map((I) => `[${I.join(', ')}]`).join(' ')}`);

let agree = true;
for (let g = 1; g <= generations; g++) {
  const next = await lifeStep(d);
  await d.close();
  d = next;
  serial = lifeStepSerial(serial, n, n);
  const got = await d.toArray();
  if (!got.every((cell, k) => cell === serial[k])) {
    agree = false;
    console.log(`generation ${g}: the DArray and the serial board differ`);
    break;
  }
  if (g === 1 || g % 25 === 0 || g === generations) console.log(`generation ${g}: ${await d.sum()} live cells`);
}
console.log(`DArray and serial agree cell for cell for ${generations} generations: ${agree}`);
await d.close();
await rmprocs(workers());
