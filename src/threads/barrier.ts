/**
 * A reusable barrier for threads and processes of this host: `arrive()` blocks until `parties`
 * participants have arrived, then all go on to the next round. Its state is a small int32
 * SharedArray, so the Barrier travels to worker processes (as a handle) and to threads (as the
 * same memory), and waiting is a futex wait on that memory (native/futex.cc): a time-stepping
 * kernel can run every step on the workers, a barrier between steps, with no message at all.
 *
 * Rounds: a generation counter. Each arrival increments `count`; the last one of a round resets
 * it and increments `generation` (the futex word) and wakes everyone; the others wait for the
 * generation to change, so a participant that races ahead into the next round cannot be confused
 * with one still leaving the last.
 *
 * Failure, never a hang: every wait has a deadline (60 s unless told), and waiters wake every
 * CHECK_MS to look at the threads that hold the barrier (src/threads/barrier-holders.ts: every
 * process and pool thread it reached, and every thread that arrived). One that has ended, even
 * before its first arrive(), breaks the barrier: the waiter marks it broken and wakes the others.
 * A broken barrier stays broken: every arrive() throws ERR_BARRIER_BROKEN, saying who broke it.
 * A wait returns to JavaScript every CHECK_MS, so `interrupt()` stops a worker waiting here (at an
 * interruptPoint, the one place in the wait where stopping leaves nothing half-done); its
 * arrival still counts in that round (an interrupt runs no code of ours), so after an interrupt
 * start again with a new Barrier.
 */
import { inspect } from 'node:util';
import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { nprocs } from '../core/process-table.js';
import { interruptPoint, native } from '../native.js';
import { SharedArray } from '../shared/shared-array.js';
import { deadHolder, hold, holdEpoch, self, type Who } from './barrier-holders.js';
import {
  BROKEN,
  BY_MS,
  BY_OSPID,
  BY_PID,
  BY_THREAD,
  BY_TID,
  COUNT,
  DIED,
  GENERATION,
  INTACT,
  stateLength,
  TIMED_OUT,
  WRITING,
} from './barrier-layout.js';

/** The deadline of `arrive()` when neither it nor `Barrier.create` is given one. */
export const DEFAULT_BARRIER_TIMEOUT_MS = 60_000;
/** How often a waiting participant checks that the barrier's holders are alive. */
const CHECK_MS = 50;

/** Options of Barrier.create. */
export interface BarrierOptions {
  /** Default deadline of `arrive()`, in ms (Infinity for none). Default 60 000. */
  timeoutMs?: number;
  /** Processes that may arrive (the state's SharedArray participants). Default: as SharedArray.create. */
  pids?: number[];
}

/** Julia-style barrier across threads and processes; see the module comment. */
export class Barrier {
  /** How many arrivals complete a round. */
  readonly parties: number;
  /** The default deadline of `arrive()`, in ms. */
  readonly timeoutMs: number;
  readonly #state: SharedArray<'int32'>;
  /** The hold epoch in which this object last recorded its thread as a holder (barrier-holders.ts). */
  #held = -1;

  /** @internal A Barrier around its state, on arrival in a process (barrier-handle.ts) or a thread (transfer.ts). */
  static attach(state: SharedArray<'int32'>, parties: number, timeoutMs: number): Barrier {
    return new Barrier(state, parties, timeoutMs);
  }

  /** @internal The state's SharedArray, for the handle type and the transfer to threads. */
  get state(): SharedArray<'int32'> {
    return this.#state;
  }

  private constructor(state: SharedArray<'int32'>, parties: number, timeoutMs: number) {
    this.#state = state;
    this.parties = parties;
    this.timeoutMs = timeoutMs;
    // Wherever a Barrier is, its thread holds it (a process that does not map it cannot arrive).
    if (state.isMapped && !state.isClosed) this.#hold(state.data);
  }

  /**
   * A barrier for `parties` participants (threads or processes, in any mix). Its memory is
   * mapped in `opts.pids` (default: as SharedArray.create, which on the master means every
   * worker, and the creator always); only those processes and their threads can arrive.
   */
  static async create(parties: number, opts: BarrierOptions = {}): Promise<Barrier> {
    if (!Number.isSafeInteger(parties) || parties < 1) {
      throw coded(RangeError, 'ERR_INVALID_ARG', `Barrier.create: parties must be a whole number >= 1, got ${String(parties)}`);
    }
    const timeoutMs = checkTimeout('Barrier.create', opts.timeoutMs ?? DEFAULT_BARRIER_TIMEOUT_MS);
    // Room for every party twice over (threads come and go) and every process's main thread.
    const length = stateLength(Math.max(8, 2 * parties + nprocs()));
    const state = await SharedArray.create('int32', length, opts.pids ? { pids: opts.pids } : {});
    return new Barrier(state, parties, timeoutMs);
  }

  /**
   * Wait until all `parties` have arrived at this round. Throws ERR_BARRIER_TIMEOUT after
   * `timeoutMs` (which breaks the barrier for the others), and ERR_BARRIER_BROKEN when a
   * participant died or timed out. Blocks this thread (its event loop too).
   */
  arrive(timeoutMs: number = this.timeoutMs): void {
    checkTimeout('arrive', timeoutMs);
    const a = this.#view();
    this.#hold(a);
    if (Atomics.load(a, BROKEN) !== INTACT) throw brokenError(a);
    const generation = Atomics.load(a, GENERATION);
    const arrived = Atomics.add(a, COUNT, 1) + 1;
    if (arrived >= this.parties) {
      // The last one: open the next round, then wake everyone (in every process).
      Atomics.store(a, COUNT, 0);
      Atomics.add(a, GENERATION, 1);
      native().futexWake(a, GENERATION, Infinity);
      return;
    }
    const deadline = performance.now() + timeoutMs;
    const { futexWait } = native();
    for (;;) {
      const left = deadline - performance.now();
      futexWait(a, GENERATION, generation, Math.max(0, Math.min(CHECK_MS, left)));
      if (Atomics.load(a, GENERATION) !== generation) return;
      if (Atomics.load(a, BROKEN) !== INTACT) throw brokenError(a);
      const dead = deadHolder(a);
      if (dead) {
        breakBarrier(a, DIED, dead, 0);
        throw brokenError(a);
      }
      if (performance.now() >= deadline) {
        const arrivedNow = Atomics.load(a, COUNT);
        breakBarrier(a, TIMED_OUT, self(), timeoutMs);
        throw coded(
          Error,
          'ERR_BARRIER_TIMEOUT',
          `barrier: timed out after ${timeoutMs} ms with ${arrivedNow} of ${this.parties} parties arrived at this round; ` +
            'a participant may have stopped before calling arrive() (after an error?), or fewer participants than parties run. ' +
            'The barrier is now broken for every participant; allow longer with arrive(timeoutMs) or Barrier.create(parties, { timeoutMs })',
        );
      }
      interruptPoint(); // between slices: an interrupt that cancelled the calling call stops it here
    }
  }

  /** How many participants have arrived at the current round and wait (Python's n_waiting). */
  get waiting(): number {
    return Atomics.load(this.#view(), COUNT);
  }

  /** True once a participant died or timed out: every later arrive() throws ERR_BARRIER_BROKEN. */
  get broken(): boolean {
    return Atomics.load(this.#view(), BROKEN) !== INTACT;
  }

  /** Release the barrier's memory (everywhere, when called by its creator). Idempotent. */
  async close(): Promise<void> {
    await this.#state.close();
  }

  /** `close()`, for `await using b = await Barrier.create(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** `Barrier(n parties, ...)` with its state, for `console.log` and `util.inspect`. */
  [inspect.custom](): string {
    if (this.#state.isClosed) return `Barrier(${this.parties} parties, closed)`;
    if (!this.#state.isMapped) return `Barrier(${this.parties} parties, not mapped in this process)`;
    const a = this.#state.data;
    return `Barrier(${this.parties} parties, ${Atomics.load(a, GENERATION)} rounds completed${Atomics.load(a, BROKEN) !== INTACT ? ', broken' : ''})`;
  }

  #view(): Int32Array {
    const S = this.#state;
    if (!S.isClosed && !S.isMapped) {
      throw coded(
        RangeError,
        'ERR_NOT_MAPPED',
        `this Barrier is not mapped in process ${myid()}: only the processes it was created for can arrive (Barrier.create(parties, { pids }))`,
      );
    }
    return S.data; // throws ERR_ARRAY_CLOSED after close()
  }

  /** Record this thread as a holder, once per object and hold epoch. */
  #hold(a: Int32Array): void {
    const epoch = holdEpoch();
    if (this.#held === epoch) return;
    hold(a);
    this.#held = epoch;
  }
}

function checkTimeout(op: string, ms: unknown): number {
  if (typeof ms !== 'number' || !(ms >= 0)) {
    throw coded(RangeError, 'ERR_INVALID_ARG', `${op}: timeoutMs must be a number >= 0 (or Infinity), got ${String(ms)}`);
  }
  return ms;
}

/** Mark the barrier broken (the first reason wins) and wake every waiter. */
function breakBarrier(a: Int32Array, reason: number, who: Who, ms: number): void {
  if (Atomics.compareExchange(a, BROKEN, INTACT, WRITING) === INTACT) {
    Atomics.store(a, BY_PID, who.pid);
    Atomics.store(a, BY_THREAD, who.thread);
    Atomics.store(a, BY_OSPID, who.ospid);
    Atomics.store(a, BY_TID, who.tid);
    Atomics.store(a, BY_MS, Math.min(ms, 0x7fff_ffff));
    Atomics.store(a, BROKEN, reason);
  }
  native().futexWake(a, GENERATION, Infinity);
}

function brokenError(a: Int32Array): Error {
  // A participant may be writing the reason this instant: it is a handful of stores away.
  let reason = Atomics.load(a, BROKEN);
  for (let spins = 0; reason === WRITING && spins < 100_000; spins++) reason = Atomics.load(a, BROKEN);
  const who = `process ${Atomics.load(a, BY_PID)}${Atomics.load(a, BY_THREAD) > 1 ? ` thread ${Atomics.load(a, BY_THREAD)}` : ''}`;
  const os = `OS pid ${Atomics.load(a, BY_OSPID)}, tid ${Atomics.load(a, BY_TID)}`;
  const why =
    reason === DIED
      ? `${who} (${os}) exited while taking part`
      : reason === TIMED_OUT
        ? `${who} (${os}) timed out after ${Atomics.load(a, BY_MS)} ms waiting for the others`
        : 'a participant failed';
  return coded(Error, 'ERR_BARRIER_BROKEN', `barrier broken: ${why}; no round can complete any more. Create a new Barrier to start again`);
}
