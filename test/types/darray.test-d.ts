// DArray: the dtype flows from the options or the source into blocks, reads and reductions.
import { describe, expectTypeOf, test } from 'vitest';
import { type DArray, distribute, dzeros, localindices, localpart, range, SharedArray, type Range } from 'sharedarrays';

describe('DArray', () => {
  test('constructors: float64 by default, the dtype option otherwise', async () => {
    expectTypeOf(await dzeros([4, 4])).toEqualTypeOf<DArray<'float64'>>();
    const D = await dzeros([4, 4], { dtype: 'int32', procs: [2, 3] });
    expectTypeOf(D).toEqualTypeOf<DArray<'int32'>>();
    expectTypeOf(await D.get(0, 1)).toEqualTypeOf<number>();
    expectTypeOf(await D.toArray()).toEqualTypeOf<Int32Array>();
    expectTypeOf(await D.slice(range(0, 2), 1)).toEqualTypeOf<Int32Array>();
    // @ts-expect-error not a dtype
    void dzeros(4, { dtype: 'float16' });
  });

  test('distribute takes its dtype from the source', async () => {
    expectTypeOf(await distribute(new BigInt64Array(8))).toEqualTypeOf<DArray<'bigint64'>>();
    const S = await SharedArray.create('uint8', [4, 2]);
    expectTypeOf(await distribute(S)).toEqualTypeOf<DArray<'uint8'>>();
    expectTypeOf(await (await distribute(new BigInt64Array(8))).sum()).toEqualTypeOf<bigint>();
  });

  test('localindices of a DArray is one Range per dimension; localpart is the block itself', async () => {
    const D = await dzeros([4, 4]);
    expectTypeOf(localindices(D)).toEqualTypeOf<Range[]>();
    expectTypeOf(localpart(D)).toEqualTypeOf<Float64Array>();
  });
});
