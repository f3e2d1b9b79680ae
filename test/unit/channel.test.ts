import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidStateException } from '../../src/core/errors.js';
import { Channel } from '../../src/refs/channel.js';

// Lets every pending promise callback run; no timers, so nothing here depends on wall-clock time.
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Tracked<T> {
  settled: boolean;
  value?: T;
  error?: unknown;
}

/** Observe a promise's state without awaiting it. */
function track<T>(p: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { settled: false };
  p.then(
    (value) => Object.assign(t, { settled: true, value }),
    (error: unknown) => Object.assign(t, { settled: true, error }),
  );
  return t;
}

function expectClosedError(e: unknown): void {
  expect(e).toBeInstanceOf(InvalidStateException);
  expect(e).toMatchObject({ state: 'closed', code: 'ERR_CHANNEL_CLOSED' });
}

describe('Channel basics', () => {
  it('is FIFO over heterogeneous values; fetch does not remove', async () => {
    const c = new Channel<unknown>(10);
    const obj = { a: 1 };
    await c.put(1);
    await c.put('Hello');
    await c.put(obj);
    await c.put(undefined);
    await c.put(null);
    expect(await c.fetch()).toBe(1);
    expect(await c.fetch()).toBe(1);
    expect(await c.take()).toBe(1);
    expect(await c.take()).toBe('Hello');
    expect(await c.take()).toBe(obj);
    expect(c.isready()).toBe(true);
    expect(await c.take()).toBeUndefined();
    expect(await c.take()).toBeNull();
    expect(c.isready()).toBe(false);
    expect(c.isempty()).toBe(true);
  });

  it('put resolves to the channel itself', async () => {
    const c = new Channel<number>(1);
    expect(await c.put(1)).toBe(c);
    const p = c.put(2);
    await c.take();
    expect(await p).toBe(c);
  });

  it('isready, isopen and close', async () => {
    const c = new Channel<number>(2);
    expect(c.isready()).toBe(false);
    expect(c.isopen()).toBe(true);
    await c.put(7);
    expect(c.isready()).toBe(true);
    c.close();
    expect(c.isopen()).toBe(false);
    expect(c.isready()).toBe(true);
  });

  it('fetch and wait block until a value arrives, without consuming it', async () => {
    const c = new Channel<string>(4);
    const f1 = track(c.fetch());
    const f2 = track(c.fetch());
    const w = track(c.wait());
    await tick();
    expect([f1.settled, f2.settled, w.settled]).toEqual([false, false, false]);
    await c.put('x');
    await tick();
    expect([f1.value, f2.value]).toEqual(['x', 'x']);
    expect(w).toEqual({ settled: true, value: undefined });
    expect(await c.take()).toBe('x');
  });

  it('fetch waiters see a value that a waiting taker then receives', async () => {
    const c = new Channel<number>(0);
    const t = track(c.take());
    const f = track(c.fetch());
    await c.put(5);
    await tick();
    expect(t.value).toBe(5);
    expect(f.value).toBe(5);
    expect(c.isready()).toBe(false);
  });

  it('validates capacity with a code', () => {
    for (const bad of [-1, 1.5, NaN, -Infinity]) {
      expect(() => new Channel(bad)).toThrowError(expect.objectContaining({ name: 'RangeError', code: 'ERR_INVALID_ARG' }));
    }
    expect(() => new Channel('4' as unknown as number)).toThrowError(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG' }));
    expect(new Channel(Infinity).capacity).toBe(Infinity);
    expect(new Channel().capacity).toBe(0);
  });

  it('is shown by util.inspect', async () => {
    const c = new Channel<number>(4);
    await c.put(1);
    await c.put(2);
    expect(inspect(c)).toBe('Channel(capacity 4, 2 buffered, open)');
    c.close();
    expect(inspect(c)).toBe('Channel(capacity 4, 2 buffered, closed)');
    const u = new Channel<number>();
    void u.put(1).catch(() => undefined);
    expect(inspect(u)).toBe('Channel(capacity 0, 0 buffered, 1 put waiting, open)');
    u.close();
    expect(inspect(new Channel(Infinity))).toBe('Channel(unbounded, 0 buffered, open)');
  });
});

describe('unbuffered Channel (rendezvous)', () => {
  it('a put stays pending until a taker receives the value', async () => {
    const c = new Channel<string>();
    const p = track(c.put('a'));
    await tick();
    await tick();
    expect(p.settled).toBe(false);
    // The waiting putter's value is what is "available".
    expect(c.isready()).toBe(true);
    expect(await c.fetch()).toBe('a');
    expect(p.settled).toBe(false);
    expect(await c.take()).toBe('a');
    await tick();
    expect(p).toEqual({ settled: true, value: c });
    expect(c.isready()).toBe(false);
  });

  it('a take waiting first makes the put complete at once', async () => {
    const c = new Channel<number>();
    const t = track(c.take());
    await tick();
    expect(t.settled).toBe(false);
    expect(c.isready()).toBe(false);
    await c.put(42);
    await tick();
    expect(t.value).toBe(42);
  });

  it('serves waiting putters and takers in arrival order', async () => {
    const c = new Channel<number>();
    const puts = [1, 2, 3].map((v) => track(c.put(v)));
    expect(await c.take()).toBe(1);
    await tick();
    expect(puts.map((p) => p.settled)).toEqual([true, false, false]);
    expect(await c.take()).toBe(2);
    expect(await c.take()).toBe(3);

    const takes = [track(c.take()), track(c.take()), track(c.take())];
    for (const v of [10, 20, 30]) await c.put(v);
    await tick();
    expect(takes.map((t) => t.value)).toEqual([10, 20, 30]);
  });
});

describe('buffered Channel', () => {
  it('blocks the (capacity+1)th put until a take', async () => {
    const c = new Channel<number>(3);
    for (const v of [1, 2, 3]) await c.put(v);
    const p4 = track(c.put(4));
    const p5 = track(c.put(5));
    await tick();
    expect(p4.settled).toBe(false);
    expect(await c.take()).toBe(1);
    await tick();
    expect(p4.settled).toBe(true);
    expect(p5.settled).toBe(false);
    expect(inspect(c)).toBe('Channel(capacity 3, 3 buffered, 1 put waiting, open)');
    const got: number[] = [];
    for (let k = 0; k < 4; k++) got.push(await c.take());
    expect(got).toEqual([2, 3, 4, 5]);
    expect(p5.settled).toBe(true);
  });

  it('an unbounded channel never blocks a put', async () => {
    const c = new Channel<number>(Infinity);
    for (let k = 0; k < 1000; k++) await c.put(k);
    let sum = 0;
    for (let k = 0; k < 1000; k++) sum += await c.take();
    expect(sum).toBe(499500);
  });
});

describe('close', () => {
  it('put on a closed channel rejects with InvalidStateException', async () => {
    const c = new Channel<number>(2);
    c.close();
    const e = await c.put(1).catch((err: unknown) => err);
    expectClosedError(e);
    expect((e as Error).message).toMatch(/closed/);
  });

  it('take, fetch and wait on a closed empty channel reject', async () => {
    for (const cap of [0, 2]) {
      const c = new Channel<number>(cap);
      c.close();
      expectClosedError(await c.take().catch((e: unknown) => e));
      expectClosedError(await c.fetch().catch((e: unknown) => e));
      expectClosedError(await c.wait().catch((e: unknown) => e));
    }
  });

  it('buffered values still drain after close', async () => {
    const c = new Channel<number>(4);
    await c.put(1);
    await c.put(2);
    c.close();
    await c.wait();
    expect(await c.fetch()).toBe(1);
    expect(await c.take()).toBe(1);
    expect(await c.take()).toBe(2);
    expectClosedError(await c.take().catch((e: unknown) => e));
  });

  it('rejects pending takers, fetchers and waiters', async () => {
    const c = new Channel<number>(1);
    const t = track(c.take());
    const f = track(c.fetch());
    const w = track(c.wait());
    await tick();
    c.close();
    await tick();
    for (const p of [t, f, w]) {
      expect(p.settled).toBe(true);
      expectClosedError(p.error);
    }
  });

  it('rejects blocked putters and drops their values', async () => {
    const full = new Channel<number>(1);
    await full.put(1);
    const p = track(full.put(2));
    const u = new Channel<number>(0);
    const q = track(u.put(3));
    await tick();
    full.close();
    u.close();
    await tick();
    expectClosedError(p.error);
    expectClosedError(q.error);
    expect(await full.take()).toBe(1);
    expectClosedError(await full.take().catch((e: unknown) => e));
    expect(u.isready()).toBe(false);
    expectClosedError(await u.take().catch((e: unknown) => e));
  });

  it('closing twice is a no-op', async () => {
    const c = new Channel<number>(1);
    await c.put(1);
    c.close();
    c.close();
    expect(c.isopen()).toBe(false);
    expect(await c.take()).toBe(1);
  });

  it('close(err) makes later operations and iteration reject with err', async () => {
    const c = new Channel<number>(2);
    await c.put(1);
    const boom = new Error('producer failed');
    c.close(boom);
    await expect(c.put(2)).rejects.toBe(boom);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const v of c) seen.push(v);
    })();
    await expect(loop).rejects.toBe(boom);
    expect(seen).toEqual([1]);
  });
});

describe('async iteration', () => {
  it('ends when the channel is closed and drained', async () => {
    const c = new Channel<number>(2);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const v of c) seen.push(v);
    })();
    for (const v of [1, 2, 3, 4, 5]) await c.put(v);
    c.close();
    await loop;
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('C3: a task forwarding from an input to an output channel finishes after close', async () => {
    const input = new Channel<unknown>(10);
    const output = new Channel<unknown>(10);
    const task = (async () => {
      for await (const v of input) await output.put(v);
    })();
    const done = track(task);
    await input.put(1);
    await input.put('Hello');
    expect(await output.take()).toBe(1);
    expect(await output.take()).toBe('Hello');
    expect(done.settled).toBe(false);
    input.close();
    expectClosedError(await input.put(2).catch((e: unknown) => e));
    await task;
    expect(done).toEqual({ settled: true, value: undefined });
  });

  it('C9: 20 consumers share one Channel(32); every item is consumed exactly once', async () => {
    const c = new Channel<number>(32);
    const results: number[] = [];
    const loops = Array.from({ length: 20 }, async () => {
      for await (const x of c) results.push(x);
    });
    for (let i = 1; i <= 5; i++) await c.put(i);
    c.close();
    await Promise.all(loops);
    expect(results.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('stress', () => {
  for (const capacity of [0, 16]) {
    it(`10,000 items through Channel(${capacity}), 4 producers and 3 consumers, per-producer order kept`, async () => {
      const c = new Channel<[number, number]>(capacity);
      const nProducers = 4;
      const perProducer = 2500;
      const producers = Array.from({ length: nProducers }, async (_, p) => {
        for (let k = 0; k < perProducer; k++) await c.put([p, k]);
      });
      // The order in which values reached any consumer, plus how many each consumer got.
      const log: [number, number][] = [];
      const counts = [0, 0, 0];
      const consumers = counts.map(async (_, i) => {
        for await (const item of c) {
          log.push(item);
          counts[i] = (counts[i] ?? 0) + 1;
        }
      });
      await Promise.all(producers);
      c.close();
      await Promise.all(consumers);

      expect(log.length).toBe(nProducers * perProducer);
      const next = new Array<number>(nProducers).fill(0);
      for (const [p, k] of log) {
        expect(k).toBe(next[p]);
        next[p] = k + 1;
      }
      expect(next).toEqual(new Array<number>(nProducers).fill(perProducer));
      // Waiting takers are served first come, first served, so no consumer is starved.
      for (const n of counts) expect(n).toBeGreaterThan(0);
    });
  }
});
