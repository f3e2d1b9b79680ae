import { describe, expect, it } from 'vitest';
import { SharedArray } from 'sharedarrays';

describe('SharedArray indexing', () => {
  it('is column-major: the first index runs fastest', async () => {
    const S = await SharedArray.create('int32', [3, 4, 2]);
    expect(S.index(0, 0, 0)).toBe(0);
    expect(S.index(1, 0, 0)).toBe(1);
    expect(S.index(0, 1, 0)).toBe(3);
    expect(S.index(2, 3, 1)).toBe(23);
    expect(S.index(17)).toBe(17); // one index is a linear index
    for (let k = 0; k < S.length; k++) S.data[k] = k;
    expect(S.get(1, 2, 1)).toBe(1 + 3 * 2 + 12 * 1);
    S.set(2, 1, 0, -5);
    expect(S.data[2 + 3 * 1]).toBe(-5);
    S.set(23, 99);
    expect(S.get(2, 3, 1)).toBe(99);
    await S.close();
  });

  it('throws a RangeError naming the index and the dims when out of range', async () => {
    const S = await SharedArray.create('float64', [3, 4], { init: (A) => A.data.fill(1) });
    for (const idx of [[3, 0], [0, 4], [-1, 0], [0.5, 1], [12], [-1], [NaN]]) {
      let err: unknown;
      try {
        S.get(...idx);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RangeError);
      expect(err).toMatchObject({ code: 'ERR_INDEX_OUT_OF_RANGE', message: expect.stringContaining(`[${idx.join(', ')}]`) });
      expect((err as Error).message).toContain('3×4');
    }
    expect(() => S.set(3, 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_INDEX_OUT_OF_RANGE' }));
    expect(() => S.index(0, 4)).toThrow(RangeError);
    expect(S.data.every((x) => x === 1)).toBe(true); // nothing was written
    await S.close();
  });

  it('rejects a wrong number of indices', async () => {
    const S = await SharedArray.create('float64', [3, 4, 2]);
    expect(() => S.get(0, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/expected 1 \(linear\) or 3 indices .* got 2/) }));
    expect(() => S.get(0, 0, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => S.get()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => (S.set as (...a: unknown[]) => void)(1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    await S.close();
  });

  it('rejects values of the wrong kind with a TypeError', async () => {
    const F = await SharedArray.create('float64', 4);
    const B = await SharedArray.create('bigint64', 4);
    const set = (S: { set: unknown }, ...a: unknown[]): void => (S.set as (...x: unknown[]) => void).apply(S, a);
    for (const [S, v, kind] of [
      [F, 1n, 'bigint'],
      [F, '1', 'string'],
      [F, null, 'object'],
      [B, 1, 'number'],
      [B, undefined, 'undefined'],
    ] as const) {
      let err: unknown;
      try {
        set(S, 0, v);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_VALUE', message: expect.stringContaining(`(${kind})`) });
    }
    F.set(1, 2.5);
    B.set(1, 5n);
    expect([F.get(1), B.get(1)]).toEqual([2.5, 5n]);
    await F.close();
    await B.close();
  });

  it("integer arrays refuse what they cannot hold exactly, as Julia's InexactError does", async () => {
    const cases = [
      ['int32', 1.5, /not an integer/],
      ['int32', 2 ** 31, /holds -2147483648 to 2147483647/],
      ['uint8', -1, /holds 0 to 255/],
      ['int8', 128, /holds -128 to 127/],
      ['uint32', Number.NaN, /not an integer/],
      ['biguint64', -1n, /holds 0 to/],
      ['bigint64', 2n ** 63n, /holds/],
    ] as const;
    for (const [dtype, v, why] of cases) {
      const S = await SharedArray.create(dtype, 2);
      expect(() => (S.set as (...x: unknown[]) => void)(0, v)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_INVALID_VALUE', message: expect.stringMatching(why) }));
      expect(S.get(0)).toBe(dtype.startsWith('big') ? 0n : 0);
      await S.close();
    }
    const ok = await SharedArray.create('int32', 2);
    ok.set(0, -(2 ** 31));
    ok.set(1, 2 ** 31 - 1);
    expect([...ok.data]).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    // uint8clamped clamps and rounds: that is what it is for.
    const c = await SharedArray.create('uint8clamped', 1);
    c.set(0, 300.7);
    expect(c.get(0)).toBe(255);
    await ok.close();
    await c.close();
  });

  it('says what it is in messages and template strings', async () => {
    const S = await SharedArray.create('int32', [3, 4]);
    const V = await SharedArray.create('float64', 4);
    expect(`${S}`).toBe('3×4 SharedArray{int32,2}');
    expect(String(V)).toBe('4-element SharedArray{float64,1}');
    await V.close();
    expect(() => V.get(0)).toThrow('this 4-element SharedArray{float64,1} is closed');
    await S.close();
  });
});

describe('SharedArray.reshape', () => {
  it('shares memory under new dims', async () => {
    const S = await SharedArray.create('float64', [100, 10], { init: (A) => A.data.fill(1) });
    const R = S.reshape([10, 100]);
    expect(R).not.toBe(S);
    expect(R.dims).toEqual([10, 100]);
    R.set(9, 99, 42);
    expect(S.get(99, 9)).toBe(42);
    expect(S.reshape(1000).get(999)).toBe(42);
    expect(R.data.buffer).toBe(S.data.buffer); // one ArrayBuffer per mapping
    expect(() => S.reshape(50)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DIMS', message: expect.stringMatching(/100×10 array \(1000 elements\) to 50 \(50 elements\)/) }));
    expect(() => S.reshape([-1, 10])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DIMS' }));
    await S.close();
    await R.close();
  });
});

describe('SharedArray.close', () => {
  it('is idempotent, and later use throws ERR_ARRAY_CLOSED', async () => {
    const S = await SharedArray.create('float64', 8);
    const view = S.data;
    await S.close();
    await S.close();
    for (const use of [() => S.data, () => S.get(0), () => S.set(0, 1), () => S.index(0), () => S.reshape(8)]) {
      expect(use).toThrow(expect.objectContaining({ code: 'ERR_ARRAY_CLOSED', message: expect.stringContaining('closed') }));
    }
    // A view taken before close sees a detached buffer: empty, never freed memory.
    expect(view.length).toBe(0);
    expect(view[0]).toBeUndefined();
  });

  it('keeps the memory while a reshape sibling is open', async () => {
    const S = await SharedArray.create('int32', [4, 4], { init: (A) => A.data.fill(3) });
    const R = S.reshape(16);
    await S.close();
    expect(R.get(15)).toBe(3);
    R.set(0, 4);
    await R.close();
    expect(() => R.get(0)).toThrow(expect.objectContaining({ code: 'ERR_ARRAY_CLOSED' }));
  });

  it('supports await using (Symbol.asyncDispose)', async () => {
    let S: SharedArray<'uint8'> | undefined;
    {
      const A = await SharedArray.create('uint8', 3);
      S = A;
      await A[Symbol.asyncDispose]();
    }
    expect(() => S?.data).toThrow(expect.objectContaining({ code: 'ERR_ARRAY_CLOSED' }));
  });
});
