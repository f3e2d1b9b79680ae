// Reductions (src/ops/reductions.ts, native/ops.cc): sum, min, max, mean, dot, norm for every
// dtype against exact references; their result types; pairwise accuracy; NaN, empty and
// overflow cases; strided and reversed views.
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { DTYPES, elems, isBig, isFloat, samples, typed } from './helpers/ops-reference.js';

const { sum, min, max, mean, dot, norm, SharedArray, range } = sa;
type Elem = number | bigint;

const N = 1001; // long enough for the pairwise blocks (128) and their recursion, with a tail

/** Exact sum of the elements as a bigint scaled by 8 (the float samples are multiples of 1/8). */
function exactSum8(values: ArrayLike<Elem>): bigint {
  let s = 0n;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    s += typeof v === 'bigint' ? v * 8n : BigInt(v * 8);
  }
  return s;
}

describe.each(DTYPES)('%s', (d) => {
  const x = typed(d, samples(d, N, 11));
  const y = typed(d, samples(d, N, 12));
  const values = elems(x);

  it('sum and mean are exact (bigint for 64-bit integers, else a number)', () => {
    const s8 = exactSum8(x);
    if (isBig(d)) {
      expect(sum(x)).toBe(s8 / 8n);
      expect(mean(x)).toBe(Number(s8 / 8n) / N);
    } else {
      // Multiples of 1/8 and integers: every partial sum is exact, in any order.
      expect(sum(x)).toBe(Number(s8) / 8);
      expect(mean(x)).toBe(Number(s8) / 8 / N);
    }
  });

  it('min and max are the extreme elements, of the element type', () => {
    const sorted = [...values].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
    expect(min(x)).toBe(sorted[0]);
    expect(max(x)).toBe(sorted[sorted.length - 1]);
  });

  it('dot is exact for integers (bigint for 64-bit ones), pairwise in double for floats', () => {
    let exact = 0n;
    for (let i = 0; i < N; i++) {
      const p = x[i]!;
      const q = y[i]!;
      // Floats scaled by 8 each (the samples are multiples of 1/8), so the products are integers.
      exact += typeof p === 'bigint' ? p * (q as bigint) : isFloat(d) ? BigInt((p as number) * 8) * BigInt((q as number) * 8) : BigInt(p) * BigInt(q as number);
    }
    if (isBig(d)) expect(dot(x, y)).toBe(exact);
    else if (isFloat(d)) expect(dot(x, y)).toBe(Number(exact) / 64);
    else expect(dot(x, y)).toBe(Number(exact)); // the exact integer, as the nearest number
  });

  it('norm is sqrt(Σ x²) as a number, to a few ulps', () => {
    // Σ x² exactly (floats scaled by 8 to integers), then one rounding and the square root.
    const scale = isFloat(d) ? 8 : 1;
    const exact = values.reduce<bigint>((s, v) => s + (typeof v === 'bigint' ? v * v : BigInt(v * scale) ** 2n), 0n);
    const ref = Math.sqrt(Number(exact)) / scale;
    expect(Math.abs(norm(x) - ref)).toBeLessThanOrEqual(8 * Number.EPSILON * ref);
  });

  it('strided and reversed views reduce the elements they show', async () => {
    const S = await SharedArray.create(d, [7, 11], { init: (A) => A.data.set(typed(d, samples(d, 77, 13)) as never) });
    const V = S.view(range(6, -1, -3), range(1, 11, 2)); // rows 6,3,0 of columns 1,3,...,9
    const W = S.view(range(0, 3), range(0, 5)); // same shape
    const v = V.toArray();
    const w = W.toArray();
    expect(sum(V)).toBe(sum(v));
    expect(min(V)).toBe(min(v));
    expect(max(V)).toBe(max(v));
    expect(dot(V, W)).toBe(dot(v, w));
    // The strided walk sums row by row, so a float result may differ in the last bits.
    expect(Math.abs(norm(V) - norm(v))).toBeLessThanOrEqual(4 * Number.EPSILON * norm(v));
    expect(mean(S.view(2, ':'))).toBe(mean(S.view(2, ':').toArray()));
    await S.close();
  });

  it('no elements: sum 0, mean NaN, min and max an ERR_EMPTY RangeError', () => {
    const e = typed(d, []);
    expect(sum(e)).toBe(isBig(d) ? 0n : 0);
    expect(mean(e)).toBeNaN();
    expect(norm(e)).toBe(0);
    expect(dot(e, e)).toBe(isBig(d) ? 0n : 0);
    for (const f of [min, max]) {
      expect(() => f(e)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_EMPTY' }));
    }
  });
});

describe('floating-point accuracy and special values', () => {
  it('pairwise summation: 10^6 × 0.1 within a few ulps of the exact sum, where a plain loop drifts', () => {
    const n = 1_000_000;
    const x = new Float64Array(n).fill(0.1);
    // 0.1 as a double is exactly m / 2^55 (m < 2^53): the exact sum is n·m / 2^55.
    const m = BigInt(0.1 * 2 ** 55);
    expect(Number(m) / 2 ** 55).toBe(0.1);
    const exact = Number(BigInt(n) * m) / 2 ** 55;
    let naive = 0;
    for (let i = 0; i < n; i++) naive += x[i]!;
    const ulp = 2 ** (Math.floor(Math.log2(exact)) - 52);
    expect(Math.abs(sum(x) - exact)).toBeLessThanOrEqual(8 * ulp);
    expect(Math.abs(naive - exact)).toBeGreaterThan(1000 * ulp);
  });

  it('float32 sums in double: no float32 rounding of the running sum', () => {
    const x = new Float32Array(1 << 20).fill(1);
    x[0] = 2 ** 24; // in float32, 2^24 + 1 rounds back to 2^24
    expect(sum(x)).toBe(2 ** 24 + (1 << 20) - 1);
  });

  it('NaN anywhere makes min, max, sum and norm NaN; infinities are ordinary', () => {
    for (const at of [0, 5, 200, 999]) {
      const x = new Float64Array(1000).fill(1);
      x[at] = NaN;
      expect([min(x), max(x), sum(x), norm(x)].every(Number.isNaN)).toBe(true);
      const f = new Float32Array(x);
      expect([min(f), max(f)].every(Number.isNaN)).toBe(true);
    }
    const x = new Float64Array(1000).fill(1);
    x[10] = -Infinity;
    x[20] = Infinity;
    expect([min(x), max(x), norm(x)]).toEqual([-Infinity, Infinity, Infinity]);
  });

  it('norm neither overflows nor underflows', () => {
    expect(norm(new Float64Array([3e300, 4e300])) / 5e300).toBeCloseTo(1, 14);
    expect(norm(new Float64Array([3e-300, 4e-300])) / 5e-300).toBeCloseTo(1, 14);
    expect(norm(new Float64Array([0, 0]))).toBe(0);
    expect(norm(new Float64Array([1e-320, 0]))).toBe(1e-320);
  });
});

describe('integer results', () => {
  it('int32 sums beyond 2^31 are exact; 64-bit sums beyond 2^64 are exact bigints', () => {
    expect(sum(new Int32Array(1000).fill(2 ** 31 - 1))).toBe((2 ** 31 - 1) * 1000);
    expect(sum(new Uint32Array(3).fill(2 ** 32 - 1))).toBe(3 * (2 ** 32 - 1));
    expect(sum(new BigUint64Array(4).fill(2n ** 64n - 1n))).toBe(4n * (2n ** 64n - 1n));
    expect(sum(new BigInt64Array([-(2n ** 63n), -(2n ** 63n)]))).toBe(-(2n ** 64n));
  });

  it('64-bit dot products are exact beyond 128 bits, of either sign', () => {
    const big = new BigInt64Array(1000).fill(-(2n ** 63n));
    const ones = new BigInt64Array(1000).fill(2n ** 63n - 1n);
    expect(dot(big, big)).toBe(1000n * 2n ** 126n);
    expect(dot(big, ones)).toBe(-1000n * 2n ** 63n * (2n ** 63n - 1n));
    const u = new BigUint64Array(1000).fill(2n ** 64n - 1n);
    expect(dot(u, u)).toBe(1000n * (2n ** 64n - 1n) ** 2n);
  });

  it('uint8clamped reduces like uint8', () => {
    const c = new Uint8ClampedArray([255, 0, 7]);
    expect([sum(c), min(c), max(c), dot(c, c)]).toEqual([262, 0, 255, 255 * 255 + 49]);
  });
});
