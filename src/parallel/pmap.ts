import { detached, onCancelled } from '../core/call-scope.js';
import { asRemote, coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { nworkers, workers } from '../core/process-table.js';
import { remotecallFetch } from '../remote/calls.js';
import { capture } from '../remote/capture.js';
import { assertShippable } from '../remote/function-shipping.js';
import { BatchSizer } from './batch-size.js';
import { type BatchItems, type BatchOutcome, runBatch } from './batch-runner.js';
import { type ItemSource, itemOf, itemSource, listed, type Stretch } from './pmap-items.js';
import { CachingPool, WorkerPool } from './pool.js';
import { progressSink, type ProgressCallback } from './progress.js';

/** What `retryCheck` is told about a failed item, to decide whether it is tried again. */
export interface RetryState {
  /** Retries already made for this item (0 on the first failure). */
  attempt: number;
  /** The item that failed. */
  item: unknown;
  /** Its position in the input (0-based). */
  index: number;
  /** The worker it failed on. */
  pid: number;
}

/** Options of {@link pmap}; `R` is the type of `f`'s results. */
export interface PmapOptions<R = unknown> {
  /**
   * The workers to run on (default: a CachingPool of every worker, so `f` travels once per
   * worker). A pool of just this process runs `f` here.
   */
  pool?: WorkerPool;
  /** false: run on this process, with nworkers() items at a time. */
  distributed?: boolean;
  /**
   * Items per call to a worker: a positive integer, or `'auto'` (the default): batches that grow
   * until each takes a few milliseconds, so tiny items amortise the round trip while costly ones
   * go one at a time, and that shrink near the end so the workers finish together.
   */
  batchSize?: number | 'auto';
  /**
   * Called with the error of an item that failed for good (after its retries); what it returns
   * stands for the item's result. Without it, the first such failure rejects pmap.
   */
  onError?: (e: Error) => R;
  /**
   * Retry a failed item once per entry, after that many milliseconds, on another worker where
   * possible (also when its worker died). Default: no retry. An item that cannot be sent
   * (`ERR_UNSERIALIZABLE`) is never retried.
   */
  retryDelays?: number[];
  /** Decides whether a failed item is retried (default: always, while `retryDelays` lasts). */
  retryCheck?: (state: RetryState, e: Error) => boolean;
  /** Called after each item is done, with the count so far and the total when known. */
  onProgress?: ProgressCallback;
  /**
   * Report progress on stderr: a bar with rate and ETA on a terminal (worker output goes above
   * it), a plain line every few seconds otherwise (a pipe, a log file, CI). Default false.
   */
  progress?: boolean;
}

/** Runs a batch on a slot (a worker pid, or a local lane): the values, and the failures by position. */
type Executor = (slot: number, items: Stretch) => Promise<BatchOutcome<Error>>;

interface Slots {
  take(opts: { avoid?: number }): Promise<number>;
  put(slot: number): void;
  size(): number;
}

/** An item that failed and waits to be tried again. */
interface Item {
  index: number;
  value: unknown;
  attempt: number;
  avoid: number;
}

/** A batch in flight: consecutive items of the input from `first`, or items being retried. */
interface Batch {
  items: Stretch;
  first: number;
  retried: Item[] | null;
}

/**
 * Julia's pmap: `f` over `items` on the pool's workers, results in input order. Scheduling is
 * dynamic: a worker gets its next batch as soon as it hands back the last one, so uneven work
 * balances. Items are pulled from the input only when a worker is free, so an async iterable is
 * consumed with a bounded number of items in flight. A batch costs little per item: an array is
 * sliced and a range is sent as its bounds (pmap-items.ts), numbers cross as their bytes both ways
 * (batch-runner.ts), and results, counts and progress are updated once per batch.
 *
 * A failed item is retried (with `retryDelays`, on another worker where possible — also when its
 * worker died); once retries are exhausted `onError` supplies its value; otherwise the first
 * failure aborts the map: nothing new is sent, the batches in flight are awaited, and pmap
 * rejects with that error (a RemoteException around what `f` threw, or a
 * ProcessExitedException). Bad options throw `ERR_INVALID_ARG`; a pool left without live
 * workers rejects with `ERR_NO_WORKERS`.
 */
export async function pmap<T, R>(
  f: (x: T) => R | Promise<R>,
  items: Iterable<T> | AsyncIterable<T>,
  opts: PmapOptions<Awaited<R>> = {},
): Promise<Awaited<R>[]> {
  validate(items, opts);
  const local = opts.distributed === false || isLocalPool(opts.pool);
  if (!local) assertShippable(f, 'pmap function');
  const pool = opts.pool ?? new CachingPool(workers());
  const slots: Slots = local ? localSlots(opts.distributed === false ? nworkers() : 1) : poolSlots(pool);
  const exec = local ? localExecutor(f as (x: unknown) => unknown) : remoteExecutor(f as (x: unknown) => unknown, pool);
  return schedule(itemSource(items as Iterable<unknown> | AsyncIterable<unknown>), slots, exec, opts) as Promise<Awaited<R>[]>;
}

function validate(items: unknown, opts: PmapOptions): void {
  const iterable =
    items !== null &&
    typeof items === 'object' &&
    (typeof (items as Iterable<unknown>)[Symbol.iterator] === 'function' || typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function');
  if (!iterable && typeof items !== 'string') throw coded(TypeError, 'ERR_INVALID_ARG', 'pmap(f, items): items must be iterable or async iterable');
  const b = opts.batchSize;
  if (b !== undefined && b !== 'auto' && (!Number.isSafeInteger(b) || b < 1)) {
    throw coded(RangeError, 'ERR_INVALID_ARG', `pmap: batchSize must be a positive integer or 'auto', got ${String(b)}`);
  }
  if (opts.retryDelays !== undefined && (!Array.isArray(opts.retryDelays) || opts.retryDelays.some((d) => !(d >= 0)))) {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'pmap: retryDelays must be an array of non-negative milliseconds');
  }
  if (opts.pool !== undefined && !(opts.pool instanceof WorkerPool)) throw coded(TypeError, 'ERR_INVALID_ARG', 'pmap: pool must be a WorkerPool');
}

/** A pool of just this process (Julia: pmap then runs locally). */
function isLocalPool(pool: WorkerPool | undefined): boolean {
  const ws = pool ? pool.workers() : workers();
  return ws.length === 1 && ws[0] === myid();
}

function poolSlots(pool: WorkerPool): Slots {
  return { take: (o) => pool.take(o), put: (p) => pool.put(p), size: () => pool.workers().length };
}

/** `n` lanes of work in this process (pmap with `distributed: false`): slots 1..n. */
function localSlots(n: number): Slots {
  const idle = Array.from({ length: n }, (_, i) => i + 1);
  const waiters: ((slot: number) => void)[] = [];
  return {
    take: () => (idle.length > 0 ? Promise.resolve(idle.shift()!) : new Promise((resolve) => waiters.push(resolve))),
    put: (slot) => {
      const next = waiters.shift();
      if (next) next(slot);
      else idle.push(slot);
    },
    size: () => n,
  };
}

function localExecutor(f: (x: unknown) => unknown): Executor {
  return async (_slot, items) => {
    const values: unknown[] = [];
    let failures: [number, Error][] | null = null;
    for (let k = 0; k < items.n; k++) {
      try {
        values.push(await f(itemOf(items, k)));
      } catch (e) {
        values.push(undefined);
        (failures ??= []).push([k, e instanceof Error ? e : new Error(String(e))]);
      }
    }
    return [values, failures];
  };
}

/** Listed numbers cross as their bytes (a batch of 8192 numbers: one copy each way instead of 8192 values). */
function packed(values: readonly unknown[]): readonly unknown[] | Float64Array {
  for (let k = 0; k < values.length; k++) if (typeof values[k] !== 'number') return values;
  return Float64Array.from(values as number[]);
}

function remoteExecutor(f: (x: unknown) => unknown, pool: WorkerPool): Executor {
  // One runner per pmap: it (and `f` with whatever f captured) crosses once per worker.
  // The runner travels as source text, so it names only captured locals: an imported binding
  // may be renamed by whatever compiled this module (vitest turns `runBatch` into
  // `__vite_ssr_import_N__.runBatch`), and that name exists on no worker.
  const run = runBatch;
  const runner = capture({ f, run }, (items: BatchItems, start: number, step: number, n: number) => run(f, items, start, step, n));
  if (pool instanceof CachingPool) {
    // clear() must release the user's f (and what it captured) as well as the runner around it.
    pool.noteShipped(runner);
    pool.noteShipped(f);
  }
  // A batch once sent is the pool's work, not the caller's: its answer is read as part of no call
  // (core/call-scope.ts). Read as part of the call running this pmap, it would never be read once an
  // interrupt cancelled that call, and the worker would never go back to the pool.
  return (pid, s) =>
    detached(() => {
      const items = s.values === null ? null : packed(s.values);
      return (remotecallFetch(runner, pid, items, s.start, s.step, s.n) as Promise<BatchOutcome>).then(([values, failures]): BatchOutcome<Error> => [
        values,
        // asRemote: a ProcessExitedException met inside f stays unwrapped, as everywhere else.
        failures === null ? null : failures.map(([k, e]) => [k, asRemote(pid, e)] as [number, Error]),
      ]);
    });
}

async function schedule(source: ItemSource, slots: Slots, exec: Executor, opts: PmapOptions): Promise<unknown[]> {
  const total = source.total;
  const sizer = new BatchSizer(typeof opts.batchSize === 'number' ? opts.batchSize : null, Math.max(1, slots.size()));
  const progress = progressSink(opts.onProgress, opts.progress, 'pmap');
  // Grown by pushing (see place): batches finish out of order, and writing far past the end of an
  // array, or sizing it up front with new Array(n) for a large n, makes V8 store it as a slow
  // dictionary, for this loop and for the caller who reads the results.
  const results: unknown[] = [];
  const retries: Item[] = [];
  const inflight = new Set<Promise<void>>();
  const waiting = new Set<Promise<void>>();
  let nextIndex = 0;
  let sourceDone = false;
  let done = 0;
  let failure: Error | null = null;

  const fail = (e: Error): void => {
    failure ??= e;
  };

  // Slots taken and not yet launched. A pool's workers are shared with other callers: if an
  // interrupt cancels the call running this pmap, its code (which would give them back) never runs
  // again, so the cleanup does (core/call-scope.ts); a launched slot goes back when its batch ends,
  // whatever happened to the caller.
  const held = new Set<number>();
  let cancelled = false;
  const disarm = onCancelled(() => {
    cancelled = true;
    for (const s of held) slots.put(s);
    held.clear();
  });
  const take = (o: { avoid?: number }): Promise<number> =>
    detached(() =>
      slots.take(o).then((s) => {
        if (cancelled) slots.put(s);
        else held.add(s);
        return s;
      }),
    );
  const putBack = (slot: number): void => {
    held.delete(slot);
    slots.put(slot);
  };

  const place = (index: number, value: unknown): void => {
    while (results.length < index) results.push(undefined);
    results[index] = value;
  };

  /** One item failed (on `slot`): retried later, replaced by onError's value, or the end of the map. Its count in `done` when settled. */
  const settleFailure = (item: Item, error: Error, slot: number): number => {
    if (canRetry(item, error, slot)) {
      const delay = opts.retryDelays![item.attempt]!;
      item.attempt++;
      item.avoid = slot;
      const later = new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() => {
        waiting.delete(later);
        retries.push(item);
      });
      waiting.add(later);
      return 0;
    }
    if (!opts.onError) {
      fail(error);
      return 0;
    }
    try {
      place(item.index, opts.onError(error));
    } catch (e) {
      fail(e as Error);
      return 0;
    }
    return 1;
  };

  const itemAt = (b: Batch, k: number): Item => b.retried?.[k] ?? { index: b.first + k, value: itemOf(b.items, k), attempt: 0, avoid: 0 };

  const settle = (b: Batch, [values, failures]: BatchOutcome<Error>, slot: number): void => {
    const n = b.items.n;
    let settled = 0;
    if (failures === null && b.retried === null) {
      // The common case: every item of a stretch succeeded.
      const first = b.first;
      place(first + n - 1, undefined);
      for (let k = 0; k < n; k++) results[first + k] = values[k];
      settled = n;
    } else {
      let f = 0;
      for (let k = 0; k < n; k++) {
        if (failures !== null && f < failures.length && failures[f]![0] === k) {
          settled += settleFailure(itemAt(b, k), failures[f++]![1], slot);
        } else {
          place(itemAt(b, k).index, values[k]);
          settled++;
        }
      }
    }
    if (settled > 0) {
      done += settled;
      progress.update(done, total);
    }
  };

  const canRetry = (item: Item, e: Error, pid: number): boolean => {
    const delays = opts.retryDelays;
    if (!delays || item.attempt >= delays.length) return false;
    // An item that cannot even be sent will not get better by sending it again.
    if ((e as { code?: string }).code === 'ERR_UNSERIALIZABLE') return false;
    return opts.retryCheck ? opts.retryCheck({ attempt: item.attempt, item: item.value, index: item.index, pid }, e) : true;
  };

  // Retries that may go to `slot`. The slot was asked for while retries[0] was (or was not yet)
  // waiting, so it can be the very worker a retry failed on: such a retry stays queued for
  // another worker, unless this one is the only worker left.
  const retriesFor = (slot: number, size: number): Item[] => {
    if (slots.size() <= 1) return retries.splice(0, size);
    const out: Item[] = [];
    for (let k = 0; k < retries.length && out.length < size; ) {
      if (retries[k]!.avoid !== slot) out.push(...retries.splice(k, 1));
      else k++;
    }
    return out;
  };

  const launch = (slot: number, b: Batch): void => {
    const t0 = performance.now();
    held.delete(slot);
    const running = exec(slot, b.items);
    const p: Promise<void> = detached(() =>
      running
        .then(
          (outcome) => {
            sizer.observe(b.items.n, performance.now() - t0);
            slots.put(slot);
            settle(b, outcome, slot);
          },
          (e: unknown) => {
            // The whole batch failed: the worker died, or the items could not be sent.
            slots.put(slot);
            let settled = 0;
            for (let k = 0; k < b.items.n; k++) settled += settleFailure(itemAt(b, k), e as Error, slot);
            if (settled > 0) {
              done += settled;
              progress.update(done, total);
            }
          },
        )
        .finally(() => inflight.delete(p)),
    );
    inflight.add(p);
  };

  try {
    while (failure === null) {
      if (retries.length === 0 && sourceDone) {
        if (inflight.size === 0 && waiting.size === 0) break;
        await Promise.race([...inflight, ...waiting]);
        continue;
      }
      let slot: number;
      try {
        slot = await take(retries.length > 0 ? { avoid: retries[0]!.avoid } : {});
      } catch (e) {
        // No worker left in the pool.
        fail(e as Error);
        break;
      }
      if (failure !== null) {
        putBack(slot);
        break;
      }
      const size = sizer.next(total === undefined ? undefined : total - nextIndex + retries.length);
      const retried = retriesFor(slot, size);
      if (retried.length > 0) {
        launch(slot, { items: listed(retried.map((it) => it.value)), first: -1, retried });
        continue;
      }
      if (sourceDone) {
        putBack(slot);
        continue;
      }
      let items: Stretch;
      try {
        items = await source.take(size);
      } catch (e) {
        // The input itself failed: give the worker back, and stop as for a failed item.
        putBack(slot);
        fail(e as Error);
        break;
      }
      if (items.n < size) sourceDone = true;
      if (items.n === 0) {
        putBack(slot);
        continue;
      }
      launch(slot, { items, first: nextIndex, retried: null });
      nextIndex += items.n;
    }
    await Promise.allSettled(inflight);
  } finally {
    disarm();
    progress.stop();
  }
  if (failure !== null) throw failure;
  return results;
}
