// threads.for in one process (seed 000, "The @threads Macro"): chunks cover the iteration space
// exactly once and in Julia's static split, threadid()/nthreads()/myid() inside threads, SharedArray
// and SharedArrayBuffer memory shared with the threads, errors from chunks, bodies and values
// that cannot travel, a thread that exits. The process runs with 4 threads (the seed's count).
process.env.SHAREDARRAYS_NUM_THREADS = '4';

import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { parseNumThreads } from '../dist/src/threads/nthreads.js';
import { rejection } from './helpers/rejection.js';

const { threads, nthreads, threadid, myid, range, capture, SharedArray, atomicAdd, CompositeException } = sa;

describe('nthreads and threadid', () => {
  it('nthreads() comes from SHAREDARRAYS_NUM_THREADS; the main thread is thread 1', () => {
    expect(nthreads()).toBe(4);
    expect(threads.nthreads()).toBe(4);
    expect(threadid()).toBe(1);
  });

  it('reads the variable as Julia reads JULIA_NUM_THREADS: unset is 1, auto is the core count, junk is an error', () => {
    expect(parseNumThreads(undefined)).toBe(1);
    expect(parseNumThreads('')).toBe(1);
    expect(parseNumThreads(' 3 ')).toBe(3);
    expect(parseNumThreads('auto')).toBeGreaterThanOrEqual(1);
    for (const bad of ['0', '-2', '1.5', 'four', '100000']) {
      expect(() => parseNumThreads(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringContaining('SHAREDARRAYS_NUM_THREADS') }));
    }
  });
});

describe('chunks', () => {
  it("splits 10 iterations over 4 threads as Julia's @threads does: 1 1 1 2 2 2 3 3 4 4", async () => {
    const a = await SharedArray.create('float64', 10);
    await threads.for(range(0, 10), capture({ a }, (i: number) => {
      a.data[i] = threadid();
    }));
    expect([...a.data]).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 4, 4]);
    await a.close();
  });

  it('covers every element exactly once: stepped, descending, short and empty ranges, and arrays', async () => {
    const hits = await SharedArray.create('int32', 1000);
    const count = (r: sa.Range | number[]) =>
      threads.for(r as sa.Range, capture({ hits }, (i: number) => {
        atomicAdd(hits, i, 1);
      }));
    const expected = new Int32Array(1000);
    for (const r of [range(0, 1000), range(3, 997, 7), range(999, 0, -3), range(5, 7), range(4, 4)]) {
      await count(r);
      for (const i of r) expected[i]! += 1;
    }
    const items = [9, 500, 9, 17, 0];
    await count(items);
    for (const i of items) expected[i]! += 1;
    expect([...hits.data]).toEqual([...expected]);
    await hits.close();
  });

  it('runs chunk k on thread k, inside which threadid() is k, nthreads() is 4 and myid() is the process id', async () => {
    const seen = await SharedArray.create('int32', [3, 8]);
    await threads.for(range(0, 8), capture({ seen }, (i: number) => {
      seen.set(0, i, threadid());
      seen.set(1, i, nthreads());
      seen.set(2, i, myid());
    }));
    const row = (r: number) => Array.from({ length: 8 }, (_, i) => seen.get(r, i));
    expect(row(0)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(row(1)).toEqual(Array(8).fill(4));
    expect(row(2)).toEqual(Array(8).fill(myid()));
    await seen.close();
  });

  it('passes array items to the body, and awaits a body that returns a promise before the next item', async () => {
    const out = await SharedArray.create('float64', 6);
    const items = [{ k: 0, v: 1.5 }, { k: 1, v: 2.5 }, { k: 2, v: 3.5 }, { k: 3, v: 4.5 }, { k: 4, v: 5.5 }, { k: 5, v: 6.5 }];
    await threads.for(items, capture({ out }, async (it: { k: number; v: number }) => {
      await Promise.resolve();
      out.data[it.k] = it.v * 2;
    }));
    expect([...out.data]).toEqual([3, 5, 7, 9, 11, 13]);
    await out.close();
  });

  it('runs serially on the calling thread when there is one chunk, and inside a pool thread', async () => {
    const ids = await SharedArray.create('int32', 8);
    await threads.for([5], capture({ ids }, () => {
      ids.data[0] = threadid();
    }));
    expect(ids.data[0]).toBe(1);
    await threads.for(range(0, 4), capture({ ids }, async (i: number) => {
      if (i !== 3) return;
      // A nested loop in thread 4: all of it runs there.
      await threads.for(range(4, 8), capture({ ids }, (j: number) => {
        ids.data[j] = threadid();
      }));
    }));
    expect([...ids.data.subarray(4)]).toEqual([4, 4, 4, 4]);
    await ids.close();
  });
});

describe('memory the threads share', () => {
  it('a SharedArray, its data and a subarray of it are the same memory in every thread, not copies', async () => {
    const S = await SharedArray.create('float64', [4, 4]);
    const data = S.data;
    const col2 = S.data.subarray(8, 12);
    await threads.for(range(0, 4), capture({ S, data, col2 }, (i: number) => {
      S.set(i, 0, 10 + i);
      data[4 + i] = 20 + i;
      col2[i] = 30 + i;
    }));
    expect([...S.data.subarray(0, 12)]).toEqual([10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33]);
    await S.close();
  });

  it('a SharedArrayBuffer is shared as postMessage shares it', async () => {
    const buf = new Int32Array(new SharedArrayBuffer(16));
    await threads.for(range(0, 4), capture({ buf }, (i: number) => {
      buf[i] = threadid();
    }));
    expect([...buf]).toEqual([1, 2, 3, 4]);
  });

  it('a capture env works in threads as on other processes: helpers that use the other captured names, nested captures, named functions', async () => {
    const out = await SharedArray.create('float64', 4);
    const N = 10;
    // `scale` travels as source inside the env's scope (it sees N); `offset` brings its own env;
    // `hypot` is a built-in that travels by name.
    const scale = (x: number) => x * N;
    const k = 0.5;
    const offset = capture({ k }, (x: number) => x + k);
    const hypot = Math.hypot;
    await threads.for(range(0, 4), capture({ out, N, scale, offset, hypot }, (i: number) => {
      out.data[i] = offset(scale(i)) + hypot(3, 4);
    }));
    expect([...out.data]).toEqual([5.5, 15.5, 25.5, 35.5]);
    await out.close();
  });

  it('captured values arrive intact: nested SharedArrays, Ranges, Maps, functions', async () => {
    const S = await SharedArray.create('int32', 4);
    const arrays = [S];
    const r = range(0, 8, 2);
    const m = new Map([['k', 3]]);
    const twice = (x: number) => 2 * x;
    await threads.for(range(0, 4), capture({ arrays, r, m, twice }, (i: number) => {
      arrays[0]!.data[i] = twice(r.at(i)) + (m.get('k') ?? 0);
    }));
    expect([...S.data]).toEqual([3, 7, 11, 15]);
    await S.close();
  });
});

describe('errors', () => {
  it("a body that throws in a thread rejects with the thread's error: same class, message and code, with threadid", async () => {
    const e = (await rejection(
      threads.for(range(0, 8), (i: number) => {
        if (i === 6) throw Object.assign(new RangeError(`bad item ${i}`), { code: 'E_MINE' });
      }),
    )) as RangeError & { code: string; threadid: number };
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('bad item 6');
    expect(e.code).toBe('E_MINE');
    expect(e.threadid).toBe(4);
  });

  it('several failing chunks give a CompositeException ordered by thread, each chunk stopping at its first error', async () => {
    const done = await SharedArray.create('int32', 8);
    const e = (await rejection(
      threads.for(range(0, 8), capture({ done }, (i: number) => {
        if (i % 2 === 0 && i !== 2) throw new Error(`item ${i}`);
        done.data[i] = 1;
      })),
    )) as sa.CompositeException;
    expect(e).toBeInstanceOf(CompositeException);
    expect(e.code).toBe('ERR_COMPOSITE');
    expect(e.errors.map((x: Error & { threadid?: number }) => [x.threadid, x.message])).toEqual([
      [1, 'item 0'],
      [3, 'item 4'],
      [4, 'item 6'],
    ]);
    // Each chunk stopped at its error; the chunk without one ran to its end.
    expect([...done.data]).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    await done.close();
  });

  it('a free name the thread lacks is a ReferenceError naming it, as on other processes', async () => {
    const local = 5;
    // Only thread 2 reaches the free name (the main thread has it in its closure).
    const e = (await rejection(threads.for(range(0, 4), (i: number) => (threadid() === 2 ? i + local : i)))) as Error & { threadid: number };
    expect(e).toBeInstanceOf(ReferenceError);
    expect(e.message).toContain('local');
    expect(e.threadid).toBe(2);
  });

  it('refuses what cannot travel before anything runs', async () => {
    const ran = await SharedArray.create('int32', 1);
    class Point {
      x = 1;
    }
    const mark = capture({ ran }, () => void atomicAdd(ran, 0, 1));
    await expect(threads.for(range(0, 4), capture({ ran, p: new Point() }, () => void atomicAdd(ran, 0, 1)))).rejects.toMatchObject({
      code: 'ERR_UNSERIALIZABLE',
      message: expect.stringContaining('class Point'),
    });
    await expect(threads.for(range(0, 4), Math.max.bind(Math))).rejects.toMatchObject({ code: 'ERR_UNSHIPPABLE_FUNCTION' });
    await expect(threads.for([{ f: () => 1 }, { f: () => 2 }], mark)).rejects.toMatchObject({ code: 'ERR_UNSERIALIZABLE' });
    expect(ran.data[0]).toBe(0);
    await expect(threads.for(5 as unknown as sa.Range, mark)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(threads.for(range(0, 4), 'x' as unknown as () => void)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    const closed = await SharedArray.create('int32', 2);
    await closed.close();
    await expect(threads.for(range(0, 4), capture({ closed }, () => undefined))).rejects.toMatchObject({ code: 'ERR_ARRAY_CLOSED' });
    await ran.close();
  });

  it('a thread that exits mid-chunk fails the call with ERR_THREAD_EXITED; the next call gets a new thread', async () => {
    const e = (await rejection(
      threads.for(range(0, 4), (i: number) => {
        if (threadid() === 3) process.exit(7);
        return i;
      }),
    )) as Error & { code: string; threadid: number };
    expect(e.code).toBe('ERR_THREAD_EXITED');
    expect(e.threadid).toBe(3);
    expect(e.message).toContain('code 7');
    const ids = await SharedArray.create('int32', 4);
    await threads.for(range(0, 4), capture({ ids }, (i: number) => {
      ids.data[i] = threadid();
    }));
    expect([...ids.data]).toEqual([1, 2, 3, 4]);
    await ids.close();
  });
});
