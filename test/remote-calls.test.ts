// Remote calls: every call form to a remote pid and to myid(), payload round trips,
// worker-to-worker calls, capture(), and arguments that cannot travel.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';

const { addprocs, myid, remotecall, remotecallFetch, remotecallWait, remoteDo, spawnat, fetchfrom, capture, Future, RemoteChannel, Channel, RemoteException } = sa;

let ws: number[] = [];
let w = 0;
beforeAll(async () => {
  ws = await addprocs(3);
  w = ws[0]!;
});
afterAll(removeAllWorkers);

describe('every call form, remote and local', () => {
  const f = (a: number, b = 0, { kw1 = 0, kw2 = 0 }: { kw1?: number; kw2?: number } = {}) => a + b + kw1 + kw2;

  it('remotecall, remotecallFetch, remotecallWait, spawnat, fetchfrom give the same answers', async () => {
    for (const pid of [w, 1]) {
      expect(await remotecallFetch(f, pid, 1)).toBe(1);
      expect(await remotecallFetch(f, pid, 1, 2)).toBe(3);
      expect(await remotecallFetch(f, pid, 1, 2, { kw1: 4, kw2: 8 })).toBe(15);
      expect(await remotecall(f, pid, 1, 2, { kw1: 4 }).fetch()).toBe(7);
      expect(await (await remotecallWait(f, pid, 1, 2, { kw2: 8 })).fetch()).toBe(11);
      expect(await spawnat(pid, f, 1, 2, { kw1: 4, kw2: 8 }).fetch()).toBe(15);
      expect(await fetchfrom(pid, f, 5)).toBe(5);
      expect(await remotecallFetch(() => myid(), pid)).toBe(pid);
    }
  });

  it('a function returning a promise: callers see its settled value', async () => {
    const later = (x: number) => new Promise<number>((resolve) => setImmediate(() => resolve(x * 2)));
    for (const pid of [w, 1]) {
      expect(await remotecallFetch(later, pid, 21)).toBe(42);
      expect(await remotecall(later, pid, 4).fetch()).toBe(8);
      const fut = await remotecallWait(later, pid, 5);
      expect(await fut.isready()).toBe(true);
      expect(await fut.fetch()).toBe(10);
    }
  });

  it('remotecall returns a Future at once; remotecallWait waits, the value stays on the pid', async () => {
    const fut = remotecall(() => myid(), w);
    expect(fut).toBeInstanceOf(Future);
    expect(fut.where).toBe(w);
    expect(await fut.fetch()).toBe(w);
    const waited = await remotecallWait(() => ['kept', myid()], w);
    expect(waited.where).toBe(w);
    expect(await waited.isready()).toBe(true);
    expect(await waited.fetch()).toEqual(['kept', w]);
  });

  it('remoteDo runs for its effect (D2), remote and local', async () => {
    for (const pid of [w, 1]) {
      const fut = new Future<number>();
      remoteDo((x: sa.Future<number>) => x.put(myid()), pid, fut);
      expect(await fut.fetch()).toBe(pid);
    }
    const rc = await RemoteChannel.create<string>(() => new Channel(4), ws[1]);
    remoteDo((c: sa.RemoteChannel<string>, s: string) => c.put(`${s} from ${myid()}`), w, rc, 'hello');
    expect(await rc.take()).toBe(`hello from ${w}`);
  });

  it("spawnat('any') goes round-robin over workers()", async () => {
    const got: number[] = [];
    for (let i = 0; i < 2 * ws.length; i++) got.push(await spawnat('any', () => myid()).fetch());
    const start = got.indexOf(ws[0]!);
    const expected = Array.from({ length: got.length }, (_, i) => ws[(i + ws.length - start) % ws.length]);
    expect(got).toEqual(expected);
  });

  it('values that are not results: undefined, null, 10', async () => {
    expect(await remotecall(() => undefined, w).fetch()).toBeUndefined();
    expect(await remotecallFetch(() => null, w)).toBeNull();
    expect(await remotecallFetch(() => 10, w)).toBe(10);
  });

  it('rejects bad pids and non-functions with codes', async () => {
    await expect(remotecallFetch(() => 1, -1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect(() => remotecall(() => 1, 1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    await expect((remotecallFetch as (f: unknown, pid: number) => Promise<unknown>)(42, w)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG' });
  });
});

describe("the seed's local invocations", () => {
  it('a call to myid() works on the very same objects; a remote call on copies', async () => {
    let v = [0];
    let v2 = await remotecallFetch(
      (x: number[]) => {
        x[0] = 1;
        return x;
      },
      myid(),
      v,
    );
    expect(v).toEqual([1]);
    expect(v2).toBe(v);
    v = [0];
    v2 = await remotecallFetch(
      (x: number[]) => {
        x[0] = 1;
        return x;
      },
      w,
      v,
    );
    expect(v).toEqual([0]);
    expect(v2).toEqual([1]);
    expect(v2).not.toBe(v);
  });

  it('put of one mutated object: a local RemoteChannel stores it three times, a remote one three copies', async () => {
    const run = async (pid: number): Promise<number[][]> => {
      const rc = await RemoteChannel.create<number[]>(() => new Channel(3), pid);
      const v = [0];
      for (let i = 1; i <= 3; i++) {
        v[0] = i;
        await rc.put(v);
      }
      const result: number[][] = [];
      for (let i = 0; i < 3; i++) result.push(await rc.take());
      return result;
    };
    const local = await run(myid());
    expect(local).toEqual([[3], [3], [3]]);
    expect(new Set(local).size).toBe(1);
    const remote = await run(w);
    expect(remote).toEqual([[1], [2], [3]]);
    expect(new Set(remote).size).toBe(3);
  });
});

describe('errors on one call leave the connection usable', () => {
  it('a free name the worker lacks, a throw, then a good call', async () => {
    const e = await remotecallFetch(() => (globalThis as unknown as { nope: () => number }).nope(), w).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteException);
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const e2 = await remotecallFetch(() => rand2(), w).catch((x: unknown) => x);
    expect((e2 as sa.RemoteException).cause).toBeInstanceOf(ReferenceError);
    expect((e2 as sa.RemoteException).cause.message).toMatch(/rand2 is not defined on worker \d+.*capture\(\{ rand2 \}, f\)/);
    expect(await remotecallFetch(() => 'test', w)).toBe('test');
  });
});
declare function rand2(): number;

describe('payloads round trip unchanged', () => {
  const echo = <T>(x: T): T => x;

  it('1e6-element arrays, 1e5 strings, typed arrays', async () => {
    const ones = new Array<number>(1e6).fill(1);
    const back = (await remotecallFetch(echo, w, ones)) as number[];
    expect(back.length).toBe(1e6);
    expect(back.every((x) => x === 1)).toBe(true);
    const strings = Array.from({ length: 1e5 }, (_, i) => `s${i}-${'x'.repeat(i % 17)}`);
    expect(await remotecallFetch(echo, w, strings)).toEqual(strings);
    const f64 = Float64Array.from({ length: 2e5 }, (_, i) => i / 3);
    const typed = [f64, new Int32Array([1, -2, 3]), new Uint8Array([255, 0]), new BigInt64Array([-(2n ** 63n), 5n]), new Float32Array([1.5])];
    const tback = (await remotecallFetch(echo, w, typed)) as typeof typed;
    for (let i = 0; i < typed.length; i++) {
      expect(tback[i]!.constructor).toBe(typed[i]!.constructor);
      expect(tback[i]).toEqual(typed[i]);
    }
  });

  it('Map, Set, Date, bigint, Error, -0, NaN, undefined, nested and cyclic data', async () => {
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    const value = {
      map: new Map<unknown, unknown>([['k', [1, 2]], [3, new Set(['x'])]]),
      set: new Set([1, 'two', 3n]),
      date: new Date(1_700_000_000_000),
      big: 2n ** 70n,
      err: new RangeError('boom'),
      negZero: -0,
      nan: Number.NaN,
      undef: undefined,
      arr: [undefined, null, -0],
      cyc,
    };
    const back = (await remotecallFetch(echo, w, value)) as typeof value;
    expect(back.map).toEqual(value.map);
    expect(back.set).toEqual(value.set);
    expect(back.date).toBeInstanceOf(Date);
    expect(back.date.getTime()).toBe(value.date.getTime());
    expect(back.big).toBe(2n ** 70n);
    expect(back.err).toBeInstanceOf(Error);
    expect(back.err.message).toBe('boom');
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(Number.isNaN(back.nan)).toBe(true);
    expect('undef' in back).toBe(true);
    expect(back.undef).toBeUndefined();
    expect(Object.is(back.arr[2], -0)).toBe(true);
    expect(back.cyc.self).toBe(back.cyc);
    // Bare numbers travel on a fast path: -0 and NaN survive it too.
    expect(Object.is(await remotecallFetch(() => -0, w), -0)).toBe(true);
    expect(Number.isNaN(await remotecallFetch(() => Number.NaN, w))).toBe(true);
    expect(await remotecallFetch(() => 2n ** 64n, w)).toBe(2n ** 64n);
  });

  it('10,000 sequential small calls, nothing lost or reordered', async () => {
    const got: number[] = [];
    for (let i = 0; i < 10_000; i++) got.push(await remotecallFetch((x: number) => x + myid(), w, i));
    expect(got).toEqual(Array.from({ length: 10_000 }, (_, i) => i + w));
  });

  it('10 concurrent batches of 10 arrays of 2e5 floats', async () => {
    const batches = Array.from({ length: 10 }, (_, b) =>
      Promise.all(Array.from({ length: 10 }, (_, k) => remotecallFetch(echo, ws[(b + k) % ws.length]!, new Float64Array(2e5).fill(b * 10 + k)) as Promise<Float64Array>)),
    );
    const results = await Promise.all(batches);
    for (const [b, batch] of results.entries()) {
      for (const [k, arr] of batch.entries()) expect(arr[0] === b * 10 + k && arr[199_999] === b * 10 + k).toBe(true);
    }
  });

  it('10,000 local spawnat + fetch complete', async () => {
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += await spawnat(myid(), () => myid()).fetch();
    expect(sum).toBe(10_000);
  });
});

describe('worker to worker', () => {
  it('a worker calls another, in both directions', async () => {
    const [a, b, c] = ws as [number, number, number];
    expect(await remotecallFetch((p: number) => remotecallFetch(() => myid(), p), a, c)).toBe(c);
    expect(await remotecallFetch((p: number) => remotecallFetch(() => myid(), p), c, a)).toBe(a);
    expect(await remotecallFetch((p: number) => fetchfrom(p, () => myid() * 10), b, a)).toBe(a * 10);
  });

  it('a three-hop spawnat chain: 2 spawnat 3 spawnat 4', async () => {
    const [a, b, c] = ws as [number, number, number];
    const chain = (p: number, q: number) => spawnat(p, (r: number) => spawnat(r, () => [myid()]).fetch(), q).fetch();
    expect(await remotecallFetch(chain, a, b, c)).toEqual([c]);
  });

  it('a Future made on one worker is fetched on another', async () => {
    const [a, b] = ws as [number, number];
    const fut = remotecall(() => 'made on a', a);
    expect(await remotecallFetch((f: sa.Future<string>) => f.fetch(), b, fut)).toBe('made on a');
  });
});

describe('capture()', () => {
  it('values in env are in scope on the worker', async () => {
    const a = 7;
    const name = 'z';
    const g = capture({ a, name }, (x: number) => `${name}${a * x}`);
    expect(await remotecallFetch(g, w, 6)).toBe('z42');
    expect(g(1)).toBe('z7'); // locally it is just the function
  });

  it("let-style capture: each closure keeps the value it was made with", async () => {
    const fs: ((...a: never[]) => number)[] = [];
    for (let i = 0; i < 3; i++) fs.push(capture({ i }, () => i * 100 + myid()));
    expect(await Promise.all(fs.map((g) => remotecallFetch(g, w)))).toEqual([w, 100 + w, 200 + w]);
  });

  it('a large captured value crosses once per worker, not once per call', async () => {
    const big = { blob: 'b'.repeat(4_000_000), count: 0 };
    const g = capture({ big }, () => ++big.count);
    const ospid = await remotecallFetch(() => process.pid, w);
    const rchar = (): number => Number(/rchar: (\d+)/.exec(readFileSync(`/proc/${ospid}/io`, 'utf8'))![1]);
    const before = rchar();
    // The env object persists on the worker between calls: it arrived once.
    expect(await remotecallFetch(g, w)).toBe(1);
    expect(await remotecallFetch(g, w)).toBe(2);
    expect(await remotecall(g, w).fetch()).toBe(3);
    const read = rchar() - before;
    expect(read).toBeGreaterThan(4_000_000);
    expect(read).toBeLessThan(8_000_000);
    // Another worker gets its own copy, once.
    expect(await remotecallFetch(g, ws[1]!)).toBe(1);
    expect(big.count).toBe(0);
  });

  it('functions travel as top-level arguments', async () => {
    expect(await remotecallFetch((f: (x: number) => number, x: number) => f(x), w, (y: number) => y * 2, 21)).toBe(42);
    const k = 3;
    expect(await remotecallFetch((f: (x: number) => number) => f(1), w, capture({ k }, (y: number) => y + k))).toBe(4);
  });

  it('rejects bad capture arguments', () => {
    expect(() => capture(null as never, () => 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => capture({ 'not-a-name': 1 }, () => 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => capture({}, 5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });
});

describe('arguments that cannot travel are rejected on the caller side', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const cases: [string, unknown, RegExp][] = [
    ['a function nested in an object', { f: () => 1 }, /args\[0\]\.f/],
    ['a symbol', Symbol('s'), /symbol.*args\[0\]|args\[0\].*symbol/],
    ['a class instance', { p: [new Point(1)] }, /class Point at args\[0\]\.p\[0\]/],
    ['a Promise', Promise.resolve(1), /Promise at args\[0\]/],
  ];
  for (const [what, value, named] of cases) {
    it(`${what}: TypeError ERR_UNSERIALIZABLE naming it`, async () => {
      const e = await remotecallFetch((x: unknown) => typeof x, w, value as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TypeError);
      expect((e as { code?: string }).code).toBe('ERR_UNSERIALIZABLE');
      expect((e as Error).message).toMatch(named);
      expect(() => remotecall((x: unknown) => typeof x, w, value as never)).toThrow(TypeError);
      expect(() => remoteDo((x: unknown) => typeof x, w, value as never)).toThrow(TypeError);
      // The cluster is unharmed, and the same function still works with good arguments.
      expect(await remotecallFetch((x: unknown) => typeof x, w, 1 as never)).toBe('number');
    });
  }

  it('an unshippable result is an error on the worker, reported to the caller', async () => {
    const e = await remotecallFetch(() => ({ f: () => 1 }), w).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteException);
    expect((e as sa.RemoteException).cause).toMatchObject({ name: 'TypeError', code: 'ERR_UNSERIALIZABLE' });
    expect(await remotecallFetch(() => 1, w)).toBe(1);
  });

  it('built-in and bound functions cannot be shipped as source', async () => {
    const bound = function (this: unknown) { return 1; }.bind(null);
    await expect(remotecallFetch(bound, w)).rejects.toMatchObject({ code: 'ERR_UNSHIPPABLE_FUNCTION' });
    // Known built-ins travel by name.
    expect(await remotecallFetch(Math.max, w, 1, 5, 3)).toBe(5);
  });
});
