// distributed() — Julia's `@distributed`: splitrange partition over workers(), reduction in worker
// order, ranges and arrays, the caller-side checks, failures, and the seed's examples. Shipped
// functions use only locals and capture()d values (see the suite's convention).
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';
import { rejection } from './helpers/rejection.js';

const { workers, myid, nworkers, distributed, pmap, range, spawnat, remotecallFetch, capture, SharedArray, RemoteException } = sa;
type RE = sa.RemoteException;
// A name no process defines (for the ReferenceError case).
declare const notDefinedAnywhere: number;


// Everything before addprocs: the master is the only process.
describe('with no workers, pid 1 works', () => {
  it('distributed, pmap and a remote call run on pid 1', async () => {
    expect(workers()).toEqual([1]);
    expect(await distributed(range(0, 100), () => 1, (a: number, b: number) => a + b)).toBe(100);
    expect(await distributed(range(0, 10), () => [myid()], (a: number[], b: number[]) => a.concat(b))).toEqual(new Array(10).fill(1));
    const seen: number[] = [];
    // Runs in this process: the very closure, so it may touch test-local state.
    await distributed(range(0, 5), (i: number) => void seen.push(i));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(await pmap((x: number) => x, range(0, 100))).toEqual([...range(0, 100)]);
    expect(new Set(await pmap(() => myid(), range(0, 20)))).toEqual(new Set([1]));
    expect(await remotecallFetch(() => myid(), 1)).toBe(1);
  });
});

describe('with workers', () => {
  const ws = useWorkers(3);

  type Pair = [number, number];
  const concat = (a: Pair[], b: Pair[]): Pair[] => a.concat(b);
  const pairOf = (i: number): Pair[] => [[myid(), i]];

  describe('partition', () => {
    it('splitrange: each worker gets M or M+1 iterations, the first chunks take the extras', async () => {
      expect(nworkers()).toBe(3);
      for (const n of [7, 11, 12, 2, 1]) {
        const pairs = await distributed(range(0, n), pairOf, concat);
        expect(pairs.map((p) => p[1])).toEqual([...range(0, n)]);
        const counts = ws.map((w) => pairs.filter((p) => p[0] === w).length);
        const each = Math.floor(n / 3);
        const extras = n % 3;
        // The first `extras` workers get one more; with fewer items than workers, one each.
        expect(counts).toEqual(ws.map((_, k) => each + (k < extras ? 1 : 0)));
        // Contiguous chunks, in worker order.
        let at = 0;
        for (let k = 0; k < ws.length; k++) {
          const mine = pairs.filter((p) => p[0] === ws[k]).map((p) => p[1]);
          expect(mine).toEqual([...range(at, at + mine.length)]);
          at += mine.length;
        }
        expect(Math.max(...counts) - Math.min(...counts.filter((c) => c > 0))).toBeLessThanOrEqual(1);
      }
    });

    it('a short range sums', async () => {
      expect(await distributed(range(1, 3), (i: number) => i, (a: number, b: number) => a + b)).toBe(3);
    });

    it('reduces in worker order: a non-commutative reducer gives the same result every time', async () => {
      const want = [...range(0, 40)].map((i) => `${i},`).join('');
      for (let round = 0; round < 4; round++) {
        expect(await distributed(range(0, 40), (i: number) => `${i},`, (a: string, b: string) => a + b)).toBe(want);
      }
    });

    it('over arrays as well as ranges', async () => {
      const items = ['a', 'b', 'c', 'd', 'e'];
      expect(await distributed(items, (x: string) => x.toUpperCase(), (a: string, b: string) => a + b)).toBe('ABCDE');
      const objs = [{ v: 1 }, { v: 2 }, { v: 3 }, { v: 4 }];
      expect(await distributed(objs, (o: { v: number }) => o.v * 10, (a: number, b: number) => a + b)).toBe(100);
      const pairs = await distributed([10, 20, 30, 40, 50, 60, 70], pairOf, concat);
      expect(pairs.map((p) => p[1])).toEqual([10, 20, 30, 40, 50, 60, 70]);
      expect(pairs.map((p) => p[0])).toEqual([ws[0], ws[0], ws[0], ws[1], ws[1], ws[2], ws[2]]);
    });

    it('stepped and descending ranges keep their step', async () => {
      for (const r of [range(0, 20, 3), range(10, 0, -3), range(5, -6, -1), range(-4, 4, 2)]) {
        const pairs = await distributed(r, pairOf, concat);
        expect(pairs.map((p) => p[1])).toEqual([...r]);
        expect(new Set(pairs.map((p) => p[0])).size).toBe(Math.min(3, r.length));
      }
    });

    it('evaluates the range once', async () => {
      let evaluated = 0;
      const make = (): sa.Range => {
        evaluated++;
        return range(0, 2);
      };
      expect(await distributed(make(), (i: number) => i + 1, (a: number, b: number) => a + b)).toBe(3);
      expect(evaluated).toBe(1);
    });
  });

  describe('without a reducer', () => {
    it('settles when every chunk is done: the side effects are visible right after', async () => {
      const S = await SharedArray.create('int32', 1000);
      for (let round = 1; round <= 3; round++) {
        const r = await distributed(range(0, 1000), capture({ S, round }, (i: number) => {
          S.data[i] = i * round;
        }));
        expect(r).toBeUndefined();
        expect(Array.from(S.data)).toEqual([...range(0, 1000)].map((i) => i * round));
      }
      await S.close();
    });

    it('the seed: a plain array is copied to each worker, so the caller\'s array stays untouched', async () => {
      const a = new Array<number>(100).fill(0);
      await distributed(range(0, 100), capture({ a }, (i: number) => {
        a[i] = i;
      }));
      expect(a.every((x) => x === 0)).toBe(true);
    });

    it('the seed: a SharedArray loop fills the array', async () => {
      const a = await SharedArray.create('float64', 10);
      await distributed(range(0, 10), capture({ a }, (i: number) => {
        a.data[i] = i;
      }));
      expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await a.close();
    });
  });

  describe('the seed\'s examples', () => {
    function countHeads(n: number): number {
      let c = 0;
      for (let i = 0; i < n; i++) c += Math.random() < 0.5 ? 1 : 0;
      return c;
    }

    it('count_heads on two workers with spawnat, added together', async () => {
      const n = 1_000_000;
      const a = spawnat('any', capture({ countHeads, n }, () => [myid(), countHeads(n)]));
      const b = spawnat('any', capture({ countHeads, n }, () => [myid(), countHeads(n)]));
      const [pa, ha] = (await a.fetch()) as number[];
      const [pb, hb] = (await b.fetch()) as number[];
      expect(pa).not.toBe(pb);
      const total = ha! + hb!;
      // 2e6 fair flips: the standard deviation is ~707, so 1% off is more than 28 sigmas.
      expect(Math.abs(total - n)).toBeLessThan(0.01 * 2 * n);
    });

    it('nheads as a distributed sum', async () => {
      const flips = 2_000_000;
      const nheads = await distributed(range(0, flips), () => (Math.random() < 0.5 ? 1 : 0), (x: number, y: number) => x + y);
      expect(Number.isInteger(nheads)).toBe(true);
      expect(Math.abs(nheads - flips / 2)).toBeLessThan(0.01 * flips);
    });

    it('a read-only captured array, sampled in every iteration', async () => {
      const a = Array.from({ length: 1000 }, (_, k) => (k % 2 === 0 ? 3 : -3));
      const f = (x: number): number => x * x;
      const n = 100_000;
      const s = await distributed(range(0, n), capture({ a, f }, () => f(a[Math.floor(Math.random() * a.length)]!)), (x: number, y: number) => x + y);
      expect(s).toBe(9 * n);
      // Every worker sampled it.
      const who = await distributed(range(0, 30), capture({ a }, () => [[myid(), a.length]]), (x: number[][], y: number[][]) => x.concat(y));
      expect(new Set(who.map((p) => p[0]))).toEqual(new Set(ws));
      expect(who.every((p) => p[1] === 1000)).toBe(true);
    });
  });

  describe('async bodies', () => {
    it('are awaited one after another and reduced in order', async () => {
      const s = await distributed(range(0, 30), async (i: number) => {
        await null;
        return `${i},`;
      }, (a: string, b: string) => a + b);
      expect(s).toBe([...range(0, 30)].map((i) => `${i},`).join(''));
      const S = await SharedArray.create('int32', 30);
      await distributed(range(0, 30), capture({ S }, async (i: number) => {
        await Promise.resolve();
        S.data[i] = i + 1;
      }));
      expect(Array.from(S.data)).toEqual([...range(1, 31)]);
      await S.close();
    });

    it('a rejected async body rejects the loop with a RemoteException', async () => {
      const e = await rejection(distributed(range(0, 9), async (i: number) => {
        await null;
        if (i === 4) throw new Error('async boom');
        return i;
      }, (a: number, b: number) => a + b));
      expect(e).toBeInstanceOf(RemoteException);
      expect((e as RE).cause.message).toBe('async boom');
    });
  });

  describe('errors', () => {
    it('an empty range: with a reducer a coded error, without one it resolves', async () => {
      const e = await rejection(distributed(range(0, 0), (i: number) => i, (a: number, b: number) => a + b));
      expect(e).toBeInstanceOf(RangeError);
      expect((e as { code?: string }).code).toBe('ERR_INVALID_ARG');
      await expect(distributed(range(5, 5), (i: number) => i)).resolves.toBeUndefined();
      await expect(distributed([], (i: number) => i)).resolves.toBeUndefined();
    });

    it('a body or reducer that cannot travel fails on the caller\'s side before any work is sent', async () => {
      const C = await SharedArray.create('int32', 1);
      const count = capture({ C }, () => Atomics.add(C.data, 0, 1));
      for (const [body, reducer] of [
        [function (this: unknown) { return 1; }.bind(null), (a: number, b: number) => a + b],
        [count, Math.max.bind(Math)],
        [count, ((a: number, b: number) => a + b).bind(null)],
      ] as const) {
        const e = await rejection(distributed(range(0, 30), body as (i: number) => number, reducer as (a: number, b: number) => number));
        expect(e).toBeInstanceOf(TypeError);
        expect((e as { code?: string }).code).toBe('ERR_UNSHIPPABLE_FUNCTION');
      }
      const e = await rejection(distributed(range(0, 30), (() => 1).bind(null)));
      expect((e as { code?: string }).code).toBe('ERR_UNSHIPPABLE_FUNCTION');
      // Had any chunk been sent, it would have counted; a round trip to each worker flushes them.
      for (const w of ws) await remotecallFetch(() => 0, w);
      expect(C.data[0]).toBe(0);
      // The counting body itself is fine.
      await distributed(range(0, 30), count);
      expect(C.data[0]).toBe(30);
      await C.close();
    });

    it('r must be a range or an array', async () => {
      const e = await rejection(distributed(new Set([1, 2]) as unknown as number[], (i: number) => i));
      expect((e as { code?: string }).code).toBe('ERR_INVALID_ARG');
    });

    it('a chunk that throws rejects with RemoteException, only after the other chunks settled', async () => {
      // Chunk 0 (first worker) fails at once; the others spin a while, then mark themselves done.
      const done = await SharedArray.create('int32', 3);
      const w0 = ws[0]!;
      const e = await rejection(distributed(range(0, 3), capture({ done, w0 }, (i: number) => {
        if (myid() === w0) throw new Error('chunk failed');
        let s = 0;
        for (let k = 0; k < 3e7; k++) s += k & 1;
        done.data[i] = s > 0 ? 1 : 2;
      })));
      expect(e).toBeInstanceOf(RemoteException);
      expect((e as RE).pid).toBe(w0);
      expect((e as RE).cause.message).toBe('chunk failed');
      expect(Array.from(done.data)).toEqual([0, 1, 1]);
      await done.close();
    });

    it('of several failing chunks, the first in worker order is reported', async () => {
      for (let round = 0; round < 3; round++) {
        const e = await rejection(distributed(range(0, 3), (i: number) => {
          throw new Error(`chunk ${i}`);
        }));
        expect((e as RE).cause.message).toBe('chunk 0');
      }
    });

    it('a free name the worker lacks fails as a ReferenceError', async () => {
      const e = await rejection(distributed(range(0, 3), (i: number) => notDefinedAnywhere + i));
      expect(e).toBeInstanceOf(RemoteException);
      expect((e as RE).cause.name).toBe('ReferenceError');
    });
  });
});
