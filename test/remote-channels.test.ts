// RemoteChannel: proxied operations, FIFO, iteration, producers and consumers on different
// processes, closed channels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';

const { addprocs, workers, myid, remotecall, remotecallFetch, remoteDo, RemoteChannel, Channel, InvalidStateException, put, take, close, isready, fetch } = sa;
type RC<T> = sa.RemoteChannel<T>;

let ws: number[] = [];
let a = 0;
let b = 0;
beforeAll(async () => {
  ws = await addprocs(4);
  [a, b] = ws as [number, number];
});
afterAll(removeAllWorkers);

describe('operations are proxied to the owner', () => {
  for (const where of ['local', 'remote'] as const) {
    it(`${where}: FIFO, fetch does not consume, isready/isempty/isopen, close`, async () => {
      const pid = where === 'local' ? myid() : a;
      const rc = await RemoteChannel.create<unknown>(() => new Channel(10), pid);
      expect(rc.where).toBe(pid);
      expect(await rc.isready()).toBe(false);
      expect(await rc.isempty()).toBe(true);
      expect(await rc.put(1)).toBe(rc);
      await rc.put('Hello');
      await put(rc, { three: [3] });
      expect(await rc.isready()).toBe(true);
      expect(await rc.isempty()).toBe(false);
      expect(await rc.fetch()).toBe(1);
      expect(await fetch(rc)).toBe(1);
      await rc.wait();
      expect(await rc.take()).toBe(1);
      expect(await take(rc)).toBe('Hello');
      expect(await rc.take()).toEqual({ three: [3] });
      expect(await isready(rc)).toBe(false);
      expect(await rc.isopen()).toBe(true);
      await close(rc);
      expect(await rc.isopen()).toBe(false);
    });
  }

  it('create() defaults to a Channel(1) on this process', async () => {
    const rc = await RemoteChannel.create<number>();
    expect(rc.where).toBe(myid());
    await rc.put(1);
    // Capacity 1: a second put waits until a take makes room.
    const second = rc.put(2);
    expect(await rc.take()).toBe(1);
    await second;
    expect(await rc.take()).toBe(2);
  });

  it('a factory that does not return a channel is refused', async () => {
    await expect(RemoteChannel.create(() => 42 as never, a)).rejects.toMatchObject({ name: 'RemoteException', cause: { name: 'TypeError', code: 'ERR_INVALID_ARG' } });
    await expect(RemoteChannel.create(() => ({}) as never)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG' });
    await expect(RemoteChannel.create(5 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(RemoteChannel.create(() => { throw new Error('factory failed'); }, a)).rejects.toMatchObject({ name: 'RemoteException', pid: a });
  });

  it('a user object with the channel methods backs a RemoteChannel', async () => {
    const rc = await RemoteChannel.create<number>(() => {
      const items: number[] = [];
      let open = true;
      return {
        put: (v: number) => void items.push(v * 10),
        take: () => items.shift()!,
        fetch: () => items[0]!,
        isready: () => items.length > 0,
        wait: () => undefined,
        close: () => void (open = false),
        isopen: () => open,
      };
    }, a);
    await rc.put(4);
    expect(await rc.isempty()).toBe(false);
    expect(await rc.take()).toBe(40);
  });

  it('isempty does not consume', async () => {
    const rc = await RemoteChannel.create<number>(() => new Channel(1), a);
    await rc.put(1);
    expect(await rc.isempty()).toBe(false);
    expect(await rc.isempty()).toBe(false);
    expect(await rc.take()).toBe(1);
  });
});

describe('closed channels', () => {
  for (const where of ['local', 'remote'] as const) {
    it(`${where}: put rejects with InvalidStateException; buffered values drain; then take rejects`, async () => {
      const pid = where === 'local' ? myid() : a;
      const rc = await RemoteChannel.create<number>(() => new Channel(4), pid);
      await rc.put(1);
      await rc.close();
      const e = await rc.put(2).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidStateException);
      expect(e).toMatchObject({ state: 'closed', code: 'ERR_CHANNEL_CLOSED' });
      expect(await rc.take()).toBe(1);
      const e2 = await rc.take().catch((x: unknown) => x);
      expect(e2).toBeInstanceOf(InvalidStateException);
      expect((e2 as InstanceType<typeof InvalidStateException>).state).toBe('closed');
      await expect(rc.fetch()).rejects.toBeInstanceOf(InvalidStateException);
      await expect(rc.wait()).rejects.toBeInstanceOf(InvalidStateException);
    });
  }

  it('closing wakes a taker blocked on a remote unbuffered channel; the owner serves on', async () => {
    const rc = await RemoteChannel.create<number>(() => new Channel(0), a);
    const blocked = rc.take();
    expect(await rc.isready()).toBe(false); // the take is registered at the owner by now
    await rc.close();
    await expect(blocked).rejects.toBeInstanceOf(InvalidStateException);
    await expect(rc.take()).rejects.toBeInstanceOf(InvalidStateException);
    expect(await rc.isopen()).toBe(false);
    expect(await remotecallFetch(() => myid(), a)).toBe(a);
  });

  it('a worker sees InvalidStateException too (the package exports are in scope there)', async () => {
    const rc = await RemoteChannel.create<number>(() => new Channel(1), b);
    await rc.close();
    const seen = await remotecallFetch(
      (c: RC<number>) => c.put(1).then(() => 'accepted', (e: Error & { state?: string }) => [e.name, e.state, e instanceof InvalidStateException]),
      a,
      rc,
    ).catch((e: unknown) => e);
    expect(seen).toEqual(['InvalidStateException', 'closed', true]);
  });
});

describe('iteration and producers/consumers on different processes', () => {
  it('async iteration ends when the channel is closed and drained', async () => {
    const rc = await RemoteChannel.create<number>(() => new Channel(32), a);
    for (let i = 0; i < 10; i++) await rc.put(i);
    await rc.close();
    const got: number[] = [];
    for await (const x of rc) got.push(x);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('the master produces, a worker consumes, and the other way round', async () => {
    const rc = await RemoteChannel.create<number>(() => new Channel(2), myid());
    const consumed = remotecallFetch(async (c: RC<number>) => {
      const got: number[] = [];
      for await (const x of c) got.push(x);
      return got;
    }, a, rc);
    for (let i = 0; i < 10; i++) await rc.put(i);
    await rc.close();
    expect(await consumed).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const rc2 = await RemoteChannel.create<number>(() => new Channel(0), b);
    remoteDo(async (c: RC<number>) => {
      for (let i = 0; i < 10; i++) await c.put(i * myid());
      await c.close();
    }, a, rc2);
    const got: number[] = [];
    for await (const x of rc2) got.push(x);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i * a));
  });

  it('an unbuffered channel fed one reused array: each take sees its own value', async () => {
    const rc = await RemoteChannel.create<Float64Array>(() => new Channel(0), a);
    const taken = remotecallFetch(async (c: RC<Float64Array>) => {
      const firsts: number[] = [];
      for (let i = 0; i < 10; i++) firsts.push((await c.take())[0]!);
      return firsts;
    }, b, rc);
    const large = new Float64Array(100_000);
    for (let i = 0; i < 10; i++) {
      large[0] = i;
      await rc.put(large);
    }
    expect(await taken).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("the seed's jobs and results: 4 workers, 12 jobs", async () => {
    const jobs = await RemoteChannel.create<number>(() => new Channel(32));
    const results = await RemoteChannel.create<[number, number, number]>(() => new Channel(32));
    const doWork = async (js: RC<number>, rs: RC<[number, number, number]>) => {
      for await (const jobId of js) {
        // Some real work whose size depends on the job.
        let x = 0;
        for (let i = 0; i < 10_000 * ((jobId % 3) + 1); i++) x += Math.sqrt(i);
        await rs.put([jobId, Math.round(x), myid()]);
      }
    };
    const n = 12;
    const making = (async () => {
      for (let i = 1; i <= n; i++) await jobs.put(i);
    })();
    for (const p of workers()) remoteDo(doWork, p, jobs, results);
    const seen: [number, number, number][] = [];
    for (let left = n; left > 0; left--) seen.push(await results.take());
    await making;
    await jobs.close();
    expect(seen.map(([id]) => id).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    for (const [, , where] of seen) expect(workers()).toContain(where);
  });

  it('a RemoteChannel passed to another worker points at the same channel', async () => {
    const rc = await RemoteChannel.create<string>(() => new Channel(4), a);
    await remotecallFetch((c: RC<string>) => c.put(`from ${myid()}`), b, rc);
    await remotecall((c: RC<string>) => c.put(`from ${myid()}`), ws[2]!, rc).fetch();
    expect([await rc.take(), await rc.take()]).toEqual([`from ${b}`, `from ${ws[2]}`]);
    // The owner itself sees its own channel, the same store.
    expect(await remotecallFetch(async (c: RC<string>) => { await c.put('own'); return c.where === myid(); }, a, rc)).toBe(true);
    expect(await rc.take()).toBe('own');
  });
});
