import { addprocs, atomicAdd, capture, ProcessExitedException, remotecallFetch, rmprocs, SharedArray } from '../../src/index.js';
import { between, type Random } from './random.js';

/**
 * Pipelined calls with a worker killed midway (bench/chaos.ts, part 3): each run adds 3 workers,
 * sends `calls` calls at once, round robin, each counting its own execution in a SharedArray
 * (atomicAdd), working 0.1 ms and returning 3i + 1, and SIGKILLs one of the workers once it has
 * run a random share of its calls. Every call must settle within `deadlineMs`: with its value, or, for a call to the
 * killed worker only, with ProcessExitedException. Counted:
 *   lost        a call that never settled;
 *   duplicated  a call that ran more than once;
 *   wrong       a wrong value, a value without an execution, another error, or an error from a
 *               worker that was not killed.
 */
export interface PipelinedKillOptions {
  runs: number;
  calls: number;
  deadlineMs: number;
  random: Random;
}

export interface PipelinedKillResult {
  runs: number;
  calls: number;
  /** Calls that failed because their worker was killed (expected: not a failure). */
  exited: number;
  /** Per run: how many of its calls the victim had run when it was killed, and how many of its calls then failed. */
  perRun: { killedAfter: number; victimFailed: number }[];
  lost: number;
  duplicated: number;
  wrong: number;
  details: string[];
}

type Outcome = { ok: true; value: number } | { ok: false; error: unknown } | null;

export async function pipelinedKills(opts: PipelinedKillOptions): Promise<PipelinedKillResult> {
  const r: PipelinedKillResult = { runs: opts.runs, calls: 0, exited: 0, perRun: [], lost: 0, duplicated: 0, wrong: 0, details: [] };
  for (let run = 0; run < opts.runs; run++) {
    const ws = (await addprocs(3)) as number[];
    const ospids = await Promise.all(ws.map((w) => remotecallFetch(() => process.pid, w)));
    const C = await SharedArray.create('int32', opts.calls);
    // Each call works a little (0.1 ms), so that the victim still has calls queued when it dies.
    const f = capture({ C }, (i: number) => {
      atomicAdd(C, i, 1);
      const until = performance.now() + 0.1;
      while (performance.now() < until);
      return 3 * i + 1;
    });
    const victim = run % ws.length;
    const victimCalls = Array.from({ length: Math.ceil((opts.calls - victim) / ws.length) }, (_, k) => victim + k * ws.length);
    // The victim dies once it has run a random share of its calls (read from the counters, which
    // this process maps too): in the middle of its stream, with calls queued behind.
    const killAfter = between(opts.random, Math.floor(victimCalls.length * 0.1), Math.floor(victimCalls.length * 0.9));
    const outcomes: Outcome[] = new Array(opts.calls).fill(null);
    let settled = 0;
    let allSettled!: () => void;
    const all = new Promise<void>((resolve) => (allSettled = resolve));
    const onSettled = (): void => {
      if (++settled === opts.calls) allSettled();
    };
    const watch = (): void => {
      if (settled === opts.calls) return;
      let ran = 0;
      for (const i of victimCalls) ran += C.data[i]! > 0 ? 1 : 0;
      if (ran >= killAfter) process.kill(ospids[victim]!, 'SIGKILL');
      else setImmediate(watch);
    };
    setImmediate(watch);
    for (let i = 0; i < opts.calls; i++) {
      remotecallFetch(f, ws[i % ws.length]!, i).then(
        (value) => {
          outcomes[i] = { ok: true, value: value as number };
          onSettled();
        },
        (error: unknown) => {
          outcomes[i] = { ok: false, error };
          onSettled();
        },
      );
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.deadlineMs)))]);
    clearTimeout(timer);
    const exitedBefore = r.exited;
    for (let i = 0; i < opts.calls; i++) {
      const o = outcomes[i] ?? null;
      const ran = C.data[i]!;
      const toVictim = i % ws.length === victim;
      const note = (what: string): void => void (r.details.length < 10 && r.details.push(`run ${run}: call ${i} (to worker ${ws[i % ws.length]}): ${what}`));
      if (o === null) {
        r.lost++;
        note('never settled');
      } else if (ran > 1) {
        r.duplicated++;
        note(`ran ${ran} times`);
      } else if (o.ok) {
        if (o.value === 3 * i + 1 && ran === 1) continue;
        r.wrong++;
        note(`value ${o.value}, ran ${ran} times`);
      } else if (toVictim && o.error instanceof ProcessExitedException && o.error.pid === ws[victim]) {
        r.exited++;
      } else {
        r.wrong++;
        note(`failed: ${String(o.error)}`);
      }
    }
    r.perRun.push({ killedAfter: killAfter, victimFailed: r.exited - exitedBefore });
    r.calls += opts.calls;
    await C.close();
    await rmprocs(ws.filter((_, k) => k !== victim));
  }
  return r;
}
