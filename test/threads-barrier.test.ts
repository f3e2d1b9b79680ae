// Barrier across processes and threads: 1000 rounds between 2 workers and the master, rounds
// that never run ahead of each other, a participant killed mid-barrier (between rounds, while
// waiting, and before its first arrive()) and a thread that exits: the others get
// ERR_BARRIER_BROKEN, never a hang. Deadlines are long (30 s): a waiter that fails with
// ERR_BARRIER_TIMEOUT instead of BROKEN would mean the death went unnoticed.
process.env.SHAREDARRAYS_NUM_THREADS = '4';

import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { rejection } from './helpers/rejection.js';
import { waitFor } from './helpers/wait.js';

const { addprocs, interrupt, remotecall, remotecallFetch, fetch, capture, range, threads, threadid, SharedArray, Barrier, atomicAdd, atomicLoad } = sa;
const { RemoteException, ProcessExitedException, CompositeException } = sa;

afterEach(removeAllWorkers);

/** One participant's rounds: count, arrive, check that nobody is a round ahead or behind. */
function rounds(b: sa.Barrier, c: sa.SharedArray<'int32'>, n: number, parties: number, die = -1): void {
  for (let r = 0; r < n; r++) {
    if (r === die) process.kill(process.pid, 'SIGKILL');
    atomicAdd(c, 0, 1);
    b.arrive();
    const seen = atomicLoad(c, 0);
    if (seen < parties * (r + 1) || seen > parties * (r + 2) - 1) atomicAdd(c, 1, 1);
  }
}

// The same function on the workers (shipped as source with what it uses captured).
const workerRounds = capture({ rounds }, (b: sa.Barrier, c: sa.SharedArray<'int32'>, n: number, parties: number, die: number) => {
  atomicAdd(c, 2, 1); // started
  rounds(b, c, n, parties, die);
});

describe('rounds', () => {
  it('holds 2 worker processes and the master together for 1000 rounds', async () => {
    const ws = await addprocs(2);
    const b = await Barrier.create(3, { timeoutMs: 30_000 });
    const c = await SharedArray.create('int32', 3);
    const calls = ws.map((w) => remotecall(workerRounds, w, b, c, 1000, 3, -1));
    // The master blocks in arrive(): let the calls leave first, and the workers start.
    await waitFor(() => atomicLoad(c, 2) === 2, { what: 'both workers started' });
    rounds(b, c, 1000, 3);
    await Promise.all(calls.map((f) => fetch(f)));
    expect(atomicLoad(c, 0)).toBe(3000);
    expect(atomicLoad(c, 1)).toBe(0); // no participant ever saw another one a round away
    expect(b.broken).toBe(false);
    expect(b.waiting).toBe(0);
    expect(sa.threadid()).toBe(1);
    await Promise.all([b.close(), c.close()]);
  });

  it('holds the 4 threads of threads.for together, and mixes with a process', async () => {
    const ws = await addprocs(1);
    const b = await Barrier.create(5, { timeoutMs: 30_000 });
    const c = await SharedArray.create('int32', 3);
    const call = remotecall(workerRounds, ws[0]!, b, c, 200, 5, -1);
    await waitFor(() => atomicLoad(c, 2) === 1, { what: 'the worker started' });
    await threads.for(range(0, 4), capture({ b, c, rounds }, () => rounds(b, c, 200, 5)));
    await fetch(call);
    expect([atomicLoad(c, 0), atomicLoad(c, 1)]).toEqual([1000, 0]);
    await Promise.all([b.close(), c.close()]);
  });

  it('a single party never waits; a barrier travels to a worker and back as a working handle', async () => {
    const one = await Barrier.create(1);
    for (let r = 0; r < 5; r++) one.arrive(0);
    const ws = await addprocs(1);
    const b = await Barrier.create(2, { timeoutMs: 30_000 });
    const back = await remotecallFetch((x: sa.Barrier) => x, ws[0]!, b);
    expect(back).toBeInstanceOf(Barrier);
    expect([back.parties, back.timeoutMs]).toEqual([2, 30_000]);
    const c = await SharedArray.create('int32', 3);
    const call = remotecall(workerRounds, ws[0]!, b, c, 3, 2, -1);
    await waitFor(() => atomicLoad(c, 2) === 1);
    rounds(back, c, 3, 2);
    await fetch(call);
    expect(atomicLoad(c, 1)).toBe(0);
    await Promise.all([one.close(), b.close(), c.close()]);
  });
});

describe('failures', () => {
  // The master reports each killed worker on stderr: captured, and checked where it matters.
  let stderr: MockInstance;
  const written = (): string => stderr.mock.calls.map((c) => String(c[0])).join('');
  beforeEach(() => {
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => stderr.mockRestore());

  it('a participant process killed between rounds breaks the barrier for the others (ERR_BARRIER_BROKEN, naming it)', async () => {
    const ws = await addprocs(2);
    const [w2, w3] = ws as [number, number];
    const b = await Barrier.create(3, { timeoutMs: 30_000 });
    const c = await SharedArray.create('int32', 3);
    const calls = [remotecall(workerRounds, w2, b, c, 1000, 3, -1), remotecall(workerRounds, w3, b, c, 1000, 3, 10)];
    await waitFor(() => atomicLoad(c, 2) === 2, { what: 'both workers started' });
    // Worker 3 SIGKILLs itself before round 10: the master (blocked here, so not even reaping
    // it: a zombie) and worker 2 notice at their next check.
    const e = (() => {
      try {
        rounds(b, c, 1000, 3);
        return null;
      } catch (err) {
        return err as Error & { code: string };
      }
    })();
    expect(e).toMatchObject({ code: 'ERR_BARRIER_BROKEN', message: expect.stringContaining(`process ${w3}`) });
    expect(e!.message).toContain('exited');
    const onW2 = (await rejection(fetch(calls[0]!))) as sa.RemoteException;
    expect(onW2).toBeInstanceOf(RemoteException);
    expect(onW2.cause).toMatchObject({ code: 'ERR_BARRIER_BROKEN' });
    expect(await rejection(fetch(calls[1]!))).toBeInstanceOf(ProcessExitedException);
    expect(b.broken).toBe(true);
    expect(() => b.arrive()).toThrow(expect.objectContaining({ code: 'ERR_BARRIER_BROKEN' }));
    await Promise.all([b.close(), c.close()]);
    await waitFor(() => written().includes(`Worker ${w3} terminated.`), { what: 'the master to report the killed worker' });
  });

  it('a participant killed while it waits breaks the barrier for those who come later', async () => {
    const ws = await addprocs(3);
    const [w2, w3, w4] = ws as [number, number, number];
    const ospid = await remotecallFetch(() => process.pid, w2);
    const b = await Barrier.create(3, { timeoutMs: 30_000 });
    const waiting = remotecall((x: sa.Barrier) => x.arrive(), w2, b);
    await waitFor(() => b.waiting === 1, { what: 'worker 2 waiting at the barrier' });
    process.kill(ospid, 'SIGKILL');
    expect(await rejection(fetch(waiting))).toBeInstanceOf(ProcessExitedException);
    // Worker 3 arrives second and waits for a third that can never complete the round with a dead one.
    const second = (await rejection(remotecallFetch((x: sa.Barrier) => x.arrive(), w3, b))) as sa.RemoteException;
    expect(second.cause).toMatchObject({ code: 'ERR_BARRIER_BROKEN', message: expect.stringContaining(`process ${w2}`) });
    const third = (await rejection(remotecallFetch((x: sa.Barrier) => x.arrive(), w4, b))) as sa.RemoteException;
    expect(third.cause).toMatchObject({ code: 'ERR_BARRIER_BROKEN' });
    await b.close();
    expect(written()).toContain(`Worker ${w2} terminated.`);
  });

  it('a participant process that dies before its first arrive() breaks the barrier, long before the deadline', async () => {
    const [w] = (await addprocs(1)) as [number];
    const b = await Barrier.create(2, { timeoutMs: 30_000 });
    // The barrier reaches the worker, which dies before arriving; the master waits alone.
    const call = remotecall((x: sa.Barrier) => {
      if (x.parties === 2) process.kill(process.pid, 'SIGKILL');
      x.arrive();
    }, w, b);
    expect(await rejection(fetch(call))).toBeInstanceOf(ProcessExitedException);
    const t0 = performance.now();
    expect(() => b.arrive()).toThrow(expect.objectContaining({ code: 'ERR_BARRIER_BROKEN', message: expect.stringContaining(`process ${w}`) }));
    // Found at the first check, not at the deadline (30 s); generous for a loaded machine.
    expect(performance.now() - t0).toBeLessThan(10_000);
    await b.close();
    expect(written()).toContain(`Worker ${w} terminated.`);
  });

  it('interrupt() stops a worker waiting at a barrier', async () => {
    const ws = await addprocs(1);
    const b = await Barrier.create(2, { timeoutMs: 30_000 });
    const waiting = remotecall((x: sa.Barrier) => x.arrive(), ws[0]!, b);
    await waitFor(() => b.waiting === 1, { what: 'the worker waiting at the barrier' });
    await interrupt(ws[0]!);
    const e = (await rejection(fetch(waiting))) as sa.RemoteException;
    expect(e.cause).toMatchObject({ code: 'ERR_INTERRUPTED' });
    await b.close();
  });

  it('a pool thread that exits breaks the barrier for the other threads', async () => {
    const b = await Barrier.create(4, { timeoutMs: 30_000 });
    const e = (await rejection(
      threads.for(range(0, 4), capture({ b }, () => {
        b.arrive();
        if (threadid() === 3) process.exit(1);
        b.arrive();
      })),
    )) as sa.CompositeException;
    expect(e).toBeInstanceOf(CompositeException);
    const codes = e.errors.map((x: Error & { code?: string; threadid?: number }) => [x.threadid, x.code]);
    expect(codes).toEqual([
      [1, 'ERR_BARRIER_BROKEN'],
      [2, 'ERR_BARRIER_BROKEN'],
      [3, 'ERR_THREAD_EXITED'],
      [4, 'ERR_BARRIER_BROKEN'],
    ]);
    expect(e.errors[0]!.message).toContain('thread 3');
    await b.close();
  });

  it('a pool thread that exits before its first arrive() breaks the barrier for the threads waiting', async () => {
    const b = await Barrier.create(4, { timeoutMs: 30_000 });
    const e = (await rejection(
      threads.for(range(0, 4), capture({ b }, () => {
        if (threadid() === 2) process.exit(3);
        b.arrive();
      })),
    )) as sa.CompositeException;
    expect(e.errors.map((x: Error & { code?: string; threadid?: number }) => [x.threadid, x.code])).toEqual([
      [1, 'ERR_BARRIER_BROKEN'],
      [2, 'ERR_THREAD_EXITED'],
      [3, 'ERR_BARRIER_BROKEN'],
      [4, 'ERR_BARRIER_BROKEN'],
    ]);
    expect(e.errors[0]!.message).toContain('thread 2');
    await b.close();
  });

  it('a pool thread replaced between calls does not break a barrier the calls reuse', async () => {
    const b = await Barrier.create(4, { timeoutMs: 30_000 });
    const c1 = await SharedArray.create('int32', 3);
    const c2 = await SharedArray.create('int32', 3);
    const together = (c: sa.SharedArray<'int32'>) => threads.for(range(0, 4), capture({ b, c, rounds }, () => rounds(b, c, 20, 4)));
    await together(c1);
    // Thread 3 exits in a call that does not use the barrier; a new thread 3 takes its place.
    const exited = (await rejection(threads.for(range(0, 4), () => (threadid() === 3 ? process.exit(1) : 0)))) as Error & { code: string };
    expect(exited.code).toBe('ERR_THREAD_EXITED');
    await together(c2);
    expect([atomicLoad(c1, 0), atomicLoad(c1, 1), atomicLoad(c2, 0), atomicLoad(c2, 1), b.broken]).toEqual([80, 0, 80, 0, false]);
    await Promise.all([b.close(), c1.close(), c2.close()]);
  });

  it('a deadline that passes throws ERR_BARRIER_TIMEOUT and breaks the barrier for the rest', async () => {
    const b = await Barrier.create(2);
    expect(b.timeoutMs).toBe(60_000);
    expect(() => b.arrive(20)).toThrow(expect.objectContaining({ code: 'ERR_BARRIER_TIMEOUT', message: expect.stringContaining('1 of 2') }));
    expect(b.broken).toBe(true);
    expect(() => b.arrive()).toThrow(expect.objectContaining({ code: 'ERR_BARRIER_BROKEN', message: expect.stringContaining('timed out after 20 ms') }));
    await b.close();
  });

  it('refuses bad arguments, and use after close or outside its processes', async () => {
    await expect(Barrier.create(0)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(Barrier.create(2.5)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(Barrier.create(2, { timeoutMs: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    const b = await Barrier.create(2);
    expect(() => b.arrive(NaN)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(b.broken).toBe(false);
    const ws = await addprocs(2);
    const only2 = await Barrier.create(2, { pids: [ws[0]!] });
    const e = (await rejection(remotecallFetch((x: sa.Barrier) => x.arrive(1), ws[1]!, only2))) as sa.RemoteException;
    expect(e.cause).toMatchObject({ code: 'ERR_NOT_MAPPED' });
    await b.close();
    expect(() => b.arrive()).toThrow(expect.objectContaining({ code: 'ERR_ARRAY_CLOSED' }));
    await only2.close();
  });
});
