/**
 * The messages between a process's main thread and its pool threads (src/threads/pool.ts and
 * src/thread-main.ts): one typed union each way.
 */
import type { ErrorShape } from '../core/errors.js';
import type { PeerInfo } from '../core/process-table.js';
import type { BodyDescription } from './body.js';

/** Given to a pool thread when it starts (workerData). */
export interface ThreadSetup {
  /** The process's cluster pid: myid() in the thread. */
  pid: number;
  /** This thread's threadid() (2..nthreads; the main thread is 1). */
  threadid: number;
  nthreads: number;
}

/** A range as `[start, stop, step]`. */
export type RangeTriple = [number, number, number];

/** Main thread → pool thread: run `body` over this chunk, then reply with the same `job`. */
export interface RunChunk {
  kind: 'run';
  job: number;
  body: BodyDescription;
  /** The body and the items hold records to rebuild (src/threads/transfer.ts). */
  records: boolean;
  /** Modules to import before the body is rebuilt (its exports travel by reference). */
  modules: string[];
  chunk: { kind: 'range'; range: RangeTriple } | { kind: 'items'; items: unknown[] };
  /** The process's workers, when they changed since the thread's last chunk (null: unchanged). */
  peers: PeerInfo[] | null;
}

/** Pool thread → main thread: the chunk finished, or stopped at the first error. */
export type ChunkReply = { kind: 'done'; job: number } | { kind: 'failed'; job: number; error: ErrorShape };
