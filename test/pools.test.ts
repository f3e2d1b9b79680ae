// Worker pools: WorkerPool take/put/isready/workers/length, a worker busy until its call finishes,
// CachingPool, the default pool, pools travelling to workers as references, dead workers dropped.
// Shipped functions use only locals and capture()d values (see the suite's convention).
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { captureOutput } from './helpers/output.js';
import { useWorkers } from './helpers/cluster.js';
import { rejection } from './helpers/rejection.js';
import { gone, waitFor } from './helpers/wait.js';

const { addprocs, workers, myid, pmap, range, remotecallFetch, capture, WorkerPool, CachingPool, defaultWorkerPool, RemoteChannel, Channel, RemoteException } = sa;

/** Kill worker `pid` (OS process `ospid`) with SIGKILL; resolves once it left workers(), its death reported. */
async function killWorker(pid: number, ospid: number): Promise<void> {
  const out = captureOutput();
  try {
    process.kill(ospid, 'SIGKILL');
    await waitFor(() => !workers().includes(pid), { what: 'the killed worker to leave workers()' });
    expect(out.text()).toContain(`Worker ${pid} terminated.`);
  } finally {
    out.restore();
  }
}
type RE = InstanceType<typeof RemoteException>;
type Coded = { code?: string };

const ws = useWorkers(2);


describe('WorkerPool', () => {
  it('take / put / isready / workers / length', async () => {
    const [a, b] = ws as [number, number];
    const pool = new WorkerPool([b, a]);
    expect(pool.workers()).toEqual([a, b]);
    expect(pool.length).toBe(2);
    expect(pool.isready()).toBe(true);
    const x = await pool.take();
    const y = await pool.take();
    expect(new Set([x, y])).toEqual(new Set([a, b]));
    expect(pool.isready()).toBe(false);
    // Still members while busy.
    expect(pool.length).toBe(2);
    // A take waits for a put.
    let got = 0;
    const waiting = pool.take().then((p) => (got = p));
    await remotecallFetch(() => 0, a); // a round trip: the take had every chance to settle
    expect(got).toBe(0);
    pool.put(y);
    expect(await waiting).toBe(y);
    pool.put(x);
    pool.put(y);
    expect(pool.isready()).toBe(true);
    // push adds; putting twice does not duplicate.
    pool.put(x);
    const seen = [await pool.take(), await pool.take()];
    expect(new Set(seen)).toEqual(new Set([a, b]));
    expect(pool.isready()).toBe(false);
    pool.put(a);
    pool.put(b);
    // avoid: another worker when there is one.
    for (let k = 0; k < 5; k++) {
      const p = await pool.take({ avoid: a });
      expect(p).toBe(b);
      pool.put(p);
    }
  });

  it('new WorkerPool([]): take rejects with ERR_NO_WORKERS; so does a bad pid', async () => {
    const e = await rejection(new WorkerPool([]).take());
    expect((e as Coded).code).toBe('ERR_NO_WORKERS');
    expect((e as Error).message).toBe('No active worker available in pool');
    expect(() => new WorkerPool([0])).toThrow(TypeError);
    expect(new WorkerPool([]).isready()).toBe(false);
  });

  it('remotecallFetch runs on a pool worker and relays errors', async () => {
    const pool = new WorkerPool(ws);
    expect(ws).toContain(await pool.remotecallFetch(() => myid()));
    expect(await pool.remotecallFetch((a: number, b: number) => a * b, 6, 7)).toBe(42);
    const e = await rejection(pool.remotecallFetch(() => {
      throw new Error('pool boom');
    }));
    expect(e).toBeInstanceOf(RemoteException);
    expect((e as RE).cause.message).toBe('pool boom');
    // The worker came back after the failure.
    expect(pool.isready()).toBe(true);
    expect(pool.workers()).toEqual(ws);
  });

  for (const Kind of [WorkerPool, CachingPool]) {
    it(`${Kind.name}: a worker stays busy until its call finishes`, async () => {
      const w = ws[0]!;
      const pool = new Kind([w]);
      const rc = await RemoteChannel.create<number>(() => new Channel(1));
      const call = pool.remotecallFetch(capture({ rc }, () => rc.take().then((v) => [myid(), v])));
      expect(pool.isready()).toBe(false);
      // The call really is out there, blocked on the channel.
      await waitFor(async () => (await remotecallFetch(() => 1, w)) === 1, { what: 'a round trip' });
      expect(pool.isready()).toBe(false);
      await rc.put(5);
      expect(await call).toEqual([w, 5]);
      expect(pool.isready()).toBe(true);
      rc.finalize();
    });
  }

  it('the default pool is not ready while every worker is busy, ready again as each returns', async () => {
    const pool = defaultWorkerPool();
    expect(pool.workers()).toEqual(ws);
    const chans = await Promise.all(ws.map(() => RemoteChannel.create<number>(() => new Channel(1))));
    const calls = chans.map((rc) => pool.remotecallFetch(capture({ rc }, () => rc.take())));
    expect(pool.isready()).toBe(false);
    await chans[0]!.put(1);
    expect(await calls[0]).toBe(1);
    expect(pool.isready()).toBe(true);
    await chans[1]!.put(2);
    expect(await calls[1]).toBe(2);
    expect(pool.workers()).toEqual(ws);
    for (const c of chans) c.finalize();
  });
});

describe('CachingPool', () => {
  it('pmap is correct; errors come back as RemoteException; clear() and carry on', async () => {
    const pool = new CachingPool(ws);
    const k = 3;
    const f = capture({ k }, (x: number) => x * k);
    for (let round = 0; round < 3; round++) {
      expect(await pmap(f, range(0, 50), { pool })).toEqual([...range(0, 50)].map((x) => x * 3));
      expect(new Set(await pmap(() => myid(), range(0, 40), { pool, batchSize: 1 }))).toEqual(new Set(ws));
      const e = await rejection(pool.remotecallFetch(() => {
        throw new Error('caching boom');
      }));
      expect((e as RE).cause.message).toBe('caching boom');
      pool.clear();
      pool.clear();
    }
    expect(pool.workers()).toEqual(ws);
    expect(pool).toBeInstanceOf(WorkerPool);
  });
});

describe('pools on other processes', () => {
  it('defaultWorkerPool() holds every worker and works on a worker too (take/put proxied)', async () => {
    expect(defaultWorkerPool().workers()).toEqual(workers());
    const [a, b] = ws as [number, number];
    const got = await remotecallFetch(async () => {
      const pool = defaultWorkerPool();
      const p = await pool.take({ avoid: myid() });
      pool.put(p);
      return [p, pool.workers()];
    }, a);
    expect(got[0]).toBe(b);
    expect(got[1]).toEqual(ws);
    // Returned: the master's pool has it idle again.
    await waitFor(() => defaultWorkerPool().isready() && defaultWorkerPool().workers().length === 2, { what: 'the pool to be whole' });
  });

  it('a WorkerPool passed to a worker is the same pool: operations run on its owner', async () => {
    const [a, b] = ws as [number, number];
    const pool = new WorkerPool([b]);
    const taken = await remotecallFetch(async (p: sa.WorkerPool) => {
      const pid = await p.take();
      return [pid, p.workers(), p.length];
    }, a, pool);
    expect(taken).toEqual([b, [b], 1]);
    // Taken on the worker: busy here.
    expect(pool.isready()).toBe(false);
    expect(await remotecallFetch(async (p: sa.WorkerPool) => p.isreadyAsync(), a, pool)).toBe(false);
    await remotecallFetch((p: sa.WorkerPool, pid: number) => p.put(pid), a, pool, b);
    await waitFor(() => pool.isready(), { what: 'the put from the worker to arrive' });
    expect(await remotecallFetch(async (p: sa.WorkerPool) => p.isreadyAsync(), a, pool)).toBe(true);
    // pmap on the worker with the pool: only b works (F11 from a worker).
    const who = await remotecallFetch((p: sa.WorkerPool) => pmap(() => myid(), range(0, 20), { pool: p }), a, pool);
    expect(new Set(who)).toEqual(new Set([b]));
    // And back home it is the very same object.
    expect(await remotecallFetch((p: sa.WorkerPool) => p, a, pool)).toBe(pool);
  });

  it('pmap called on a worker spreads over every worker', async () => {
    const who = await remotecallFetch(() => pmap(() => myid(), range(0, 100), { batchSize: 1 }), ws[0]!);
    expect(new Set(who)).toEqual(new Set(ws));
  });
});

describe('dead workers', () => {
  it('are dropped from pools; take hands out the live ones', async () => {
    const [v] = await addprocs(1);
    const ospid = await remotecallFetch(() => process.pid, v!);
    const pool = new WorkerPool([...ws, v!]);
    const caching = new CachingPool([v!]);
    expect(defaultWorkerPool().workers()).toContain(v);
    expect(pool.length).toBe(3);
    await killWorker(v!, ospid);
    await waitFor(() => gone(ospid), { what: 'the OS process to be gone' });
    expect(pool.workers()).toEqual(ws);
    expect(pool.length).toBe(2);
    expect(defaultWorkerPool().workers()).toEqual(ws);
    const taken = [await pool.take(), await pool.take()];
    expect(new Set(taken)).toEqual(new Set(ws));
    expect(pool.isready()).toBe(false);
    for (const p of taken) pool.put(p);
    // A put of the dead pid does not bring it back.
    pool.put(v!);
    expect(pool.workers()).toEqual(ws);
    // A pool left with no live worker says so.
    expect(((await rejection(caching.take())) as Coded).code).toBe('ERR_NO_WORKERS');
    expect(((await rejection(pmap((x: number) => x, [1], { pool: caching }))) as Coded).code).toBe('ERR_NO_WORKERS');
  });

  it('a take waiting on a pool whose last worker dies rejects', async () => {
    const [v] = await addprocs(1);
    const ospid = await remotecallFetch(() => process.pid, v!);
    const pool = new WorkerPool([v!]);
    const p = await pool.take();
    const waiting = rejection(pool.take());
    await killWorker(v!, ospid);
    pool.put(p); // what a finished (failed) call does: waiters re-check and find no worker
    expect(((await waiting) as Coded).code).toBe('ERR_NO_WORKERS');
    await waitFor(() => gone(ospid), { what: 'the OS process to be gone' });
  });
});
