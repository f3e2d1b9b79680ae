/**
 * How fast are the native array operations? `add(out, a, b)` and `sum(a)` over float64 arrays of
 * 10^7 and 10^8 elements (80 and 800 MB each), against the plain JavaScript loop a user would
 * write and against the memory bound, all measured in the same run:
 *
 *   memory bound  the bytes the operation must move (add: read a and b, write out = 24 B per
 *                 element; sum: read a = 8 B), at the bandwidth of a memcpy measured here
 *                 (`out.set(a)`, 16 B per element); a loop cannot beat it by much
 *   native        the package's operation, one call
 *   JS loop       `for (i) out[i] = a[i] + b[i]` / `s += a[i]`
 *   parallel      the operation on SharedArrays with { parallel: true } over 2 worker processes
 *
 * Runs are interleaved in rounds (bench/advection/measure.ts). Prints a table per size with the
 * effective bandwidth and the ratio to the bound, and writes bench/results/ops.json.
 *
 *   node dist/bench/ops.js [--sizes 1e7,1e8] [--runs 7] [--workers 2]
 */
import { parseArgs } from 'node:util';
import { add, addprocs, fill, rmprocs, SharedArray, sum, workers } from '../src/index.js';
import { measure, type Version } from './advection/measure.js';
import { summarize, writeResult } from './report.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1e7,1e8' },
    runs: { type: 'string', default: '7' },
    workers: { type: 'string', default: '2' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const nw = Number(values.workers);
if (!sizes.every((n) => Number.isSafeInteger(n) && n > 0) || !(runs >= 1) || !(nw >= 1)) {
  throw new RangeError('--sizes must list positive integers, --runs and --workers must be ≥ 1');
}

/** Bytes each operation must move per element. */
const bytesPer: Record<string, number> = { copy: 16, add: 24, sum: 8 };

await addprocs(nw);
const results: Record<string, unknown>[] = [];
try {
  for (const n of sizes) {
    console.log(`\nfloat64 × ${n.toExponential(0)} (${((n * 8) / 2 ** 20).toFixed(0)} MiB per array), ${runs} runs`);
    const a = new Float64Array(n).fill(1.5);
    const b = new Float64Array(n).fill(2.25);
    const out = new Float64Array(n).fill(0);
    const A = await SharedArray.create('float64', n);
    const B = await SharedArray.create('float64', n);
    const O = await SharedArray.create('float64', n);
    // The first touch of the shared pages, split over the participants, outside the timed runs.
    await Promise.all([fill(A, 1.5, { parallel: true }), fill(B, 2.25, { parallel: true }), fill(O, 0, { parallel: true })]);
    let sink = 0;
    const versions: Version[] = [
      { name: 'copy: memcpy (out.set(a))', run: () => out.set(a) },
      { name: 'add: native', run: () => add(out, a, b) },
      {
        name: 'add: JS loop',
        run: () => {
          for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
        },
      },
      { name: `add: parallel (${nw} workers)`, run: () => add(O, A, B, { parallel: true }) },
      { name: 'sum: native', run: () => (sink += sum(a)) },
      {
        name: 'sum: JS loop',
        run: () => {
          let s = 0;
          for (let i = 0; i < n; i++) s += a[i]!;
          sink += s;
        },
      },
      { name: `sum: parallel (${nw} workers)`, run: async () => (sink += await sum(A, { parallel: true })) },
    ];
    const rows = await measure(versions, runs);
    if (Number.isNaN(sink)) console.log('(unreachable: keeps the sums alive)');
    const copyName = versions[0]!.name;
    const med = new Map(summarize(rows, copyName).map((r) => [r.name, r.median]));
    const copyMs = med.get(copyName)!;
    const bandwidth = (bytesPer.copy! * n) / (copyMs / 1000); // bytes per second
    const table: string[][] = [['version', 'median ms', 'GB/s', 'vs bound']];
    for (const op of ['add', 'sum']) {
      const boundMs = ((bytesPer[op]! * n) / bandwidth) * 1000;
      table.push([`${op}: memory bound`, boundMs.toFixed(2), (bandwidth / 1e9).toFixed(1), '1.00×']);
      for (const r of rows.filter((x) => x.name.startsWith(`${op}:`))) {
        const ms = med.get(r.name)!;
        table.push([r.name, ms.toFixed(2), ((bytesPer[op]! * n) / (ms / 1000) / 1e9).toFixed(1), `${(ms / boundMs).toFixed(2)}×`]);
        results.push({ n, version: r.name, medianMs: ms, samples: r.samples, boundMs, ratioToBound: ms / boundMs });
      }
    }
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    for (const row of table) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    await Promise.all([A.close(), B.close(), O.close()]);
  }
} finally {
  await rmprocs(workers());
}
await writeResult('ops', { title: 'Native array operations vs JS loops vs the memory bound', args: { sizes, runs, workers: nw }, results });
