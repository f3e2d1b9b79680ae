/**
 * Who holds a Barrier, so that a participant's death breaks it instead of leaving the others to
 * their deadline. Every thread that has a Barrier object (its creator, every process it arrives
 * in, every pool thread whose chunk received it) and every thread that arrives records itself in
 * the state's registry: OS pid and kernel thread id, plus its cluster pid and thread id to name
 * it. Waiters look at the registered threads every time they wake (src/threads/barrier.ts): one
 * that has ended, or whose process is a zombie (a killed worker nobody has reaped yet), died
 * holding the barrier.
 *
 * A process's threads hold a barrier for its whole life; a pool thread of `threads.for` only
 * until its chunk ends (thread-main.ts calls releaseChunkHolds), so a pool thread that exits
 * between calls, and is replaced, does not break a barrier it is not using. A full registry
 * leaves later holders to the deadline alone.
 */
import { readFileSync } from 'node:fs';
import { isPoolThread, myid } from '../core/identity.js';
import { native } from '../native.js';
import { capacityOf, ENTRY, REGISTRY, USED } from './barrier-layout.js';
import { threadid } from './threadid.js';

/** A thread of some process of this host, as a barrier names it. */
export interface Who {
  pid: number;
  thread: number;
  ospid: number;
  tid: number;
}

/** The calling thread. */
export function self(): Who {
  return { pid: myid(), thread: threadid(), ospid: process.pid, tid: native().threadId() };
}

/** Entries this pool thread took during its current chunk, freed when it ends. */
const chunkHolds: { a: Int32Array; entry: number; tid: number }[] = [];
let epoch = 0;

/**
 * Changes whenever this thread lets go of its holds (at the end of a pool thread's chunk), so a
 * Barrier object knows to record its thread again.
 */
export function holdEpoch(): number {
  return epoch;
}

/** Record the calling thread as a holder of the barrier whose state is `a`, unless it is already. */
export function hold(a: Int32Array): void {
  const tid = native().threadId();
  const capacity = capacityOf(a);
  const used = Math.min(Atomics.load(a, USED), capacity);
  for (let k = 0; k < used; k++) {
    const e = REGISTRY + k * ENTRY;
    if (Atomics.load(a, e) === process.pid && Atomics.load(a, e + 1) === tid) return;
  }
  const e = claim(a, used, capacity);
  if (e < 0) return; // full: the deadline alone covers this thread
  Atomics.store(a, e + 1, tid);
  Atomics.store(a, e + 2, myid());
  Atomics.store(a, e + 3, threadid());
  Atomics.store(a, e, process.pid);
  if (isPoolThread()) chunkHolds.push({ a, entry: e, tid });
}

/** A free entry, taken (its OS pid set to -1 while it is written), or -1 when there is none. */
function claim(a: Int32Array, used: number, capacity: number): number {
  for (let k = 0; k < used; k++) {
    const e = REGISTRY + k * ENTRY;
    if (Atomics.compareExchange(a, e, 0, -1) === 0) return e;
  }
  for (;;) {
    const k = Atomics.add(a, USED, 1);
    if (k >= capacity) return -1;
    const e = REGISTRY + k * ENTRY;
    if (Atomics.compareExchange(a, e, 0, -1) === 0) return e;
  }
}

/** A pool thread's chunk is over: it holds none of the barriers it received for it any more. */
export function releaseChunkHolds(): void {
  for (const { a, entry, tid } of chunkHolds.splice(0)) {
    // Only the entry as this thread wrote it.
    if (Atomics.load(a, entry + 1) === tid) Atomics.compareExchange(a, entry, process.pid, 0);
  }
  epoch++;
}

/** A registered holder whose thread has ended, other than the calling one; null when none has. */
export function deadHolder(a: Int32Array): Who | null {
  const me = native().threadId();
  const used = Math.min(Atomics.load(a, USED), capacityOf(a));
  for (let k = 0; k < used; k++) {
    const e = REGISTRY + k * ENTRY;
    const ospid = Atomics.load(a, e);
    if (ospid <= 0) continue;
    const tid = Atomics.load(a, e + 1);
    // Re-read: an entry freed and taken again between the two reads is skipped this time.
    if (tid === me || Atomics.load(a, e) !== ospid) continue;
    if (!threadAlive(ospid, tid)) return { pid: Atomics.load(a, e + 2), thread: Atomics.load(a, e + 3), ospid, tid };
  }
  return null;
}

/** The thread runs: its /proc entry exists and is not a zombie (exited, unreaped) or dead. */
function threadAlive(ospid: number, tid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${ospid}/task/${tid}/stat`, 'latin1');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X' && state !== 'x';
}
