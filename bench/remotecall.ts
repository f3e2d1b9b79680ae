/**
 * The remotecall figures of issue #3, each against a raw Unix-socket baseline measured in the
 * same run (bench/baselines/raw-socket.ts), interleaved round by round so that the noise of this
 * shared 2-core machine hits both sides alike:
 *
 *  1. round trip: `await remotecallFetch(noop, w)`, sequential, p50/p99, against rawPingPong;
 *     `noop` both as an export of a module loaded with everywhere() (travels by reference) and
 *     as an inline arrow (travels as source once, compiled once and cached on the worker);
 *  2. throughput: 100,000 pipelined no-op calls spread over the workers (remotecall + fetch,
 *     remotecallFetch, remoteDo + a final round trip per worker), against rawEchoThroughput with
 *     an unlimited window (1,000,000 and 100,000 messages) and with 100 and 1000 in flight;
 *  3. addprocs(2) wall time until both workers answer a call (add/remove cycles), and the
 *     workers' resident memory (VmRSS) idle after start and after the benchmark.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/remotecall.js
 *     [--rounds 4] [--calls 20000] [--pipelined 100000] [--cycles 5]
 *     [--only rt|tp|all] [--modes call,fetch,do] [--worker-prof <dir>] [--no-raw] [--no-json]
 *
 * --worker-prof <dir> starts the benchmark workers with --cpu-prof into <dir> (run the master
 * under `node --cpu-prof` to profile its side); with it, the addprocs cycles are skipped.
 * Workers are started with execArgv [] otherwise, so a profiled master does not profile them.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  addprocs,
  everywhere,
  myid,
  remoteDo,
  remotecall,
  remotecallFetch,
  rmprocs,
  type Future,
} from '../src/index.js';
import { rawEchoThroughput, rawPingPong } from './baselines/raw-socket.js';
import { machineInfo } from './report.js';

const thisFile = fileURLToPath(import.meta.url);

/** The no-op that travels by reference: this module is loaded on every process with everywhere(). */
export function noop(): void {}

/** The same no-op as an inline arrow: shipped as source once per worker, then by id. */
const inlineNoop = (): void => undefined;

// ------------------------------------------------------------------------------------ helpers

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Latency {
  p50: number;
  p99: number;
  mean: number;
}

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean: samples.reduce((s, x) => s + x, 0) / samples.length };
}

const now = (): bigint => process.hrtime.bigint();
const usSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e3;
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const mps = (x: number): string => `${(x / 1e6).toFixed(3)}M`;

function vmRssKiB(ospid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${ospid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

// ------------------------------------------------------------------------------- measurements

/** Sequential `await remotecallFetch(f, pid)`; per-call times in µs. */
async function ourPingPong(f: () => void, pid: number, count: number, warmup: number): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await remotecallFetch(f, pid);
  const samples = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await remotecallFetch(f, pid);
    samples[i] = usSince(t0);
  }
  return latency(samples);
}

type Pipelined = (n: number, ws: readonly number[]) => Promise<void>;

/** remotecall all, then fetch all. */
const pipeRemotecall: Pipelined = async (n, ws) => {
  const futs = new Array<Future<void>>(n);
  for (let i = 0; i < n; i++) futs[i] = remotecall(noop, ws[i % ws.length]!);
  await Promise.all(futs.map((f) => f.fetch()));
};

/** n concurrent remotecallFetch promises. */
const pipeRemotecallFetch: Pipelined = async (n, ws) => {
  const ps = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) ps[i] = remotecallFetch(noop, ws[i % ws.length]!);
  await Promise.all(ps);
};

/** n remoteDo, then one round trip per worker (messages on one connection are served in order). */
const pipeRemoteDo: Pipelined = async (n, ws) => {
  for (let i = 0; i < n; i++) remoteDo(noop, ws[i % ws.length]!);
  await Promise.all(ws.map((w) => remotecallFetch(noop, w)));
};

async function callsPerSec(run: Pipelined, n: number, ws: readonly number[]): Promise<number> {
  const t0 = now();
  await run(n, ws);
  return n / (usSince(t0) / 1e6);
}

/** addprocs(2) until both answer a call; then rmprocs. Times in ms. */
async function addprocsCycle(): Promise<{ addMs: number; rmMs: number }> {
  const t0 = now();
  const ws = await addprocs(2, { execArgv: [] });
  await Promise.all(ws.map((w) => remotecallFetch(myid, w)));
  const addMs = usSince(t0) / 1e3;
  const t1 = now();
  await rmprocs(ws);
  return { addMs, rmMs: usSince(t1) / 1e3 };
}

async function workerRss(ws: readonly number[]): Promise<Record<number, number>> {
  const out: Record<number, number> = {};
  for (const w of ws) out[w] = vmRssKiB(await remotecallFetch(() => process.pid, w));
  return out;
}

// ------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '4' },
      calls: { type: 'string', default: '20000' },
      pipelined: { type: 'string', default: '100000' },
      cycles: { type: 'string', default: '5' },
      only: { type: 'string', default: 'all' },
      'worker-prof': { type: 'string' },
      'no-json': { type: 'boolean', default: false },
      'no-raw': { type: 'boolean', default: false },
      modes: { type: 'string', default: 'call,fetch,do' },
    },
  });
  const rounds = Number(values.rounds);
  const calls = Number(values.calls);
  const warmup = Math.max(1000, Math.floor(calls / 10));
  const pipelined = Number(values.pipelined);
  const cycles = Number(values.cycles);
  const only = values.only;
  const workerProf = values['worker-prof'];
  const doRt = only === 'all' || only === 'rt';
  const doTp = only === 'all' || only === 'tp';
  /** For profiling: skip the raw baselines (their own process and loop would blur the master's profile). */
  const noRaw = values['no-raw'];
  const results: Record<string, unknown> = {
    title: 'remotecall: round trip, pipelined throughput, addprocs, worker memory (issue #3)',
    date: new Date().toISOString(),
    machine: machineInfo(),
    args: { rounds, calls, warmup, pipelined, cycles, only, workerProf: workerProf ?? null },
  };

  // ---- the benchmark workers; their addprocs is the first (cold) sample of 3a
  const tAdd = now();
  const ws = await addprocs(2, { execArgv: workerProf ? ['--cpu-prof', `--cpu-prof-dir=${workerProf}`] : [] });
  try {
    await Promise.all(ws.map((w) => remotecallFetch(myid, w)));
    const firstAddMs = usSince(tAdd) / 1e3;

    // ---- 3a. addprocs(2) cycles. The benchmark workers stay up meanwhile: removing every worker
    // lets the last one rmdir the master's socket directory, and a later addprocs then fails
    // (EACCES on listen); see the report.
    if (!workerProf && only === 'all') {
      const adds: number[] = [];
      const rms: number[] = [];
      for (let i = 0; i < cycles; i++) {
        const { addMs, rmMs } = await addprocsCycle();
        adds.push(addMs);
        rms.push(rmMs);
      }
      console.log(`\n3a. addprocs(2) until both answer a call (ms): first one from an empty cluster, then ${cycles} add/remove cycles next to 2 idle workers`);
      console.log(
        table(
          ['', 'median', 'min', 'max', 'samples'],
          [
            ['first addprocs(2) + first call', f1(firstAddMs), '', '', ''],
            ['addprocs(2) + first call', f1(median(adds)), f1(Math.min(...adds)), f1(Math.max(...adds)), adds.map(f1).join(' ')],
            ['rmprocs(both)', f1(median(rms)), f1(Math.min(...rms)), f1(Math.max(...rms)), rms.map(f1).join(' ')],
          ],
        ),
      );
      results.addprocs = {
        n: 2,
        cycles,
        firstAddMs,
        addMs: { median: median(adds), min: Math.min(...adds), max: Math.max(...adds), samples: adds },
        rmprocsMs: { median: median(rms), samples: rms },
      };
    }

    const rssIdle = await workerRss(ws);
    await everywhere(import.meta.url);
    const rssLoaded = await workerRss(ws);
    const w = ws[0]!;

    // ---- 1. round trip
    if (doRt) {
      type Round = { raw: Latency; mod: Latency; inline: Latency };
      const rs: Round[] = [];
      for (let r = 0; r < rounds; r++) {
        const raw = noRaw ? { p50: NaN, p99: NaN, mean: NaN } : await rawPingPong({ count: calls, warmup });
        const mod = await ourPingPong(noop, w, calls, warmup);
        const inline = await ourPingPong(inlineNoop, w, calls, warmup);
        rs.push({ raw: { p50: raw.p50, p99: raw.p99, mean: raw.mean }, mod, inline });
      }
      const rows: (string | number)[][] = [];
      rs.forEach((x, r) => {
        rows.push([`round ${r + 1} raw ping-pong`, f1(x.raw.p50), f1(x.raw.p99), f1(x.raw.mean), '1.00', '1.00']);
        for (const [name, l] of [['remotecallFetch (module fn)', x.mod], ['remotecallFetch (inline arrow)', x.inline]] as const) {
          rows.push([`round ${r + 1} ${name}`, f1(l.p50), f1(l.p99), f1(l.mean), f2(l.p50 / x.raw.p50), f2(l.p99 / x.raw.p99)]);
        }
      });
      const med = (pick: (x: Round) => Latency, k: keyof Latency): number => median(rs.map((x) => pick(x)[k]));
      const sum = {
        raw: { p50: med((x) => x.raw, 'p50'), p99: med((x) => x.raw, 'p99') },
        mod: { p50: med((x) => x.mod, 'p50'), p99: med((x) => x.mod, 'p99') },
        inline: { p50: med((x) => x.inline, 'p50'), p99: med((x) => x.inline, 'p99') },
      };
      const ratioMedian = (pick: (x: Round) => Latency): number => median(rs.map((x) => pick(x).p50 / x.raw.p50));
      const overall = {
        mod: { p50Ratio: sum.mod.p50 / sum.raw.p50, p99Ratio: sum.mod.p99 / sum.raw.p99, medianOfRoundRatios: ratioMedian((x) => x.mod) },
        inline: { p50Ratio: sum.inline.p50 / sum.raw.p50, p99Ratio: sum.inline.p99 / sum.raw.p99, medianOfRoundRatios: ratioMedian((x) => x.inline) },
      };
      rows.push(['overall raw ping-pong (median of rounds)', f1(sum.raw.p50), f1(sum.raw.p99), '', '1.00', '1.00']);
      rows.push(['overall remotecallFetch (module fn)', f1(sum.mod.p50), f1(sum.mod.p99), '', f2(overall.mod.p50Ratio), f2(overall.mod.p99Ratio)]);
      rows.push(['overall remotecallFetch (inline arrow)', f1(sum.inline.p50), f1(sum.inline.p99), '', f2(overall.inline.p50Ratio), f2(overall.inline.p99Ratio)]);
      console.log(`\n1. Round trip: ${calls} sequential calls after ${warmup} warm-up, ${rounds} interleaved rounds (µs; ratio = ours / raw of the same round; aim p50 ≤ 1.3×)`);
      console.log(table(['', 'p50', 'p99', 'mean', 'p50 ×raw', 'p99 ×raw'], rows));
      // This VM's round trip is bimodal (~20 µs while the vCPUs stay busy, ~60 µs when each
      // wake-up comes from idle), and the regime can switch between two measurements of a round:
      // the best round of each side is in the same (busy) regime, so its ratio is the stable one.
      const best = (pick: (x: Round) => Latency): number => Math.min(...rs.map((x) => pick(x).p50));
      const bestRatio = { mod: best((x) => x.mod) / best((x) => x.raw), inline: best((x) => x.inline) / best((x) => x.raw) };
      console.log(
        `median of per-round p50 ratios: module fn ${f2(overall.mod.medianOfRoundRatios)}×, inline arrow ${f2(overall.inline.medianOfRoundRatios)}×; ` +
          `best-round p50 ratios (same regime): module fn ${f2(bestRatio.mod)}×, inline arrow ${f2(bestRatio.inline)}×`,
      );
      results.roundTrip = { unit: 'µs', rounds: rs, medianOfRounds: sum, ratios: { ...overall, bestRoundP50: bestRatio } };
    }

    // ---- 2. throughput
    if (doTp) {
      const modes = new Set(values.modes.split(','));
      const ours = (
        [
          ['call', 'remotecall ×N, then fetch all', pipeRemotecall],
          ['fetch', 'remotecallFetch ×N concurrent', pipeRemotecallFetch],
          ['do', 'remoteDo ×N + 1 round trip/worker', pipeRemoteDo],
        ] as const
      )
        .filter(([mode]) => modes.has(mode))
        .map(([, name, run]): [string, Pipelined] => [name, run]);
      // Warm-up: JIT and socket buffers.
      for (const [, run] of ours) await callsPerSec(run, Math.min(20_000, pipelined), ws);
      const raws: [string, () => Promise<number>][] = [
        ['raw echo 1M, unlimited window', async () => (await rawEchoThroughput({ messages: 1_000_000 })).msgsPerSec],
        [`raw echo ${pipelined / 1000}k, unlimited window`, async () => (await rawEchoThroughput({ messages: pipelined })).msgsPerSec],
        [`raw echo ${pipelined / 1000}k, window 1000`, async () => (await rawEchoThroughput({ messages: pipelined, window: 1000 })).msgsPerSec],
        [`raw echo ${pipelined / 1000}k, window 100`, async () => (await rawEchoThroughput({ messages: pipelined, window: 100 })).msgsPerSec],
      ];
      const samples = new Map<string, number[]>();
      const ratios = new Map<string, Map<string, number[]>>();
      for (let r = 0; r < rounds; r++) {
        const round = new Map<string, number>();
        for (const [name, run] of raws) round.set(name, noRaw ? NaN : await run());
        for (const [name, run] of ours) round.set(name, await callsPerSec(run, pipelined, ws));
        for (const [name, v] of round) {
          if (!samples.has(name)) samples.set(name, []);
          samples.get(name)!.push(v);
        }
        for (const [name] of ours) {
          if (!ratios.has(name)) ratios.set(name, new Map());
          for (const [rawName] of raws) {
            const m = ratios.get(name)!;
            if (!m.has(rawName)) m.set(rawName, []);
            m.get(rawName)!.push(round.get(name)! / round.get(rawName)!);
          }
        }
      }
      const rawNames = raws.map(([n]) => n);
      const short = ['÷1M∞', '÷100k∞', '÷w1000', '÷w100'];
      const rows = [...samples].map(([name, xs]) => {
        const rr = ratios.get(name);
        return [
          name,
          mps(median(xs)),
          mps(Math.min(...xs)),
          mps(Math.max(...xs)),
          ...rawNames.map((rn) => (rr ? `${f2(median(rr.get(rn)!) * 100)}%` : '')),
        ];
      });
      console.log(
        `\n2. Throughput: ${pipelined} pipelined no-op calls over ${ws.length} workers vs raw echo (1 child), ${rounds} interleaved rounds ` +
          `(msgs or calls/s; % = median over rounds of ours / raw of the same round; aim ≥ 50% of raw)`,
      );
      console.log(table(['', 'median/s', 'min/s', 'max/s', ...short], rows));
      results.throughput = {
        unit: 'messages (raw) or calls (ours) per second',
        workers: ws.length,
        n: pipelined,
        results: Object.fromEntries([...samples].map(([name, xs]) => [name, { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), samples: xs }])),
        ratioMedians: Object.fromEntries([...ratios].map(([name, m]) => [name, Object.fromEntries([...m].map(([rn, xs]) => [rn, median(xs)]))])),
      };
    }

    // ---- 3b. worker memory
    const rssAfter = await workerRss(ws);
    const masterRss = vmRssKiB(process.pid);
    console.log('\n3. Worker resident memory (VmRSS, MiB)');
    const mib = (k: number | undefined): string => (k === undefined ? '' : (k / 1024).toFixed(1));
    console.log(
      table(
        ['worker', 'idle after start', 'after everywhere(module)', 'after benchmark'],
        ws.map((x) => [String(x), mib(rssIdle[x]), mib(rssLoaded[x]), mib(rssAfter[x])]),
      ),
    );
    console.log(`master VmRSS after benchmark: ${mib(masterRss)} MiB`);
    results.memory = { unit: 'KiB (VmRSS)', idleAfterStart: rssIdle, afterEverywhere: rssLoaded, afterBenchmark: rssAfter, masterAfterBenchmark: masterRss };
  } finally {
    await rmprocs(ws);
  }

  if (!values['no-json'] && !workerProf) {
    const out = fileURLToPath(new URL('../../bench/results/remotecall.json', import.meta.url));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwrote ${out}`);
  }
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(thisFile)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
