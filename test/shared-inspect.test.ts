import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SharedArray } from 'sharedarrays';

describe('util.inspect shows a SharedArray as Julia does', () => {
  it('prints a matrix with right-aligned columns', async () => {
    const pattern = [2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4];
    const S = await SharedArray.create('int32', [3, 4], { init: (A) => A.data.set(pattern) });
    S.set(2, 1, 7);
    S.set(0, 3, -10);
    expect(inspect(S)).toBe(['3×4 SharedArray{int32,2}:', ' 2  2  3  -10', ' 2  3  4    4', ' 2  7  4    4'].join('\n'));
    await S.close();
  });

  it('prints vectors as a column, floats the Julia way, aligned on the point', async () => {
    const V = await SharedArray.create('float64', 5, { init: (A) => A.data.set([0, 1.5, -22.25, 1e-7, Infinity]) });
    expect(inspect(V)).toBe(['5-element SharedArray{float64,1}:', '   0.0', '   1.5', ' -22.25', '   1.0e-7', '  Inf'].join('\n'));
    const F = await SharedArray.create('float32', [2, 2], { init: (A) => A.data.set([0.1, 1, 2.5, NaN]) });
    expect(inspect(F)).toBe(['2×2 SharedArray{float32,2}:', ' 0.1    2.5', ' 1.0  NaN'].join('\n'));
    const B = await SharedArray.create('biguint64', 2, { init: (A) => A.data.set([2n ** 64n - 1n, 3n]) });
    expect(inspect(B)).toBe(['2-element SharedArray{biguint64,1}:', ' 18446744073709551615', '                    3'].join('\n'));
    await Promise.all([V.close(), F.close(), B.close()]);
  });

  it('prints empty and closed arrays as their summary only', async () => {
    const E = await SharedArray.create('int32', 0);
    expect(inspect(E)).toBe('0-element SharedArray{int32,1}');
    const M = await SharedArray.create('int32', [0, 3]);
    expect(inspect(M)).toBe('0×3 SharedArray{int32,2}');
    const C = await SharedArray.create('uint8', [2, 2]);
    await C.close();
    expect(inspect(C)).toBe('2×2 SharedArray{uint8,2} (closed)');
  });

  it('elides long vectors with ⋮ (first 10, last 9 elements on a 24-line display)', async () => {
    const V = await SharedArray.create('int32', 100, { init: (A) => {
        for (let i = 0; i < A.data.length; i++) A.data[i] = i;
      },
    });
    const lines = inspect(V).split('\n');
    expect(lines[0]).toBe('100-element SharedArray{int32,1}:');
    expect(lines.slice(1, 4)).toEqual(['  0', '  1', '  2']);
    expect(lines[11]).toBe('  ⋮');
    expect(lines.slice(-2)).toEqual([' 98', ' 99']);
    expect(lines).toHaveLength(21);
    await V.close();
  });

  it('elides wide and tall matrices with … and ⋱ to fit 80 columns', async () => {
    const M = await SharedArray.create('int32', [30, 100], { init: (A) => A.data.fill(1) });
    const lines = inspect(M).split('\n');
    expect(lines[0]).toBe('30×100 SharedArray{int32,2}:');
    expect(lines[1]).toMatch(/^ 1 {2}1 .*1 {2}… {2}1 .*1$/);
    expect(lines[2]).not.toContain('…'); // dots on every fifth row only
    expect(lines[11]).toContain('⋱');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    await M.close();
  });

  it('prints N-d arrays as 2-d slices, indices 0-based', async () => {
    const S = await SharedArray.create('uint8', [2, 2, 2], { init: (A) => A.data.set([1, 2, 3, 4, 5, 6, 7, 8]) });
    expect(inspect(S)).toBe(
      ['2×2×2 SharedArray{uint8,3}:', '[:, :, 0] =', ' 1  3', ' 2  4', '', '[:, :, 1] =', ' 5  7', ' 6  8'].join('\n'),
    );
    const L = await SharedArray.create('uint8', [1, 1, 12]);
    const text = inspect(L);
    expect(text).toContain('[:, :, 2] =');
    expect(text).toContain('...');
    expect(text).not.toContain('[:, :, 3] =');
    expect(text).toContain('[:, :, 11] =');
    await Promise.all([S.close(), L.close()]);
  });
});
