/**
 * The interrupt trials (see bench/interrupt-trials.ts, which runs them on their own, and
 * bench/chaos.ts): does `interrupt(w)` cancel exactly the calls in flight on w when it is issued,
 * whatever they are doing, and never a later call? Each timing runs `trials` times against one
 * worker:
 *   a  spin after await: `async (c) => { await put(c, 'started'); for (;;); }`, interrupted once
 *      'started' was taken (the continuation is spinning, or about to);
 *   b  `remotecallFetch(() => { for (;;); }, w)` and `interrupt(w)` in the same tick: the pipe
 *      record leaves before the call frame;
 *   c  `interrupt(w)` while w is idle, then a call that computes for a while: it must NOT be hit;
 *   d  an awaiting call (`await new Promise(() => {})`), known to be running, interrupted;
 *   e  several in flight at once: a Future awaiting forever, a call spinning after an await, and a
 *      synchronous spinner queued behind it; interrupted right away or once the second started.
 * A trial succeeds when every call in flight fails with ERR_INTERRUPTED (c: when the later call
 * returns its value) and the worker then answers a call that needs its microtask queue and its
 * connection (a put to a channel on the master). A trial that does not settle within `deadlineMs`
 * fails; the worker is then replaced, so that trials stay independent.
 */
import { addprocs, Channel, interrupt, myid, put, RemoteChannel, remotecall, remotecallFetch, RemoteException, rmprocs, take } from '../../src/index.js';

/** Options of {@link interruptTrials}. */
export interface TrialOptions {
  /** Trials per timing. */
  trials: number;
  /** The timings to run, among a-e. */
  only: string[];
  /** A trial that has no outcome by then fails. */
  deadlineMs: number;
  /** Told each timing's line as it finishes. */
  log?: (line: string) => void;
}

/** One timing's outcome: successes, the median ms from interrupt() to the outcome, and the worker's counters. */
export interface TrialRow {
  timing: string;
  ok: number;
  trials: number;
  medianMs: number;
  refused: number | null;
  stopped: number | null;
  firstFailure: string;
}

type Trial = (w: number) => Promise<number>; // resolves with ms from interrupt() to the outcome

/** The call failed as an interrupted call does, on worker w. */
async function interrupted(p: Promise<unknown>, w: number): Promise<void> {
  const e = await p.then(
    (v) => new Error(`not interrupted: resolved with ${String(v)}`),
    (x: unknown) => x,
  );
  if (!(e instanceof RemoteException) || e.pid !== w || (e.cause as { code?: string }).code !== 'ERR_INTERRUPTED') {
    throw new Error(`expected ERR_INTERRUPTED from worker ${w}, got ${String((e as Error)?.stack ?? e)}`);
  }
}

const since = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

const timings: Record<string, Trial> = {
  a: async (w) => {
    const c = await RemoteChannel.create<string>(() => new Channel<string>(1));
    const p = remotecallFetch(
      async (ch: RemoteChannel<string>) => {
        await put(ch, 'started');
        for (;;);
      },
      w,
      c,
    );
    await take(c);
    const t0 = process.hrtime.bigint();
    await interrupt(w);
    await interrupted(p, w);
    c.finalize();
    return since(t0);
  },
  b: async (w) => {
    const p = remotecallFetch(() => {
      for (;;);
    }, w);
    const t0 = process.hrtime.bigint();
    await interrupt(w);
    await interrupted(p, w);
    return since(t0);
  },
  c: async (w) => {
    const t0 = process.hrtime.bigint();
    await interrupt(w);
    const v = await remotecallFetch(() => {
      let s = 0;
      for (let i = 0; i < 2e6; i++) s += i & 1;
      return s;
    }, w);
    if (v !== 1e6) throw new Error(`later call returned ${String(v)}`);
    return since(t0);
  },
  d: async (w) => {
    const p = remotecallFetch(() => new Promise<never>(() => undefined), w);
    await remotecallFetch(() => 1, w); // one round trip: the awaiting call is running by now
    const t0 = process.hrtime.bigint();
    await interrupt(w);
    await interrupted(p, w);
    return since(t0);
  },
  e: async (w) => {
    const c = await RemoteChannel.create<string>(() => new Channel<string>(1));
    const forever = remotecall(() => new Promise<never>(() => undefined), w);
    const spinAfterAwait = remotecallFetch(
      async (ch: RemoteChannel<string>) => {
        await put(ch, 'started');
        for (;;);
      },
      w,
      c,
    );
    // Half the time the second call is spinning when the third is sent (it then waits in the
    // worker's socket buffer), half the time all three are sent together.
    if (Math.random() < 0.5) await take(c);
    const spin = remotecallFetch(() => {
      for (;;);
    }, w);
    const t0 = process.hrtime.bigint();
    await interrupt(w);
    const outcomes = await Promise.allSettled([interrupted(forever.fetch(), w), interrupted(spinAfterAwait, w), interrupted(spin, w)]);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    const ms = since(t0);
    c.finalize();
    return ms;
  },
};

/** The worker still serves: a call that awaits a put to a channel on the master. */
async function serves(w: number): Promise<void> {
  const c = await RemoteChannel.create<number>(() => new Channel<number>(1));
  const got = await remotecallFetch(
    async (ch: RemoteChannel<number>) => {
      await put(ch, myid());
      return myid();
    },
    w,
    c,
  );
  const taken = await take(c);
  c.finalize();
  if (got !== w || taken !== w) throw new Error(`worker ${w} answered ${String(got)} / ${String(taken)}`);
}

function withDeadline<T>(p: Promise<T>, what: string, deadlineMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${deadlineMs} ms`)), deadlineMs);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;

interface Counters {
  refused: number;
  stopped: number;
}
const nativeModule = new URL('../../src/native.js', import.meta.url).href;
/** The worker's interrupt counters (a fresh worker starts at zero). */
const counters = (pid: number): Promise<Counters> =>
  remotecallFetch(async (url: string) => ((await import(url)) as { controlStats(): Counters }).controlStats(), pid, nativeModule);

/** Run the trials on a worker of their own (added here, removed at the end); one row per timing. */
export async function interruptTrials(opts: TrialOptions): Promise<TrialRow[]> {
  // A trial that missed its deadline leaves calls behind that reject once its worker is replaced;
  // the failure is already counted.
  const quiet = (): void => undefined;
  process.on('unhandledRejection', quiet);
  let [w] = (await addprocs(1)) as [number];
  const rows: TrialRow[] = [];
  try {
    for (const name of opts.only) {
      const trial = timings[name];
      if (!trial) throw new Error(`unknown timing ${name}`);
      let ok = 0;
      const ms: number[] = [];
      let firstFailure = '';
      const start = await counters(w);
      let replaced = false;
      for (let i = 0; i < opts.trials; i++) {
        try {
          ms.push(await withDeadline(trial(w), `${name} #${i}`, opts.deadlineMs));
          await withDeadline(serves(w), `${name} #${i}: next call`, opts.deadlineMs);
          ok++;
        } catch (e) {
          firstFailure ||= `#${i}: ${(e as Error).message.split('\n')[0]}`;
          // A stuck or broken worker would fail every later trial too: start afresh.
          await rmprocs(w, { waitfor: 10 }).catch(() => undefined);
          [w] = (await addprocs(1)) as [number];
          replaced = true;
        }
      }
      const end = await counters(w);
      const delta = (k: keyof Counters): number | null => (replaced ? null : end[k] - start[k]);
      rows.push({ timing: name, ok, trials: opts.trials, medianMs: median(ms), refused: delta('refused'), stopped: delta('stopped'), firstFailure });
      opts.log?.(`${name}: ${ok}/${opts.trials}${firstFailure ? `  (${firstFailure})` : ''}`);
    }
  } finally {
    await rmprocs(w).catch(() => undefined);
    process.off('unhandledRejection', quiet);
  }
  return rows;
}
