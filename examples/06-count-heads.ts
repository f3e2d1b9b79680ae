/**
 * Seed: "Parallel Map and Loops" (count_heads, @distributed with a reducer, the plain-array
 * pitfall and its SharedArray fix, a read-only outside variable).
 *
 *     julia> @everywhere include_string(Main, $(read("count_heads.jl", String)), "count_heads.jl")
 *     julia> a = @spawnat :any count_heads(100000000)
 *     julia> b = @spawnat :any count_heads(100000000)
 *     julia> fetch(a)+fetch(b)
 *     100001564
 *
 *     nheads = @distributed (+) for i = 1:200000000
 *         Int(rand(Bool))
 *     end
 *
 *     a = zeros(100000)
 *     @distributed for i = 1:100000      # does not initialize a: each process has a copy
 *         a[i] = i
 *     end
 *
 *     a = SharedArray{Float64}(10)
 *     @distributed for i = 1:10
 *         a[i] = i
 *     end
 *
 *     a = randn(1000)
 *     @distributed (+) for i = 1:100000
 *         f(a[rand(1:end)])
 *     end
 *
 * `await distributed(r, body)` is Julia's `@sync @distributed for` (indices 0-based, half-open
 * ranges: Julia's `1:n` is `range(0, n)`); with a reducer it returns the reduced value.
 *
 *   node dist/examples/06-count-heads.js [--n 1000000]
 */
import { parseArgs } from 'node:util';
import { addprocs, capture, distributed, everywhere, fetch, range, rmprocs, SharedArray, spawnat, workers } from '../src/index.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '1000000' } } });
const n = Number(values.n);
const countHeadsModule = new URL('./modules/count-heads.js', import.meta.url);
const matrices = new URL('./modules/matrices.js', import.meta.url);

await addprocs(2);
await everywhere(countHeadsModule);
const { countHeads } = (await import(countHeadsModule.href)) as typeof import('./modules/count-heads.js');

// Two explicit tasks, then a reduction by hand.
const a = spawnat('any', countHeads, n);
const b = spawnat('any', countHeads, n);
console.log('a =', a, '| b =', b);
const heads = (await fetch(a)) + (await fetch(b));
console.log(`fetch(a) + fetch(b) = ${heads} (of ${2 * n} flips)`);

// The same with a parallel reduction over any number of workers.
const nheads = await distributed(range(0, 2 * n), () => (Math.random() < 0.5 ? 1 : 0), (x: number, y: number) => x + y);
console.log(`nheads = ${nheads} (of ${2 * n} flips)`);

// A plain array is copied to each worker: the master's copy is never written.
const plain = new Float64Array(10);
await distributed(range(0, 10), capture({ plain }, (i: number) => void (plain[i] = i)));
console.log('plain array after the loop: ', Array.from(plain).join(' '));

// A SharedArray is the same memory everywhere.
const shared = await SharedArray.create('float64', 10);
await distributed(range(0, 10), capture({ shared }, (i: number) => shared.set(i, i)));
console.log('SharedArray after the loop:', Array.from(shared.data).join(' '));
await shared.close();

// Reading an outside variable is fine: each worker gets a copy of `samples` once.
await everywhere(matrices);
const { randn } = (await import(matrices.href)) as typeof import('./modules/matrices.js');
const samples = randn(1000);
const f = (x: number) => x * x;
const trials = 100_000;
const total = await distributed(
  range(0, trials),
  capture({ samples, f }, () => f(samples[Math.floor(Math.random() * samples.length)] as number)),
  (x: number, y: number) => x + y,
);
console.log(`mean of f(a[rand]) over ${trials} draws = ${(total / trials).toFixed(3)} (f(x) = x^2, a = randn(1000): about 1)`);

await rmprocs(workers());
