// Elementwise array operations (src/ops/elementwise.ts, native/ops.cc): fill, copyTo, add, sub,
// mul, div, axpy and map, for every dtype, against a plain JavaScript reference computed exactly
// (test/helpers/ops-reference.ts); over typed arrays, SharedArrays and strided, reversed, nested
// views; scalars on either side; in place and with overlapping operands.
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import {
  close,
  elems,
  ctors,
  DTYPES,
  EXACT_UNARY,
  intRange,
  isBig,
  isFloat,
  LIBM_UNARY,
  refAxpy,
  refBinary,
  refUnary,
  same,
  samples,
  typed,
} from './helpers/ops-reference.js';

const { add, sub, mul, div, axpy, map, fill, copyTo, SharedArray, SharedArrayView, range } = sa;
type DType = sa.DType;
type Elem = number | bigint;
type Arr = ArrayLike<Elem> & { [k: number]: Elem };
const binaryOps = { add, sub, mul, div } as const;

/** The first element where `actual` differs from `expected`, described; null when all match. */
function firstDiff(actual: ArrayLike<Elem>, expected: ArrayLike<Elem>, eq: (a: Elem, b: Elem) => boolean = same): string | null {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (!eq(actual[i] as Elem, expected[i] as Elem)) return `element ${i}: ${String(actual[i])}, expected ${String(expected[i])}`;
  }
  return null;
}

/** A scalar that fits every dtype's rules (an integer it holds; a bigint for 64-bit ones). */
function scalarFor(d: DType): Elem {
  if (isBig(d)) return d === 'bigint64' ? -3n : 3n;
  if (isFloat(d)) return 2.5;
  return intRange(d)[0] < 0n ? -3 : 3;
}

const N = 37; // not a multiple of any vector width: the loops' tails run too

describe.each(DTYPES)('%s', (d) => {
  const a = typed(d, samples(d, N, 1));
  const b = typed(d, samples(d, N, 2, true)); // no zero: it divides
  const s = scalarFor(d);

  it('add, sub, mul, div: array with array, array with scalar, scalar with array', () => {
    for (const [name, op] of Object.entries(binaryOps) as [keyof typeof binaryOps, (o: Arr, x: Arr | Elem, y: Arr | Elem) => Arr][]) {
      const out = new ctors[d](N);
      expect(op(out, a, b)).toBe(out);
      expect(firstDiff(out, elems(a).map((x, i) => refBinary(d, name, x, b[i]!))), `${name}(out, a, b)`).toBeNull();
      op(out, a, s);
      expect(firstDiff(out, elems(a).map((x) => refBinary(d, name, x, s))), `${name}(out, a, s)`).toBeNull();
      op(out, s, b);
      expect(firstDiff(out, elems(b).map((y) => refBinary(d, name, s, y))), `${name}(out, s, b)`).toBeNull();
    }
  });

  it('axpy: y = alpha * x + y', () => {
    const y = typed(d, samples(d, N, 3));
    const expected = elems(y).map((v, i) => refAxpy(d, s, a[i]!, v));
    expect(axpy(s, a, y)).toBe(y);
    expect(firstDiff(y, expected)).toBeNull();
  });

  it('fill and copyTo', () => {
    const x = new ctors[d](N);
    expect(fill(x, s)).toBe(x);
    expect(firstDiff(x, Array(N).fill(s))).toBeNull();
    expect(copyTo(x, a)).toBe(x);
    expect(firstDiff(x, a)).toBeNull();
  });

  it('map: every built-in function the dtype takes, into an output and in place', () => {
    const ops = isFloat(d) ? [...EXACT_UNARY, ...LIBM_UNARY] : ['neg', 'abs', 'sign', 'square'];
    const x = isFloat(d) ? typed(d, [...samples(d, N, 4), -2.5, 2.5, -0.5, 0.5, 3.5, -0, Infinity, -Infinity, NaN]) : a;
    for (const f of ops) {
      const out = new ctors[d](x.length);
      map(f as sa.MapOp, out, x);
      const expected = elems(x).map((v) => refUnary(d, f, v));
      const eq = (LIBM_UNARY as readonly string[]).includes(f) ? (p: Elem, q: Elem) => close(d, p as number, q as number) : same;
      expect(firstDiff(out, expected, eq), f).toBeNull();
      const inPlace = new ctors[d](x);
      map(f as sa.MapOp, inPlace);
      expect(firstDiff(inPlace, out), `${f} in place`).toBeNull();
    }
  });

  it('strided, reversed and nested views of SharedArrays; a typed array takes their shape', async () => {
    const S = await SharedArray.create(d, [6, 7], { init: (A) => A.data.set(typed(d, samples(d, 42, 5)) as never) });
    const T = await SharedArray.create(d, [6, 7], { init: (A) => A.data.set(typed(d, samples(d, 42, 6, true)) as never) });
    const V = S.view(range(1, 6, 2), range(6, -1, -2)); // 3×4, rows 1,3,5 and columns 6,4,2,0
    const W = T.view(range(0, 6).slice(0, 3), range(0, 7, 2)).view(':', ':'); // 3×4, a nested view
    expect([V.dims, W.dims]).toEqual([[3, 4], [3, 4]]);
    const v = V.toArray();
    const w = W.toArray();
    for (const [name, op] of Object.entries(binaryOps)) {
      const out = new ctors[d](12); // a plain typed array: it takes the views' 3×4 shape
      (op as (o: Arr, x: unknown, y: unknown) => Arr)(out, V, W);
      expect(firstDiff(out, elems(v).map((x, i) => refBinary(d, name as 'add', x, w[i]!))), `${name}(out, V, W)`).toBeNull();
    }
    // Written through a view: the elements it shows change, the others stay.
    const before = elems(S.data);
    add(V, V, s);
    const shown = new Set(Array.from({ length: 12 }, (_, k) => V.offset + (k % 3) * V.strides[0]! + Math.floor(k / 3) * V.strides[1]!));
    const expected = before.map((x, k) => (shown.has(k) ? refBinary(d, 'add', x, s) : x));
    expect(firstDiff(S.data, expected)).toBeNull();
    // And a SharedArray as a whole, with a 0-d view as the output of one element.
    const out = await SharedArray.create(d, [6, 7]);
    mul(out, S, T);
    expect(firstDiff(out.data, elems(S.data).map((x, k) => refBinary(d, 'mul', x, T.data[k]!)))).toBeNull();
    const one = out.view(2, 3);
    sub(one, S.view(2, 3), T.view(2, 3));
    expect(one.get()).toEqual(refBinary(d, 'sub', S.get(2, 3), T.get(2, 3)));
    await Promise.all([S.close(), T.close(), out.close()]);
  });
});

describe('semantics of integer and float32 arithmetic', () => {
  it('integers wrap modulo 2^bits, uint8clamped clamps, as storing the exact result would', () => {
    expect([...add(new Int8Array(2), new Int8Array([127, -128]), new Int8Array([1, -1]))]).toEqual([-128, 127]);
    expect([...mul(new Int32Array(1), new Int32Array([65537]), new Int32Array([65537]))]).toEqual([131073]); // exact mod 2^32, not via float64
    expect([...sub(new Uint16Array(1), new Uint16Array([0]), 1)]).toEqual([65535]);
    expect([...add(new Uint8ClampedArray(2), new Uint8ClampedArray([250, 5]), new Uint8ClampedArray([10, 0]))]).toEqual([255, 5]);
    expect([...sub(new Uint8ClampedArray(1), new Uint8ClampedArray([3]), 5)]).toEqual([0]);
    expect([...mul(new BigInt64Array(1), new BigInt64Array([2n ** 62n]), 4n)]).toEqual([0n]);
  });

  it('integer division truncates toward zero; typemin / -1 wraps instead of trapping', () => {
    expect([...div(new Int32Array(4), new Int32Array([7, -7, 7, -7]), new Int32Array([2, 2, -2, -2]))]).toEqual([3, -3, -3, 3]);
    expect([...div(new Int32Array(1), new Int32Array([-2147483648]), -1)]).toEqual([-2147483648]);
    expect([...div(new BigInt64Array(1), new BigInt64Array([-(2n ** 63n)]), -1n)]).toEqual([-(2n ** 63n)]);
    // uint8clamped rounds to nearest, ties to even: 5/2 = 2.5 → 2, 7/2 = 3.5 → 4.
    expect([...div(new Uint8ClampedArray(3), new Uint8ClampedArray([5, 7, 9]), 2)]).toEqual([2, 4, 4]);
  });

  it('float32 rounds every step to float32; float64 axpy is not fused', () => {
    const x = new Float32Array([0.1]);
    axpy(3, x, x);
    expect(x[0]).toBe(Math.fround(Math.fround(3 * Math.fround(0.1)) + Math.fround(0.1)));
    // 0.1 * 10 - 1 is 0 rounded twice (JavaScript), 5.55e-17 as one fused multiply-add.
    const y = new Float64Array([-1]);
    axpy(10, new Float64Array([0.1]), y);
    expect(y[0]).toBe(0.1 * 10 - 1);
  });
});

describe('in place and overlapping operands', () => {
  it('the output may be an input (add(x, x, y), add(x, y, x), add(x, x, x))', () => {
    const x = new Float64Array([1, 2, 3]);
    const y = new Float64Array([10, 20, 30]);
    add(x, x, y);
    expect([...x]).toEqual([11, 22, 33]);
    sub(x, y, x);
    expect([...x]).toEqual([-1, -2, -3]);
    mul(x, x, x);
    expect([...x]).toEqual([1, 4, 9]);
  });

  it('a shifted window of the same memory reads the input as it was (numpy semantics)', async () => {
    const S = await SharedArray.create('int32', 20, { init: (A) => A.data.forEach((_, i, a) => { a[i] = i; }) });
    // Read as a copy: out[i] = old[i - 1] + 100, not a running sum.
    add(S.view(range(1, 20)), S.view(range(0, 19)), 100);
    expect([...S.data]).toEqual([0, ...Array.from({ length: 19 }, (_, i) => i + 100)]);
    // copyTo behaves as memmove in both directions, and reversing in place works.
    S.data.forEach((_, i, a) => { a[i] = i; });
    copyTo(S.view(range(2, 20)), S.view(range(0, 18)));
    expect([...S.data]).toEqual([0, 1, ...Array.from({ length: 18 }, (_, i) => i)]);
    S.data.forEach((_, i, a) => { a[i] = i; });
    copyTo(S.view(range(0, 18)), S.view(range(2, 20)));
    expect([...S.data]).toEqual([...Array.from({ length: 18 }, (_, i) => i + 2), 18, 19]);
    S.data.forEach((_, i, a) => { a[i] = i; });
    copyTo(S.view(range(19, -1, -1)), S);
    expect([...S.data]).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
    // Interleaved views (no element in common) and overlapping subarrays of a typed array.
    S.data.forEach((_, i, a) => { a[i] = i; });
    add(S.view(range(0, 20, 2)), S.view(range(1, 20, 2)), 0);
    expect([...S.data]).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? i + 1 : i)));
    const t = new Float64Array([1, 2, 3, 4, 5]);
    add(t.subarray(1), t.subarray(0, 4), t.subarray(0, 4));
    expect([...t]).toEqual([1, 2, 4, 6, 8]);
    await S.close();
  });

  it('operands that only read the same memory need no copy', () => {
    const t = new Float64Array([1, 2, 3, 4]);
    const out = new Float64Array(2);
    add(out, t.subarray(0, 2), t.subarray(1, 3));
    expect([...out]).toEqual([3, 5]);
  });
});

describe('views are operands like any array', () => {
  it('a view arrives in the operations as a SharedArrayView, not a copy', async () => {
    const S = await SharedArray.create('float64', [4, 4]);
    const V = S.view(':', 1);
    expect(V).toBeInstanceOf(SharedArrayView);
    fill(V, 5);
    expect(S.data.filter((x) => x === 5).length).toBe(4);
    expect([S.get(0, 1), S.get(3, 1), S.get(0, 0), S.get(0, 2)]).toEqual([5, 5, 0, 0]);
    await S.close();
  });

  it('empty shapes do nothing and return the output', async () => {
    const S = await SharedArray.create('float64', [3, 0]);
    expect(add(S, S, 1)).toBe(S);
    const E = (await SharedArray.create('int16', [2, 3])).view(range(1, 1), ':');
    expect(E.length).toBe(0);
    expect(fill(E, 1)).toBe(E);
    await Promise.all([S.close(), E.parent.close()]);
  });
});
