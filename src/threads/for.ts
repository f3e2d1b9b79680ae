/**
 * `threads.for(r, body)`: Julia's `Threads.@threads for`. The iteration space is split into
 * `nthreads()` contiguous chunks, the larger ones first (10 items over 4 threads: 3, 3, 2, 2, as
 * Julia's static schedule); chunk 1 runs on the calling thread (thread 1, as in Julia) and chunk
 * k on pool thread k. No reducer, as in Julia: bodies write into shared memory (a SharedArray,
 * a SharedArrayBuffer) or use atomics.
 *
 * The body reaches the pool threads as it reaches other processes (src/threads/body.ts), with
 * SharedArrays and their views as the very same memory (src/threads/transfer.ts). On the calling
 * thread it is called as it is, like a remote call to myid(). Errors: the first error of each
 * chunk ends that chunk; the call rejects with it, or with a CompositeException (by thread id)
 * when several chunks failed, once every chunk has finished.
 * Inside a pool thread (a nested threads.for) the loop runs serially on that thread.
 */
import { CompositeException, coded } from '../core/errors.js';
import { isPoolThread } from '../core/identity.js';
import { Range } from '../core/range.js';
import { splitIndices } from '../parallel/splitrange.js';
import { runChunk } from './chunk.js';
import { markThread } from './mark-thread.js';
import type { RangeTriple } from './messages.js';
import { nthreads } from './nthreads.js';
import { ThreadPool, type ChunkOutcome } from './pool.js';
import { bodyToThread, valueToThread } from './transfer.js';

let pool: ThreadPool | null = null;

/** Run `body` for every element of `r`, split over the process's threads; see the module comment. */
export async function threadsFor<T>(r: Range | readonly T[], body: (i: T) => unknown): Promise<void> {
  if (!(r instanceof Range) && !Array.isArray(r)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `threads.for: the iteration space must be a Range (range(0, n)) or an array, got ${r === null ? 'null' : typeof r}`);
  }
  if (typeof body !== 'function') throw coded(TypeError, 'ERR_INVALID_ARG', `threads.for: body must be a function (i) => ..., got ${typeof body}`);
  const n = isPoolThread() ? 1 : nthreads();
  const bounds = splitIndices(r, n);
  const chunkOf = (k: number): { kind: 'range'; range: RangeTriple } | { kind: 'items'; items: readonly T[] } => {
    const b = bounds[k] as Range;
    if (r instanceof Range) {
      const c = r.slice(b.start, b.stop);
      return { kind: 'range', range: [c.start, c.stop, c.step] };
    }
    return { kind: 'items', items: r.slice(b.start, b.stop) };
  };
  if (bounds.length === 0) return;
  if (bounds.length === 1) return runChunk(body, chunkOf(0));

  // Everything that can fail on this side fails before any chunk starts.
  const wire = bodyToThread(body, 'threads.for body');
  const messages = bounds.slice(1).map((_, j) => {
    const chunk = chunkOf(j + 1);
    if (chunk.kind === 'range') return { chunk, records: wire.records, modules: wire.modules };
    const items = valueToThread(chunk.items, `threads.for items`);
    return { chunk: { kind: 'items' as const, items: items.value as unknown[] }, records: wire.records || items.records, modules: [...new Set([...wire.modules, ...items.modules])] };
  });
  pool ??= new ThreadPool(n);
  const others = messages.map((m, j) => pool!.run(j + 2, { body: wire.value, ...m }).catch((e: Error) => e));
  let mine: ChunkOutcome = null;
  try {
    await runChunk(body, chunkOf(0));
  } catch (e) {
    mine = markThread(e instanceof Error ? e : new Error(`non-Error value thrown: ${String(e)}`), 1);
  }
  const errors = [mine, ...(await Promise.all(others))].filter((e): e is Error => e !== null);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new CompositeException(errors);
}
