// Array operations: views keep their dtype; elementwise operations return their output (a Promise
// of it with { parallel: true }); reductions return a bigint for 64-bit integer arrays, a number
// otherwise, and a Promise for a DArray or with { parallel: true }. (Operands of different dtypes
// are refused when called, ERR_DTYPE_MISMATCH, as the types do not say which dtype is meant.)
import { describe, expectTypeOf, test } from 'vitest';
import {
  add,
  axpy,
  type DArray,
  dot,
  fill,
  map,
  max,
  mean,
  min,
  norm,
  range,
  SharedArray,
  type SharedArrayView,
  sum,
} from 'sharedarrays';

describe('array operations', () => {
  test('views keep the dtype and nest', async () => {
    const S = await SharedArray.create('int16', [4, 5, 6]);
    const V = S.view(range(0, 4, 2), ':', 3);
    expectTypeOf(V).toEqualTypeOf<SharedArrayView<'int16'>>();
    expectTypeOf(V.view(1, ':')).toEqualTypeOf<SharedArrayView<'int16'>>();
    expectTypeOf(V.get(0, 1)).toEqualTypeOf<number>();
    expectTypeOf(V.toArray()).toEqualTypeOf<Int16Array>();
    // @ts-expect-error an index is a Range, a number or ':'
    S.view('all', ':', 0);
  });

  test('elementwise operations return their output, a Promise of it with { parallel: true }', async () => {
    const S = await SharedArray.create('float64', [10]);
    const x = new Float64Array(10);
    expectTypeOf(add(S, S, 1)).toEqualTypeOf<SharedArray<'float64'>>();
    expectTypeOf(add(x, x, S)).toEqualTypeOf<typeof x>();
    expectTypeOf(add(S, S, x, { parallel: true })).toEqualTypeOf<Promise<SharedArray<'float64'>>>();
    expectTypeOf(fill(S.view(range(0, 5)), 2)).toEqualTypeOf<SharedArrayView<'float64'>>();
    expectTypeOf(axpy(2, x, S)).toEqualTypeOf<SharedArray<'float64'>>();
    expectTypeOf(map('sqrt', x)).toEqualTypeOf<typeof x>();
    // @ts-expect-error not a built-in element function
    map('cbrt', x);
  });

  test('reductions: bigint for 64-bit integers, number otherwise; Promises in parallel', async () => {
    const B = await SharedArray.create('bigint64', [10]);
    expectTypeOf(sum(new Int32Array(4))).toEqualTypeOf<number>();
    expectTypeOf(sum(new BigUint64Array(4))).toEqualTypeOf<bigint>();
    expectTypeOf(max(B.view(range(0, 5)))).toEqualTypeOf<bigint>();
    expectTypeOf(sum(B, { parallel: true })).toEqualTypeOf<Promise<bigint>>();
    expectTypeOf(dot(B, B)).toEqualTypeOf<bigint>();
    expectTypeOf(mean(B)).toEqualTypeOf<number>();
    expectTypeOf(norm(new Float32Array(3))).toEqualTypeOf<number>();
  });

  test('the reductions of a DArray are Promises of the element type', () => {
    const D = {} as DArray<'int32'>;
    const E = {} as DArray<'biguint64'>;
    expectTypeOf(sum(D)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(min(E)).toEqualTypeOf<Promise<bigint>>();
    expectTypeOf(dot(E, E)).toEqualTypeOf<Promise<bigint>>();
    expectTypeOf(mean(E)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(norm(D, { parallel: true })).toEqualTypeOf<Promise<number>>();
  });
});
