/**
 * Seed: "Parallel Map and Loops" (pmap) and, from older versions of the manual, "Scheduling"
 * (matrices of different sizes, and a hand-written pmap with one feeder task per worker).
 *
 *     julia> M = Matrix{Float64}[rand(1000,1000) for i = 1:10];
 *     julia> pmap(svdvals, M);
 *
 *     M = Matrix{Float64}[rand(800,800), rand(600,600), rand(800,800), rand(600,600)]
 *     pmap(svd, M)
 *
 *     function pmap(f, lst)
 *         np = nprocs()  # determine the number of processes available
 *         n = length(lst)
 *         results = Vector{Any}(n)
 *         i = 1
 *         nextidx() = (idx=i; i+=1; idx)
 *         @sync begin
 *             for p=1:np
 *                 if p != myid() || np == 1
 *                     @async begin
 *                         while true
 *                             idx = nextidx()
 *                             if idx > n
 *                                 break
 *                             end
 *                             results[idx] = remotecall_fetch(f, p, lst[idx])
 *                         end
 *                     end
 *                 end
 *             end
 *         end
 *         results
 *     end
 *
 * `svdvals` is a small one-sided Jacobi SVD in examples/modules/matrices.ts (no dependency).
 * Sizes are scaled down so the example runs in a second.
 *
 *   node dist/examples/07-pmap-svdvals.js [--n 60]
 */
import { parseArgs } from 'node:util';
import { addprocs, everywhere, myid, nprocs, pmap, procs, remotecallFetch, rmprocs, workers } from '../src/index.js';
import type { Matrix } from './modules/matrices.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '60' } } });
const n = Number(values.n);
const matrices = new URL('./modules/matrices.js', import.meta.url);

await addprocs(2);
await everywhere(matrices);
const { rand, matrix, norm, svdvals } = (await import(matrices.href)) as typeof import('./modules/matrices.js');

// A known answer first: the singular values of [2 1; 1 1] are (3 ± √5) / 2.
const known = await pmap(svdvals, [matrix([[2, 1], [1, 1]])]);
const expected = [(3 + Math.sqrt(5)) / 2, (3 - Math.sqrt(5)) / 2];
console.log('pmap(svdvals, [[2 1; 1 1]]) =', known[0]);
console.log('equals (3 ± √5) / 2:', expected.every((x, k) => Math.abs(x - (known[0]?.[k] as number)) < 1e-12));

// pmap(svdvals, M) over ten random n×n matrices, results in input order.
const M = Array.from({ length: 10 }, () => rand(n, n));
const sv = await pmap(svdvals, M);
console.log(`pmap(svdvals, M): ${sv.length} results, largest singular values:`, sv.map((s) => (s[0] as number).toFixed(3)).join(' '));
// Orthogonal rotations keep the Frobenius norm: sum(σ²) = norm(A)².
const ok = (A: Matrix, s: number[]) => Math.abs(s.reduce((acc, x) => acc + x * x, 0) - norm(A) ** 2) < 1e-8 * norm(A) ** 2;
console.log('sum(σ²) == norm(A)² for every matrix:', sv.every((s, k) => ok(M[k] as Matrix, s)));

// Unbalanced work: matrices of different sizes. pmap hands out work as workers finish.
const sizes = [4, 3, 4, 3].map((k) => (k * n) / 2);
const M2 = sizes.map((k) => rand(k, k));

// The seed's hand-written pmap: one local "feeder" task per worker, sharing nextidx.
async function myPmap<T, R>(f: (x: T) => R | Promise<R>, lst: readonly T[]): Promise<R[]> {
  const np = nprocs(); // determine the number of processes available
  const len = lst.length;
  const results = new Array<R>(len);
  let i = 0;
  // function to produce the next work item from the queue; in this case it's just an index.
  const nextidx = () => i++;
  const feeders: Promise<void>[] = [];
  for (const p of procs()) {
    if (p !== myid() || np === 1) {
      feeders.push(
        (async () => {
          while (true) {
            const idx = nextidx();
            if (idx >= len) break;
            results[idx] = (await remotecallFetch(f, p, lst[idx] as T)) as R;
          }
        })(),
      );
    }
  }
  await Promise.all(feeders); // @sync
  return results;
}

const viaPmap = await pmap(svdvals, M2);
const viaMyPmap = await myPmap(svdvals, M2);
console.log(`sizes ${sizes.join(', ')}: largest singular values`, viaPmap.map((s) => (s[0] as number).toFixed(3)).join(' '));
console.log('pmap and the hand-written pmap agree:', viaPmap.every((s, k) => s.every((x, j) => Math.abs(x - (viaMyPmap[k]?.[j] as number)) <= 1e-9 * (s[0] as number))));

await rmprocs(workers());
