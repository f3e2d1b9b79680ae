/**
 * Seed: "Code Availability and Loading Packages".
 *
 *     julia> function rand2(dims...)
 *                return 2*rand(dims...)
 *            end
 *     julia> rand2(2,2)
 *     2×2 Array{Float64,2}: ...
 *     julia> fetch(@spawnat :any rand2(2,2))
 *     ERROR: RemoteException(2, CapturedException(UndefVarError(Symbol("#rand2"))
 *
 * Process 1 knows `rand2`, process 2 does not. Here the worker's error is a RemoteException whose
 * `cause` is a ReferenceError (Julia's UndefVarError), and its message names the three fixes,
 * all shown below: `everywhere()` (Julia's `@everywhere`), an argument, or `capture`.
 *
 *   node dist/examples/02-code-availability-rand2.js
 */
import { addprocs, capture, everywhere, fetch, RemoteException, rmprocs, spawnat, workers } from '../src/index.js';
import type { Matrix } from './modules/matrices.js';

const matrices = new URL('./modules/matrices.js', import.meta.url);

await addprocs(2);
await everywhere(matrices); // rand and times (Julia's Base) exist everywhere...
const { rand, times, show } = (await import(matrices.href)) as typeof import('./modules/matrices.js');

// ...but rand2 is defined on process 1 only.
function rand2(m: number, n: number): Matrix {
  return times(2, rand(m, n));
}
console.log('rand2(2, 2) =', show(rand2(2, 2)));

try {
  await fetch(spawnat('any', () => rand2(2, 2)));
  console.log('unexpected: rand2 ran on a worker');
} catch (e) {
  const err = e as InstanceType<typeof RemoteException>;
  console.log(`ERROR: ${err.name} (worker ${err.pid}): ${err.cause.name}: ${err.cause.message}`);
  console.log('instanceof RemoteException:', err instanceof RemoteException, '| cause instanceof ReferenceError:', err.cause instanceof ReferenceError);
}

// Fix 1, Julia's `@everywhere function rand2 ...`: define it on every process. The same closure
// `() => rand2(2, 2)` now finds rand2 as a global there.
await everywhere(
  capture({ rand, times }, () => {
    (globalThis as { rand2?: unknown }).rand2 = (m: number, n: number) => times(2, rand(m, n));
  }),
);
const viaEverywhere = (await fetch(spawnat('any', () => rand2(2, 2)))) as Matrix;
console.log('after everywhere():', show(viaEverywhere));

// Fix 2: send the function along with the call (its own free names captured too).
const shipped = capture({ rand2: capture({ rand, times }, rand2) }, () => rand2(2, 2));
const viaCapture = (await fetch(spawnat('any', shipped))) as Matrix;
console.log('with capture():', show(viaCapture));

// Fix 3: pass it as the function to call.
const viaArgument = (await fetch(spawnat('any', capture({ rand, times }, rand2), 2, 2))) as Matrix;
console.log('as the function argument:', show(viaArgument));

const inRange = (M: Matrix) => M.data.every((x) => x >= 0 && x < 2);
console.log('all results in [0, 2):', [viaEverywhere, viaCapture, viaArgument].every(inRange));

await rmprocs(workers());
