/**
 * Seed: "Global variables".
 *
 *     A = rand(10,10)
 *     remotecall_fetch(()->sum(A), 2)
 *
 *     A = rand(10,10)
 *     remotecall_fetch(()->sum(A), 2) # worker 2
 *     A = rand(10,10)
 *     remotecall_fetch(()->sum(A), 3) # worker 3
 *     A = nothing
 *
 *     julia> A = rand(10,10);
 *     julia> remotecall_fetch(()->A, 2);
 *     julia> B = rand(10,10);
 *     julia> let B = B
 *                remotecall_fetch(()->B, 2)
 *            end;
 *     julia> @fetchfrom 2 InteractiveUtils.varinfo()
 *     name           size summary
 *     A         800 bytes 10×10 Array{Float64,2}
 *
 * JavaScript cannot read a closure's scope, so a shipped function never picks up the caller's
 * variables by itself: `() => matsum(A)` fails on the worker with a ReferenceError naming the fix.
 * (The seed's `sum` is `matsum` here: `sum` is the package's own reduction, which every worker has
 * in scope, as Julia's workers have Base.sum; a helper of this program's is what goes missing.)
 * Julia's two behaviours map to two explicit forms:
 *   - "a global is created on the worker" (Main.A): assign it there, `everywhere(capture({ A }, ...))`;
 *   - "a let-block local travels with the call, no global is left": `capture({ B }, () => B)`.
 *
 *   node dist/examples/05-global-variables-capture.js
 */
import { addprocs, capture, everywhere, fetchfrom, remotecallFetch, type RemoteException, rmprocs, workers } from '../src/index.js';
import type { Matrix } from './modules/matrices.js';

type Globals = { A?: Matrix | null; B?: Matrix | null };
const matrices = new URL('./modules/matrices.js', import.meta.url);

await addprocs(2);
await everywhere(matrices);
const { rand, matsum } = (await import(matrices.href)) as typeof import('./modules/matrices.js');

// remotecall_fetch(()->sum(A), 2): A is a variable of this module, unknown on worker 2.
// "In this case sum MUST be defined in the remote process": here matsum comes from a module, so it
// must be passed or captured; and A must travel too.
let A: Matrix | null = rand(10, 10);
for (const [label, f] of [
  ['() => matsum(A)', () => matsum(A as Matrix)],
  ['capture({ matsum }, () => matsum(A))', capture({ matsum }, () => matsum(A as Matrix))],
] as const) {
  try {
    await remotecallFetch(f, 2);
  } catch (e) {
    console.log(`remotecallFetch(${label}, 2): ${(e as InstanceType<typeof RemoteException>).cause.message}`);
  }
}
// With A (and matsum) captured, the closure's variables travel with it.
const s2 = await remotecallFetch(capture({ A, matsum }, () => matsum(A as Matrix)), 2);
console.log('remotecallFetch(capture({ A, matsum }, () => matsum(A)), 2) equals matsum(A) here:', s2 === matsum(A));

// Julia's Main.A: a global binding on each worker, set from the master's value at the time.
const setGlobalA = (pid: number, value: Matrix | null) =>
  everywhere(capture({ value }, () => void ((globalThis as Globals).A = value)), { procs: [pid] });
const readGlobalA = () => {
  const a = (globalThis as Globals).A;
  return a ? matsum(a) : null;
};
A = rand(10, 10);
await setGlobalA(2, A); // worker 2
A = rand(10, 10);
await setGlobalA(3, A); // worker 3
A = null;
const on2 = await remotecallFetch(capture({ matsum }, readGlobalA), 2);
const on3 = await remotecallFetch(capture({ matsum }, readGlobalA), 3);
console.log(`matsum(A) on worker 2 = ${on2?.toFixed(4)}, on worker 3 = ${on3?.toFixed(4)}, A on process 1 = ${A}`);
console.log('worker 2 and worker 3 hold different A:', on2 !== on3);

// The let-block: B travels with the call but leaves no global behind on worker 2.
await everywhere(() => void delete (globalThis as Globals).A, { procs: [2] });
await setGlobalA(2, rand(10, 10)); // remotecall_fetch(()->A, 2) after A = rand(10,10)
await remotecallFetch(() => (globalThis as Globals).A, 2);
const B = rand(10, 10);
await remotecallFetch(capture({ B }, () => B), 2); // let B = B ... end
// @fetchfrom 2 varinfo(): the matrix-valued globals on worker 2.
const varinfo = () =>
  Object.entries(globalThis)
    .filter(([, v]) => typeof v === 'object' && v !== null && 'dims' in v && 'data' in v)
    .map(([name, v]) => {
      const M = v as Matrix;
      return `${name.padEnd(9)} ${`${M.data.byteLength} bytes`.padStart(9)} ${M.dims.join('×')} Matrix{Float64}`;
    });
console.log('fetchfrom(2, varinfo):');
console.log('name           size summary');
for (const line of await fetchfrom(2, varinfo)) console.log(line);

// clear!(:A, 2): drop the global on the worker.
await everywhere(() => void delete (globalThis as Globals).A, { procs: [2] });
console.log('after clearing A on worker 2, its matrix globals:', await fetchfrom(2, varinfo));

await rmprocs(workers());
