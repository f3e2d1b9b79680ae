// pmap's batches: how the input is taken a batch at a time (sliced, counted from a range's
// bounds, or iterated), and what a worker runs for a batch (values in order, numbers packed,
// failures by position, promises awaited together).
import { describe, expect, it } from 'vitest';
import { range } from '../../src/core/range.js';
import { runBatch } from '../../src/parallel/batch-runner.js';
import { itemOf, itemSource, type Stretch } from '../../src/parallel/pmap-items.js';

async function takeAll(items: Iterable<unknown> | AsyncIterable<unknown>, size: number): Promise<{ stretches: Stretch[]; all: unknown[] }> {
  const src = itemSource(items);
  const stretches: Stretch[] = [];
  for (;;) {
    const s = await src.take(size);
    if (s.n === 0) break;
    stretches.push(s);
    if (s.n < size) break;
  }
  return { stretches, all: stretches.flatMap((s) => Array.from({ length: s.n }, (_, k) => itemOf(s, k))) };
}

describe('taking the input', () => {
  it('a range goes as bounds, not items, and counts the same items', async () => {
    for (const r of [range(0, 10), range(3, 40, 7), range(10, 0, -3), range(0, 0)]) {
      const { stretches, all } = await takeAll(r, 4);
      expect(stretches.every((s) => s.values === null)).toBe(true);
      expect(all).toEqual([...r]);
      expect(itemSource(r).total).toBe(r.length);
    }
  });

  it('an array is sliced; iterables and async iterables are iterated, a batch at a time', async () => {
    const arr = ['a', 'b', 'c', 'd', 'e'];
    expect((await takeAll(arr, 2)).all).toEqual(arr);
    expect((await takeAll(new Set([3, 1, 2]), 2)).all).toEqual([3, 1, 2]);
    expect(itemSource(new Set([3, 1, 2])).total).toBe(3);
    expect((await takeAll('h\u{1f600}!', 2)).all).toEqual(['h', '\u{1f600}', '!']);
    expect(itemSource('h\u{1f600}!').total).toBe(3);
    async function* gen(): AsyncGenerator<number> {
      for (let i = 0; i < 5; i++) yield i;
    }
    const src = itemSource(gen());
    expect(src.total).toBeUndefined();
    expect((await takeAll(gen(), 2)).all).toEqual([0, 1, 2, 3, 4]);
  });

  it('pulls no more than asked', async () => {
    let pulled = 0;
    function* gen(): Generator<number> {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const src = itemSource(gen());
    await src.take(3);
    expect(pulled).toBe(3);
  });
});

describe('running a batch', () => {
  it('numbers go back packed, exactly (NaN, -0, large values)', () => {
    const [values, failures] = runBatch((x) => (x as number) * 2, Float64Array.from([1, Number.NaN, -0, 2 ** 60]), 0, 1, 4) as [Float64Array, null];
    expect(values).toBeInstanceOf(Float64Array);
    expect([...values]).toEqual([2, Number.NaN, -0, 2 ** 61]);
    expect(Object.is(values[2], -0)).toBe(true);
    expect(failures).toBeNull();
  });

  it("a range stretch: start, start + step, ...; other values go back as a list", () => {
    const [values] = runBatch((x) => `#${x}`, null, 10, -3, 3) as [unknown[], null];
    expect(values).toEqual(['#10', '#7', '#4']);
  });

  it('a failing item fails alone, by position; the others keep their values (packed when numbers)', () => {
    const [values, failures] = runBatch(
      (x) => {
        if (x === 2) throw new RangeError('two');
        return x;
      },
      [1, 2, 3],
      0,
      1,
      3,
    ) as [Float64Array, [number, { message: string; name: string }][]];
    expect(values).toBeInstanceOf(Float64Array);
    expect([values[0], values[2]]).toEqual([1, 3]);
    expect(failures.map(([k, e]) => [k, e.name, e.message])).toEqual([[1, 'RangeError', 'two']]);
  });

  it('promises are awaited together; failures come back in position order', async () => {
    const order: number[] = [];
    const out = await runBatch(
      async (x) => {
        await new Promise((r) => setImmediate(r));
        order.push(x as number);
        if ((x as number) % 2 === 0) throw new Error(`even ${x}`);
        return { x };
      },
      [4, 1, 2, 3],
      0,
      1,
      4,
    );
    const [values, failures] = out as [unknown[], [number, { message: string }][]];
    expect(values[1]).toEqual({ x: 1 });
    expect(values[3]).toEqual({ x: 3 });
    expect(failures.map(([k, e]) => [k, e.message])).toEqual([
      [0, 'even 4'],
      [2, 'even 2'],
    ]);
    expect(order.length).toBe(4);
  });
});
