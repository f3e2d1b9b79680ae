/**
 * DArray figures (ratios within one run; the machine is shared and noisy):
 *  1. One generation of the seed's life on an n×n board (default 2000×2000) over 2 workers
 *     (`life_step`: each block fetches its halo with `slice`, inside init, on its owner) against
 *     the serial step in this process; and per generation, how long a block waited for its halo.
 *  2. `distribute` and `toArray` of `--mib` MiB (default 256) of float64 over the workers, in MB/s,
 *     against a raw Unix-socket copy of the same bytes to as many child processes (raw-copy.ts).
 *
 *   node dist/bench/darray.js [--n 2000] [--generations 10] [--mib 256] [--rounds 3] [--workers 2]
 */
import { parseArgs } from 'node:util';
import { addprocs, type DArray, distribute, everywhere, remotecallFetch, rmprocs, workers } from '../src/index.js';
import { lifeStep, lifeStepSerial, randomBoard } from './darray/life.js';
import { RawPeer } from './darray/raw-copy.js';
import { type Row, report, resultPath } from './report.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    generations: { type: 'string', default: '10' },
    mib: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
  },
});
const n = Number(values.n);
const generations = Number(values.generations);
const bytes = Number(values.mib) * 1024 * 1024;
const rounds = Number(values.rounds);
const np = Number(values.workers);

const pids = await addprocs(np);
// life_rule on every process (the seed's @everywhere): it then travels by reference and stays
// compiled on the workers, instead of arriving as source with every generation's init.
await everywhere(new URL('./darray/life.js', import.meta.url));
const haloTotal = async (): Promise<number> => {
  const each = await Promise.all(pids.map((p) => remotecallFetch(() => (globalThis as { haloMs?: number }).haloMs ?? 0, p)));
  return each.reduce((a, b) => a + b, 0);
};

// --- 1. life ---------------------------------------------------------------------------------
{
  const start = randomBoard(n, n);
  let board = start;
  let d = await distribute(start, { dims: [n, n] });
  const serial: number[] = [];
  const darray: number[] = [];
  const halo: number[] = [];
  // One warm-up generation each (compiles the kernels, connects the workers to each other).
  for (let g = -1; g < generations; g++) {
    let t = performance.now();
    board = lifeStepSerial(board, n, n);
    const serialMs = performance.now() - t;
    const haloBefore = await haloTotal();
    t = performance.now();
    const next = await lifeStep(d, true);
    const darrayMs = performance.now() - t;
    const haloMs = ((await haloTotal()) - haloBefore) / next.pids.length;
    await d.close();
    d = next;
    if (g >= 0) {
      serial.push(serialMs);
      darray.push(darrayMs);
      halo.push(haloMs);
    }
  }
  const got = await d.toArray();
  if (!got.every((c, k) => c === board[k])) throw new Error('the DArray board and the serial board differ');
  await d.close();
  const rows: Row[] = [
    { name: 'serial step', samples: serial },
    { name: `DArray life_step, ${np} workers`, samples: darray },
    { name: '  of which halo wait / block', samples: halo },
  ];
  console.log(`\n1. One life generation, ${n}×${n} board, ${generations} generations (ms; boards checked equal)`);
  await report(rows, {
    title: `DArray life_step vs serial, ${n}×${n}`,
    baseline: 'serial step',
    args: { n, generations, workers: np },
    jsonPath: resultPath('darray-life.json'),
    svgPath: resultPath('darray-life.svg'),
  });
}

// --- 2. distribute / toArray vs a raw socket copy --------------------------------------------
{
  const a = new Float64Array(bytes / 8);
  for (let k = 0; k < a.length; k++) a[k] = k;
  const peers = await Promise.all(pids.map(() => RawPeer.start()));
  const share = Math.floor(bytes / peers.length);
  const part = (k: number): Uint8Array => new Uint8Array(a.buffer, k * share, share);
  const rows: Row[] = [
    { name: 'raw socket upload', samples: [] },
    { name: 'distribute', samples: [] },
    { name: 'raw socket download', samples: [] },
    { name: 'toArray', samples: [] },
  ];
  const time = async (row: number, f: () => Promise<unknown>): Promise<void> => {
    const t = performance.now();
    await f();
    rows[row]!.samples.push(performance.now() - t);
  };
  for (let r = 0; r < rounds; r++) {
    await time(0, () => Promise.all(peers.map((p, k) => p.upload(part(k)))));
    let D: DArray<'float64'> | undefined;
    await time(1, async () => {
      D = await distribute(a);
    });
    await time(2, () => Promise.all(peers.map((p) => p.download(share))));
    let back: Float64Array | undefined;
    await time(3, async () => {
      back = await D!.toArray();
    });
    if (back![back!.length - 1] !== a.length - 1) throw new Error('toArray returned other data');
    await D!.close();
  }
  await Promise.all(peers.map((p) => p.close()));
  console.log(`\n2. Moving ${values.mib} MiB over ${np} workers (ms; MB/s = ${values.mib} MiB / median)`);
  const summaries = await report(rows, {
    title: `distribute / toArray of ${values.mib} MiB vs raw Unix-socket copy`,
    baseline: 'raw socket upload',
    args: { mib: Number(values.mib), rounds, workers: np },
    jsonPath: resultPath('darray-transfer.json'),
    svgPath: resultPath('darray-transfer.svg'),
  });
  const mbps = (name: string): number => bytes / 1e6 / (summaries.find((s) => s.name === name)!.median / 1000);
  console.log(`distribute ${mbps('distribute').toFixed(0)} MB/s vs raw upload ${mbps('raw socket upload').toFixed(0)} MB/s: ${(mbps('distribute') / mbps('raw socket upload')).toFixed(2)}×`);
  console.log(`toArray    ${mbps('toArray').toFixed(0)} MB/s vs raw download ${mbps('raw socket download').toFixed(0)} MB/s: ${(mbps('toArray') / mbps('raw socket download')).toFixed(2)}×`);
}

await rmprocs(workers());
