import { describe, expect, it } from 'vitest';
import { range, type Range } from '../../src/core/range.js';
// Not part of the public entry point yet; pure functions, so the source module is equivalent.
import { splitIndices, splitRangeOf, splitrange } from '../../src/parallel/splitrange.js';

const bounds = (rs: Range[]): [number, number, number][] => rs.map((r) => [r.start, r.stop, r.step]);
const halfOpen = (rs: Range[]): [number, number][] => rs.map((r) => [r.start, r.stop]);

describe('splitrange', () => {
  it.each([
    { start: 0, stop: 11, np: 3, want: [[0, 4], [4, 8], [8, 11]] },
    { start: 0, stop: 3, np: 4, want: [[0, 1], [1, 2], [2, 3]] },
    { start: -1, stop: 2, np: 4, want: [[-1, 0], [0, 1], [1, 2]] },
    { start: 0, stop: 0, np: 3, want: [] },
    { start: 5, stop: 2, np: 3, want: [] },
    { start: 0, stop: 12, np: 3, want: [[0, 4], [4, 8], [8, 12]] },
    { start: 10, stop: 20, np: 4, want: [[10, 13], [13, 16], [16, 18], [18, 20]] },
    { start: 0, stop: 7, np: 1, want: [[0, 7]] },
  ])('splitrange($start, $stop, $np)', ({ start, stop, np, want }) => {
    expect(halfOpen(splitrange(start, stop, np))).toEqual(want);
  });

  it('chunks are contiguous, cover [start, stop) exactly, differ by at most one, larger first', () => {
    for (const start of [-7, 0, 3]) {
      for (let n = 0; n <= 40; n++) {
        for (let np = 1; np <= 12; np++) {
          const chunks = splitrange(start, start + n, np);
          expect(chunks.length).toBe(Math.min(n, np));
          let at = start;
          for (const c of chunks) {
            expect(c.start).toBe(at);
            expect(c.step).toBe(1);
            expect(c.length).toBeGreaterThan(0);
            at = c.stop;
          }
          expect(at).toBe(n === 0 ? start : start + n);
          const sizes = chunks.map((c) => c.length);
          for (let k = 1; k < sizes.length; k++) {
            expect(sizes[k]).toBeLessThanOrEqual(sizes[k - 1] ?? 0);
          }
          if (sizes.length > 0) expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('rejects a bad number of chunks or bounds with a code', () => {
    for (const np of [0, -1, 1.5, NaN, Infinity]) {
      expect(() => splitrange(0, 10, np)).toThrowError(expect.objectContaining({ name: 'RangeError', code: 'ERR_INVALID_ARG' }));
    }
    expect(() => splitrange(0, 10, '2' as unknown as number)).toThrowError(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG' }));
    expect(() => splitrange(0.5, 10, 2)).toThrowError(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG' }));
  });
});

describe('splitRangeOf and splitIndices', () => {
  it('splits a stepped range by element, keeping the step', () => {
    // range(1, 22, 2) has 11 elements: 1 3 5 ... 21.
    expect(bounds(splitRangeOf(range(1, 22, 2), 3))).toEqual([
      [1, 9, 2],
      [9, 17, 2],
      [17, 23, 2],
    ]);
    const desc = splitRangeOf(range(10, 0, -1), 4);
    expect(desc.map((r) => [...r])).toEqual([[10, 9, 8], [7, 6, 5], [4, 3], [2, 1]]);
    expect(splitRangeOf(range(0, 0), 3)).toEqual([]);
    expect(() => splitRangeOf(range(5), 0)).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });

  it('concatenated chunks of a stepped range give back its elements', () => {
    const r = range(-5, 100, 7);
    for (let np = 1; np <= 20; np++) {
      expect(splitRangeOf(r, np).flatMap((c) => [...c])).toEqual([...r]);
    }
  });

  it('splits an array index space like splitrange(0, length)', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    expect(halfOpen(splitIndices(items, 2))).toEqual([[0, 3], [3, 5]]);
    expect(halfOpen(splitIndices(new Float64Array(2), 4))).toEqual([[0, 1], [1, 2]]);
    expect(splitIndices([], 4)).toEqual([]);
  });
});
