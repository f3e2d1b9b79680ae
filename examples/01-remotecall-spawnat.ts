/**
 * Seed: "Multi-processing and Distributed Computing" (the opening example) and `@spawnat :any`.
 *
 *     $ ./julia -p 2
 *     julia> r = remotecall(rand, 2, 2, 2)
 *     Future(2, 1, 4, nothing)
 *     julia> s = @spawnat 2 1 .+ fetch(r)
 *     Future(2, 1, 5, nothing)
 *     julia> fetch(s)
 *     2×2 Array{Float64,2}: ...
 *     julia> remotecall_fetch(getindex, 2, r, 1, 1)
 *     0.18526337335308085
 *     julia> r = @spawnat :any rand(2,2)
 *     Future(2, 1, 4, nothing)
 *     julia> s = @spawnat :any 1 .+ fetch(r)
 *     Future(3, 1, 5, nothing)
 *     julia> fetch(s)
 *
 * `rand`, `plus` (`1 .+ A`) and `getindex` come from examples/modules/matrices.ts, loaded on every
 * process with everywhere() (Julia has them in Base); they travel by reference. A closure that
 * uses a local variable names it with `capture`. Indices are 0-based: Julia's `r[1,1]` is (0, 0).
 *
 *   node dist/examples/01-remotecall-spawnat.js
 */
import { addprocs, capture, everywhere, fetch, remotecall, remotecallFetch, rmprocs, spawnat, workers } from '../src/index.js';
import type { Matrix } from './modules/matrices.js';

const matrices = new URL('./modules/matrices.js', import.meta.url);

console.log('addprocs(2) =', await addprocs(2));
await everywhere(matrices);
const { rand, plus, getindex, show } = (await import(matrices.href)) as typeof import('./modules/matrices.js');

// r = remotecall(rand, 2, 2, 2): process 2 builds a 2×2 random matrix; r is a Future to it.
const r = remotecall(rand, 2, 2, 2);
console.log('r =', r);

// s = @spawnat 2 1 .+ fetch(r): process 2 adds 1 to it (fetch is local there, r lives on 2).
const s = spawnat(2, capture({ r, plus }, async () => plus(1, (await fetch(r)) as Matrix)));
console.log('s =', s);
console.log('fetch(s) =', show(await fetch(s)));

// remotecall_fetch(getindex, 2, r, 1, 1): the first element of the future r.
const r00 = await remotecallFetch(getindex, 2, r, 0, 0);
console.log('remotecallFetch(getindex, 2, r, 0, 0) =', r00);
console.log('fetch(s)[0, 0] === 1 + r[0, 0]:', (await getindex(s, 0, 0)) === 1 + r00);

// @spawnat :any picks the process for you (round-robin over workers()).
const r2 = spawnat('any', rand, 2, 2);
console.log("r = spawnat('any', rand, 2, 2) =", r2);
const s2 = spawnat('any', capture({ r: r2, plus }, async () => plus(1, (await fetch(r)) as Matrix)));
console.log("s = spawnat('any', 1 .+ fetch(r)) =", s2);
console.log('fetch(s) =', show(await fetch(s2)));
console.log(`r ran on worker ${r2.where}, s on worker ${s2.where}`);

await rmprocs(workers());
