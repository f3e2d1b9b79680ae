import type { RangeTriple } from './messages.js';

/**
 * Call `body` on each element of a chunk, in order, on this thread. The loop stays synchronous
 * while the body does; a body that returns a promise is awaited before the next element. Stops
 * at the first error (it propagates).
 */
export async function runChunk(body: Function, chunk: { kind: 'range'; range: RangeTriple } | { kind: 'items'; items: ArrayLike<unknown> }): Promise<void> {
  if (chunk.kind === 'range') {
    const [start, stop, step] = chunk.range;
    const n = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
    for (let k = 0, x = start; k < n; k++, x += step) {
      const r: unknown = body(x);
      if (isThenable(r)) await r;
    }
    return;
  }
  const { items } = chunk;
  for (let k = 0; k < items.length; k++) {
    const r: unknown = body(items[k]);
    if (isThenable(r)) await r;
  }
}

function isThenable(r: unknown): r is PromiseLike<unknown> {
  return r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function';
}
