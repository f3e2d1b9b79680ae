import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { processesWith, segmentsOf } from './processes.js';
import { pause, type Random } from './random.js';

/**
 * Master `kill -9` at random moments (bench/chaos.ts, part 1): each run starts a master
 * (bench/chaos/master.ts) with a token in its environment and a private TMPDIR, kills it with
 * SIGKILL after a random delay (while it starts its workers, or while it works them), and then
 * counts what it left: its processes still alive `settleMs` after the kill (orphans, which are then
 * killed), shared-memory segments of its processes left in /dev/shm, and anything left in its TMPDIR.
 */
export interface MasterKillOptions {
  runs: number;
  /** The kill comes uniformly between 0 and this many ms after the master is started. */
  maxDelayMs: number;
  /** How long its processes may take to exit after the kill. */
  settleMs: number;
  random: Random;
}

/** What the runs left behind, in total. */
export interface MasterKillResult {
  runs: number;
  /** Runs killed before the master had its workers (during addprocs). */
  killedWhileStarting: number;
  /** Rounds of work the masters completed before their kill, in all. */
  rounds: number;
  orphans: number;
  leakedSegments: number;
  leftoverEntries: number;
  /** Slowest exit of a run's last process after the kill, ms. */
  slowestExitMs: number;
  /** What was left, run by run, for the report. */
  details: string[];
}

const script = fileURLToPath(new URL('./master.js', import.meta.url));

export async function masterKills(opts: MasterKillOptions): Promise<MasterKillResult> {
  const r: MasterKillResult = { runs: opts.runs, killedWhileStarting: 0, rounds: 0, orphans: 0, leakedSegments: 0, leftoverEntries: 0, slowestExitMs: 0, details: [] };
  for (let run = 0; run < opts.runs; run++) {
    const token = `${process.pid}-${run}-${Math.floor(opts.random() * 1e9)}`;
    const tmp = mkdtempSync(join(tmpdir(), 'sa-chaos-'));
    const master = spawn(process.execPath, [script], {
      env: { ...process.env, TMPDIR: tmp, SHAREDARRAYS_CHAOS: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pids = new Set<number>([master.pid!]);
    let ready = false;
    createInterface({ input: master.stdout! }).on('line', (line) => {
      const m = /^worker (\d+)$/.exec(line);
      if (m) pids.add(Number(m[1]));
      if (line === 'ready') ready = true;
      if (line.startsWith('round ')) r.rounds++;
    });
    const stderr: string[] = [];
    createInterface({ input: master.stderr! }).on('line', (line) => stderr.push(line));
    const exited = once(master, 'exit');
    await Promise.race([pause(opts.random() * opts.maxDelayMs), exited]);
    if (master.exitCode !== null) {
      // It must never end by itself: that is a failure of its own, reported as such.
      r.details.push(`run ${run}: the master exited by itself (${master.exitCode}): ${stderr.slice(-3).join(' | ')}`);
      r.orphans += processesWith(token).length;
    }
    for (const p of processesWith(token)) pids.add(p);
    if (!ready) r.killedWhileStarting++;
    master.kill('SIGKILL');
    await exited;
    const killedAt = performance.now();
    let left = processesWith(token);
    while (left.length > 0 && performance.now() - killedAt < opts.settleMs) {
      await pause(20);
      left = processesWith(token);
    }
    r.slowestExitMs = Math.max(r.slowestExitMs, performance.now() - killedAt);
    if (left.length > 0) {
      r.orphans += left.length;
      r.details.push(`run ${run}: ${left.length} process(es) still alive ${opts.settleMs} ms after the kill: ${left.join(', ')}`);
      for (const p of left) process.kill(p, 'SIGKILL');
    }
    const segments = segmentsOf(pids);
    if (segments.length > 0) {
      r.leakedSegments += segments.length;
      r.details.push(`run ${run}: segments left in /dev/shm: ${segments.join(', ')}`);
      for (const s of segments) unlinkSync(join('/dev/shm', s));
    }
    const entries = readdirSync(tmp);
    if (entries.length > 0) {
      r.leftoverEntries += entries.length;
      r.details.push(`run ${run}: left in its TMPDIR: ${entries.join(', ')}`);
    }
    rmSync(tmp, { recursive: true, force: true });
  }
  return r;
}
