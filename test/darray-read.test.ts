// Reading a DArray from anywhere: get and slice across block boundaries and corners, strided
// ranges, single indices, reads from a worker (the seed's life_step does d[I[1], left] inside
// init), reads larger than one message, and bad indices. (Which blocks a read asks, and in how
// many requests, is test/unit/darray-plan.test.ts.)
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';
import { startFixture } from './helpers/child.js';

const { DArray, myid, range, remotecallFetch } = sa;

const w = useWorkers(4);

// A 9×7 array over a 2×2 grid (cuts [0,5,9] and [0,4,7]) whose element (i, j) is 100 i + j.
function iota(I: sa.Range[]): Float64Array {
  const out = new Float64Array(I[0]!.length * I[1]!.length);
  let k = 0;
  for (const j of I[1]!) for (const i of I[0]!) out[k++] = 100 * i + j;
  return out;
}
const at = (i: number, j: number): number => 100 * i + j;

/** What a slice must hold: every (i, j) of the ranges, column-major. */
function expected(rows: Iterable<number>, cols: Iterable<number>): number[] {
  const out: number[] = [];
  for (const j of cols) for (const i of rows) out.push(at(i, j));
  return out;
}

describe('get', () => {
  it('reads single elements in every block, by coordinates or linear index', async () => {
    const D = await DArray.create(iota, [9, 7]);
    expect(D.cuts).toEqual([
      [0, 5, 9],
      [0, 4, 7],
    ]);
    for (const [i, j] of [
      [0, 0],
      [4, 3],
      [5, 3],
      [4, 4],
      [5, 4],
      [8, 6],
    ] as const) {
      expect(await D.get(i, j)).toBe(at(i, j));
      expect(await D.get(i + 9 * j)).toBe(at(i, j));
    }
    await D.close();
  });

  it('rejects indices outside the array, or of the wrong count, with coded errors', async () => {
    const D = await DArray.create(iota, [9, 7]);
    await expect(D.get(9, 0)).rejects.toMatchObject({ code: 'ERR_INDEX_OUT_OF_RANGE', message: expect.stringMatching(/\[9, 0\] is out of range for a 9×7 array/) });
    await expect(D.get(63)).rejects.toMatchObject({ code: 'ERR_INDEX_OUT_OF_RANGE' });
    await expect(D.get(1, 2, 3)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/expected 1 \(linear\) or 2 indices/) });
    await expect(D.get(-1, 0)).rejects.toMatchObject({ code: 'ERR_INDEX_OUT_OF_RANGE' });
    await D.close();
  });
});

describe('slice', () => {
  it('reads parts within one block, across a boundary, and around the corner of four', async () => {
    const D = await DArray.create(iota, [9, 7]);
    const cases: [sa.Range, sa.Range][] = [
      [range(1, 3), range(1, 3)], // inside block 0
      [range(3, 7), range(2, 3)], // a column across the row boundary
      [range(2, 3), range(2, 6)], // a row across the column boundary
      [range(4, 6), range(3, 5)], // the 2×2 around the corner of all four blocks
      [range(0, 9), range(0, 7)], // everything
      [range(8, 9), range(6, 7)], // the last element
    ];
    for (const [r, c] of cases) expect(Array.from(await D.slice(r, c))).toEqual(expected(r, c));
    await D.close();
  });

  it('takes single indices and strided ranges', async () => {
    const D = await DArray.create(iota, [9, 7]);
    expect(Array.from(await D.slice(4, range(0, 7)))).toEqual(expected([4], range(0, 7)));
    expect(Array.from(await D.slice(range(0, 9), 6))).toEqual(expected(range(0, 9), [6]));
    expect(Array.from(await D.slice(5, 4))).toEqual([at(5, 4)]);
    expect(Array.from(await D.slice(range(1, 9, 3), range(0, 7, 2)))).toEqual(expected(range(1, 9, 3), range(0, 7, 2)));
    // A stride that skips a whole block of rows in between: [0, 6) by 5 touches rows 0 and 5.
    expect(Array.from(await D.slice(range(0, 6, 5), range(3, 5)))).toEqual(expected([0, 5], [3, 4]));
    expect(await D.slice(range(2, 2), range(0, 7))).toEqual(new Float64Array(0));
    await D.close();
  });

  it('reads the same from a worker, including blocks on the caller and the worker itself', async () => {
    const D = await DArray.create(iota, [9, 7], { procs: [myid(), w[0]!, w[1]!, w[2]!] });
    const got = await remotecallFetch(
      async (D: sa.DArray<'float64'>) => Array.from(await D.slice(range(3, 7), range(2, 6))),
      w[0]!,
      D,
    );
    expect(got).toEqual(expected(range(3, 7), range(2, 6)));
    await D.close();
  });

  it('rejects bad selections with coded errors', async () => {
    const D = await DArray.create(iota, [9, 7]);
    const cases: [unknown[], string, RegExp][] = [
      [[range(0, 10), 0], 'ERR_INDEX_OUT_OF_RANGE', /range\(0, 10\) is out of range for dimension 0 of a 9×7 DArray/],
      [[0, 7], 'ERR_INDEX_OUT_OF_RANGE', /7 is out of range for dimension 1/],
      [[range(0, 3)], 'ERR_INVALID_ARG', /one range or index per dimension.*\(2\), got 1/],
      [[range(5, 0, -1), 0], 'ERR_INVALID_ARG', /ascending ranges/],
      [['0:3', 0], 'ERR_INVALID_ARG', /takes a Range/],
      [[1.5, 0], 'ERR_INDEX_OUT_OF_RANGE', /1.5/],
    ];
    for (const [idx, code, message] of cases) {
      await expect(D.slice(...(idx as number[]))).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
    await D.close();
  });
});

describe('reads larger than one message', () => {
  it('split into pieces under SHAREDARRAYS_MAX_FRAME and arrive whole', async () => {
    // Its own cluster: the frame limit is read once per process, and every process must agree.
    const child = startFixture('darray-pieces.mjs', [], { env: { SHAREDARRAYS_MAX_FRAME: String(256 * 1024) } });
    expect(await child.line()).toBe('distribute ok 300000 elements');
    expect(await child.line()).toBe('toArray ok');
    expect(await child.line()).toBe('slice ok');
    expect(await child.exited).toEqual([0, null]);
  });
});
