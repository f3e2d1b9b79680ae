/**
 * The parallel layer's figures (pmap, distributed), each against a baseline measured in the same
 * run, with the variants interleaved round by round so that the noise of this shared 2-core
 * machine hits all sides alike; medians and ratios within one run are what to compare.
 *
 *  1. pmap per-item overhead: 100,000 trivial items (x => x + 1) with batchSize 'auto' on the
 *     workers, in microseconds per item, against Python's multiprocessing Pool.map with its default
 *     chunksize (bench/baselines/pool_map.py, when python3 is there; aim: pmap at most 1.2× its
 *     time, the ratio taken round by round) and a map written by hand over forked children
 *     (bench/baselines/chunked-rpc.ts); Julia's pmap: ~44 µs/item. batchSize 1 for contrast (on
 *     fewer items: it is one round trip per item).
 *  2. distributed count of heads over 200,000,000 flips (Math.random() < 0.5 ? 1 : 0, + reducer)
 *     against the serial loop in the master, with the body inline in a for loop and with the same
 *     body and reducer called through functions (to show the serial baseline is fair).
 *  3. pmap over items of very uneven cost (200 items, 10% of them 20x the work, spin loops at
 *     pseudo-random positions) against a static split of the same items: distributed (contiguous
 *     halves) and pmap with batchSize = n / workers.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/parallel.js [--rounds 5] [--pmap-rounds 15] [--sections 1,2,3] [--flips 200000000] [--workers 2] [--no-json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { addprocs, capture, distributed, pmap, range, remotecallFetch, rmprocs, workers } from '../src/index.js';
import { startChunkedRpc } from './baselines/chunked-rpc.js';
import { startPythonPoolMap } from './baselines/pool-map.js';
import { machineInfo } from './report.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'pmap-rounds': { type: 'string', default: '15' },
    sections: { type: 'string', default: '1,2,3' },
    flips: { type: 'string', default: '200000000' },
    workers: { type: 'string', default: '2' },
    'no-json': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const PMAP_ROUNDS = Number(args['pmap-rounds']);
const sections = new Set(args.sections.split(','));
const FLIPS = Number(args.flips);
const NW = Number(args.workers);
const PMAP_ITEMS = 100_000;
const PMAP_ITEMS_B1 = 20_000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function time(f: () => unknown): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Busy work proportional to n. */
function spin(n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += k % 7;
  return s;
}

function load(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

type Samples = Record<string, number[]>;

async function interleave(variants: Record<string, () => unknown>, rounds: number, warmup = 1): Promise<Samples> {
  const out: Samples = {};
  for (const name of Object.keys(variants)) out[name] = [];
  for (let r = 0; r < warmup + rounds; r++) {
    for (const [name, f] of Object.entries(variants)) {
      const ms = await time(f);
      if (r >= warmup) out[name]!.push(ms);
    }
  }
  return out;
}

function table(title: string, rows: { name: string; median: number; unit: string; ratio?: number; note?: string }[]): void {
  console.log(`\n${title}`);
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const ratio = r.ratio === undefined ? '' : `  x${r.ratio.toFixed(2)}`;
    console.log(`  ${r.name.padEnd(w)}  ${r.median.toFixed(r.median < 10 ? 3 : 1).padStart(10)} ${r.unit}${ratio}${r.note ? `  (${r.note})` : ''}`);
  }
}

async function main(): Promise<void> {
  const loadBefore = load();
  const ws = await addprocs(NW, { execArgv: [] });
  // Warm the workers (connections, compiled runtime) before measuring anything.
  await Promise.all(ws.map((w) => remotecallFetch(() => 0, w)));
  const results: Record<string, unknown> = {};
  const plus = (a: number, b: number): number => a + b;

  if (sections.has('1')) {
    // 1. pmap per-item overhead ------------------------------------------------------------------
    const inc = (x: number): number => x + 1;
    const items = range(0, PMAP_ITEMS);
    const itemsArray = [...items];
    const itemsB1 = range(0, PMAP_ITEMS_B1);
    const python = await startPythonPoolMap(PMAP_ITEMS, ws.length);
    const byHand = await startChunkedRpc(ws.length);
    const pythonMs: number[] = [];
    const s1 = await interleave(
      {
        auto: () => pmap(inc, items, { batchSize: 'auto' }),
        array: () => pmap(inc, itemsArray),
        ...(python ? { python: async () => void pythonMs.push((await python.run()) * 1000) } : {}),
        byHand: () => byHand.map(itemsArray),
        batch1: () => pmap(inc, itemsB1, { batchSize: 1 }),
        local: () => pmap(inc, items, { distributed: false, batchSize: 'auto' }),
      },
      PMAP_ROUNDS,
    );
    python?.close();
    byHand.close();
    // Python's own timing of its map (without the line on stdin that asks for it).
    if (python) s1.python = pythonMs.slice(pythonMs.length - PMAP_ROUNDS);
    const perItem = (xs: number[], n = PMAP_ITEMS): number => (median(xs) * 1000) / n;
    const roundRatio = (a: number[], b: number[]): number => median(a.map((x, i) => x / b[i]!));
    const us = {
      auto: perItem(s1.auto!),
      array: perItem(s1.array!),
      python: python ? perItem(s1.python!) : null,
      byHand: perItem(s1.byHand!),
      batch1: perItem(s1.batch1!, PMAP_ITEMS_B1),
      local: perItem(s1.local!),
    };
    const vsPython = python ? { range: roundRatio(s1.auto!, s1.python!), array: roundRatio(s1.array!, s1.python!), aim: 1.2 } : null;
    table(`1. pmap overhead, trivial items, ${ws.length} workers (ratios: to Python's Pool.map, median of per-round ratios)`, [
      { name: `pmap over range(0, ${PMAP_ITEMS}), batchSize auto`, median: us.auto, unit: 'µs/item', ratio: vsPython?.range },
      { name: `pmap over an array of ${PMAP_ITEMS} numbers`, median: us.array, unit: 'µs/item', ratio: vsPython?.array },
      ...(python ? [{ name: `Python ${python.version} Pool.map, default chunksize`, median: us.python!, unit: 'µs/item', ratio: 1 }] : []),
      { name: 'by hand: forked children, Pool.map chunks', median: us.byHand, unit: 'µs/item', ratio: python ? roundRatio(s1.byHand!, s1.python!) : undefined },
      { name: `batchSize 1 (${PMAP_ITEMS_B1} items)`, median: us.batch1, unit: 'µs/item' },
      { name: `distributed: false (local, ${PMAP_ITEMS} items)`, median: us.local, unit: 'µs/item' },
      { name: 'Julia pmap (reference figure)', median: 44, unit: 'µs/item' },
    ]);
    if (!python) console.log('  (python3 not found: no Pool.map baseline)');
    results.pmapOverhead = { items: PMAP_ITEMS, itemsBatch1: PMAP_ITEMS_B1, usPerItem: us, vsPython, samplesMs: s1, juliaUsPerItem: 44 };

  }
  if (sections.has('2')) {
    // 2. distributed count of heads vs the serial loop -------------------------------------------
    const flips = FLIPS;
    const body = (): number => (Math.random() < 0.5 ? 1 : 0);
    const heads: number[] = [];
    const s2 = await interleave(
      {
        serialInline: () => {
          let c = 0;
          for (let i = 0; i < flips; i++) c += Math.random() < 0.5 ? 1 : 0;
          heads.push(c);
        },
        serialFunctions: () => {
          // The same body and reducer the workers run, called through function values.
          const b = body;
          const r = plus;
          let acc = b();
          for (let i = 1; i < flips; i++) acc = r(acc, b());
          heads.push(acc);
        },
        distributed: async () => {
          heads.push(await distributed(range(0, flips), body, plus));
        },
      },
      ROUNDS,
    );
    const m2 = { serialInline: median(s2.serialInline!), serialFunctions: median(s2.serialFunctions!), distributed: median(s2.distributed!) };
    table(`2. count heads over ${flips.toExponential(0)} flips: distributed on ${ws.length} workers vs serial in the master`, [
      { name: 'serial, body inline', median: m2.serialInline, unit: 'ms', ratio: 1 },
      { name: 'serial, body + reducer as functions', median: m2.serialFunctions, unit: 'ms', ratio: m2.serialFunctions / m2.serialInline },
      { name: 'distributed (+)', median: m2.distributed, unit: 'ms', ratio: m2.distributed / m2.serialInline, note: `speedup x${(m2.serialInline / m2.distributed).toFixed(2)}` },
    ]);
    const headsOk = heads.every((h) => Math.abs(h - flips / 2) < flips * 0.001);
    console.log(`  heads within 0.1% of half in every run: ${headsOk}`);
    results.countHeads = { flips, medianMs: m2, speedup: m2.serialInline / m2.distributed, samplesMs: s2, headsOk };

  }
  if (sections.has('3')) {
    // 3. uneven items: dynamic vs static --------------------------------------------------------
    // Two placements of the heavy 10%: pseudo-random positions (a static split is then roughly
    // balanced by luck) and clustered at the start (costs that grow or shrink with the index, as
    // often happens: the static halves are then far apart).
    const N = 200;
    const BASE = 1_000_000;
    const HEAVY = 20 * BASE;
    const randomCosts = new Array<number>(N).fill(BASE);
    let seed = 12345;
    let placed = 0;
    while (placed < N / 10) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const k = seed % N;
      if (randomCosts[k] === BASE) {
        randomCosts[k] = HEAVY;
        placed++;
      }
    }
    const clusteredCosts = Array.from({ length: N }, (_, k) => (k < N / 10 ? HEAVY : BASE));
    const work = capture({ spin }, (c: number) => spin(c));
    results.uneven = {};
    for (const [label, costs] of [
      ['random positions', randomCosts],
      ['clustered at the start', clusteredCosts],
    ] as const) {
      const totalWork = costs.reduce((a, b) => a + b, 0);
      const halves = [costs.slice(0, N / 2), costs.slice(N / 2)].map((h) => h.reduce((a, b) => a + b, 0) / totalWork);
      const s3 = await interleave(
        {
          serial: () => {
            for (const c of costs) spin(c);
          },
          staticDistributed: () => distributed(costs, work, plus),
          staticPmap: () => pmap(work, costs, { batchSize: Math.ceil(N / ws.length) }),
          dynamicBatch1: () => pmap(work, costs, { batchSize: 1 }),
          dynamicAuto: () => pmap(work, costs, { batchSize: 'auto' }),
        },
        ROUNDS,
      );
      const m3 = Object.fromEntries(Object.entries(s3).map(([k, v]) => [k, median(v)])) as Record<string, number>;
      const base = m3.staticDistributed!;
      const ideal = m3.serial! / ws.length;
      table(`3. ${N} items, 10% of them 20x the work, ${label}, on ${ws.length} workers (static halves hold ${halves.map((h) => `${(100 * h).toFixed(0)}%`).join(' / ')} of the work)`, [
        { name: 'static: distributed (contiguous halves)', median: base, unit: 'ms', ratio: 1 },
        { name: `static: pmap batchSize ${Math.ceil(N / ws.length)}`, median: m3.staticPmap!, unit: 'ms', ratio: m3.staticPmap! / base },
        { name: 'dynamic: pmap batchSize 1', median: m3.dynamicBatch1!, unit: 'ms', ratio: m3.dynamicBatch1! / base },
        { name: "dynamic: pmap batchSize 'auto'", median: m3.dynamicAuto!, unit: 'ms', ratio: m3.dynamicAuto! / base },
        { name: 'serial in the master', median: m3.serial!, unit: 'ms', ratio: m3.serial! / base },
        { name: 'ideal (serial / workers)', median: ideal, unit: 'ms', ratio: ideal / base },
      ]);
      (results.uneven as Record<string, unknown>)[label] = {
        n: N,
        base: BASE,
        heavy: HEAVY,
        heavyShare: 0.1,
        staticHalvesShare: halves,
        medianMs: m3,
        samplesMs: s3,
        dynamicOverStatic: { batch1: m3.dynamicBatch1! / base, auto: m3.dynamicAuto! / base },
      };
    }

  }
  await rmprocs(workers());
  const loadAfter = load();
  console.log(`\nload average before: ${loadBefore}; after: ${loadAfter}`);
  if (!args['no-json']) {
    const out = fileURLToPath(new URL('../../bench/results/parallel.json', import.meta.url));
    await mkdir(dirname(out), { recursive: true });
    const record = { title: 'parallel layer: pmap, distributed', date: new Date().toISOString(), machine: machineInfo(), loadBefore, loadAfter, rounds: ROUNDS, workers: ws.length, results };
    await writeFile(out, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`wrote ${out}`);
  }
}

await main();
