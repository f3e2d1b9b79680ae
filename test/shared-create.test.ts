import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SharedArray, type DType } from 'sharedarrays';

// Segment names start with "sa<pid>_", so this process's segments can be told from anyone else's.
const ours = (): string[] => readdirSync('/dev/shm').filter((n) => n.startsWith(`sa${process.pid}_`));
const mappedSegments = (): number => {
  return readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes(`/dev/shm/sa${process.pid}_`)).length;
};

const samples: Record<DType, [unknown, unknown]> = {
  float64: [Float64Array, 1.5],
  float32: [Float32Array, -2.5],
  int8: [Int8Array, -7],
  int16: [Int16Array, -300],
  int32: [Int32Array, -70000],
  uint8: [Uint8Array, 200],
  uint16: [Uint16Array, 60000],
  uint32: [Uint32Array, 4000000000],
  uint8clamped: [Uint8ClampedArray, 255],
  bigint64: [BigInt64Array, -(2n ** 62n)],
  biguint64: [BigUint64Array, 2n ** 63n],
};

describe('SharedArray.create', () => {
  it.each(Object.keys(samples) as DType[])('holds %s elements in a zero-copy typed view', async (dtype) => {
    const [Ctor, value] = samples[dtype];
    const S = await SharedArray.create(dtype, [3, 2]);
    expect(S.data).toBeInstanceOf(Ctor as new () => unknown);
    expect(S.data.length).toBe(6);
    expect(S.dtype).toBe(dtype);
    expect(S.dims).toEqual([3, 2]);
    expect(S.length).toBe(6);
    expect(S.pids).toEqual([1]);
    (S.set as (...a: unknown[]) => void)(2, 1, value);
    expect(S.get(2, 1)).toBe(value);
    expect(S.data[5]).toBe(value);
    expect(S.data).toBe(S.data); // one view, not a copy per access
    await S.close();
  });

  it('accepts a number for a vector and starts zero-filled', async () => {
    const S = await SharedArray.create('float64', 1000);
    expect(S.dims).toEqual([1000]);
    expect(S.data.every((x) => x === 0)).toBe(true);
    await S.close();
  });

  it('leaves nothing in /dev/shm once create resolves, and unmaps on close', async () => {
    const before = mappedSegments();
    const S = await SharedArray.create('float64', [100, 100]);
    expect(ours()).toEqual([]);
    expect(mappedSegments()).toBe(before + 1);
    S.data.fill(3);
    await S.close();
    expect(mappedSegments()).toBe(before);
    expect(ours()).toEqual([]);
  });

  it('makes zero-length arrays without any shared memory', async () => {
    const before = mappedSegments();
    for (const dims of [0, [0], [3, 0], [0, 5, 2]]) {
      const S = await SharedArray.create('int32', dims);
      expect(S.length).toBe(0);
      expect(S.data.length).toBe(0);
      expect(mappedSegments()).toBe(before);
      await S.close();
    }
  });

  it('awaits init and resolves after it', async () => {
    const S = await SharedArray.create('int32', [3, 4], {
      init: async (A) => {
        await Promise.resolve();
        A.data.fill(7);
      },
    });
    expect([...S.data]).toEqual(Array(12).fill(7));
    await S.close();
  });

  it('rejects with the init error and leaves nothing behind', async () => {
    const before = mappedSegments();
    let seen: SharedArray<'float64'> | undefined;
    const boom = new Error('init failed');
    await expect(
      SharedArray.create('float64', 1 << 16, {
        init: (A) => {
          seen = A;
          A.data[0] = 1;
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(ours()).toEqual([]);
    expect(mappedSegments()).toBe(before);
    expect(() => seen?.get(0)).toThrow(expect.objectContaining({ code: 'ERR_ARRAY_CLOSED' }));
  });

  it('accepts pids naming only this process, and rejects others', async () => {
    const S = await SharedArray.create('uint8', 4, { pids: [1] });
    expect(S.pids).toEqual([1]);
    await expect(SharedArray.create('uint8', 4, { pids: [1, 2] })).rejects.toMatchObject({
      code: 'ERR_NO_SUCH_PROCESS',
      message: expect.stringContaining('process 2'),
    });
    await expect(SharedArray.create('uint8', 4, { pids: 'all' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(SharedArray.create('uint8', 4, { init: 5 as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect(S.get(3)).toBe(0);
    await S.close();
  });
});

describe('SharedArray.create rejects bad input with a code, and nothing else is harmed', () => {
  it('rejects bad dtypes and dims', async () => {
    const keep = await SharedArray.create('int16', 5, { init: (A) => A.data.fill(9) });
    const cases: [unknown, unknown, string, RegExp][] = [
      ['float16', 3, 'ERR_INVALID_DTYPE', /unknown dtype "float16"; expected one of float64/],
      [undefined, 3, 'ERR_INVALID_DTYPE', /unknown dtype/],
      ['int32', -1, 'ERR_INVALID_DIMS', /dims\[0\] must be a non-negative integer, got -1/],
      ['int32', [2, 1.5], 'ERR_INVALID_DIMS', /dims\[1\] .* got 1.5/],
      ['int32', [2, NaN], 'ERR_INVALID_DIMS', /got NaN/],
      ['int32', [], 'ERR_INVALID_DIMS', /at least one dimension/],
      ['int32', '3', 'ERR_INVALID_DIMS', /dims must be a number or an array/],
      ['int32', [2 ** 30, 2 ** 30, 2 ** 30], 'ERR_INVALID_DIMS', /too many elements/],
    ];
    for (const [dtype, dims, code, message] of cases) {
      await expect(SharedArray.create(dtype as DType, dims as number[])).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
    expect(ours()).toEqual([]);
    expect([...keep.data]).toEqual([9, 9, 9, 9, 9]);
    await keep.close();
  });

  it('rejects more than one mapping can hold before touching memory', async () => {
    const before = mappedSegments();
    await expect(SharedArray.create('float64', 2 ** 29 + 1)).rejects.toMatchObject({
      code: 'ERR_SHM_TOO_LARGE',
      message: expect.stringMatching(/^a shared array needs 4294967304 bytes \(4 GiB\), more than the 4294967296 bytes \(4 GiB\) one mapping can hold/),
    });
    expect(mappedSegments()).toBe(before);
    expect(ours()).toEqual([]);
  });
});
