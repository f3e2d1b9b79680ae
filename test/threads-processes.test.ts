// Threads and processes together: every worker process has its own pool (2 threads here), a
// SharedArray written by threads is seen by the other processes and the other way round, and
// atomics are exact between 2 processes × 2 threads (1e6 increments). Inside a worker's thread,
// myid() is the worker's pid and workers() the cluster's workers; a thread cannot reach other
// processes itself (threads do not join the cluster) and says so.
process.env.SHAREDARRAYS_NUM_THREADS = '2';

import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';
import { rejection } from './helpers/rejection.js';

const { addprocs, workers, nprocs, procs, myid, remotecallFetch, capture, range, threads, threadid, nthreads, localindices, SharedArray, Barrier, atomicAdd, atomicLoad } = sa;

const ws = useWorkers(2, { env: { SHAREDARRAYS_NUM_THREADS: '2' } });

describe('threads in worker processes', () => {
  it("each worker runs threads.for on its own pool, where myid() is the worker's pid", async () => {
    const seen = await SharedArray.create('int32', [3, 4]);
    await Promise.all(
      ws.map((w, k) =>
        remotecallFetch(
          (S: sa.SharedArray<'int32'>, col: number) =>
            threads.for(range(0, 2), capture({ S, col }, (t: number) => {
              S.set(0, col + t, myid());
              S.set(1, col + t, threadid());
              S.set(2, col + t, nthreads());
            })),
          w,
          seen,
          2 * k,
        ),
      ),
    );
    expect([0, 1, 2, 3].map((j) => seen.get(0, j))).toEqual([ws[0], ws[0], ws[1], ws[1]]);
    expect([0, 1, 2, 3].map((j) => seen.get(1, j))).toEqual([1, 2, 1, 2]);
    expect([0, 1, 2, 3].map((j) => seen.get(2, j))).toEqual([2, 2, 2, 2]);
    await seen.close();
  });

  it("writes from the master's threads are seen by the workers, and the workers' threads' writes by the master", async () => {
    const S = await SharedArray.create('float64', 1000);
    await threads.for(range(0, 1000), capture({ S }, (i: number) => {
      S.data[i] = i * 0.5;
    }));
    // Each worker reads everything the master's threads wrote...
    const sums = await Promise.all(
      ws.map((w) =>
        remotecallFetch((A: sa.SharedArray<'float64'>) => {
          let sum = 0;
          for (const x of A.data) sum += x;
          return sum;
        }, w, S),
      ),
    );
    expect(sums).toEqual([249750, 249750]);
    // ...then its threads double its share (localindices), which the master sees.
    await Promise.all(
      ws.map((w) =>
        remotecallFetch(
          (A: sa.SharedArray<'float64'>) =>
            threads.for(localindices(A), capture({ A }, (i: number) => {
              A.data[i] = A.data[i]! * 2;
            })),
          w,
          S,
        ),
      ),
    );
    expect(S.data.every((x, i) => x === i)).toBe(true);
    await S.close();
  });

  it('atomicAdd from 2 processes × 2 threads sums exactly: 1e6 increments', async () => {
    const counter = await SharedArray.create('int32', 1);
    // The four threads start together (a barrier), so their increments really overlap.
    const start = await Barrier.create(4);
    const per = 250_000;
    await Promise.all(
      ws.map((w) =>
        remotecallFetch(
          (C: sa.SharedArray<'int32'>, go: sa.Barrier, n: number) =>
            threads.for(range(0, 2), capture({ C, go, n }, () => {
              go.arrive();
              for (let k = 0; k < n; k++) atomicAdd(C, 0, 1);
            })),
          w,
          counter,
          start,
          per,
        ),
      ),
    );
    expect(atomicLoad(counter, 0)).toBe(4 * per);
    await counter.close();
    await start.close();
  });

  it("in a thread, workers(), nprocs() and procs() say what the thread's process sees", async () => {
    const seen = await SharedArray.create('int32', [2, 2, 3]);
    // [process, thread, what]: what 0 = nprocs(), 1 = workers().length, 2 = the sum of procs().
    const onWorker = (S: sa.SharedArray<'int32'>, k: number) =>
      threads.for(range(0, 2), capture({ S, k }, (t: number) => {
        S.set(k, t, 0, nprocs());
        S.set(k, t, 1, workers().length);
        S.set(k, t, 2, procs().reduce((x: number, y: number) => x + y, 0));
      }));
    await Promise.all(ws.map((w, k) => remotecallFetch(onWorker, w, seen, k)));
    const sum = 1 + ws[0]! + ws[1]!;
    for (let k = 0; k < 2; k++) {
      for (let t = 0; t < 2; t++) expect([0, 1, 2].map((q) => seen.get(k, t, q))).toEqual([3, 2, sum]);
    }
    await seen.close();
  });

  it('a thread cannot make remote calls or add workers: ERR_THREAD_NOT_IN_CLUSTER, and the process serves on', async () => {
    const fromThread = (f: () => unknown) =>
      threads.for(range(0, 2), capture({ f }, () => {
        if (threadid() === 2) return f();
      }));
    const w = ws[0]!;
    // The master's thread 2 calling a worker, and adding one.
    for (const f of [capture({ w }, () => remotecallFetch(() => 1, w)), () => addprocs(1)]) {
      const e = (await rejection(fromThread(f))) as Error & { code: string; threadid: number };
      expect(e).toMatchObject({ code: 'ERR_THREAD_NOT_IN_CLUSTER', threadid: 2, message: expect.stringContaining('threads do not join the cluster') });
    }
    // A worker's thread 2 calling the master.
    const onWorker = (await rejection(remotecallFetch(capture({ fromThread }, () => fromThread(() => remotecallFetch(() => 1, 1))), w))) as sa.RemoteException;
    expect(onWorker.cause).toMatchObject({ code: 'ERR_THREAD_NOT_IN_CLUSTER' });
    expect(workers()).toEqual([...ws]);
    expect(await remotecallFetch(() => myid(), w)).toBe(w);
  });
});
