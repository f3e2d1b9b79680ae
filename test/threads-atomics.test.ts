// Atomics on SharedArray elements (Julia's Threads.Atomic operations) and atomicWait/atomicNotify
// across processes and threads (the kernel's futex on the shared mapping).
process.env.SHAREDARRAYS_NUM_THREADS = '2';

import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';
import { rejection } from './helpers/rejection.js';
import { waitFor } from './helpers/wait.js';

const { myid, interrupt, remotecall, fetch, capture, range, threads, threadid, SharedArray } = sa;
const { atomicAdd, atomicSub, atomicCas, atomicXchg, atomicMax, atomicMin, atomicLoad, atomicStore, atomicWait, atomicNotify } = sa;

const ws = useWorkers(1);

describe('read-modify-write operations', () => {
  it('return the old value and store the new one, on every integer dtype', async () => {
    const S = await SharedArray.create('int32', 4);
    expect(atomicAdd(S, 0, 5)).toBe(0);
    expect(atomicSub(S, 0, 2)).toBe(5);
    expect(atomicXchg(S, 0, 9)).toBe(3);
    expect(atomicCas(S, 0, 9, 11)).toBe(9); // swapped
    expect(atomicCas(S, 0, 9, 13)).toBe(11); // not swapped: the value found
    expect(atomicMax(S, 0, 4)).toBe(11);
    expect(atomicMax(S, 0, 40)).toBe(11);
    expect(atomicMin(S, 0, -3)).toBe(40);
    expect(atomicLoad(S, 0)).toBe(-3);
    expect(atomicStore(S, 1, 77)).toBe(77);
    expect(S.data[1]).toBe(77);
    await S.close();
  });

  it('wrap around at the bounds as the hardware does, and compare in the element type', async () => {
    const u8 = await SharedArray.create('uint8', 2);
    atomicStore(u8, 0, 250);
    expect(atomicAdd(u8, 0, 10)).toBe(250);
    expect(atomicLoad(u8, 0)).toBe(4);
    // 300 is 44 as a uint8: max(4, 44) stores 44.
    expect(atomicMax(u8, 0, 300)).toBe(4);
    expect(atomicLoad(u8, 0)).toBe(44);
    const u32 = await SharedArray.create('uint32', 1);
    atomicStore(u32, 0, 0xffff_fff0);
    expect(atomicMax(u32, 0, 5)).toBe(0xffff_fff0); // unsigned: 0xfffffff0 > 5
    expect(atomicMin(u32, 0, 5)).toBe(0xffff_fff0);
    expect(atomicLoad(u32, 0)).toBe(5);
    const i8 = await SharedArray.create('int8', 1);
    expect(atomicSub(i8, 0, 129)).toBe(0);
    expect(atomicLoad(i8, 0)).toBe(127);
    await Promise.all([u8.close(), u32.close(), i8.close()]);
  });

  it('take bigints on 64-bit arrays', async () => {
    const S = await SharedArray.create('bigint64', 2);
    expect(atomicAdd(S, 0, 2n ** 40n)).toBe(0n);
    expect(atomicMin(S, 0, -(2n ** 62n))).toBe(2n ** 40n);
    expect(atomicMax(S, 1, 7n)).toBe(0n);
    expect([atomicLoad(S, 0), atomicLoad(S, 1)]).toEqual([-(2n ** 62n), 7n]);
    const U = await SharedArray.create('biguint64', 1);
    expect(atomicSub(U, 0, 1n)).toBe(0n);
    expect(atomicLoad(U, 0)).toBe(2n ** 64n - 1n);
    await Promise.all([S.close(), U.close()]);
  });

  it('work on integer typed arrays too (a SharedArrayBuffer in a thread)', () => {
    const a = new Int16Array(new SharedArrayBuffer(4));
    expect(atomicAdd(a, 1, 3)).toBe(0);
    expect(atomicCas(a, 1, 3, 8)).toBe(3);
    expect(a[1]).toBe(8);
  });

  it('refuse float arrays, bad indices, wrong value kinds, closed and unmapped arrays with clear codes', async () => {
    const F = await SharedArray.create('float64', 2);
    const S = await SharedArray.create('int32', 2);
    const B = await SharedArray.create('bigint64', 1);
    expect(() => atomicAdd(F as never, 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DTYPE', message: expect.stringContaining('float64') }));
    expect(() => atomicAdd(new Uint8ClampedArray(2) as never, 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DTYPE' }));
    expect(() => atomicAdd([1, 2] as never, 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DTYPE' }));
    for (const i of [-1, 2, 0.5, NaN]) {
      expect(() => atomicLoad(S, i)).toThrow(expect.objectContaining({ code: 'ERR_INDEX_OUT_OF_RANGE' }));
    }
    expect(() => atomicAdd(S, 0, 1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_VALUE' }));
    expect(() => atomicAdd(S, 0, 1n as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_VALUE' }));
    expect(() => atomicAdd(B, 0, 1 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_VALUE', message: expect.stringContaining('1n') }));
    // A non-participant's array: not mapped here.
    const remote = await fetch(remotecall(() => SharedArray.create('int32', 2, { pids: [myid()] }), ws[0]!));
    expect(() => atomicAdd(remote, 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_NOT_MAPPED' }));
    await S.close();
    expect(() => atomicAdd(S, 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_ARRAY_CLOSED' }));
    await Promise.all([F.close(), B.close(), remote.close()]);
  });
});

describe('atomicWait and atomicNotify', () => {
  it("return 'not-equal' when the value differs and 'timed-out' when nobody notifies", async () => {
    const S = await SharedArray.create('int32', 2);
    expect(atomicWait(S, 0, 5)).toBe('not-equal');
    expect(atomicWait(S, 0, 0, 5)).toBe('timed-out');
    expect(atomicWait(S, 0, 0, 0)).toBe('timed-out');
    expect(atomicNotify(S, 0)).toBe(0);
    await S.close();
  });

  it('a worker process blocked in atomicWait is woken by atomicNotify from the master', async () => {
    const S = await SharedArray.create('int32', 2);
    const waiting = remotecall((A: sa.SharedArray<'int32'>) => atomicWait(A, 0, 0, 30_000), ws[0]!, S);
    // Notify until the worker is there to be woken (it may not have reached the wait yet).
    await waitFor(() => atomicNotify(S, 0, 1) === 1, { what: 'the worker waiting on S[0]' });
    expect(await fetch(waiting)).toBe('ok');
    await S.close();
  });

  it("a thread of the master blocked in atomicWait is woken by the worker's atomicNotify", async () => {
    const S = await SharedArray.create('int32', 2);
    const result = await SharedArray.create('int32', 1);
    // Thread 2 waits on S[1]; thread 1 (here) asks the worker to notify until it has woken someone.
    const loop = threads.for(range(0, 2), capture({ S, result }, (i: number) => {
      if (threadid() === 2) result.data[0] = { ok: 1, 'not-equal': 2, 'timed-out': 3 }[atomicWait(S, 1, 0, 30_000)];
      return i;
    }));
    const woken = await fetch(
      remotecall((A: sa.SharedArray<'int32'>) => {
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) if (atomicNotify(A, 1) === 1) return true;
        return false;
      }, ws[0]!, S),
    );
    await loop;
    expect(woken).toBe(true);
    expect(result.data[0]).toBe(1);
    await Promise.all([S.close(), result.close()]);
  });

  it('interrupt() stops a worker blocked in atomicWait without a deadline', async () => {
    const S = await SharedArray.create('int32', 2);
    const waiting = remotecall((A: sa.SharedArray<'int32'>) => {
      atomicStore(A, 1, 1); // in the call: an interrupt from now on reaches it
      return atomicWait(A, 0, 0);
    }, ws[0]!, S);
    await waitFor(() => atomicLoad(S, 1) === 1, { what: 'the worker in its call' });
    await interrupt(ws[0]!);
    const e = (await rejection(fetch(waiting))) as sa.RemoteException;
    expect(e.cause).toMatchObject({ code: 'ERR_INTERRUPTED' });
    // The worker serves on.
    expect(await fetch(remotecall((A: sa.SharedArray<'int32'>) => atomicWait(A, 0, 1), ws[0]!, S))).toBe('not-equal');
    await S.close();
  });

  it('need an int32 element and valid numbers', async () => {
    const U = await SharedArray.create('uint32', 1);
    const S = await SharedArray.create('int32', 1);
    expect(() => atomicWait(U as never, 0, 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DTYPE', message: expect.stringContaining('int32') }));
    expect(() => atomicNotify(U as never, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DTYPE' }));
    expect(() => atomicWait(S, 0, 2 ** 31, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_VALUE' }));
    expect(() => atomicWait(S, 0, 0, -1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => atomicWait(S, 0, 0, NaN)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => atomicNotify(S, 0, 1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => atomicWait(S, 1, 0, 1)).toThrow(expect.objectContaining({ code: 'ERR_INDEX_OUT_OF_RANGE' }));
    await Promise.all([U.close(), S.close()]);
  });
});
