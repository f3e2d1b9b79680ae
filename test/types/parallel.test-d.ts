// Parallel loops and maps: what the body's parameter is and what the reducer works on.
import { describe, expectTypeOf, test } from 'vitest';
import { capture, distributed, pmap, range, SharedArray, threads, type ProgressCallback, type Range, type RetryState, type Widened } from 'sharedarrays';

declare const heads: boolean;

describe('distributed', () => {
  test('over a range the body takes a number, also through capture', async () => {
    const S = await SharedArray.create('int32', [12]);
    expectTypeOf(distributed(range(0, 12), (i) => expectTypeOf(i).toEqualTypeOf<number>())).toEqualTypeOf<Promise<void>>();
    const done = distributed(
      range(0, 12),
      capture({ S }, (i) => {
        expectTypeOf(i).toEqualTypeOf<number>();
        S.data[i] = 10;
      }),
    );
    expectTypeOf(done).toEqualTypeOf<Promise<void>>();
    // capture keeps the function's own type
    expectTypeOf(capture({ S }, (i: number) => S.data[i])).toEqualTypeOf<(i: number) => number | undefined>();
  });

  test('the reducer works on the body result widened: 0 | 1 sums to number', () => {
    expectTypeOf(distributed(range(0, 100), () => (heads ? 1 : 0), (a, b) => a + b)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(distributed(range(0, 100), () => 1, (a, b) => a + b)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(distributed(range(0, 3), (i) => (i > 1 ? 'a' : 'b'), (a, b) => a + b)).toEqualTypeOf<Promise<string>>();
    expectTypeOf(distributed(range(0, 3), () => heads, (a, b) => a && b)).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(distributed(range(0, 3), (i) => [i], (a, b) => [...a, ...b])).toEqualTypeOf<Promise<number[]>>();
  });

  test('Widened, exported for code that names a reducer type, widens literals only', () => {
    expectTypeOf<Widened<0 | 1>>().toEqualTypeOf<number>();
    expectTypeOf<Widened<'a' | 'b'>>().toEqualTypeOf<string>();
    expectTypeOf<Widened<true>>().toEqualTypeOf<boolean>();
    expectTypeOf<Widened<1n>>().toEqualTypeOf<bigint>();
    expectTypeOf<Widened<{ n: 1 }>>().toEqualTypeOf<{ n: 1 }>();
  });

  test('an async body is awaited before it is reduced', () => {
    expectTypeOf(distributed(range(0, 3), async (i) => i * 2, (a, b) => a + b)).toEqualTypeOf<Promise<number>>();
  });

  test('over an array the body takes its elements', () => {
    expectTypeOf(distributed(['a', 'bb'], (s) => s.length, (a, b) => a + b)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(distributed([1, 2], (x) => expectTypeOf(x).toEqualTypeOf<number>())).toEqualTypeOf<Promise<void>>();
  });

  test('a reducer that does not fit the body is an error', () => {
    // @ts-expect-error the reducer must return what the body returns (number), not a string
    void distributed(range(0, 3), (i) => i, (a, b) => `${a}${b}`);
    // @ts-expect-error a range's items are numbers
    void distributed(range(0, 3), (s: string) => s.length);
  });
});

describe('threads.for', () => {
  test('over a range the body takes a number, also through capture; over an array its elements', async () => {
    const a = await SharedArray.create('float64', 10);
    expectTypeOf(threads.for(range(0, 10), capture({ a }, (i) => expectTypeOf(i).toEqualTypeOf<number>()))).toEqualTypeOf<Promise<void>>();
    expectTypeOf(threads.for(['x', 'y'], (s) => expectTypeOf(s).toEqualTypeOf<string>())).toEqualTypeOf<Promise<void>>();
    // @ts-expect-error a range's items are numbers
    void threads.for(range(0, 3), (s: string) => s.length);
  });
});

describe('pmap', () => {
  test('results are the awaited values of f, in order', () => {
    expectTypeOf(pmap((x: number) => x * 2, [1, 2, 3])).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(pmap(async (s: string) => s.length, ['a'])).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(pmap((i: number) => i, range(0, 10))).toEqualTypeOf<Promise<number[]>>();
  });

  test('options: onError stands in for a result, retryCheck sees the retry state', () => {
    expectTypeOf(pmap((x: number) => x, [1], { onError: () => -1, batchSize: 'auto' })).toEqualTypeOf<Promise<number[]>>();
    void pmap((x: number) => x, [1], {
      retryDelays: [10],
      retryCheck: (state, e) => {
        expectTypeOf(state).toEqualTypeOf<RetryState>();
        expectTypeOf(e).toEqualTypeOf<Error>();
        return true;
      },
    });
    const onProgress: ProgressCallback = (done, total) => {
      expectTypeOf(done).toEqualTypeOf<number>();
      expectTypeOf(total).toEqualTypeOf<number | undefined>();
    };
    expectTypeOf(pmap((x: number) => x, [1], { onProgress, progress: true })).toEqualTypeOf<Promise<number[]>>();
    // @ts-expect-error onError must return a result of f's type
    void pmap((x: number) => x, [1], { onError: () => 'failed' });
    // @ts-expect-error items must fit f's parameter
    void pmap((x: number) => x, ['a']);
  });
});

describe('range', () => {
  test('a range is an iterable of numbers', () => {
    const r = range(0, 10, 2);
    expectTypeOf(r).toEqualTypeOf<Range>();
    expectTypeOf(r.at(0)).toEqualTypeOf<number>();
    expectTypeOf([...r]).toEqualTypeOf<number[]>();
  });
});
