// Distributed reference counting under every interleaving a test can provoke: Futures created on
// random owners, fetched here and elsewhere at the same moment (julia#23109), handed to a third
// process and on to a fourth while fetches are in flight, finalized early, garbage-collected.
// Every fetch must give the right value without hanging, and in the end every owner's store is empty.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';
import { loadRefStore, storeSize } from './helpers/refs.js';
import { waitFor } from './helpers/wait.js';

const { remotecallFetch, spawnat, fetch, myid } = sa;
type Fut<T> = sa.Future<T>;

const ws = useWorkers(3, { execArgv: ['--expose-gc'] });
beforeAll(() => loadRefStore());

/** Collect garbage on every worker (with calls that store nothing, so they leave no entry to count). */
const gcEverywhere = async (): Promise<void> => {
  await Promise.all(ws.map((w) => remotecallFetch(() => void (globalThis as { gc?: () => void }).gc?.(), w)));
};

describe('reference counting', () => {
  it('a local and a remote fetch of one Future at the same time both complete (julia#23109)', async () => {
    for (let trial = 0; trial < 50; trial++) {
      const [w1, w2] = [ws[trial % 3]!, ws[(trial + 1) % 3]!];
      const g = spawnat(w1, () => 7);
      await g.wait();
      const both = await Promise.all([fetch(g), remotecallFetch((x: Fut<number>) => fetch(x), w2, g)]);
      expect(both).toEqual([7, 7]);
    }
  });

  it('2,000 random interleavings of create, hand over, fetch, finalize and collect', async () => {
    let seed = 20261201;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const procs = [1, ...ws];
    // One operation on a fresh Future. A function of its own, so that no frame of the loop keeps
    // the last Future alive while the test waits for garbage collection to free it.
    const one = (k: number): Promise<void> | null => {
      const owner = ws[rand(3)]!;
      const f = spawnat(owner, (n: number) => `v${n}`, k);
      const want = `v${k}`;
      const a = procs[rand(4)]!;
      const b = procs[rand(4)]!;
      switch (rand(6)) {
        case 0: // fetch here and on `a` at once
          return Promise.all([fetch(f), remotecallFetch((x: Fut<string>) => fetch(x), a, f)]).then((vs) => expect(vs).toEqual([want, want]));
        case 1: // `a` hands it on to `b`, which fetches, while this process fetches too
          return Promise.all([
            remotecallFetch((x: Fut<string>, to: number) => remotecallFetch((y: Fut<string>) => fetch(y), to, x), a, f, b),
            fetch(f),
          ]).then((vs) => expect(vs).toEqual([want, want]));
        case 2: // only elsewhere; this process drops its handle unfetched
          return remotecallFetch((x: Fut<string>) => fetch(x), a, f).then((v) => expect(v).toBe(want));
        case 3: // finalized at once: later use rejects, nothing else breaks
          f.finalize();
          return f.fetch().then(
            () => expect.fail('a finalized Future fetched'),
            (e: { code?: string }) => expect(e.code).toBe('ERR_REF_FINALIZED'),
          );
        case 4: // wait, then a fetched copy travels with its value
          return f.fetch().then(() => remotecallFetch((x: Fut<string>) => fetch(x), a, f)).then((v) => expect(v).toBe(want));
        default: // dropped unfetched: garbage collection releases it
          return null;
      }
    };
    const ops: Promise<void>[] = [];
    for (let k = 0; k < 2000; k++) {
      const op = one(k);
      if (op) ops.push(op);
      if (ops.length >= 40) await Promise.all(ops.splice(0));
    }
    await Promise.all(ops);
    // Every handle is now fetched, finalized or garbage: every owner frees everything.
    await waitFor(
      async () => {
        (globalThis as { gc?: () => void }).gc?.();
        await gcEverywhere();
        const sizes = await Promise.all(ws.map((w) => storeSize(w)));
        return sizes.every((n) => n === 0);
      },
      { what: 'every owner to free every value', timeoutMs: 30_000 },
    );
    expect(myid()).toBe(1);
  });
});
