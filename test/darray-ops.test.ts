// Whole-array operations that run where the data lives: map (a new DArray, same layout),
// reduce, mapreduce, sum, forEachBlock; functions travel to each owner (capture works); their
// errors arrive as RemoteException.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';
import { loadBlockStore, noBlocksLeft } from './helpers/darray.js';

const { DArray, dfill, distribute, localpart, myid, range, capture, remotecallFetch } = sa;

const w = useWorkers(3);
beforeAll(loadBlockStore);
afterEach(() => noBlocksLeft([myid(), ...w], 'the test to leave no DArray block behind'));

const ramp = (n: number): Float64Array => Float64Array.from({ length: n }, (_, k) => k);

describe('map', () => {
  it('makes a new DArray with the same layout, each block computed by its owner', async () => {
    const D = await distribute(ramp(30), { dims: [5, 6] });
    const M = await D.map((x) => x * x + 1);
    expect(M.dims).toEqual(D.dims);
    expect(M.pids).toEqual(D.pids);
    expect(M.indices).toEqual(D.indices);
    expect(M.rr).not.toEqual(D.rr);
    expect(Array.from(await M.toArray())).toEqual(Array.from(ramp(30), (x) => x * x + 1));
    // The source is untouched.
    expect(Array.from(await D.toArray())).toEqual(Array.from(ramp(30)));
    // The new blocks are the owners' own: localpart there holds them.
    const part = await remotecallFetch((M: sa.DArray) => Array.from(localpart(M) as Float64Array), M.pids[1]!, M);
    expect(part).toEqual(Array.from(await M.slice(...M.indices[1]!)));
    await Promise.all([D.close(), M.close()]);
  });

  it('takes a result dtype and captured values', async () => {
    const D = await distribute(ramp(10));
    const threshold = 4.5;
    const B = await D.map(
      capture({ threshold }, (x: number) => (x > threshold ? 1 : 0)),
      { dtype: 'uint8' },
    );
    expect(B.dtype).toBe('uint8');
    expect(Array.from(await B.toArray())).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    const Big = await D.map((x) => BigInt(x) * 3n, { dtype: 'bigint64' });
    expect(await Big.sum()).toBe(135n);
    await Promise.all([D.close(), B.close(), Big.close()]);
  });

  it('reports an error of f as a RemoteException and leaves no half-made array', async () => {
    const D = await distribute(ramp(9));
    await expect(
      D.map((x) => {
        if (x === 7) throw new RangeError('seven is not allowed');
        return x;
      }),
    ).rejects.toMatchObject({ name: 'RemoteException', pid: D.pids[2], cause: expect.objectContaining({ name: 'RangeError', message: 'seven is not allowed' }) });
    await expect(D.map((x) => x, { dtype: 'complex' as sa.DType })).rejects.toMatchObject({ code: 'ERR_INVALID_DTYPE' });
    // A function without source cannot travel: refused here, before anything is sent.
    const bound = ((x: number) => x).bind(null);
    await expect(D.map(bound)).rejects.toMatchObject({ code: 'ERR_UNSHIPPABLE_FUNCTION' });
    await D.close();
  });
});

describe('reductions', () => {
  it('reduce, mapreduce and sum agree with the same computation here', async () => {
    const a = Float64Array.from({ length: 1000 }, (_, k) => ((k * 7919) % 1000) / 8);
    const D = await distribute(a, { dims: [10, 100] });
    const plain = Array.from(a);
    expect(await D.reduce((x, y) => Math.max(x, y))).toBe(Math.max(...plain));
    expect(await D.reduce((x, y) => Math.min(x, y))).toBe(Math.min(...plain));
    // Sums of eighths are exact in float64, so any order gives the same answer.
    expect(await D.sum()).toBe(plain.reduce((x, y) => x + y));
    expect(await D.mapreduce((x) => x * 2, (x, y) => x + y)).toBe(2 * plain.reduce((x, y) => x + y));
    expect(await D.mapreduce((x) => (x > 100 ? 1 : 0), (x: number, y: number) => x + y)).toBe(plain.filter((x) => x > 100).length);
    expect(await D.reduce((x, y) => x + y, 1000)).toBe(1000 + plain.reduce((x, y) => x + y));
    await D.close();
  });

  it('combines the blocks in block order (a non-commutative op shows it)', async () => {
    const D = await DArray.create((I) => [...I[0]!].map((i) => i), [7], { dtype: 'int32' });
    const joined = await D.mapreduce((x) => String(x), (a, b) => a + b);
    expect(joined).toBe('0123456');
    await D.close();
  });

  it('sums 64-bit integers exactly, as bigint', async () => {
    const D = await dfill(2n ** 60n, [4], { dtype: 'bigint64' });
    expect(await D.sum()).toBe(2n ** 62n);
    await D.close();
  });

  it('reports an error of op as a RemoteException', async () => {
    const D = await distribute(ramp(6));
    await expect(
      D.reduce(() => {
        throw new Error('no');
      }),
    ).rejects.toMatchObject({ name: 'RemoteException', cause: expect.objectContaining({ message: 'no' }) });
    await D.close();
  });
});

describe('forEachBlock', () => {
  it('runs a kernel on every block, in place, with its ranges', async () => {
    const D = await dfill(0, [6, 6]);
    await D.forEachBlock((block, I) => {
      // Element (i, j) := 10 i + j, written through the block's own ranges.
      let k = 0;
      for (const j of I[1]!) for (const i of I[0]!) block[k++] = 10 * i + j;
    });
    expect(Array.from(await D.slice(range(0, 6), 5))).toEqual([5, 15, 25, 35, 45, 55]);
    expect(Array.from(await D.slice(4, range(0, 6)))).toEqual([40, 41, 42, 43, 44, 45]);
    await D.close();
  });

  it('waits for async kernels, and reports their errors by block owner', async () => {
    const D = await dfill(1, [9]);
    await D.forEachBlock(async (block) => {
      await new Promise((r) => setImmediate(r));
      block.fill(myid());
    });
    expect(Array.from(await D.toArray())).toEqual([w[0], w[0], w[0], w[1], w[1], w[1], w[2], w[2], w[2]]);
    await expect(
      D.forEachBlock(async (_b, I) => {
        if (I[0]!.start === 3) throw new Error(`block at ${I[0]!.start} failed`);
      }),
    ).rejects.toMatchObject({ pid: w[1], cause: expect.objectContaining({ message: 'block at 3 failed' }) });
    await D.close();
  });
});
