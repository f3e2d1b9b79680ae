/**
 * One thread of the worker_threads version (see threads.ts). It receives the two
 * SharedArrayBuffers once, then runs one `advectionChunk` per message and replies, so a run costs
 * one message each way per thread, like one remote call per worker process in the shared version.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { range } from '../../src/index.js';
import { advectionChunk, type Float64Array3 } from './kernels.js';

/** Given once, as workerData. */
export interface ThreadSetup {
  q: SharedArrayBuffer;
  u: SharedArrayBuffer;
  dims: [number, number, number];
}

/** A range as `[start, stop, step]`: a Range instance would lose its class in postMessage. */
export type RangeTriple = [number, number, number];

/** One run: the chunk this thread computes. */
export interface ChunkMessage {
  irange: RangeTriple;
  jrange: RangeTriple;
  trange: RangeTriple;
}

/** 'ready' once listening; then one reply per ChunkMessage, with the error's stack if it failed. */
export type ThreadReply = { kind: 'ready' } | { kind: 'done' } | { kind: 'failed'; error: string };

const port = parentPort;
if (port === null) throw new Error('thread-worker.js runs as a worker thread of threads.js, not on its own');
const setup = workerData as ThreadSetup;
const q: Float64Array3 = { data: new Float64Array(setup.q), dims: setup.dims };
const u: Float64Array3 = { data: new Float64Array(setup.u), dims: setup.dims };

const reply = (r: ThreadReply): void => port.postMessage(r);
port.on('message', (m: ChunkMessage) => {
  try {
    advectionChunk(q, u, range(...m.irange), range(...m.jrange), range(...m.trange));
    reply({ kind: 'done' });
  } catch (e) {
    reply({ kind: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
reply({ kind: 'ready' });
