// SharedArray: the dtype string decides the typed array behind `data` and the element type.
import { describe, expectTypeOf, test } from 'vitest';
import {
  addprocs,
  indexpids,
  localindices,
  myid,
  sdata,
  SharedArray,
  workers,
  type AddprocsOptions,
  type DType,
  type Element,
  type FileMode,
  type FileOptions,
  type Topology,
  type Range,
  type TypedArrayOf,
} from 'sharedarrays';

describe('SharedArray dtypes', () => {
  test('each dtype maps to its typed array and element type', () => {
    expectTypeOf<TypedArrayOf<'float64'>>().toEqualTypeOf<Float64Array>();
    expectTypeOf<TypedArrayOf<'float32'>>().toEqualTypeOf<Float32Array>();
    expectTypeOf<TypedArrayOf<'int8'>>().toEqualTypeOf<Int8Array>();
    expectTypeOf<TypedArrayOf<'int16'>>().toEqualTypeOf<Int16Array>();
    expectTypeOf<TypedArrayOf<'int32'>>().toEqualTypeOf<Int32Array>();
    expectTypeOf<TypedArrayOf<'uint8'>>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<TypedArrayOf<'uint16'>>().toEqualTypeOf<Uint16Array>();
    expectTypeOf<TypedArrayOf<'uint32'>>().toEqualTypeOf<Uint32Array>();
    expectTypeOf<TypedArrayOf<'uint8clamped'>>().toEqualTypeOf<Uint8ClampedArray>();
    expectTypeOf<TypedArrayOf<'bigint64'>>().toEqualTypeOf<BigInt64Array>();
    expectTypeOf<TypedArrayOf<'biguint64'>>().toEqualTypeOf<BigUint64Array>();
    expectTypeOf<Element<'float64'>>().toEqualTypeOf<number>();
    expectTypeOf<Element<'bigint64'>>().toEqualTypeOf<bigint>();
    expectTypeOf<Element<'biguint64'>>().toEqualTypeOf<bigint>();
  });

  test('create and fromFile keep the dtype literal', async () => {
    const S = await SharedArray.create('float64', [3, 4]);
    expectTypeOf(S).toEqualTypeOf<SharedArray<'float64'>>();
    expectTypeOf(S.data).toEqualTypeOf<Float64Array>();
    expectTypeOf(S.get(0, 1)).toEqualTypeOf<number>();
    expectTypeOf(sdata(S)).toEqualTypeOf<Float64Array>();
    const B = await SharedArray.fromFile('/tmp/x', 'bigint64', 8, { mode: 'r' });
    expectTypeOf(B.data).toEqualTypeOf<BigInt64Array>();
    expectTypeOf(B.get(0)).toEqualTypeOf<bigint>();
    B.set(0, 1n);
    // @ts-expect-error a bigint64 array holds bigints
    B.set(0, 1);
    // @ts-expect-error a float64 array holds numbers
    S.set(0, 0, 1n);
    // @ts-expect-error not a dtype
    void SharedArray.create('float16', [2]);
    const opts: FileOptions = { offset: 8, mode: 'a+' };
    expectTypeOf(opts.mode).toEqualTypeOf<FileMode | undefined>();
    // @ts-expect-error Julia's modes only
    void SharedArray.fromFile('/tmp/x', 'int8', 8, { mode: 'rw' });
  });

  test('init receives the array of the same dtype; localindices is a Range', async () => {
    await SharedArray.create('int32', [3, 4], {
      init: (S) => {
        expectTypeOf(S).toEqualTypeOf<SharedArray<'int32'>>();
        expectTypeOf(localindices(S)).toEqualTypeOf<Range>();
        expectTypeOf(indexpids(S)).toEqualTypeOf<number>();
        for (const i of localindices(S)) S.data[i] = myid();
      },
    });
  });

  test('a function generic over dtypes', () => {
    const first = <D extends DType>(S: SharedArray<D>): Element<D> => S.get(0);
    expectTypeOf(first<'uint8'>).returns.toEqualTypeOf<number>();
  });
});

describe('processes', () => {
  test('addprocs gives the new pids; workers, myid are plain numbers', () => {
    expectTypeOf(addprocs(2)).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(workers()).toEqualTypeOf<number[]>();
    expectTypeOf(myid()).toEqualTypeOf<number>();
    expectTypeOf<AddprocsOptions['topology']>().toEqualTypeOf<Topology | undefined>();
    expectTypeOf(addprocs(2, { topology: 'master_worker', lazy: false, env: { A: '1' } })).toEqualTypeOf<Promise<number[]>>();
    // @ts-expect-error Julia's two topologies only
    void addprocs(2, { topology: 'star' });
  });
});
