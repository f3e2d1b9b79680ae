/**
 * Seed: "Multi-Threading (Experimental)" and "@threadcall (Experimental)".
 *
 *     $ export JULIA_NUM_THREADS=4
 *     julia> Threads.nthreads()
 *     4
 *     julia> Threads.threadid()
 *     1
 *     julia> a = zeros(10)
 *     julia> Threads.@threads for i = 1:10
 *                a[i] = Threads.threadid()
 *            end
 *     julia> a
 *     10-element Array{Float64,1}:
 *      1.0
 *      1.0
 *      1.0
 *      2.0
 *      2.0
 *      2.0
 *      3.0
 *      3.0
 *      4.0
 *      4.0
 *
 * and `@threadcall`, which runs a C function on a pool thread (UV_THREADPOOL_SIZE, 4 by default)
 * while the event loop goes on: here four `usleep` calls run at once and finish together while a
 * timer keeps ticking.
 *
 * JULIA_NUM_THREADS is SHAREDARRAYS_NUM_THREADS; this example sets it to 4 unless it is set
 * already (it must be set before the first nthreads(), as Julia reads its variable at start-up).
 * `a` is a SharedArray, the memory every thread sees (a Float64Array over a SharedArrayBuffer
 * works too); `capture({ a }, ...)` sends it along with the loop body.
 *
 *   node dist/examples/17-threads.js [--sleep-ms 500]
 */
import { parseArgs } from 'node:util';
import { capture, nthreads, range, SharedArray, threadcall, threadid, threads } from '../src/index.js';

const { values } = parseArgs({ options: { 'sleep-ms': { type: 'string', default: '500' } } });
const sleepMs = Number(values['sleep-ms']);

process.env.SHAREDARRAYS_NUM_THREADS ??= '4';
console.log(`nthreads() = ${nthreads()}`);
console.log(`threadid() = ${threadid()}`);

const a = await SharedArray.create('float64', 10);
// Threads.@threads for i = 1:10: 0-based and half-open here.
await threads.for(range(0, 10), capture({ a }, (i: number) => {
  a.data[i] = threadid();
}));
console.log(a);
await a.close();

// @threadcall: four calls of a sleeping C function at once, and a timer ticking meanwhile.
console.log(`\n4 × threadcall('libc.so.6', 'usleep', 'int', ['unsigned int'], ${sleepMs * 1000}):`);
const start = performance.now();
const ms = (): string => `${Math.round(performance.now() - start)} ms`;
let ticks = 0;
const timer = setInterval(() => console.log(`  tick ${++ticks} at ${ms()}`), sleepMs / 5);
await Promise.all(
  [1, 2, 3, 4].map(async (k) => {
    await threadcall('libc.so.6', 'usleep', 'int', ['unsigned int'], sleepMs * 1000);
    console.log(`  call ${k} done at ${ms()}`);
  }),
);
clearInterval(timer);
console.log(`all four done at ${ms()} (one call sleeps ${sleepMs} ms); the timer ticked ${ticks} times meanwhile`);
