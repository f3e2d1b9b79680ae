/**
 * Threads and synchronisation, each figure against the alternative measured in the same run:
 *
 *  1. dispatch: `threads.for` over one item per thread with an empty body (a message to each pool
 *     thread and back, the main thread running its own chunk), against piscina's `run` round
 *     trip to the same number of pool threads; p50/p99 per call, in interleaved blocks;
 *  2. barrier rounds: a tight loop of `Barrier.arrive()` between 2 worker processes and between
 *     2 threads (the time from one completed round to the next), against what a master-driven
 *     time step costs instead: one round trip to each of 2 workers, in parallel (a call out and a
 *     reply back). Aim: a barrier round at least 10× cheaper;
 *  3. threadcall: a libuv-pool call of libc's `abs`, awaited one at a time and 256 in flight,
 *     against the same function called synchronously through koffi;
 *  4. atomics: ns per increment with atomicAdd (checks included), JavaScript's Atomics.add on
 *     a SharedArray's memory (an external ArrayBuffer) and on a SharedArrayBuffer, and a plain
 *     non-atomic `a[0]++`: the native addon is needed for waiting only.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/threads.js
 *     [--threads 2] [--calls 5000] [--rounds 5000] [--blocks 5]
 * Results go to bench/results/threads.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import koffi from 'koffi';
import { Piscina } from 'piscina';
import {
  addprocs,
  atomicAdd,
  Barrier,
  capture,
  everywhere,
  nthreads,
  range,
  remotecallFetch,
  rmprocs,
  SharedArray,
  threadcall,
  threads,
  workers,
} from '../src/index.js';
import { machineInfo } from './report.js';
import { barrierLoop, noop } from './threads/loops.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    calls: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '5000' },
    blocks: { type: 'string', default: '5' },
  },
});
const nthreadsWanted = Number(values.threads);
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const blocks = Number(values.blocks);
if (!(nthreadsWanted >= 2) || !(calls >= 10) || !(rounds >= 10) || !(blocks >= 1)) {
  throw new RangeError('--threads must be ≥ 2, --calls and --rounds ≥ 10, --blocks ≥ 1');
}
// SHAREDARRAYS_NUM_THREADS is read once, at the first nthreads(): set it before.
process.env.SHAREDARRAYS_NUM_THREADS = String(nthreadsWanted);

// ------------------------------------------------------------------------------------ helpers

interface Latency {
  p50: number;
  p99: number;
  mean: number;
}
function latency(samples: ArrayLike<number>): Latency {
  const sorted = Array.from(samples).sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length };
}
const us = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e3;
const f1 = (x: number): string => x.toFixed(1);

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

// ------------------------------------------------------------------------------------ 1. dispatch

async function dispatch(): Promise<{ ours: Latency; piscina: Latency }> {
  const n = nthreads();
  const empty = (): void => undefined;
  const pool = new Piscina({ filename: new URL('./baselines/noop-task.js', import.meta.url).href, minThreads: n - 1, maxThreads: n - 1, idleTimeout: 60_000 });
  const ours: number[] = [];
  const theirs: number[] = [];
  const perBlock = Math.ceil(calls / blocks);
  const runOurs = async (count: number, into: number[] | null): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      await threads.for(range(0, n), empty);
      into?.push(us(t0));
    }
  };
  const runPiscina = async (count: number, into: number[] | null): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      await Promise.all(Array.from({ length: n - 1 }, () => pool.run(null)));
      into?.push(us(t0));
    }
  };
  await runOurs(500, null); // warm-up: threads started, code compiled
  await runPiscina(500, null);
  for (let b = 0; b < blocks; b++) {
    if (b % 2 === 0) {
      await runOurs(perBlock, ours);
      await runPiscina(perBlock, theirs);
    } else {
      await runPiscina(perBlock, theirs);
      await runOurs(perBlock, ours);
    }
  }
  await pool.destroy();
  return { ours: latency(ours), piscina: latency(theirs) };
}

// ------------------------------------------------------------------------------------ 2. barrier

async function barrierBetweenThreads(): Promise<Latency> {
  const b = await Barrier.create(2);
  const times = await SharedArray.create('float64', 2 * rounds);
  // Two of the process's threads (chunks 1 and 2 of a 2-item loop: the main thread and thread 2).
  await threads.for(range(0, 2), capture({ b, times, rounds, barrierLoop }, (k: number) => barrierLoop(b, times, k * rounds, rounds)));
  const result = latency(times.data.subarray(100)); // the first rounds include the threads' start
  await Promise.all([b.close(), times.close()]);
  return result;
}

async function barrierBetweenProcesses(ws: number[]): Promise<Latency> {
  const b = await Barrier.create(2);
  const times = await SharedArray.create('float64', 2 * rounds);
  await Promise.all(ws.map((w, k) => remotecallFetch(barrierLoop, w, b, times, k * rounds, rounds)));
  const result = latency(times.data.subarray(100));
  await Promise.all([b.close(), times.close()]);
  return result;
}

async function masterStep(ws: number[]): Promise<Latency> {
  for (let i = 0; i < 500; i++) await Promise.all(ws.map((w) => remotecallFetch(noop, w)));
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    await Promise.all(ws.map((w) => remotecallFetch(noop, w)));
    samples.push(us(t0));
  }
  return latency(samples);
}

// ------------------------------------------------------------------------------------ 3. threadcall

interface ThreadcallFigures {
  syncNs: number;
  awaited: Latency;
  concurrentPerSec: number;
}

async function threadcallFigures(): Promise<ThreadcallFigures> {
  const abs = koffi.load('libc.so.6').func('abs', 'int', ['int']);
  const n = 1_000_000;
  for (let i = 0; i < 10_000; i++) abs(-i);
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) abs(-i);
  const syncNs = (us(t0) * 1e3) / n;
  for (let i = 0; i < 500; i++) await threadcall('libc.so.6', 'abs', 'int', ['int'], -i);
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    await threadcall('libc.so.6', 'abs', 'int', ['int'], -i);
    samples.push(us(t));
  }
  const inFlight = 256;
  const total = Math.max(calls, inFlight * 10);
  t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) await threadcall('libc.so.6', 'abs', 'int', ['int'], -next++);
    }),
  );
  return { syncNs, awaited: latency(samples), concurrentPerSec: total / (us(t0) / 1e6) };
}

// ------------------------------------------------------------------------------------ 4. atomics

async function atomicsFigures(): Promise<Record<string, number>> {
  const S = await SharedArray.create('int32', 1);
  const sab = new Int32Array(new SharedArrayBuffer(4));
  const n = 10_000_000;
  const time = (f: () => void): number => {
    f();
    const t0 = process.hrtime.bigint();
    f();
    return (us(t0) * 1e3) / n;
  };
  const d = S.data;
  const out = {
    'atomicAdd(S, 0, 1)': time(() => {
      for (let i = 0; i < n; i++) atomicAdd(S, 0, 1);
    }),
    'Atomics.add on S.data (external ArrayBuffer)': time(() => {
      for (let i = 0; i < n; i++) Atomics.add(d, 0, 1);
    }),
    'Atomics.add on a SharedArrayBuffer': time(() => {
      for (let i = 0; i < n; i++) Atomics.add(sab, 0, 1);
    }),
    'S.data[0]++ (not atomic)': time(() => {
      for (let i = 0; i < n; i++) d[0]!++;
    }),
  };
  await S.close();
  return out;
}

// ------------------------------------------------------------------------------------ main

console.log(`threads benchmark: nthreads() = ${nthreads()}, ${calls} calls, ${rounds} barrier rounds, ${blocks} interleaved blocks`);
const d = await dispatch();
console.log('\n1. dispatch of one call over every thread, empty body (µs per call)');
console.log(
  table(
    ['version', 'p50', 'p99', 'mean'],
    [
      [`threads.for(range(0, ${nthreads()}), () => {})`, f1(d.ours.p50), f1(d.ours.p99), f1(d.ours.mean)],
      [`piscina: ${nthreads() - 1} × run(), awaited together`, f1(d.piscina.p50), f1(d.piscina.p99), f1(d.piscina.mean)],
    ],
  ),
);
console.log(`   threads.for / piscina (p50): ${(d.ours.p50 / d.piscina.p50).toFixed(2)}×`);

const ws = await addprocs(2);
await everywhere(fileURLToPath(new URL('./threads/loops.js', import.meta.url)));
const betweenThreads = await barrierBetweenThreads();
const betweenProcesses = await barrierBetweenProcesses(ws);
const step = await masterStep(ws);
console.log('\n2. one barrier round vs one master-driven step (µs)');
console.log(
  table(
    ['version', 'p50', 'p99', 'mean', 'step p50 / this p50'],
    [
      ['barrier round, 2 threads', f1(betweenThreads.p50), f1(betweenThreads.p99), f1(betweenThreads.mean), `${(step.p50 / betweenThreads.p50).toFixed(1)}×`],
      ['barrier round, 2 processes', f1(betweenProcesses.p50), f1(betweenProcesses.p99), f1(betweenProcesses.mean), `${(step.p50 / betweenProcesses.p50).toFixed(1)}×`],
      ['master step: round trip to 2 workers', f1(step.p50), f1(step.p99), f1(step.mean), '1.0×'],
    ],
  ),
);
const processAim = step.p50 / betweenProcesses.p50 >= 10;
console.log(`   aim (a barrier round between processes ≥ 10× cheaper than the step): ${processAim ? 'met' : 'NOT met'}`);
await rmprocs(workers());

const tc = await threadcallFigures();
console.log('\n3. threadcall of libc abs()');
console.log(
  table(
    ['version', 'figure'],
    [
      ['koffi synchronous call (on this thread)', `${tc.syncNs.toFixed(0)} ns per call`],
      ['threadcall, awaited one at a time', `p50 ${f1(tc.awaited.p50)} µs, p99 ${f1(tc.awaited.p99)} µs`],
      ['threadcall, 256 in flight', `${Math.round(tc.concurrentPerSec)} calls/s`],
    ],
  ),
);
console.log(`   threadcall overhead over a synchronous call: ${f1(tc.awaited.p50 - tc.syncNs / 1e3)} µs (p50)`);

const at = await atomicsFigures();
console.log('\n4. atomics (ns per increment, one thread)');
console.log(table(['operation', 'ns'], Object.entries(at).map(([k, v]) => [k, v.toFixed(2)])));

const out = fileURLToPath(new URL('../../bench/results/threads.json', import.meta.url));
await mkdir(dirname(out), { recursive: true });
const record = {
  title: 'threads: dispatch, barrier rounds, threadcall, atomics',
  date: new Date().toISOString(),
  machine: machineInfo(),
  args: { threads: nthreadsWanted, calls, rounds, blocks },
  units: { latency: 'µs', atomics: 'ns per operation' },
  dispatch: d,
  barrier: { betweenThreads, betweenProcesses, masterStep: step, aimMet: processAim },
  threadcall: tc,
  atomics: at,
};
await writeFile(out, `${JSON.stringify(record, null, 2)}\n`);
console.log(`\nwrote ${out}`);
