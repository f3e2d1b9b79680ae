import { describe, expect, it } from 'vitest';
import { range, Range } from '../../src/core/range.js';

describe('range', () => {
  it('is half-open and iterable', () => {
    expect([...range(0, 5)]).toEqual([0, 1, 2, 3, 4]);
    expect(range(0, 5).length).toBe(5);
    expect([...range(3)]).toEqual([0, 1, 2]);
    expect([...range(1, 10, 3)]).toEqual([1, 4, 7]);
    expect([...range(5, 0, -2)]).toEqual([5, 3, 1]);
    expect(range(5, 5).length).toBe(0);
    expect(range(5, 0).length).toBe(0);
  });

  it('indexes, slices and tests membership', () => {
    const r = range(2, 20, 3);
    expect(r.at(0)).toBe(2);
    expect(r.last).toBe(17);
    expect(r.includes(11)).toBe(true);
    expect(r.includes(12)).toBe(false);
    expect([...r.slice(1, 3)]).toEqual([5, 8]);
    expect(() => r.at(6)).toThrow(RangeError);
  });

  it('rejects bad arguments with a code', () => {
    expect(() => range(0, 1.5)).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => new Range(0, 10, 0)).toThrowError(/step must not be zero/);
  });
});
