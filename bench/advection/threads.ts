/**
 * Version (4) of the benchmark: the chunked kernel on Node's own worker_threads over one pair of
 * SharedArrayBuffers, the alternative a Node user would reach for instead of worker processes.
 * A persistent pool: the threads get the buffers once at start, and a run posts each thread its
 * `myrange` chunk (all time steps) and resolves when every thread has replied.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { range, type Range } from '../../src/index.js';
import { myrange, type Float64Array3 } from './kernels.js';
import type { ChunkMessage, RangeTriple, ThreadReply, ThreadSetup } from './thread-worker.js';

export interface ThreadAdvectionOptions {
  /** Arrays are n×n×n float64. */
  n: number;
  /** Pool size; default `os.availableParallelism()`. */
  threads?: number;
}

export interface ThreadAdvection {
  /** Views on the SharedArrayBuffers the threads work on; fill `u` and `q[:,:,0]` before `run`. */
  readonly q: Float64Array;
  readonly u: Float64Array;
  readonly threads: number;
  /** One pass of the kernel over all time steps, split over the threads. One run at a time. */
  run(): Promise<void>;
  /** Stop the threads. Idempotent. */
  close(): Promise<void>;
}

/** Start the pool; resolves once every thread is ready to take a chunk. */
export async function createThreadAdvection(opts: ThreadAdvectionOptions): Promise<ThreadAdvection> {
  const { n } = opts;
  const nthreads = opts.threads ?? availableParallelism();
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isSafeInteger(nthreads) || nthreads < 1) throw new RangeError(`threads must be a positive integer, got ${nthreads}`);

  const dims: [number, number, number] = [n, n, n];
  const bytes = n * n * n * Float64Array.BYTES_PER_ELEMENT;
  const setup: ThreadSetup = { q: new SharedArrayBuffer(bytes), u: new SharedArrayBuffer(bytes), dims };
  const q: Float64Array3 = { data: new Float64Array(setup.q), dims };
  const chunks = Array.from({ length: nthreads }, (_, idx): ChunkMessage => {
    const [irange, jrange] = myrange(q, idx, nthreads);
    return { irange: triple(irange), jrange: triple(jrange), trange: triple(range(0, n - 1)) };
  });

  const script = new URL('./thread-worker.js', import.meta.url);
  const workers = chunks.map(() => new Worker(script, { workerData: setup }));
  // Each thread's pending reply: the ready handshake first, then one per run.
  let pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  let broken: Error | null = null;
  let closed = false;
  const expectReplies = (): Promise<void> =>
    Promise.all(workers.map((_, k) => new Promise<void>((resolve, reject) => (pending[k] = { resolve, reject })))).then(() => {
      pending = [];
    });
  // A failure fails the run it was part of and every later one: the other threads may still be
  // computing that run, and their late replies must not be taken for replies to the next.
  const fail = (e: Error): void => {
    broken ??= e;
    for (const p of pending) p.reject(e);
  };
  workers.forEach((w, k) => {
    w.on('message', (r: ThreadReply) => {
      if (r.kind === 'failed') fail(new Error(`thread ${k} failed: ${r.error}`));
      else pending[k]?.resolve();
    });
    w.on('error', (e) => fail(new Error(`thread ${k} crashed: ${e.message}`, { cause: e })));
    w.on('exit', (code) => {
      if (!closed) fail(new Error(`thread ${k} exited with code ${code}`));
    });
  });

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all(workers.map((w) => w.terminate()));
  };
  try {
    await expectReplies();
  } catch (e) {
    await close();
    throw e;
  }

  let running = false;
  return {
    q: q.data,
    u: new Float64Array(setup.u),
    threads: nthreads,
    async run(): Promise<void> {
      if (closed) throw new Error('this thread pool is closed');
      if (broken) throw broken;
      if (running) throw new Error('a run is already in progress; await it first');
      running = true;
      try {
        const replies = expectReplies();
        for (const [k, w] of workers.entries()) w.postMessage(chunks[k]);
        await replies;
      } finally {
        running = false;
      }
    },
    close,
  };
}

function triple(r: Range): RangeTriple {
  return [r.start, r.stop, r.step];
}
