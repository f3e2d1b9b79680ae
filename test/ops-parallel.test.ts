// `{ parallel: true }` (src/ops/parallel.ts): every operation split over the participants of its
// array by localindices, each running its share natively over its own mapping of the shared
// memory; reductions combined in participant order. Checked against the serial operations (which
// test/ops-elementwise and ops-reductions check against plain JavaScript), with views, a caller
// that is itself a participant or a worker, the work really running on the workers, the seed's
// advection as a loop of native adds per participant, and the failure paths.
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers, useWorkers } from './helpers/cluster.js';
import { rejection } from './helpers/rejection.js';
import { cpuTicks } from './helpers/wait.js';
import { elems, samples, typed } from './helpers/ops-reference.js';

const { add, sub, mul, div, axpy, map, fill, copyTo, sum, min, max, mean, dot, norm, SharedArray, range, addprocs, rmprocs, remotecallFetch, remotecallWait, myid, localindices, indexpids } = sa;
type SA<D extends sa.DType> = sa.SharedArray<D>;

const shmBefore = new Set(readdirSync('/dev/shm'));
const ws = useWorkers(2);
afterAll(async () => {
  await removeAllWorkers();
  expect(readdirSync('/dev/shm').filter((f) => !shmBefore.has(f))).toEqual([]);
});

/** A SharedArray of dtype d and dims holding `values` (created by the master, mapped by the workers). */
async function shared<D extends sa.DType>(d: D, dims: number[], values: readonly (number | bigint)[], pids?: number[]): Promise<SA<D>> {
  const S = await SharedArray.create(d, dims, pids ? { pids } : {});
  S.data.set(typed(d, values) as never);
  return S;
}

describe('elementwise operations over the participants equal the serial ones', () => {
  for (const d of ['float64', 'int32', 'bigint64'] as const) {
    it(`${d}: fill, copyTo, add, sub, mul, div, axpy, map, on arrays and strided views`, async () => {
      const dims = [37, 5];
      const a = samples(d, 185, 21);
      const b = samples(d, 185, 22, true);
      const s = d === 'bigint64' ? 3n : 3;
      const A = await shared(d, dims, a);
      const B = await shared(d, dims, b);
      const O = await shared(d, dims, []);
      // The same operations serially, on typed arrays of the same contents.
      const ra = typed(d, a);
      const rb = typed(d, b);
      const ro = typed(d, Array(185).fill(d === 'bigint64' ? 0n : 0));
      type Op = (...args: unknown[]) => unknown;
      const steps: [Op, (x: unknown) => unknown[]][] = [
        [add as Op, (o) => [o, 'a', 'b']],
        [sub as Op, (o) => [o, 'o', 'a']],
        [mul as Op, (o) => [o, 'b', s]],
        [div as Op, (o) => [o, 'a', 'b']],
        [axpy as Op, (o) => [s, 'a', o]],
        [map as Op, (o) => ['neg', o, 'o']],
        [fill as Op, (o) => [o, s]],
        [copyTo as Op, (o) => [o, 'b']],
      ];
      for (const [op, argsOf] of steps) {
        const pick = (x: unknown, arrays: Record<string, unknown>): unknown => (typeof x === 'string' && x in arrays ? arrays[x] : x);
        op(...argsOf(ro).map((x) => pick(x, { a: ra, b: rb, o: ro })));
        await op(...argsOf(O).map((x) => pick(x, { a: A, b: B, o: O })), { parallel: true });
        expect(elems(O.data), op.name).toEqual(elems(ro));
      }
      // Through strided, reversed views: only the elements they show change.
      const V = O.view(range(1, 37, 3), range(4, -1, -1));
      const W = A.view(range(0, 12), ':');
      const rv = elems(O.data);
      await add(V, V, W, { parallel: true });
      for (let i = 0; i < 12; i++) for (let j = 0; j < 5; j++) {
        const k = 1 + 3 * i + 37 * (4 - j);
        rv[k] = d === 'bigint64' ? BigInt.asIntN(64, (rv[k] as bigint) + (a[i + 37 * j] as bigint)) : d === 'int32' ? ((rv[k] as number) + (a[i + 37 * j] as number)) | 0 : (rv[k] as number) + (a[i + 37 * j] as number);
      }
      expect(elems(O.data)).toEqual(rv);
      await Promise.all([A.close(), B.close(), O.close()]);
    });
  }

  it('returns the output array, and the same reductions as the serial calls', async () => {
    const X = await shared('float64', [50, 3], samples('float64', 150, 31));
    const Y = await shared('float64', [50, 3], samples('float64', 150, 32));
    expect(await fill(X.view(0, ':'), 1, { parallel: true })).toBeInstanceOf(sa.SharedArrayView);
    expect(await add(X, X, 0, { parallel: true })).toBe(X);
    for (const f of [sum, min, max, mean, norm] as ((x: unknown, o?: unknown) => unknown)[]) {
      // Exact sample values: the parts' sums add up exactly; norm's rescaled combination is close.
      const serial = f(X) as number;
      const parallel = (await f(X, { parallel: true })) as number;
      if (f === norm) expect(Math.abs(parallel - serial)).toBeLessThanOrEqual(4 * Number.EPSILON * serial);
      else expect(parallel, f.name).toBe(serial);
    }
    expect(await dot(X, Y, { parallel: true })).toBe(dot(X, Y));
    expect(await sum(X.view(range(49, -1, -2), 1), { parallel: true })).toBe(sum(X.view(range(49, -1, -2), 1)));
    const B = await shared('biguint64', [5], [2n ** 64n - 1n, 2n ** 64n - 1n, 1n, 2n, 3n]);
    expect(await sum(B, { parallel: true })).toBe(2n * (2n ** 64n - 1n) + 6n);
    expect(await max(B, { parallel: true })).toBe(2n ** 64n - 1n);
    await Promise.all([X.close(), Y.close(), B.close()]);
  });

  it('fewer elements than participants, and none at all', async () => {
    const one = await shared('int16', [1], [5]);
    expect(await sum(one, { parallel: true })).toBe(5);
    await add(one, one, one, { parallel: true });
    expect(one.get(0)).toBe(10);
    const none = await SharedArray.create('float32', [0, 4]);
    expect(await sum(none, { parallel: true })).toBe(0);
    expect(await rejection(min(none, { parallel: true }))).toMatchObject({ code: 'ERR_EMPTY' });
    await Promise.all([one.close(), none.close()]);
  });
});

describe('who runs the parts', () => {
  it('the workers do the work, each over its own share', async () => {
    const n = 8_000_000;
    // init runs on each worker as shipped source, with the package's exports in scope.
    const X = await SharedArray.create('float64', n, { init: (A: SA<'float64'>) => fill(A.view(localindices(A)), 0.5) });
    const ospids = await Promise.all(ws.map((p) => remotecallFetch(() => process.pid, p)));
    const before = ospids.map(cpuTicks);
    // Six passes of sin and cos over 8·10⁶ elements: each worker's half costs it 10+ clock ticks of CPU.
    for (let pass = 0; pass < 3; pass++) {
      await map('sin', X, { parallel: true });
      await map('cos', X, { parallel: true });
    }
    const used = ospids.map((p, k) => cpuTicks(p) - before[k]!);
    expect(used.every((t) => t >= 5), `ticks used by the workers: ${used.join(', ')}`).toBe(true);
    let expected = 0.5;
    for (let pass = 0; pass < 3; pass++) expected = Math.cos(Math.sin(expected));
    // (the C library's sin and cos may differ from V8's in the last bit)
    for (const k of [0, n / 2, n - 1]) expect(Math.abs(X.get(k) - expected)).toBeLessThan(1e-14);
    await X.close();
  });

  it('a caller that is a participant runs its own share here', async () => {
    const X = await shared('float64', [10], samples('float64', 10, 41), [1, ws[0]!]);
    const expected = sum(X);
    expect(await sum(X, { parallel: true })).toBe(expected);
    await fill(X, 2, { parallel: true });
    expect([...X.data]).toEqual(Array(10).fill(2));
    await X.close();
  });

  it('a worker can start a parallel operation', async () => {
    const X = await shared('int32', [100], samples('int32', 100, 42));
    const serial = sum(X);
    expect(await remotecallFetch((A: SA<'int32'>) => sum(A, { parallel: true }), ws[1]!, X)).toBe(serial);
    await remotecallWait((A: SA<'int32'>) => fill(A, myid(), { parallel: true }), ws[0]!, X);
    expect(new Set(X.data)).toEqual(new Set([ws[0]]));
    await X.close();
  });
  it('a worker that holds the arrays but does not map them starts a parallel operation: the participants run it', async () => {
    const [inside, outside] = ws as [number, number];
    const A = await shared('float64', [6, 5], samples('float64', 30, 43), [1, inside]);
    const B = await shared('float64', [6, 5], samples('float64', 30, 44), [1, inside]);
    const O = await shared('float64', [6, 5], [], [1, inside]);
    const expected = sum(A);
    const reference = Float64Array.from(A.data, (x, i) => x + B.data[i]!);
    expect(await remotecallFetch((X: SA<'float64'>) => X.isMapped, outside, A)).toBe(false);
    expect(await remotecallFetch((X: SA<'float64'>) => sum(X, { parallel: true }), outside, A)).toBe(expected);
    await remotecallWait((Y: SA<'float64'>, X: SA<'float64'>, Z: SA<'float64'>) => add(Y, X, Z, { parallel: true }), outside, O, A, B);
    expect([...O.data]).toEqual([...reference]);
    // Views too; and the checks still run on the caller, from dims, strides and dtypes.
    expect(await remotecallFetch((X: SA<'float64'>) => sum(X.view(range(1, 6), ':'), { parallel: true }), outside, A)).toBe(sum(A.view(range(1, 6), ':')));
    const T = await shared('float32', [6, 5], [], [1, inside]);
    const failures = await remotecallFetch(
      async (X: SA<'float64'>, Y: SA<'float32'>) => {
        const codeOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'resolved', (e: { code?: string; message?: string }) => e.code);
        return [
          await codeOf(add(X, X, Y as never, { parallel: true }) as Promise<unknown>),
          await codeOf(add(X, X, X.view(range(0, 5), ':') as never, { parallel: true }) as Promise<unknown>),
          await codeOf(add(X.view(range(1, 6), ':'), X.view(range(0, 5), ':'), 1, { parallel: true }) as Promise<unknown>),
        ];
      },
      outside,
      O,
      T,
    );
    expect(failures).toEqual(['ERR_DTYPE_MISMATCH', 'ERR_SHAPE_MISMATCH', 'ERR_OVERLAP']);
    expect([...O.data]).toEqual([...reference]);
    await Promise.all([A.close(), B.close(), O.close(), T.close()]);
  });
});

describe('the seed\'s advection with native adds', () => {
  it('one add per time step and participant over its own columns equals the serial kernel', async () => {
    const n = 12;
    const q = await SharedArray.create('float64', [n, n, n]);
    const u = await SharedArray.create('float64', [n, n, n]);
    u.data.forEach((_, k, d) => { d[k] = ((k * 7) % 101) * 0.125 - 6; });
    for (let k = 0; k < n * n; k++) q.data[k] = ((k * 31) % 97) * 0.25;
    const reference = Float64Array.from(q.data);
    for (let k = 0; k < n * n * (n - 1); k++) reference[k + n * n] = reference[k]! + u.data[k]!;
    // Each participant: its columns [j0, j1) (the seed's myrange), every time step, in one call.
    const chunk = (Q: SA<'float64'>, U: SA<'float64'>): void => {
      const [, n2, n3] = Q.dims as [number, number, number];
      const k = indexpids(Q);
      const cols = range(Math.round((n2 * k) / Q.pids.length), Math.round((n2 * (k + 1)) / Q.pids.length));
      for (let t = 0; t < n3 - 1; t++) add(Q.view(':', cols, t + 1), Q.view(':', cols, t), U.view(':', cols, t));
    };
    await Promise.all(q.pids.map((p) => remotecallWait(chunk, p, q, u)));
    expect([...q.data]).toEqual([...reference]);
    await Promise.all([q.close(), u.close()]);
  });
});

describe('failure paths', () => {
  it('an operand the split\'s participants do not all map: ERR_NOT_MAPPED, nothing sent', async () => {
    const S = await shared('float64', [8], samples('float64', 8, 51));
    const T = await shared('float64', [8], samples('float64', 8, 52), [ws[0]!]);
    const before = [...S.data];
    const e = await rejection(add(S, S, T, { parallel: true }));
    expect(e).toMatchObject({ name: 'RangeError', code: 'ERR_NOT_MAPPED', message: expect.stringMatching(new RegExp(`process ${ws[1]}`)) });
    expect([...S.data]).toEqual(before);
    await Promise.all([S.close(), T.close()]);
  });

  it('an output partly overlapping an input: ERR_OVERLAP (the parts would race); in place is fine', async () => {
    const S = await shared('int32', [20], Array.from({ length: 20 }, (_, i) => i));
    const e = await rejection(add(S.view(range(1, 20)), S.view(range(0, 19)), 1, { parallel: true }));
    expect(e).toMatchObject({ name: 'RangeError', code: 'ERR_OVERLAP' });
    expect([...S.data]).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await add(S, S, S, { parallel: true });
    expect([...S.data]).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i));
    await S.close();
  });

  it('integer division by zero in some participant\'s share: ERR_DIVIDE_BY_ZERO', async () => {
    const S = await shared('int32', [10], Array(10).fill(6));
    const Z = await shared('int32', [10], [1, 1, 1, 1, 1, 1, 1, 0, 1, 1]);
    const e = await rejection(div(S, S, Z, { parallel: true }));
    expect(e).toMatchObject({ name: 'RangeError', code: 'ERR_DIVIDE_BY_ZERO', message: expect.stringMatching(/element 7/) });
    await Promise.all([S.close(), Z.close()]);
  });

  it('a serial operation on a worker that does not map the array: ERR_NOT_MAPPED there', async () => {
    const S = await shared('float64', [4], [1, 2, 3, 4], [ws[0]!]);
    expect(await remotecallFetch((A: SA<'float64'>) => sum(A), ws[0]!, S)).toBe(10);
    const e = (await rejection(remotecallFetch((A: SA<'float64'>) => sum(A), ws[1]!, S))) as { cause?: { code?: string } };
    expect(e.cause?.code).toBe('ERR_NOT_MAPPED');
    await S.close();
  });

  it('a part that fails does not settle the operation while other parts still write', async () => {
    const [extra] = await addprocs(1);
    const n = 2 ** 22;
    // Created here (so mapped here) over ws[0] and extra; extra's part fails at once (it has exited),
    // ws[0] runs exp over its 2M elements meanwhile.
    const S = await SharedArray.create('float64', n, { pids: [ws[0]!, extra!] });
    await rmprocs([extra!]);
    const e = await rejection(map('exp', S, { parallel: true }));
    // What ws[0] wrote is all there by the time the caller learns of the failure.
    const share = S.data[n / 2 - 1];
    expect(e).toMatchObject({ name: 'ProcessExitedException', code: 'ERR_PROCESS_EXITED', pid: extra });
    expect(share).toBe(1);
    expect(S.data[0]).toBe(1);
    await S.close();
  });

  it('a participant that has exited: the operation rejects with ERR_PROCESS_EXITED, no hang', async () => {
    const [extra] = await addprocs(1);
    const S = await shared('float64', [1000], samples('float64', 1000, 61), [ws[0]!, extra!]);
    await rmprocs([extra!]);
    const e = await rejection(sum(S, { parallel: true }));
    expect(e).toMatchObject({ name: 'ProcessExitedException', code: 'ERR_PROCESS_EXITED', pid: extra });
    await S.close();
  });
});
