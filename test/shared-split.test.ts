import { describe, expect, it } from 'vitest';
import { SharedArray, indexpids, localindices, sdata } from 'sharedarrays';
// The split rule itself is internal; it is tested here directly from the built package.
import { localRange } from '../dist/src/shared/localindices.js';

const split = (length: number, n: number): [number, number][] =>
  Array.from({ length: n }, (_, k) => localRange(length, n, k)).map((r) => [r.start, r.length === 0 ? r.start : r.stop]);

describe('localindices split rule', () => {
  it('gives equal parts and the remainder to the last participant', () => {
    expect(split(11, 3)).toEqual([[0, 3], [3, 6], [6, 11]]);
    expect(split(10, 4)).toEqual([[0, 2], [2, 4], [4, 6], [6, 10]]);
    expect(split(12, 3)).toEqual([[0, 4], [4, 8], [8, 12]]);
    expect(split(5, 1)).toEqual([[0, 5]]);
  });

  it('gives one element each, then nothing, when there are fewer elements than participants', () => {
    const parts = Array.from({ length: 4 }, (_, k) => localRange(2, 4, k));
    expect(parts.map((r) => r.toArray())).toEqual([[0], [1], [], []]);
    expect(parts.slice(2).every((r) => r.length === 0)).toBe(true);
  });

  it('covers every index exactly once', () => {
    for (const length of [0, 1, 7, 100, 101]) {
      for (const n of [1, 2, 3, 8]) {
        const all = Array.from({ length: n }, (_, k) => localRange(length, n, k).toArray()).flat();
        expect(all).toEqual(Array.from({ length }, (_, i) => i));
      }
    }
  });

  it('is empty for a non-participant', () => {
    expect(localRange(10, 2, -1).length).toBe(0);
  });
});

describe('participation in one process', () => {
  it('gives this process the whole array', async () => {
    const S = await SharedArray.create('float64', [5, 3]);
    expect(indexpids(S)).toBe(0);
    expect(localindices(S).toArray()).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(indexpids({ pids: [2, 3], length: 4 } as unknown as SharedArray<'float64'>)).toBe(-1);
    expect(localindices({ pids: [2, 3], length: 4 } as unknown as SharedArray<'float64'>).length).toBe(0);
    await S.close();
  });

  it('sdata returns the typed view of a SharedArray and anything else unchanged', async () => {
    const S = await SharedArray.create('uint16', 4);
    expect(sdata(S)).toBe(S.data);
    const plain = [1, 2, 3];
    expect(sdata(plain)).toBe(plain);
    expect(sdata(7)).toBe(7);
    await S.close();
  });
});
