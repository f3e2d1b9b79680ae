/**
 * The pool threads of one process: `nthreads() - 1` worker_threads (the main thread is thread 1),
 * each started on first use and kept for the life of the process, so a `threads.for` costs one
 * message each way per thread rather than a thread start. Idle threads do not keep the process
 * alive; a thread that ends (a body called process.exit, a crash) fails the chunk it was running
 * with ERR_THREAD_EXITED and is started afresh for the next call.
 */
import { Worker } from 'node:worker_threads';
import { myid } from '../core/identity.js';
import { peerInfos, workerPids } from '../core/process-table.js';
import { coded, reviveError } from '../core/errors.js';
import { markThread } from './mark-thread.js';
import type { ChunkReply, RunChunk, ThreadSetup } from './messages.js';

// The thread's entry point imports the package (src/thread-main.ts).
const threadMain = new URL('../thread-main.js', import.meta.url);

/** A chunk's outcome: null when it finished, else the thread's error (with `threadid` set). */
export type ChunkOutcome = Error | null;

interface Slot {
  worker: Worker;
  threadid: number;
  pending: Map<number, (outcome: ChunkOutcome) => void>;
  /** An uncaught error the thread reported before exiting, to explain the exit. */
  crash: Error | null;
  /** The worker pids the thread last heard of (it mirrors the process's table). */
  peers: string | null;
}

/** The process's pool threads, each started on first use; see the module comment. */
export class ThreadPool {
  /** Pool threads (thread ids 2..size+1). */
  readonly size: number;
  readonly #nthreads: number;
  readonly #slots: (Slot | null)[];
  #nextJob = 1;

  constructor(nthreads: number) {
    this.#nthreads = nthreads;
    this.size = nthreads - 1;
    this.#slots = Array.from({ length: this.size }, () => null);
  }

  /**
   * Run a chunk on thread `threadid` (2..nthreads). Resolves with its outcome; rejects only when
   * the message cannot be posted (a value that cannot be cloned).
   */
  run(threadid: number, chunk: Omit<RunChunk, 'kind' | 'job' | 'peers'>): Promise<ChunkOutcome> {
    const slot = this.#slot(threadid);
    const job = this.#nextJob++;
    const peers = workerPids().join(',');
    const msg: RunChunk = { kind: 'run', job, ...chunk, peers: peers === slot.peers ? null : peerInfos() };
    return new Promise<ChunkOutcome>((resolve, reject) => {
      try {
        slot.worker.postMessage(msg);
      } catch (e) {
        reject(coded(TypeError, 'ERR_UNSERIALIZABLE', `cannot send the chunk of threads.for to thread ${threadid}: ${(e as Error).message}`));
        return;
      }
      slot.peers = peers;
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(job, resolve);
    });
  }

  #slot(threadid: number): Slot {
    const k = threadid - 2;
    const existing = this.#slots[k];
    if (existing) return existing;
    const setup: ThreadSetup = { pid: myid(), threadid, nthreads: this.#nthreads };
    // Started from a one-line script that imports the entry, rather than from the entry's file:
    // a file refuses to start when the process runs with --input-type (node --input-type=module
    // -e ...), and the threads should inherit the process's other options (loaders, V8 flags).
    const worker = new Worker(`import(${JSON.stringify(threadMain.href)})`, { eval: true, workerData: setup });
    const slot: Slot = { worker, threadid, pending: new Map(), crash: null, peers: null };
    this.#slots[k] = slot;
    worker.unref();
    worker.on('message', (r: ChunkReply) => {
      const settle = slot.pending.get(r.job);
      if (!settle) return;
      slot.pending.delete(r.job);
      if (slot.pending.size === 0) worker.unref();
      settle(r.kind === 'done' ? null : markThread(reviveError(r.error), threadid));
    });
    worker.on('error', (e) => (slot.crash = e));
    worker.on('exit', (code) => {
      if (this.#slots[k] === slot) this.#slots[k] = null;
      const why = slot.crash ? `: ${slot.crash.name}: ${slot.crash.message}` : '';
      for (const settle of slot.pending.values()) {
        const err = coded(Error, 'ERR_THREAD_EXITED', `thread ${threadid} exited (code ${code}) while running its chunk of threads.for${why}`, {
          threadid,
        });
        if (slot.crash) err.cause = slot.crash;
        settle(err);
      }
      slot.pending.clear();
    });
    return slot;
  }
}

