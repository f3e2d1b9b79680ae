// pmap: ordered results, dynamic scheduling, batches, onError / retryDelays / retryCheck, worker
// death, local mode, pools, async iterables with bounded look-ahead, progress, aborting on the
// first error. Shipped functions use only locals and capture()d values (see the suite's
// convention). Nothing here measures time: balance is asserted by who did which item.
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { captureOutput } from './helpers/output.js';
import { useWorkers } from './helpers/cluster.js';
import { rejection } from './helpers/rejection.js';
import { gone, waitFor } from './helpers/wait.js';

const { addprocs, workers, myid, nworkers, pmap, range, remotecallFetch, capture, SharedArray, WorkerPool, RemoteException, ProcessExitedException } = sa;
type RE = sa.RemoteException;
type PE = InstanceType<typeof ProcessExitedException>;
type Coded = { code?: string };

const ws = useWorkers(2);


/** Busy work proportional to n (kept out of reach of the optimiser by its result). */
function spin(n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += k % 7;
  return s;
}

describe('results in input order', () => {
  it('with uneven item costs and batchSize 1, 7 and auto', async () => {
    const f = capture({ spin }, (x: number) => {
      spin(((x * 7919) % 13) * 20_000);
      return x * 2;
    });
    const want = [...range(0, 150)].map((x) => x * 2);
    for (const batchSize of [1, 7, 'auto'] as const) {
      expect(await pmap(f, range(0, 150), { batchSize })).toEqual(want);
    }
    expect(await pmap(f, range(0, 150))).toEqual(want);
  });

  it('batchSize auto over 100k tiny items', async () => {
    const out = await pmap((x: number) => x + 1, range(0, 100_000), { batchSize: 'auto' });
    expect(out.length).toBe(100_000);
    for (let k = 0; k < out.length; k++) if (out[k] !== k + 1) expect(out[k]).toBe(k + 1);
  });

  it('is map (F10): strings, arrays, Sets, generators', async () => {
    const up = (c: string): string => c.toUpperCase();
    expect(await pmap(up, 'Hello World!')).toEqual('Hello World!'.split('').map(up));
    expect(await pmap(up, 'Hello World!'.split(''))).toEqual('Hello World!'.split('').map(up));
    expect(await pmap((x: number) => x * x, new Set([3, 1, 2]))).toEqual([9, 1, 4]);
    function* gen(): Generator<number> {
      for (let i = 0; i < 25; i++) yield i;
    }
    expect(await pmap((x: number) => -x, gen())).toEqual([...gen()].map((x) => -x));
    expect(await pmap((x: number) => x, [])).toEqual([]);
    expect(await pmap((kv: [string, number]) => kv[0] + kv[1], new Map([['a', 1], ['b', 2]]))).toEqual(['a1', 'b2']);
    // Async f: its settled value.
    expect(await pmap(async (x: number) => {
      await null;
      return x + 0.5;
    }, [1, 2, 3], { batchSize: 2 })).toEqual([1.5, 2.5, 3.5]);
  });

  it('numbers come back exactly (-0, NaN), mixed values as they are, over arrays and stepped ranges', async () => {
    const xs = [...range(0, 3000)].map((k) => (k % 7 === 0 ? -0 : k % 11 === 0 ? Number.NaN : k / 3));
    const out = await pmap((x: number) => x, xs);
    expect(out.length).toBe(xs.length);
    expect(out.every((y, k) => Object.is(y, xs[k]))).toBe(true);
    const mixed = await pmap((x: number) => (x % 1000 === 999 ? `s${x}` : x % 1500 === 0 ? [x] : x), range(0, 3000));
    expect(mixed).toEqual([...range(0, 3000)].map((x) => (x % 1000 === 999 ? `s${x}` : x % 1500 === 0 ? [x] : x)));
    expect(await pmap((x: number) => x * 2, range(5000, 2, -3))).toEqual([...range(5000, 2, -3)].map((x) => x * 2));
    // Failed items among packed numbers take onError's value, in place.
    const withErrors = await pmap(
      (x: number) => {
        if (x % 500 === 3) throw new Error(`bad ${x}`);
        return x;
      },
      range(0, 3000),
      { onError: () => -1 },
    );
    expect(withErrors).toEqual([...range(0, 3000)].map((x) => (x % 500 === 3 ? -1 : x)));
  });

  it('spreads work over every worker', async () => {
    const pids = await pmap(() => myid(), range(0, 100));
    expect(new Set(pids).size).toBe(nworkers());
    expect(new Set(pids)).toEqual(new Set(ws));
  });
});

describe('dynamic scheduling', () => {
  it('uneven work balances: the worker with the big item does fewer items', async () => {
    // Item 0 is big: it keeps its worker busy until every other item has run (or 20 s passed,
    // which fails the test below). A scheduler that handed that worker more items up front
    // would never finish them in time; a dynamic one gives them all to the other worker.
    const n = 40;
    const C = await SharedArray.create('int32', 1);
    const f = capture({ C, n, spin }, (x: number) => {
      if (x === 0) {
        const deadline = Date.now() + 20_000;
        while (Atomics.load(C.data, 0) < n - 1 && Date.now() < deadline) spin(1000);
        return [myid(), Atomics.load(C.data, 0)];
      }
      spin(1e4);
      Atomics.add(C.data, 0, 1);
      return [myid(), -1];
    });
    for (const batchSize of [1, 'auto'] as const) {
      C.data[0] = 0;
      const out = await pmap(f, range(0, n), { batchSize });
      const who = out.map((r) => r[0]!);
      expect(out[0]![1]).toBe(n - 1);
      expect(new Set(who)).toEqual(new Set(ws));
      const big = who[0]!;
      const countBig = who.filter((p) => p === big).length;
      expect(countBig).toBe(1);
      expect(countBig).toBeLessThan(n - countBig);
    }
    await C.close();
  });
});

describe('local mode and pools', () => {
  it('distributed: false runs here, on the very same objects', async () => {
    const objs = [{ k: 0 }, { k: 1 }, { k: 2 }];
    const out = await pmap((o: { k: number }) => [myid(), o] as const, objs, { distributed: false });
    expect(out.map((r) => r[0])).toEqual([1, 1, 1]);
    for (const [k, r] of out.entries()) expect(r[1]).toBe(objs[k]);
    // Local mode needs no shipping: a bound or closure-using f is fine.
    const local: number[] = [];
    const bound = function (this: { add: number }, x: number): number {
      local.push(x);
      return x + this.add;
    }.bind({ add: 10 });
    expect(await pmap(bound, [1, 2, 3], { distributed: false })).toEqual([11, 12, 13]);
    expect(local.sort()).toEqual([1, 2, 3]);
  });

  it('the pool option restricts the workers', async () => {
    const w = ws[1]!;
    for (const batchSize of [1, 4]) {
      expect(new Set(await pmap(() => myid(), range(0, 30), { pool: new WorkerPool([w]), batchSize }))).toEqual(new Set([w]));
    }
    // A pool of just this process runs locally (Julia: [myid()] → asyncmap).
    const objs = [{}, {}];
    const out = await pmap((o: object) => o, objs, { pool: new WorkerPool([1]) });
    expect(out[0]).toBe(objs[0]);
  });

  it('a pool with no live worker rejects with ERR_NO_WORKERS', async () => {
    const e = await rejection(pmap((x: number) => x, [1, 2], { pool: new WorkerPool([]) }));
    expect((e as Coded).code).toBe('ERR_NO_WORKERS');
  });
});

describe('onError, retryDelays, retryCheck', () => {
  it('onError places the handler\'s value inline (docstring examples)', async () => {
    const f = (x: number): number => {
      if (x % 2 === 0) throw new Error('foo');
      return x;
    };
    expect(await pmap(f, [1, 2, 3, 4], { onError: () => 0 })).toEqual([1, 0, 3, 0]);
    const withErrors = await pmap(f, [1, 2, 3, 4], { onError: (e: Error) => e as unknown as number });
    expect(withErrors[0]).toBe(1);
    expect(withErrors[2]).toBe(3);
    for (const k of [1, 3]) {
      expect(withErrors[k]).toBeInstanceOf(RemoteException);
      expect((withErrors[k] as unknown as RE).cause.message).toBe('foo');
    }
    // In batches too: one failing item fails only itself.
    expect(await pmap(f, range(1, 21), { batchSize: 5, onError: () => -1 })).toEqual([...range(1, 21)].map((x) => (x % 2 === 0 ? -1 : x)));
  });

  it('an onError that throws aborts with its error', async () => {
    const e = await rejection(pmap((x: number) => {
      if (x === 3) throw new Error('foo');
      return x;
    }, range(0, 10), { onError: () => {
      throw new Error('handler rethrew');
    } }));
    expect((e as Error).message).toBe('handler rethrew');
  });

  it('with retryDelays, items failing on one worker are completed by the other', async () => {
    const bad = ws[0]!;
    const f = capture({ bad }, (x: number) => {
      if (myid() === bad) throw new Error('foobar');
      return [myid(), x * 2];
    });
    for (const batchSize of [1, 2]) {
      const out = await pmap(f, range(0, 100), { batchSize, retryDelays: new Array(1000).fill(0) });
      expect(out.map((r) => r[1])).toEqual([...range(0, 100)].map((x) => x * 2));
      expect(new Set(out.map((r) => r[0]))).toEqual(new Set([ws[1]]));
    }
    // onError only after the retries are exhausted.
    const all = await pmap(() => {
      throw new Error('always');
    }, range(0, 6), { retryDelays: [0, 0], onError: () => 'handled' });
    expect(all).toEqual(new Array(6).fill('handled'));
  });

  it('retryCheck sees {attempt, item, index, pid}; returning false stops retrying', async () => {
    const bad = ws[0]!;
    const f = capture({ bad }, (x: number) => {
      if (myid() === bad) throw new Error('foobar');
      return x;
    });
    const states: sa.RetryState[] = [];
    const out = await pmap(f, range(100, 120), {
      retryDelays: [0, 0, 0],
      retryCheck: (s, e) => {
        states.push({ ...s });
        expect(e).toBeInstanceOf(RemoteException);
        return (e as RE).cause.message === 'foobar';
      },
    });
    expect(out).toEqual([...range(100, 120)]);
    expect(states.length).toBeGreaterThan(0);
    for (const s of states) {
      expect(s.pid).toBe(bad);
      expect(s.item).toBe(100 + s.index);
      expect(s.attempt).toBe(0);
    }
    // A check that says no: the failure stands (inline with onError, else the rejection).
    let checks = 0;
    const always = (): number => {
      throw new Error('nope');
    };
    const handled = await pmap(always, range(0, 4), { retryDelays: [0, 0, 0], retryCheck: () => {
        checks++;
        return false;
      }, onError: () => 7 });
    expect(handled).toEqual([7, 7, 7, 7]);
    expect(checks).toBe(4);
    const e = await rejection(pmap(always, range(0, 4), { retryDelays: [0, 0, 0], retryCheck: () => false }));
    expect(e).toBeInstanceOf(RemoteException);
    expect((e as RE).cause.message).toBe('nope');
    // Attempts count up while the check allows them.
    const attempts: number[] = [];
    await pmap(always, [0], { retryDelays: [0, 0, 0], retryCheck: (s) => {
        attempts.push(s.attempt);
        return true;
      }, onError: () => 0 });
    expect(attempts).toEqual([0, 1, 2]);
  });
});

describe('worker death (F16, reference 3.5)', () => {
  async function victim(): Promise<{ pid: number; ospid: number }> {
    const [pid] = await addprocs(1);
    const ospid = await remotecallFetch(() => process.pid, pid!);
    return { pid: pid!, ospid };
  }
  const dieOn = (pid: number) =>
    capture({ pid }, (x: number) => {
      if (myid() === pid) process.kill(process.pid, 'SIGKILL');
      return [myid(), x];
    });

  it('with retryDelays, an item lost with its worker is completed elsewhere', async () => {
    for (const batchSize of [1, 3]) {
      // A fresh victim each round: it takes one of the first batches (the pool hands out every
      // idle worker at the start) and dies on it.
      const v = await victim();
      expect(workers()).toContain(v.pid);
      const printed = captureOutput();
      let out: number[][];
      try {
        out = await pmap(dieOn(v.pid), range(0, 20), { batchSize, retryDelays: [0, 0, 0] });
        await waitFor(() => printed.text().includes(`Worker ${v.pid} terminated.`), { what: 'the death to be reported' });
      } finally {
        printed.restore();
      }
      expect(out.map((r) => r[1])).toEqual([...range(0, 20)]);
      expect(out.every((r) => ws.includes(r[0]!))).toBe(true);
      await waitFor(() => gone(v.ospid), { what: 'the killed worker to be gone' });
      expect(workers()).not.toContain(v.pid);
    }
  });

  it('without retries, pmap rejects with ProcessExitedException', async () => {
    const v = await victim();
    const printed = captureOutput();
    let e: unknown;
    try {
      e = await rejection(pmap(dieOn(v.pid), range(0, 20)));
      await waitFor(() => printed.text().includes(`Worker ${v.pid} terminated.`), { what: 'the death to be reported' });
    } finally {
      printed.restore();
    }
    expect(e).toBeInstanceOf(ProcessExitedException);
    expect((e as PE).pid).toBe(v.pid);
    await waitFor(() => gone(v.ospid), { what: 'the killed worker to be gone' });
    // The map still works on the survivors.
    expect(await pmap((x: number) => x, range(0, 10))).toEqual([...range(0, 10)]);
  });
});

describe('async iterables and progress', () => {
  it('an async iterable is consumed with a bounded number of items in flight', async () => {
    const batchSize = 3;
    const n = 200;
    let pulled = 0;
    let done = 0;
    let worst = 0;
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < n; i++) {
        await null;
        pulled++;
        worst = Math.max(worst, pulled - done);
        yield i;
      }
    }
    const f = capture({ spin }, (x: number) => {
      spin(2e4);
      return x * 3;
    });
    const out = await pmap(f, source(), { batchSize, onProgress: (d) => void (done = d) });
    expect(out).toEqual([...range(0, n)].map((x) => x * 3));
    expect(pulled).toBe(n);
    // At most one batch per worker is out: nworkers × batchSize.
    expect(worst).toBeLessThanOrEqual(nworkers() * batchSize);
    expect(worst).toBeGreaterThan(0);
  });

  it('onProgress(done, total) is monotone and ends at (n, n)', async () => {
    for (const batchSize of [1, 5, 'auto'] as const) {
      const calls: [number, number | undefined][] = [];
      await pmap((x: number) => x, range(0, 57), { batchSize, onProgress: (d, t) => void calls.push([d, t]) });
      expect(calls.at(-1)).toEqual([57, 57]);
      for (let k = 1; k < calls.length; k++) expect(calls[k]![0]).toBeGreaterThan(calls[k - 1]![0]);
      expect(calls.every((c) => c[1] === 57)).toBe(true);
    }
    // An async source has no known total.
    async function* three(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      yield 3;
    }
    const calls: [number, number | undefined][] = [];
    await pmap((x: number) => x, three(), { onProgress: (d, t) => void calls.push([d, t]) });
    expect(calls.at(-1)).toEqual([3, undefined]);
  });
});

describe('failures', () => {
  it('the first unhandled error aborts (F8); no batch is left running', async () => {
    const C = await SharedArray.create('int32', 1);
    const f = capture({ C }, (x: number) => {
      if (x === 50) throw new Error('foobar');
      Atomics.add(C.data, 0, 1);
      return x;
    });
    for (const batchSize of [1, 4]) {
      C.data[0] = 0;
      const e = await rejection(pmap(f, range(0, 100), { batchSize }));
      expect(e).toBeInstanceOf(RemoteException);
      expect((e as RE).cause.message).toBe('foobar');
      const atRejection = Atomics.load(C.data, 0);
      expect(atRejection).toBeGreaterThanOrEqual(50);
      expect(atRejection).toBeLessThan(100);
      // A batch still running would finish before the worker answers these round trips.
      for (const w of ws) await remotecallFetch(() => 0, w);
      expect(Atomics.load(C.data, 0)).toBe(atRejection);
    }
    await C.close();
  });

  it('an unshippable f fails before any work is sent or any item pulled', async () => {
    let pulled = 0;
    function* items(): Generator<number> {
      for (let i = 0; i < 10; i++) {
        pulled++;
        yield i;
      }
    }
    for (const f of [Math.max.bind(Math), ((x: number) => x).bind(null)]) {
      const e = await rejection(pmap(f, items()));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Coded).code).toBe('ERR_UNSHIPPABLE_FUNCTION');
    }
    expect(pulled).toBe(0);
  });

  it('items that cannot travel reject with ERR_UNSERIALIZABLE', async () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const e = await rejection(pmap((p: Point) => p.x, [new Point(1), new Point(2)]));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Coded).code).toBe('ERR_UNSERIALIZABLE');
    // Not worth retrying either.
    const e2 = await rejection(pmap((p: Point) => p.x, [new Point(1)], { retryDelays: [0, 0] }));
    expect((e2 as Coded).code).toBe('ERR_UNSERIALIZABLE');
  });

  it('bad options are rejected up front', async () => {
    for (const opts of [{ batchSize: 0 }, { batchSize: 1.5 }, { retryDelays: [-1] }, { pool: {} as sa.WorkerPool }]) {
      expect(((await rejection(pmap((x: number) => x, [1], opts))) as Coded).code).toBe('ERR_INVALID_ARG');
    }
    expect(((await rejection(pmap((x: number) => x, 5 as unknown as number[]))) as Coded).code).toBe('ERR_INVALID_ARG');
  });
});
