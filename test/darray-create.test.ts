// Making DArrays: DArray.create with init on the owners, the d-constructors, distribute and its
// round trip through toArray for every dtype, the distribution checks, and localpart /
// localindices on every owner (DistributedArrays.jl's test/darray.jl, the parts that apply).
import { inspect } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';
import { blockCounts, loadBlockStore, noBlocksLeft } from './helpers/darray.js';
import { ctors } from './helpers/ops-reference.js';

const { DArray, dzeros, dones, dfill, drand, drandn, distribute, localpart, localindices, procs, myid, capture, remotecallFetch, SharedArray } = sa;

const w = useWorkers(4);
beforeAll(loadBlockStore);
// Every test closes what it made: no block may be left anywhere after it.
afterEach(() => noBlocksLeft([myid(), ...w], 'the test to leave no DArray block behind'));

/** Element (i, j) of the test matrices: 100 i + j. */
function iota2(I: sa.Range[]): Float64Array {
  const out = new Float64Array(I[0]!.length * I[1]!.length);
  let k = 0;
  for (const j of I[1]!) for (const i of I[0]!) out[k++] = 100 * i + j;
  return out;
}

const expected2 = (m: number, n: number): number[] => Array.from({ length: m * n }, (_, k) => 100 * (k % m) + Math.floor(k / m));

describe('DArray.create', () => {
  it('runs init on each owner with its block ranges and assembles the array', async () => {
    const D = await DArray.create(iota2, [10, 6]);
    expect(D.dtype).toBe('float64');
    expect(D.dims).toEqual([10, 6]);
    expect(D.length).toBe(60);
    expect(procs(D)).toEqual([...w]);
    expect(D.cuts).toEqual([
      [0, 5, 10],
      [0, 3, 6],
    ]);
    expect(D.indices.map((I) => I.map(String))).toEqual([
      ['range(0, 5)', 'range(0, 3)'],
      ['range(5, 10)', 'range(0, 3)'],
      ['range(0, 5)', 'range(3, 6)'],
      ['range(5, 10)', 'range(3, 6)'],
    ]);
    expect(Array.from(await D.toArray())).toEqual(expected2(10, 6));
    await D.close();
  });

  it('runs init where the block lives, in parallel, never on the caller', async () => {
    const D = await DArray.create((I) => myid() + 0 * I.length, [8], { dtype: 'int32' });
    expect(Array.from(await D.toArray())).toEqual([w[0], w[0], w[1], w[1], w[2], w[2], w[3], w[3]]);
    await D.close();
  });

  it('accepts async init, a plain array, a value, and capture()d values', async () => {
    const offset = 1000;
    const D = await DArray.create(
      capture({ offset }, async (I: sa.Range[]) => [...I[0]!].map((i) => i + offset)),
      [6],
    );
    expect(Array.from(await D.toArray())).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
    const B = await DArray.create(() => 5n, [3], { dtype: 'bigint64', procs: [w[0]!] });
    expect(Array.from(await B.toArray())).toEqual([5n, 5n, 5n]);
    await Promise.all([D.close(), B.close()]);
  });

  it('honours procs and dist, as in the seed: dzeros((100,100), workers()[1:4], [1,4])', async () => {
    const D = await dzeros([100, 100], { procs: [...w], dist: [1, 4] });
    expect(D.indices.map((I) => I.map(String))).toEqual(
      [0, 25, 50, 75].map((j) => ['range(0, 100)', `range(${j}, ${j + 25})`]),
    );
    // Each owner holds a 100×25 block of its own, zero-copy: writes to it are what others read.
    for (const [k, p] of w.entries()) {
      const [len, ranges] = await remotecallFetch(
        (D: sa.DArray<'float64'>) => {
          const part = localpart(D);
          part.fill(myid());
          return [part.length, localindices(D).map(String)] as const;
        },
        p,
        D,
      );
      expect(len).toBe(2500);
      expect(ranges).toEqual(D.indices[k]!.map(String));
    }
    expect(await D.get(99, 99)).toBe(w[3]);
    expect(await D.sum()).toBe(2500 * (w[0]! + w[1]! + w[2]! + w[3]!));
    await D.close();
  });

  it('on a process that owns no block: localpart is empty, localindices are empty ranges', async () => {
    const D = await dones([4, 4], { procs: [w[0]!, w[1]!] });
    expect(localpart(D)).toEqual(new Float64Array(0));
    expect(localindices(D).map((r) => r.length)).toEqual([0, 0]);
    // And the SharedArray forms are unchanged.
    const S = await SharedArray.create('int32', [10]);
    expect(String(localindices(S))).toBe('range(0, 0)');
    await S.close();
    await D.close();
  });

  it('may put a block on the caller itself', async () => {
    const D = await DArray.create(iota2, [3, 4], { procs: [myid(), w[0]!], dist: [1, 2] });
    expect(localindices(D).map(String)).toEqual(['range(0, 3)', 'range(0, 2)']);
    expect(Array.from(localpart(D))).toEqual([0, 100, 200, 1, 101, 201]);
    localpart(D)[0] = -1;
    expect(await D.get(0, 0)).toBe(-1);
    expect(Array.from(await D.toArray()).slice(1)).toEqual(expected2(3, 4).slice(1));
    await D.close();
  });

  it('rejects bad dims, dtype, procs and dist before anything runs', async () => {
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [() => dzeros([2, -1]), 'ERR_INVALID_DIMS', /dims\[1\]/],
      [() => dzeros([4], { dtype: 'float16' as sa.DType }), 'ERR_INVALID_DTYPE', /unknown dtype "float16"/],
      [() => dzeros([10, 10], { procs: [w[0]!, w[1]!, w[2]!], dist: [2, 2] }), 'ERR_INVALID_ARG', /makes 4 blocks but 3 processes/],
      [() => dzeros([10, 10], { dist: [4] }), 'ERR_INVALID_ARG', /each of the 2 dimensions/],
      [() => dzeros([10], { procs: [99] }), 'ERR_NO_SUCH_PROCESS', /process 99 is not a live process/],
      [() => dzeros([10], { procs: [w[0]!, w[0]!] }), 'ERR_INVALID_ARG', /must not repeat/],
      [() => DArray.create(42 as never, [3]), 'ERR_INVALID_ARG', /init must be a function/],
      [() => dfill(1n, [3], { dtype: 'float64' }), 'ERR_INVALID_VALUE', /cannot store 1n/],
      [() => drandn([3], { dtype: 'int32' }), 'ERR_INVALID_DTYPE', /float64 or float32/],
    ];
    for (const [make, code, message] of cases) await expect(make()).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('reports an init that returns the wrong thing, names the block, and leaves no block behind', async () => {
    await expect(DArray.create((I) => new Float64Array(I[0]!.length + 1), [8])).rejects.toMatchObject({
      name: 'RemoteException',
      cause: expect.objectContaining({ code: 'ERR_INVALID_VALUE', message: expect.stringMatching(/init\(\[range\(0, 2\)\]\) returned 3 elements for a block of 2/) }),
    });
    await expect(DArray.create(() => 'x' as never, [8])).rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringMatching(/returned string x/) }) });
    await expect(
      DArray.create((I) => {
        if (I[0]!.start === 4) throw new Error('block 2 broke');
        return 1;
      }, [8]),
    ).rejects.toThrow(/block 2 broke/);
    // The blocks that were made before the failure are freed.
    expect(await blockCounts(w)).toEqual([0, 0, 0, 0]);
  });
});

describe('the d-constructors', () => {
  it('dzeros, dones, dfill, with dtypes', async () => {
    const Z = await dzeros([5, 5]);
    const O = await dones([7], { dtype: 'biguint64' });
    const F = await dfill(2.5, [3, 3, 3]);
    const G = await dfill(-3n, [4]);
    expect(await Z.sum()).toBe(0);
    expect(Array.from(await O.toArray())).toEqual(new Array(7).fill(1n));
    expect(F.dims).toEqual([3, 3, 3]);
    expect(await F.sum()).toBe(2.5 * 27);
    expect(G.dtype).toBe('bigint64');
    expect(await G.sum()).toBe(-12n);
    await Promise.all([Z, O, F, G].map((D) => D.close()));
  });

  it('drand gives [0, 1) floats and full-range integers; drandn normal floats', async () => {
    const R = await drand([1000]);
    const r = await R.toArray();
    expect(r.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(r).size).toBeGreaterThan(990);
    const I = await drand([1000], { dtype: 'int32' });
    const i = await I.toArray();
    expect(i.some((x) => x < 0) && i.some((x) => x > 2 ** 30)).toBe(true);
    const N = await drandn([20_000], { dtype: 'float32' });
    const n = await N.toArray();
    const mean = (await N.sum()) / n.length;
    const sd = Math.sqrt(n.reduce((s, x) => s + (x - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    await Promise.all([R, I, N].map((D) => D.close()));
  });

  it('empty and 1-element dimensions', async () => {
    const E = await dzeros([0, 5]);
    expect(E.length).toBe(0);
    expect(await E.toArray()).toEqual(new Float64Array(0));
    expect(await E.sum()).toBe(0);
    await expect(E.reduce((a, b) => a + b)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/empty 0×5 DArray.*initial value/) });
    expect(await E.reduce((a, b) => a + b, 0)).toBe(0);
    const One = await dfill(9, [1, 1, 1]);
    expect(One.pids).toHaveLength(1);
    expect(await One.get(0, 0, 0)).toBe(9);
    const Row = await DArray.create(iota2, [1, 8]);
    expect(Row.pids).toHaveLength(4);
    expect(Array.from(await Row.toArray())).toEqual(expected2(1, 8));
    await Promise.all([E, One, Row].map((D) => D.close()));
  });

  it('more blocks than rows: the last blocks are empty, everything still reads', async () => {
    const D = await DArray.create(iota2, [2, 3], { procs: [...w], dist: [4, 1] });
    expect(D.cuts[0]).toEqual([0, 1, 2, 2, 2]);
    expect(D.indices.map((I) => I[0]!.length)).toEqual([1, 1, 0, 0]);
    const lens = await Promise.all(w.map((p) => remotecallFetch((D: sa.DArray) => localpart(D).length, p, D)));
    expect(lens).toEqual([3, 3, 0, 0]);
    expect(Array.from(await D.toArray())).toEqual(expected2(2, 3));
    expect(await D.sum()).toBe(expected2(2, 3).reduce((a, b) => a + b));
    expect(await D.reduce((a, b) => Math.max(a, b))).toBe(102);
    await D.close();
  });
});

describe('distribute and toArray', () => {
  const samples: Record<sa.DType, (k: number) => number | bigint> = {
    float64: (k) => k / 3,
    float32: (k) => Math.fround(k / 7),
    int8: (k) => (k % 256) - 128,
    int16: (k) => k * 7 - 30000,
    int32: (k) => k * 1_000_003 - 2 ** 31,
    uint8: (k) => k % 256,
    uint16: (k) => (k * 13) % 65536,
    uint32: (k) => (k * 2_654_435_761) % 2 ** 32,
    uint8clamped: (k) => k % 256,
    bigint64: (k) => BigInt(k) * -(2n ** 40n),
    biguint64: (k) => BigInt(k) * 2n ** 50n,
  };

  for (const dtype of Object.keys(samples) as sa.DType[]) {
    it(`round-trips ${dtype}`, async () => {
      const a = new ctors[dtype](7 * 9 * 2) as unknown as ArrayLike<unknown> & Record<number, unknown>;
      for (let k = 0; k < a.length; k++) a[k] = samples[dtype](k);
      const D = await distribute(a as unknown as ArrayBufferView, { dims: [7, 9, 2] });
      expect(D.dtype).toBe(dtype);
      expect(D.dims).toEqual([7, 9, 2]);
      const back = await D.toArray();
      expect(back.constructor).toBe(a.constructor);
      expect(Array.from(back as ArrayLike<unknown>)).toEqual(Array.from(a));
      // Each owner holds exactly its block of the source.
      const k = 2;
      const part = await remotecallFetch((D: sa.DArray) => Array.from(localpart(D) as ArrayLike<unknown>), D.pids[k]!, D);
      expect(part).toEqual(Array.from((await D.slice(...D.indices[k]!)) as ArrayLike<unknown>));
      await D.close();
    });
  }

  it('distributes a SharedArray, with its dims, over chosen procs and dist', async () => {
    const S = await SharedArray.create('int16', [6, 4], { init: (S) => S.data.forEach((_, k) => void (S.data[k] = k)) });
    const D = await distribute(S, { procs: [w[3]!, w[1]!], dist: [2, 1] });
    expect(D.dims).toEqual([6, 4]);
    expect(D.pids).toEqual([w[3], w[1]]);
    expect(Array.from(await D.toArray())).toEqual(Array.from(S.data));
    await D.close();
    await S.close();
  });

  it('rejects what it cannot distribute', async () => {
    await expect(distribute([1, 2, 3] as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/typed array.*got an instance of Array/) });
    await expect(distribute(new Float64Array(6), { dims: [4, 2] })).rejects.toMatchObject({ code: 'ERR_INVALID_DIMS', message: expect.stringMatching(/4×2 describe 8 elements, but the array has 6/) });
    await expect(distribute(new DataView(new ArrayBuffer(8)))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });
});

describe('util.inspect', () => {
  it('prints the summary and where each block lives', async () => {
    const D = await dzeros([4, 4]);
    expect(inspect(D)).toBe(
      [
        `4×4 DArray{float64,2} over 4 workers:`,
        ` block 0 [range(0, 2), range(0, 2)] on worker ${w[0]}`,
        ` block 1 [range(2, 4), range(0, 2)] on worker ${w[1]}`,
        ` block 2 [range(0, 2), range(2, 4)] on worker ${w[2]}`,
        ` block 3 [range(2, 4), range(2, 4)] on worker ${w[3]}`,
      ].join('\n'),
    );
    expect(await D.show()).toBe(['4×4 DArray{float64,2}:', ' 0.0  0.0  0.0  0.0', ' 0.0  0.0  0.0  0.0', ' 0.0  0.0  0.0  0.0', ' 0.0  0.0  0.0  0.0'].join('\n'));
    await D.close();
    expect(inspect(D)).toBe('4×4 DArray{float64,2} over 4 workers (closed)');
  });

  it('prints the values of an array held wholly here', async () => {
    const D = await DArray.create(iota2, [2, 3], { procs: [myid()] });
    expect(inspect(D)).toBe(['2×3 DArray{float64,2} over 1 process:', '   0.0    1.0    2.0', ' 100.0  101.0  102.0'].join('\n'));
    await D.close();
  });
});
