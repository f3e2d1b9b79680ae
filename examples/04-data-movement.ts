/**
 * Seed: "Data Movement".
 *
 *     Method 1:
 *     julia> A = rand(1000,1000);
 *     julia> Bref = @spawnat :any A^2;
 *     julia> fetch(Bref);
 *
 *     Method 2:
 *     julia> Bref = @spawnat :any rand(1000,1000)^2;
 *     julia> fetch(Bref);
 *
 * Method 1 builds A here and sends it to a worker (A is captured, so it travels with the call);
 * method 2 builds A on the worker, so only the result moves. Both fetch B.
 *
 *   node dist/examples/04-data-movement.js [--n 300]
 */
import { parseArgs } from 'node:util';
import { addprocs, capture, everywhere, fetch, rmprocs, spawnat, workers } from '../src/index.js';
import type { Matrix } from './modules/matrices.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '300' } } });
const N = Number(values.n);
const matrices = new URL('./modules/matrices.js', import.meta.url);

await addprocs(2);
await everywhere(matrices);
const { rand, square } = (await import(matrices.href)) as typeof import('./modules/matrices.js');
const kb = (M: Matrix) => `${(M.data.byteLength / 1024).toFixed(0)} KiB`;

// Method 1: A is built locally, sent to a worker, squared there; B comes back.
let t = performance.now();
const A = rand(N, N);
const Bref1 = spawnat('any', capture({ A, square }, () => square(A)));
// [...] the master could do other work here
const B1 = (await fetch(Bref1)) as Matrix;
const ms1 = performance.now() - t;
const local = square(A);
console.log(`Method 1: A (${N}×${N}, ${kb(A)}) built on 1, sent to worker ${Bref1.where}; fetched B (${kb(B1)}) in ${ms1.toFixed(1)} ms`);
console.log('Method 1: B equals A^2 computed locally:', B1.data.every((x, k) => x === local.data[k]));

// Method 2: A is built and squared on the worker; only B moves.
t = performance.now();
const Bref2 = spawnat('any', capture({ rand, square, N }, () => square(rand(N, N))));
const B2 = (await fetch(Bref2)) as Matrix;
const ms2 = performance.now() - t;
console.log(`Method 2: A built and squared on worker ${Bref2.where}; fetched B (${kb(B2)}) in ${ms2.toFixed(1)} ms`);
console.log(`Method 2: B is ${B2.dims.join('×')}`);
console.log(`bytes sent to the worker: method 1 ≈ ${kb(A)} of data, method 2 ≈ the call only`);

await rmprocs(workers());
