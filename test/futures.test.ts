// Futures: write-once, caching, handing a Future to a third process, Future(pid) local and remote,
// finalize, concurrency.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { loadRefStore, released, stored } from './helpers/refs.js';

const { addprocs, myid, remotecall, remotecallFetch, Future, RemoteChannel, Channel, RemoteException, fetch, isready, put, wait } = sa;
type Fut<T> = sa.Future<T>;

let a = 0;
let b = 0;
beforeAll(async () => {
  [a, b] = (await addprocs(2)) as [number, number];
  await loadRefStore();
});
afterAll(removeAllWorkers);

describe('new Future(pid): an empty write-once slot', () => {
  for (const where of ['local', 'remote'] as const) {
    it(`${where}: not ready, put makes it ready, a second put rejects, fetch gives the value`, async () => {
      const pid = where === 'local' ? myid() : a;
      const f = new Future<string>(pid);
      expect(f.where).toBe(pid);
      expect(await f.isready()).toBe(false);
      expect(await f.put('OK')).toBe(f);
      expect(await f.isready()).toBe(true);
      await expect(f.put('again')).rejects.toMatchObject({ code: 'ERR_FUTURE_SET' });
      expect(await f.fetch()).toBe('OK');
      expect(await fetch(f)).toBe('OK');
      expect(await f.wait()).toBe(f);
      // Another holder's second put is refused by the owner too.
      const g = new Future<string>(pid);
      await put(g, 'first');
      const e = await remotecallFetch((x: Fut<string>) => x.put('second').then(() => 'accepted', (err: Error & { code?: string }) => err.code), b, g);
      expect(e).toBe('ERR_FUTURE_SET');
    });
  }

  it('a second put from a process that is not the owner rejects with a RemoteException, as in Julia', async () => {
    const f = new Future<number>(a);
    await remotecallFetch((x: Fut<number>) => x.put(1).then(() => 'ok'), b, f);
    const e = (await f.put(2).catch((x: unknown) => x)) as sa.RemoteException;
    expect(e).toBeInstanceOf(RemoteException);
    expect(e.pid).toBe(a);
    expect(e.cause).toMatchObject({ code: 'ERR_FUTURE_SET', message: 'Future can be set only once' });
    expect(await f.fetch()).toBe(1);
  });

  it('a remote Future is not stored until first used; a put from here releases it at once', async () => {
    const f = new Future<number>(a);
    expect(await stored(f)).toBe(false);
    expect(await isready(f)).toBe(false);
    expect(await stored(f)).toBe(true);
    await f.put(5);
    await released(f);
    expect(await f.fetch()).toBe(5);
  });

  it('a worker puts into a Future the master made; the master waits for it', async () => {
    const f = new Future<number>();
    const waited = wait(f);
    remotecall((x: Fut<number>) => x.put(myid() * 100), a, f);
    await waited;
    expect(await f.fetch()).toBe(a * 100);
    const g = new Future<number>(b);
    await remotecallFetch((x: Fut<number>) => x.put(7), a, g);
    expect(await g.fetch()).toBe(7);
  });
});

describe('remotecall Futures', () => {
  it('fetch caches: a second fetch works after the owner released the value', async () => {
    const f = remotecall(() => ({ n: myid() }), a);
    const v1 = await f.fetch();
    expect(v1).toEqual({ n: a });
    await released(f);
    const v2 = await f.fetch();
    expect(v2).toBe(v1);
    expect(await f.isready()).toBe(true);
  });

  it('a Future passed to a third process fetches from its owner', async () => {
    const f = remotecall(() => `value of ${myid()}`, a);
    expect(await remotecallFetch((x: Fut<string>) => x.fetch().then((v) => [v, x.where]), b, f)).toEqual([`value of ${a}`, a]);
    expect(await f.fetch()).toBe(`value of ${a}`);
  });

  it('a fetched Future sent elsewhere carries its value', async () => {
    const f = remotecall(() => 'cached', a);
    await f.fetch();
    await released(f);
    expect(await remotecallFetch((x: Fut<string>) => x.fetch(), b, f)).toBe('cached');
  });

  it('handles inside values travel as handles: a fetched Future holding a RemoteChannel, a call returning one', async () => {
    const rc = await RemoteChannel.create<string>(() => new Channel(4), b);
    const f = new Future<{ chan: sa.RemoteChannel<string> }>();
    await f.put({ chan: rc }); // set here: it travels with its value inline
    await remotecallFetch(async (x: Fut<{ chan: sa.RemoteChannel<string> }>) => (await x.fetch()).chan.put(`via ${myid()}`), a, f);
    expect(await rc.take()).toBe(`via ${a}`);
    const made = await remotecallFetch(() => RemoteChannel.create<number>(() => new Channel(1)), a);
    expect(made).toBeInstanceOf(RemoteChannel);
    expect(made.where).toBe(a);
    await made.put(3);
    expect(await remotecallFetch((c: sa.RemoteChannel<number>) => c.take(), b, made)).toBe(3);
  });

  it('an error is kept: fetch and wait reject with RemoteException each time', async () => {
    const f = remotecall(() => {
      throw new Error('kept error');
    }, a);
    for (let i = 0; i < 2; i++) {
      const e = await f.fetch().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RemoteException);
      expect((e as Error).message).toContain('kept error');
    }
    await expect(f.wait()).rejects.toBeInstanceOf(RemoteException);
    const g = remotecall(() => Promise.reject(new TypeError('async kept')), a);
    await expect(g.wait()).rejects.toMatchObject({ pid: a, cause: { name: 'TypeError', message: 'async kept' } });
  });

  it('many concurrent fetches of one Future, here and on another worker', async () => {
    const gate = await RemoteChannel.create<number>(() => new Channel(1), b);
    const f = remotecall((g: sa.RemoteChannel<number>) => g.take(), a, gate);
    const here = Array.from({ length: 100 }, () => f.fetch());
    const there = remotecallFetch((x: Fut<number>) => Promise.all(Array.from({ length: 10 }, () => x.fetch())), b, f);
    expect(await f.isready()).toBe(false);
    await gate.put(42);
    expect(await Promise.all(here)).toEqual(new Array(100).fill(42));
    expect(await there).toEqual(new Array(10).fill(42));
  });
});

describe('finalize', () => {
  it('later use rejects with ERR_REF_FINALIZED, fetched or not, local or remote', async () => {
    const unfetched = remotecall(() => 1, a);
    const fetched = remotecall(() => 2, a);
    await fetched.fetch();
    const local = new Future<number>();
    await local.put(3);
    for (const f of [unfetched, fetched, local]) {
      f.finalize();
      f.finalize(); // idempotent
      await expect(f.fetch()).rejects.toMatchObject({ code: 'ERR_REF_FINALIZED' });
      await expect(f.wait()).rejects.toMatchObject({ code: 'ERR_REF_FINALIZED' });
      await expect(f.isready()).rejects.toMatchObject({ code: 'ERR_REF_FINALIZED' });
      await expect(f.put(4)).rejects.toMatchObject({ code: 'ERR_REF_FINALIZED' });
      await expect(remotecallFetch((x: unknown) => x, b, f)).rejects.toMatchObject({ code: 'ERR_REF_FINALIZED' });
    }
    await released(unfetched);
  });
});
