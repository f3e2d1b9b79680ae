// The reductions over a DArray (src/ops/darray.ts): each owner runs the native loop over its own
// block and the blocks' results are combined on the caller, by the rules of the reductions over
// typed arrays. Checked against those reductions on the gathered elements for every dtype, on the
// owners' own blocks (the result is the combination of per-block native results), from a worker,
// with the master as an owner, and on the failure paths: closed, finalized, layouts that differ,
// operands that are not DArrays, an empty DArray, an owner that died.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';
import { loadBlockStore, noBlocksLeft } from './helpers/darray.js';
import { close, DTYPES, isBig, rng, samples, typed } from './helpers/ops-reference.js';
import { captureOutput } from './helpers/output.js';
import { gone, waitFor } from './helpers/wait.js';

const { add, sum, min, max, mean, dot, norm, distribute, dfill, dzeros, localpart, myid, remotecallFetch, workers } = sa;

const w = useWorkers(3);
beforeAll(loadBlockStore);
afterEach(() => noBlocksLeft([myid(), ...workers()], 'the test to leave no DArray block behind'));

const N = 1001;

describe.each(DTYPES)('%s', (d) => {
  it('sum, min, max, mean, norm and dot equal the reductions of the gathered elements', async () => {
    const x = typed(d, samples(d, N, 31));
    const y = typed(d, samples(d, N, 32));
    // 7×143 over three owners: blocks of unequal sizes.
    const D = await distribute(x, { dims: [7, 143] });
    const E = await distribute(y, { dims: [7, 143] });
    expect(D.pids.length).toBe(3);
    const results = [sum(D), min(D), max(D), mean(D), norm(D), dot(D, E)];
    for (const r of results) expect(r).toBeInstanceOf(Promise);
    const [s, lo, hi, m, n2, xy] = await Promise.all(results);
    // The samples make every sum exact in any order (see ops-reference), so these are equal.
    expect(s).toBe(sum(x));
    expect(typeof s).toBe(isBig(d) ? 'bigint' : 'number');
    expect(lo).toBe(min(x));
    expect(hi).toBe(max(x));
    expect(m).toBe(mean(x));
    expect(xy).toBe(dot(x, y));
    // The blocks' norms are combined with a rescaling: a few ulps from the whole array's.
    expect(close('float64', n2 as number, norm(x), 4), `${n2} vs ${norm(x)}`).toBe(true);
    // { parallel } changes nothing: a DArray's reductions always run on its owners.
    expect(await sum(D, { parallel: true })).toBe(s);
    expect(await sum(D, { parallel: false })).toBe(s);
    await Promise.all([D.close(), E.close()]);
  });
});

describe('where the work runs', () => {
  it('a float sum is the combination of the owners’ native sums of their own blocks', async () => {
    // Random doubles: sums depend on the order, so this tells the per-block pairwise sums apart
    // from one sum over the gathered elements or a plain loop over each block.
    const r = rng(5);
    const x = Float64Array.from({ length: 300_001 }, () => r() * 2 - 1 + r() * 1e-9);
    const D = await distribute(x);
    const perBlock = await Promise.all(D.pids.map((p) => remotecallFetch((B: sa.DArray<'float64'>) => sum(localpart(B)), p, D)));
    expect(await sum(D)).toBe(perBlock.reduce((a, b) => a + b, 0));
    expect(await mean(D)).toBe(perBlock.reduce((a, b) => a + b, 0) / x.length);
    await D.close();
  });

  it('integer sums agree with D.sum(), and 64-bit ones are exact bigints', async () => {
    const I = await distribute(Int32Array.from({ length: 999 }, (_, k) => (k % 2 ? 2_000_000_000 : -1_999_999_999)));
    expect(await sum(I)).toBe(await I.sum());
    const B = await dfill(2n ** 62n, [12], { dtype: 'biguint64' });
    expect(await sum(B)).toBe(12n * 2n ** 62n);
    expect(await B.sum()).toBe(12n * 2n ** 62n);
    await Promise.all([I.close(), B.close()]);
  });

  it('from a worker, and with the master among the owners', async () => {
    const x = typed('float64', samples('float64', 64, 41));
    const D = await distribute(x, { procs: [myid(), w[0]!] });
    expect(await sum(D)).toBe(sum(x));
    expect(await dot(D, D)).toBe(dot(x, x));
    const there = await remotecallFetch(async (A: sa.DArray) => [await sum(A), await max(A), await dot(A, A)], w[1]!, D);
    expect(there).toEqual([sum(x), max(x), dot(x, x)]);
    await D.close();
  });
});

describe('failure paths', () => {
  const code = (name: string, c: string): unknown => expect.objectContaining({ name, code: c });

  it('a closed or finalized DArray', async () => {
    const D = await dfill(1, [10]);
    await D.close();
    await expect(sum(D)).rejects.toEqual(code('Error', 'ERR_ARRAY_CLOSED'));
    await expect(dot(D, D)).rejects.toEqual(code('Error', 'ERR_ARRAY_CLOSED'));
    const E = await dfill(1, [10]);
    const F = await dfill(1, [10]);
    F.finalize();
    await expect(norm(F)).rejects.toEqual(code('Error', 'ERR_REF_FINALIZED'));
    await expect(dot(E, F)).rejects.toEqual(code('Error', 'ERR_REF_FINALIZED'));
    await E.close();
    await F.close();
  });

  it('dot of DArrays with other dtypes, shapes or blocks; dot with an array that is not a DArray', async () => {
    const A = await dfill(1, [12], { procs: [w[0]!, w[1]!] });
    const I = await dfill(1, [12], { procs: [w[0]!, w[1]!], dtype: 'int32' });
    const S = await dfill(1, [13], { procs: [w[0]!, w[1]!] });
    const O = await dfill(1, [12], { procs: [w[1]!, w[0]!] });
    const M = await dfill(1, [12], { procs: [w[0]!, w[1]!, w[2]!] });
    await expect(dot(A, I)).rejects.toEqual(code('TypeError', 'ERR_DTYPE_MISMATCH'));
    await expect(dot(A, S)).rejects.toEqual(code('RangeError', 'ERR_SHAPE_MISMATCH'));
    await expect(dot(A, O)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/create b with a's procs and dist/) });
    await expect(dot(A, M)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/procs: \[\d+, \d+\], dist: \[2\]/) });
    await expect(dot(A, new Float64Array(12) as never)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG', message: expect.stringMatching(/distribute\(b/) });
    // A DArray where the operations take only arrays this process maps: said so, synchronously.
    expect(() => dot(new Float64Array(12), A as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/b is a DArray/) }));
    expect(() => add(A as never, A as never, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/forEachBlock/) }));
    await Promise.all([A, I, S, O, M].map((X) => X.close()));
  });

  it('an empty DArray: sum 0, mean NaN, min and max ERR_EMPTY', async () => {
    const Z = await dzeros([0, 4]);
    const B = await dzeros([0], { dtype: 'bigint64' });
    expect(await sum(Z)).toBe(0);
    expect(await sum(B)).toBe(0n);
    expect(await mean(Z)).toBeNaN();
    expect(await norm(Z)).toBe(0);
    await expect(min(Z)).rejects.toEqual(code('RangeError', 'ERR_EMPTY'));
    await expect(max(B)).rejects.toEqual(code('RangeError', 'ERR_EMPTY'));
    await Promise.all([Z.close(), B.close()]);
  });

  it('an owner that died: ProcessExitedException naming the lost block, no hang', async () => {
    const [extra] = await sa.addprocs(1);
    const D = await dfill(2, [6], { procs: [w[0]!, extra!] });
    const ospid = await remotecallFetch(() => process.pid, extra!);
    const out = captureOutput();
    try {
      process.kill(ospid, 'SIGKILL');
      await waitFor(() => gone(ospid) && !workers().includes(extra!), { what: 'the worker to be gone' });
      expect(out.text()).toContain(`Worker ${extra} terminated.`);
    } finally {
      out.restore();
    }
    const lost = expect.objectContaining({ name: 'ProcessExitedException', pid: extra, message: expect.stringMatching(/it owned block 1 of a 6 DArray/) });
    await expect(sum(D)).rejects.toEqual(lost);
    await expect(dot(D, D)).rejects.toEqual(lost);
    await D.close();
  });
});
