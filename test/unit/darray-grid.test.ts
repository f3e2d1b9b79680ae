// How a DArray is cut into blocks (src/darray/grid.ts) and how its parts are copied and split
// into messages (src/darray/box.ts): DistributedArrays.jl's defaultdist and chunk_idxs, 0-based.
import { describe, expect, it } from 'vitest';
import { type Range, range } from '../../src/core/range.js';
import { copyBox, splitSelection } from '../../src/darray/box.js';
import { blockNumber, cutsOf, defaultDist, gridOf, pieceOf, planGrid } from '../../src/darray/grid.js';

const shown = (I: readonly Range[]): string => I.map((r) => `${r.start}:${r.stop}`).join(',');

describe('cut points of one dimension', () => {
  it('spreads the remainder over the first pieces, as defaultdist(sz, nc)', () => {
    expect(cutsOf(10, 3)).toEqual([0, 4, 7, 10]); // Julia: [1, 5, 8, 11]
    expect(cutsOf(100, 4)).toEqual([0, 25, 50, 75, 100]);
    expect(cutsOf(7, 7)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(cutsOf(5, 1)).toEqual([0, 5]);
  });

  it('leaves the last pieces empty when there are more pieces than elements', () => {
    expect(cutsOf(2, 4)).toEqual([0, 1, 2, 2, 2]);
    expect(cutsOf(0, 3)).toEqual([0, 0, 0, 0]);
  });
});

describe('the default grid (defaultdist(dims, pids))', () => {
  it('gives the largest prime factors to the longest dimensions, ties to the last', () => {
    expect(defaultDist([100, 100], 4)).toEqual([2, 2]);
    expect(defaultDist([100, 100, 10], 4)).toEqual([2, 2, 1]);
    expect(defaultDist([1000], 4)).toEqual([4]);
    expect(defaultDist([10, 100], 6)).toEqual([1, 6]);
    expect(defaultDist([60, 50], 6)).toEqual([3, 2]);
    expect(defaultDist([4, 4], 2)).toEqual([1, 2]);
    expect(defaultDist([3, 3], 1)).toEqual([1, 1]);
  });

  it('drops a factor that fits no dimension, using fewer processes', () => {
    expect(defaultDist([3], 4)).toEqual([2]);
    expect(defaultDist([1, 1], 2)).toEqual([1, 1]);
  });
});

describe('blocks', () => {
  it('are numbered column-major over the grid, with ranges from the cuts', () => {
    const g = gridOf([4, 6], [2, 3]);
    expect(g.cuts).toEqual([
      [0, 2, 4],
      [0, 2, 4, 6],
    ]);
    expect(g.indices.map(shown)).toEqual(['0:2,0:2', '2:4,0:2', '0:2,2:4', '2:4,2:4', '0:2,4:6', '2:4,4:6']);
    expect(blockNumber([2, 3], [1, 2])).toBe(5);
  });

  it('finds the piece holding an index, also next to empty pieces', () => {
    const cuts = cutsOf(10, 3);
    expect([0, 3, 4, 6, 7, 9].map((i) => pieceOf(cuts, i))).toEqual([0, 0, 1, 1, 2, 2]);
    expect([0, 1].map((i) => pieceOf(cutsOf(2, 4), i))).toEqual([0, 1]);
  });
});

describe('planning a DArray', () => {
  const workers = [2, 3, 4, 5];

  it('uses the workers, no more than the longest dimension has indices', () => {
    expect(planGrid([100, 100], undefined, undefined, workers).pids).toEqual([2, 3, 4, 5]);
    expect(planGrid([2, 2], undefined, undefined, workers).pids).toEqual([2, 3]);
    expect(planGrid([0], undefined, undefined, workers).pids).toEqual([2]);
  });

  it('keeps as many of the given procs as the default grid uses', () => {
    const p = planGrid([3], [5, 4, 3, 2], undefined, workers);
    expect(p.pids).toEqual([5, 4]);
    expect(p.grid.dist).toEqual([2]);
  });

  it("takes the seed's dzeros((100,100), workers()[1:4], [1,4])", () => {
    const p = planGrid([100, 100], [2, 3, 4, 5], [1, 4], workers);
    expect(p.grid.indices.map(shown)).toEqual(['0:100,0:25', '0:100,25:50', '0:100,50:75', '0:100,75:100']);
  });

  it('rejects a dist whose product is not the number of procs, naming both', () => {
    expect(() => planGrid([10, 10], [2, 3, 4], [2, 2], workers)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/dist \[2, 2\] makes 4 blocks but 3 processes.*product of dist/) }),
    );
    expect(() => planGrid([10, 10], undefined, [3, 3], workers)).toThrow(/makes 9 blocks but 4 processes/);
  });

  it('rejects malformed procs and dist with coded errors', () => {
    const bad: [unknown, unknown, RegExp][] = [
      [[], undefined, /procs must be a non-empty array/],
      [[2, 2], undefined, /must not repeat/],
      [[2, 'x'], undefined, /positive integer process ids/],
      ['2', undefined, /procs must be/],
      [undefined, [2], /each of the 2 dimensions/],
      [undefined, [0, 4], /positive integers/],
      [undefined, [1.5, 2], /positive integers/],
    ];
    for (const [procs, dist, msg] of bad) {
      expect(() => planGrid([10, 10], procs, dist, workers)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(msg) }));
    }
  });
});

describe('copying parts of column-major arrays', () => {
  // A 5×4 array whose element (i, j) is 10 i + j.
  const src = Float64Array.from({ length: 20 }, (_, k) => 10 * (k % 5) + Math.floor(k / 5));

  it('copies a box into a place of another array', () => {
    const dst = new Float64Array(12).fill(-1); // 3×4
    copyBox(src, [5, 4], [range(1, 3), range(2, 4)], dst, [3, 4], [1, 1]);
    expect(Array.from(dst)).toEqual([-1, -1, -1, -1, 12, 22, -1, 13, 23, -1, -1, -1]);
  });

  it('follows steps, and runs long enough for the bulk copy', () => {
    const dst = new Float64Array(4);
    copyBox(src, [5, 4], [range(0, 5, 2), range(3, 4)], dst, [4, 1], [1, 0]);
    expect(Array.from(dst)).toEqual([0, 3, 23, 43]);
    const big = Float64Array.from({ length: 200 }, (_, k) => k); // 100×2
    const out = new Float64Array(100);
    copyBox(big, [100, 2], [range(0, 100), range(1, 2)], out, [100, 1], [0, 0]);
    expect(out[0]).toBe(100);
    expect(out[99]).toBe(199);
  });

  it('does nothing for an empty selection', () => {
    const dst = new Float64Array(2).fill(7);
    copyBox(src, [5, 4], [range(0, 0), range(0, 4)], dst, [2, 1], [0, 0]);
    expect(Array.from(dst)).toEqual([7, 7]);
  });
});

describe('splitting a selection into messages', () => {
  const count = (sel: readonly Range[]): number => sel.reduce((a, r) => a * r.length, 1);

  function check(sel: Range[], max: number): ReturnType<typeof splitSelection> {
    const pieces = splitSelection(sel, max);
    // Every piece fits, and together they cover the selection exactly once.
    const seen = new Set<string>();
    for (const p of pieces) {
      expect(count(p.sel)).toBeLessThanOrEqual(max);
      const idx = p.sel.map(() => 0);
      for (let n = 0; n < count(p.sel); n++) {
        const key = idx.map((k, d) => p.at[d]! + k).join(',');
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        for (let d = 0; d < idx.length && ++idx[d]! === p.sel[d]!.length; d++) idx[d] = 0;
      }
    }
    expect(seen.size).toBe(count(sel));
    return pieces;
  }

  it('keeps a selection that fits whole', () => {
    expect(splitSelection([range(0, 10), range(0, 10)], 100)).toHaveLength(1);
  });

  it('cuts along the last dimension in slabs as thick as fit', () => {
    const pieces = check([range(0, 10), range(0, 10)], 30);
    expect(pieces.map((p) => p.sel[1]!.toString())).toEqual(['range(0, 3)', 'range(3, 6)', 'range(6, 9)', 'range(9, 10)']);
  });

  it('cuts a slab that alone is too big along the dimensions before it', () => {
    check([range(0, 7), range(2, 5), range(0, 3)], 4);
    check([range(0, 1000)], 7);
    check([range(0, 9, 2), range(1, 2), range(0, 4)], 3);
  });
});
