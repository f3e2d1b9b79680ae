import { registerInternal } from '../remote/functions.js';

/**
 * What a worker runs for its chunk of a `distributed` loop: the body over every index (or item)
 * of the chunk, reduced locally, in one call.
 *
 * The loop is compiled afresh (new Function) for each body: a compiled function of its own has
 * its own type feedback, so V8 sees one body and one reducer at the call sites and can inline
 * them, which a single shared loop called with many different bodies would prevent. Bodies that
 * return promises are awaited one after another.
 */
type Body = (x: unknown) => unknown;
type Reducer = (a: unknown, b: unknown) => unknown;
type Loop = (body: Body, reducer: Reducer | null, start: number, step: number, n: number, items: readonly unknown[] | null) => unknown;

const LOOP_SOURCE = `
  let acc;
  for (let k = 0; k < n; k++) {
    const v = body(items === null ? start + k * step : items[k]);
    if (v !== null && typeof v === 'object' && typeof v.then === 'function') return rest(k, v, acc);
    if (reducer !== null) acc = k === 0 ? v : reducer(acc, v);
  }
  return acc;
  async function rest(k, pending, acc) {
    for (;;) {
      const v = await pending;
      if (reducer !== null) acc = k === 0 ? v : reducer(acc, v);
      if (++k >= n) return acc;
      pending = body(items === null ? start + k * step : items[k]);
    }
  }
`;

const loops = new WeakMap<Body, Loop>();

function loopFor(body: Body): Loop {
  let loop = loops.get(body);
  if (!loop) {
    loop = new Function('body', 'reducer', 'start', 'step', 'n', 'items', LOOP_SOURCE) as Loop;
    loops.set(body, loop);
  }
  return loop;
}

/** Run `body` over the range chunk start, start+step, ... (n values); reduce when a reducer is given. */
export function runRangeChunk(body: Body, reducer: Reducer | null, start: number, step: number, n: number): unknown {
  return loopFor(body)(body, reducer, start, step, n, null);
}

/** Run `body` over the items of an array chunk. */
export function runArrayChunk(body: Body, reducer: Reducer | null, items: readonly unknown[]): unknown {
  return loopFor(body)(body, reducer, 0, 1, items.length, items);
}

registerInternal('runRangeChunk', runRangeChunk);
registerInternal('runArrayChunk', runArrayChunk);
