/**
 * What does making a user call interruptible cost? A worker runs every shipped function through
 * one of these, so the fixed cost per call is what matters:
 *   - direct:            fn(x), the floor;
 *   - admitCall+runCall: the addon (native/process.cc), as a worker serves a call: a sequence
 *                        number under an uncontended mutex, the call's tag set as V8's
 *                        continuation data around a napi_call_function;
 *   - vm breakOnSigint:  what Node offers, script.runInThisContext({ breakOnSigint: true }): starts
 *                        and joins a watchdog thread per call;
 *   - vm plain:          script.runInThisContext() without it, to separate vm's own cost.
 * The function is a no-op that returns x + 1 (summed, so it cannot be optimised away).
 * Each variant runs in rounds of `n` calls; the best round is reported (least disturbed by GC and
 * the other core's load), with the median alongside.
 *
 * Second table: what the resume guard (the promise hook a worker installs so that interrupted
 * calls never resume) costs promise jobs: `await null` in a loop with the guard off and on.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/interrupt-overhead.js [--n 200000] [--rounds 15]
 */
import { parseArgs } from 'node:util';
import { Script } from 'node:vm';
import v8 from 'node:v8';
import { admitCall, resumeGuard, runCall } from '../src/native.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '15' } } });
const n = Number(values.n);
const rounds = Number(values.rounds);

const noop = (x: number): number => x + 1;
(globalThis as { __noop?: typeof noop }).__noop = noop;
const script = new Script('__noop(1)');

type Loop = (count: number) => number;
const variants: Record<string, { loop: Loop; count: number }> = {
  direct: {
    count: n,
    loop: (count) => {
      let s = 0;
      for (let i = 0; i < count; i++) s += noop(i);
      return s;
    },
  },
  'admitCall+runCall': {
    count: n,
    loop: (count) => {
      let s = 0;
      const args = [0];
      for (let i = 0; i < count; i++) {
        args[0] = i;
        s += runCall(admitCall(true), noop, undefined, args);
      }
      return s;
    },
  },
  // vm variants are ~100x slower per call: fewer calls per round keep the run short.
  'vm breakOnSigint': {
    count: Math.max(1, Math.floor(n / 100)),
    loop: (count) => {
      let s = 0;
      for (let i = 0; i < count; i++) s += script.runInThisContext({ breakOnSigint: true }) as number;
      return s;
    },
  },
  'vm plain': {
    count: Math.max(1, Math.floor(n / 20)),
    loop: (count) => {
      let s = 0;
      for (let i = 0; i < count; i++) s += script.runInThisContext() as number;
      return s;
    },
  },
};

let sink = 0;
const results: Record<string, { best: number; median: number }> = {};
for (const [name, { loop, count }] of Object.entries(variants)) {
  sink += loop(Math.min(count, 10_000)); // warm up (JIT)
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    sink += loop(count);
    perCall.push(Number(process.hrtime.bigint() - t0) / count);
  }
  perCall.sort((a, b) => a - b);
  results[name] = { best: perCall[0] as number, median: perCall[Math.floor(perCall.length / 2)] as number };
}

const direct = results.direct as { best: number; median: number };
const rows = Object.entries(results).map(([name, r]) => ({
  variant: name,
  'ns/call (best)': r.best.toFixed(1),
  'ns/call (median)': r.median.toFixed(1),
  'extra ns/call (median)': (r.median - direct.median).toFixed(1),
  'x direct (median)': (r.median / direct.median).toFixed(1),
}));
console.log(`Node ${process.version}, ${rounds} rounds; ${n} calls per round (vm: fewer), no-op returning x + 1`);
console.table(rows);
if (sink === 0) console.log(''); // keep `sink` observable

async function awaitLoop(count: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await null;
  return Number(process.hrtime.bigint() - t0) / count;
}
const awaits: Record<string, number[]> = { 'guard off': [], 'guard on': [] };
await awaitLoop(n); // warm up
for (let r = 0; r < rounds; r++) {
  awaits['guard off']!.push(await awaitLoop(n));
  const stop = v8.promiseHooks.onBefore(resumeGuard());
  awaits['guard on']!.push(await awaitLoop(n));
  stop();
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\nawait null, ${n} per round, ${rounds} rounds alternating`);
console.table(Object.entries(awaits).map(([name, xs]) => ({ resume: name, 'ns/await (median)': median(xs).toFixed(1), 'x off (median)': (median(xs) / median(awaits['guard off']!)).toFixed(2) })));
