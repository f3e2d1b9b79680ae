// Distributed reference counting: the owner frees its copy once every holder has fetched or
// finalized, and a garbage-collected handle counts as finalized. The owner's store is probed with
// its own store functions (helpers/refs.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { loadRefStore, storeSize, stored } from './helpers/refs.js';
import { waitFor } from './helpers/wait.js';

const { addprocs, rmprocs, myid, remotecall, remotecallFetch, remotecallWait, everywhere, RemoteChannel, Channel } = sa;
type Fut<T> = sa.Future<T>;
type RC<T> = sa.RemoteChannel<T>;
type RR = { where: number; rr: { whence: number; id: number } };

const gc = (globalThis as unknown as { gc: () => void }).gc;

let a = 0;
let b = 0;
beforeAll(async () => {
  [a, b] = (await addprocs(2, { execArgv: ['--expose-gc'] })) as [number, number];
  await loadRefStore();
});
afterAll(removeAllWorkers);

/** Collect garbage here until the owner no longer stores `ref` (finalizers run after a GC, asynchronously). */
async function collectedHere(ref: RR): Promise<void> {
  await waitFor(
    async () => {
      gc();
      return !(await stored(ref));
    },
    { what: `the owner ${ref.where} to free (${ref.rr.whence}, ${ref.rr.id})` },
  );
}

/** A reference's identity without keeping the handle alive. */
function identity(r: RR): RR {
  return { where: r.where, rr: { ...r.rr } };
}

describe('Futures', () => {
  it('the owner keeps the value until it is fetched, then frees it', async () => {
    const f = remotecall(() => myid(), a);
    await waitFor(() => stored(f), { what: 'the value to be stored' });
    expect(await f.fetch()).toBe(a);
    await waitFor(async () => !(await stored(f)), { what: 'the owner to free a fetched value' });
  });

  it('an unfetched Future is freed by finalize', async () => {
    const f = remotecall(() => 'x', a);
    await f.wait();
    expect(await stored(f)).toBe(true);
    f.finalize();
    await waitFor(async () => !(await stored(f)), { what: 'finalize to free the value' });
  });

  it('a Future held by a second process is kept until that process fetched too', async () => {
    const f = remotecall(() => 'shared', a);
    await remotecallFetch((x: Fut<string>) => void ((globalThis as Record<string, unknown>).keptFuture = x), b, f);
    expect(await f.fetch()).toBe('shared');
    expect(await stored(f)).toBe(true); // b still holds it
    expect(await remotecallFetch(() => ((globalThis as Record<string, unknown>).keptFuture as Fut<string>).fetch(), b)).toBe('shared');
    await waitFor(async () => !(await stored(f)), { what: 'the value to be freed after both fetched' });
  });

  it('a Future owned by the master and handed to a worker is freed when the worker finalizes it', async () => {
    const f = remotecall(() => 'on master', myid());
    await f.wait();
    await remotecallFetch((x: Fut<string>) => void ((globalThis as Record<string, unknown>).masterFuture = x), a, f);
    f.finalize();
    expect(await stored(identity(f))).toBe(true);
    await remotecallFetch(() => ((globalThis as Record<string, unknown>).masterFuture as Fut<string>).finalize(), a);
    await waitFor(async () => !(await stored(identity(f))), { what: 'the master to free its Future' });
  });

  it('a garbage-collected, never fetched Future counts as finalized', async () => {
    const ref = await (async () => {
      const f = remotecall(() => new Array(1000).fill(7), a);
      await f.wait();
      return identity(f);
    })();
    expect(await stored(ref)).toBe(true);
    await collectedHere(ref);
  });

  it('remotecallWait futures and many calls leave nothing behind', async () => {
    const before = await storeSize(a);
    for (let i = 0; i < 200; i++) expect(await remotecall((x: number) => x, a, i).fetch()).toBe(i);
    const waited = await Promise.all(Array.from({ length: 50 }, () => remotecallWait(() => 1, a)));
    for (const f of waited) expect(await f.fetch()).toBe(1);
    await waitFor(async () => (await storeSize(a)) === before, { what: 'the store to return to its size' });
  });

  it('everywhere(f) leaves no stored results behind', async () => {
    const before = await storeSize(a);
    await everywhere(() => 'ignored');
    await waitFor(async () => (await storeSize(a)) === before, { what: 'everywhere results to be released' });
  });
});

describe('RemoteChannels', () => {
  it('the store stays after fetch and goes on finalize', async () => {
    const rc = await RemoteChannel.create<number>(() => new Channel(1), a);
    await rc.put(1);
    expect(await rc.fetch()).toBe(1);
    expect(await stored(rc)).toBe(true);
    rc.finalize();
    await waitFor(async () => !(await stored(rc)), { what: 'finalize to free the channel' });
    await expect(rc.take()).rejects.toMatchObject({ code: 'ERR_REF_FINALIZED' });
  });

  it('shared with a second worker: kept until that worker finalizes its handle too', async () => {
    const rc = await RemoteChannel.create<number>(() => new Channel(1), a);
    await remotecallFetch((c: RC<number>) => void ((globalThis as Record<string, unknown>).keptChannel = c), b, rc);
    rc.finalize();
    expect(await stored(identity(rc))).toBe(true);
    // b can still use it.
    await remotecallFetch(() => ((globalThis as Record<string, unknown>).keptChannel as RC<number>).put(9), b);
    expect(await remotecallFetch(() => ((globalThis as Record<string, unknown>).keptChannel as RC<number>).take(), b)).toBe(9);
    await remotecallFetch(() => ((globalThis as Record<string, unknown>).keptChannel as RC<number>).finalize(), b);
    await waitFor(async () => !(await stored(identity(rc))), { what: 'the channel to be freed' });
  });

  it('freed once every handle is garbage-collected: here, and on a worker that dropped it', async () => {
    const ref = await (async () => {
      const rc = await RemoteChannel.create<number>(() => new Channel(1), a);
      // b receives it as an argument and keeps nothing.
      expect(await remotecallFetch((c: RC<number>) => c.where, b, rc)).toBe(a);
      return identity(rc);
    })();
    await waitFor(
      async () => {
        gc();
        await remotecallFetch(() => (globalThis as unknown as { gc: () => void }).gc(), b);
        return !(await stored(ref));
      },
      { what: 'every handle to be collected' },
    );
  });

  it("a channel on the master held only by a worker is freed when the worker's handle is collected", async () => {
    const ref = await (async () => {
      const rc = await RemoteChannel.create<number>(() => new Channel(1));
      await remotecallFetch((c: RC<number>) => void ((globalThis as Record<string, unknown>).held = c), a, rc);
      rc.finalize();
      return identity(rc);
    })();
    expect(await stored(ref)).toBe(true);
    await remotecallFetch(() => void delete (globalThis as Record<string, unknown>).held, a);
    await waitFor(
      async () => {
        await remotecallFetch(() => (globalThis as unknown as { gc: () => void }).gc(), a);
        return !(await stored(ref));
      },
      { what: "the worker's collected handle to release the channel" },
    );
  });

  it("a removed worker's holds are dropped", async () => {
    const [c] = await addprocs(1, { execArgv: ['--expose-gc'] });
    const rc = await RemoteChannel.create<number>(() => new Channel(1));
    await remotecallFetch((x: RC<number>) => void ((globalThis as Record<string, unknown>).held = x), c!, rc);
    const ref = identity(rc);
    rc.finalize();
    expect(await stored(ref)).toBe(true);
    await rmprocs(c!);
    expect(await stored(ref)).toBe(false);
  });
});
