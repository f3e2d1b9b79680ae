/**
 * The maintainer's chaos bench: what must never happen, however the cluster is abused. Every
 * figure is a count of failures and must be 0.
 *   1. master `kill -9` at random moments (`--kill-runs` runs): orphaned processes, segments left
 *      in /dev/shm, anything left in the master's TMPDIR (bench/chaos/master-kill.ts);
 *   2. interrupt trials per timing (`--trials` each, timings a-e of bench/interrupt/trials.ts):
 *      trials where the calls in flight were not cancelled exactly, or the worker stopped serving;
 *   3. pipelined calls with a worker killed midway (`--pipeline-runs` runs of `--calls` calls):
 *      calls lost, duplicated or wrong (bench/chaos/pipelined-kill.ts);
 *   4. fuzzed frames from an authenticated peer (`--frames`): worker deaths, and memory growth
 *      beyond `--max-growth-mib` (JS heap over the run, RSS over its second half: bench/chaos/fuzz.ts).
 * It kills only what it started. Results: bench/results/chaos.json; exit status 1 if any failure.
 *
 *   npm run chaos -- [--kill-runs 30] [--trials 100] [--pipeline-runs 9] [--calls 3000] [--frames 40000] [--seed N] [--only 1,2,3,4]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fuzzFrames } from './chaos/fuzz.js';
import { masterKills } from './chaos/master-kill.js';
import { pipelinedKills } from './chaos/pipelined-kill.js';
import { seeded } from './chaos/random.js';
import { interruptTrials } from './interrupt/trials.js';

const { values } = parseArgs({
  options: {
    'kill-runs': { type: 'string', default: '30' },
    'max-delay-ms': { type: 'string', default: '2500' },
    trials: { type: 'string', default: '100' },
    'pipeline-runs': { type: 'string', default: '9' },
    calls: { type: 'string', default: '3000' },
    frames: { type: 'string', default: '40000' },
    'max-growth-mib': { type: 'string', default: '16' },
    seed: { type: 'string', default: String(Date.now() % 1e9) },
    only: { type: 'string', default: '1,2,3,4' },
  },
});
const seed = Number(values.seed);
const random = seeded(seed);
const parts = new Set(values.only.split(','));
const t0 = performance.now();

// What the workers print (the worker the fuzzer attacks reports every frame it refuses) and the
// runtime's own reports of workers it lost are the bench's business, not the terminal's: counted.
let forwarded = 0;
let terminated = 0;
const stdoutWrite = process.stdout.write.bind(process.stdout);
const stderrWrite = process.stderr.write.bind(process.stderr);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  if (!String(chunk).includes('From worker')) return stdoutWrite(chunk, ...rest);
  forwarded++;
  return true;
}) as typeof process.stdout.write;
process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  if (!/^Worker \d+ terminated\.\n$/.test(String(chunk))) return stderrWrite(chunk, ...rest);
  terminated++;
  return true;
}) as typeof process.stderr.write;

interface Figure {
  part: string;
  figure: string;
  failures: number;
  detail: string;
}
const figures: Figure[] = [];
const record: Record<string, unknown> = { seed, node: process.version, cpus: os.availableParallelism(), load: os.loadavg() };
const log = (line: string): void => console.log(line);

if (parts.has('1')) {
  log(`1. master kill -9 at random moments: ${values['kill-runs']} runs...`);
  const k = await masterKills({ runs: Number(values['kill-runs']), maxDelayMs: Number(values['max-delay-ms']), settleMs: 5000, random });
  record.masterKill = k;
  const runs = `${k.runs} runs (${k.killedWhileStarting} during addprocs, ${k.rounds} rounds of work in all), slowest exit ${k.slowestExitMs.toFixed(0)} ms`;
  figures.push({ part: '1 master kill -9', figure: 'orphaned processes', failures: k.orphans, detail: runs });
  figures.push({ part: '1 master kill -9', figure: 'leaked segments', failures: k.leakedSegments, detail: '' });
  figures.push({ part: '1 master kill -9', figure: 'leftover directories/files', failures: k.leftoverEntries, detail: k.details.slice(0, 3).join('; ') });
}

if (parts.has('2')) {
  log(`2. interrupt trials: ${values.trials} per timing...`);
  const rows = await interruptTrials({ trials: Number(values.trials), only: ['a', 'b', 'c', 'd', 'e'], deadlineMs: 15_000, log: (l) => log(`   ${l}`) });
  record.interrupt = rows;
  for (const row of rows) {
    figures.push({
      part: '2 interrupt trials',
      figure: `timing ${row.timing}: not exactly cancelled`,
      failures: row.trials - row.ok,
      detail: `${row.ok}/${row.trials}, median ${row.medianMs.toFixed(1)} ms${row.firstFailure ? `, first failure ${row.firstFailure}` : ''}`,
    });
  }
}

if (parts.has('3')) {
  log(`3. pipelined calls, a worker killed midway: ${values['pipeline-runs']} runs of ${values.calls} calls...`);
  const p = await pipelinedKills({ runs: Number(values['pipeline-runs']), calls: Number(values.calls), deadlineMs: 20_000, random });
  record.pipelinedKill = p;
  const detail = `${p.calls} calls, ${p.exited} failed with ProcessExitedException (their worker was killed; per run ${p.perRun.map((x) => x.victimFailed).join('/')})`;
  figures.push({ part: '3 pipelined, worker killed', figure: 'lost calls', failures: p.lost, detail });
  figures.push({ part: '3 pipelined, worker killed', figure: 'duplicated calls', failures: p.duplicated, detail: '' });
  figures.push({ part: '3 pipelined, worker killed', figure: 'wrong outcomes', failures: p.wrong, detail: p.details.slice(0, 3).join('; ') });
}

if (parts.has('4')) {
  log(`4. fuzzed frames from an authenticated peer: ${values.frames} frames...`);
  const f = await fuzzFrames({ frames: Number(values.frames), batch: 1, deadlineMs: 10_000, maxGrowthMiB: Number(values['max-growth-mib']), random });
  record.fuzz = f;
  figures.push({ part: '4 fuzzed frames', figure: 'worker deaths', failures: f.deaths, detail: `${f.frames} frames, ${f.drops} connections dropped by the worker (expected)` });
  const mib = (x: number): string => x.toFixed(1);
  figures.push({
    part: '4 fuzzed frames',
    figure: `memory growth over ${values['max-growth-mib']} MiB`,
    failures: f.growthFailed ? 1 : 0,
    detail: `heap ${mib(f.start.heap)} -> ${mib(f.end.heap)} MiB; RSS ${mib(f.start.rss)} -> ${mib(f.middle.rss)} (half way) -> ${mib(f.end.rss)} MiB`,
  });
}

const total = figures.reduce((s, f) => s + f.failures, 0);
record.figures = figures;
const seconds = (performance.now() - t0) / 1000;
record.seconds = seconds;
record.workerLinesCounted = forwarded;
record.workersReportedLost = terminated;
console.table(figures);
log(`seed ${seed}; ${total} failures in all; ${seconds.toFixed(0)} s`);
const out = fileURLToPath(new URL('../../bench/results/chaos.json', import.meta.url));
await mkdir(fileURLToPath(new URL('../../bench/results/', import.meta.url)), { recursive: true });
await writeFile(out, `${JSON.stringify(record, null, 2)}\n`);
process.exit(total === 0 ? 0 : 1);
