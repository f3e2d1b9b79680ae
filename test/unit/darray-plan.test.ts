// Which blocks a DArray read asks, with what, and where each answer goes (src/darray/plan.ts):
// one request per block the selection touches, none for blocks it skips.
import { describe, expect, it } from 'vitest';
import { type Range, range } from '../../src/core/range.js';
import { planReads } from '../../src/darray/plan.js';

// A 9×7 array over a 2×2 grid: rows cut at 5, columns at 4; blocks 0 1 / 2 3 column-major.
const cuts = [
  [0, 5, 9],
  [0, 4, 7],
];
const show = (sel: Range[]): string => sel.map(String).join(' ');

describe('planning a read', () => {
  it('asks only the block holding a part that lies within one block', () => {
    expect(planReads(cuts, [range(1, 3), range(1, 3)], 1e9)).toEqual([{ block: 0, sel: [range(1, 3), range(1, 3)], at: [0, 0] }]);
    expect(planReads(cuts, [range(6, 7), range(5, 6)], 1e9).map((r) => r.block)).toEqual([3]);
  });

  it('asks each of the four blocks once around their common corner, placing each answer', () => {
    const plan = planReads(cuts, [range(4, 6), range(3, 5)], 1e9);
    expect(plan.map((r) => [r.block, show(r.sel), r.at])).toEqual([
      [0, 'range(4, 5) range(3, 4)', [0, 0]],
      [1, 'range(5, 6) range(3, 4)', [1, 0]],
      [2, 'range(4, 5) range(4, 5)', [0, 1]],
      [3, 'range(5, 6) range(4, 5)', [1, 1]],
    ]);
  });

  it('skips a block that a stride jumps over, and asks a row of blocks once each', () => {
    const cuts3 = [[0, 3, 6, 9], [0, 1]];
    // Rows 0 and 7 by a stride of 7: blocks 0 and 2, not block 1.
    expect(planReads(cuts3, [range(0, 9, 7), range(0, 1)], 1e9).map((r) => [r.block, show(r.sel), r.at])).toEqual([
      [0, 'range(0, 7, 7) range(0, 1)', [0, 0]], // row 0 (Range.slice keeps the step)
      [2, 'range(7, 14, 7) range(0, 1)', [1, 0]], // row 7
    ]);
    expect(planReads(cuts, [range(0, 9), range(2, 3)], 1e9).map((r) => r.block)).toEqual([0, 1]);
  });

  it('never asks an empty block (more blocks than rows)', () => {
    const plan = planReads([[0, 1, 2, 2, 2], [0, 3]], [range(0, 2), range(0, 3)], 1e9);
    expect(plan.map((r) => r.block)).toEqual([0, 1]);
  });

  it('asks nothing for an empty selection', () => {
    expect(planReads(cuts, [range(3, 3), range(0, 7)], 1e9)).toEqual([]);
  });

  it('splits a block part too large for one message, covering it exactly', () => {
    const plan = planReads(cuts, [range(0, 9), range(0, 7)], 6);
    expect(plan.every((r) => r.sel.reduce((a, x) => a * x.length, 1) <= 6)).toBe(true);
    expect(plan.reduce((a, r) => a + r.sel.reduce((b, x) => b * x.length, 1), 0)).toBe(63);
    expect(new Set(plan.map((r) => r.block))).toEqual(new Set([0, 1, 2, 3]));
  });
});
