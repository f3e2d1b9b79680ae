// A DArray's lifetime: close frees every block at once; the blocks otherwise live while any
// process holds a handle (counted on the creator, like a Future), and are freed when the last one
// is finalized or garbage-collected; a handle travels to other processes; an owner that dies
// makes operations reject with ProcessExitedException naming the lost block, never a hang; a
// creator that dies has its blocks freed by the other owners.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { captureOutput } from './helpers/output.js';
import { removeAllWorkers } from './helpers/cluster.js';
import { blockCounts, loadBlockStore, noBlocksLeft } from './helpers/darray.js';
import { gone, waitFor } from './helpers/wait.js';

const { DArray, dfill, dzeros, myid, range, remotecallFetch, remotecallWait, ProcessExitedException, workers } = sa;

const gc = (globalThis as unknown as { gc: () => void }).gc;
type G = { kept?: sa.DArray | undefined; gc?: () => void };

let w: number[] = [];
beforeAll(async () => {
  w = await sa.addprocs(4, { execArgv: ['--expose-gc'] });
  await loadBlockStore();
});
afterAll(removeAllWorkers);

const everyone = (): number[] => [myid(), ...w.filter((p) => workers().includes(p))];

describe('close and finalize', () => {
  it('close frees every block at once; later use rejects ERR_ARRAY_CLOSED; close again is a no-op', async () => {
    const D = await dfill(1, [8, 8]);
    expect(await blockCounts(w)).toEqual([1, 1, 1, 1]);
    await D.close();
    expect(await blockCounts(w)).toEqual([0, 0, 0, 0]);
    expect(D.isClosed).toBe(true);
    await D.close();
    await expect(D.slice(0, 0)).rejects.toMatchObject({ code: 'ERR_ARRAY_CLOSED', message: expect.stringMatching(/8×8 DArray is closed/) });
    await expect(D.get(0, 0)).rejects.toMatchObject({ code: 'ERR_ARRAY_CLOSED' });
    await expect(D.sum()).rejects.toMatchObject({ code: 'ERR_ARRAY_CLOSED' });
    await expect(remotecallFetch((x: unknown) => x, w[0]!, D)).rejects.toMatchObject({ code: 'ERR_ARRAY_CLOSED', message: expect.stringMatching(/cannot be used after close/) });
  });

  it('closed by a worker, the array is gone for every holder: the owners say so', async () => {
    const D = await dfill(2, [8]);
    await remotecallWait((D: sa.DArray) => D.close(), w[2]!, D);
    expect(await blockCounts(w)).toEqual([0, 0, 0, 0]);
    await expect(D.get(0)).rejects.toMatchObject({ code: 'ERR_ARRAY_CLOSED', message: expect.stringMatching(/holds no block of DArray .*closed/) });
    D.finalize();
  });

  it('finalize of the only handle frees the blocks', async () => {
    const D = await dzeros([4, 4]);
    D.finalize();
    await noBlocksLeft(everyone());
    await expect(D.toArray()).rejects.toMatchObject({ code: 'ERR_REF_FINALIZED' });
  });
});

describe('reference counting', () => {
  it('a handle held by a worker keeps the blocks after the creator let go, until it lets go too', async () => {
    const D = await dfill(3, [6, 6]);
    await remotecallWait((D: sa.DArray) => void ((globalThis as G).kept = D), w[1]!, D);
    D.finalize();
    // The worker still reads it, from every owner.
    expect(await remotecallFetch(async () => (globalThis as G).kept!.sum(), w[1]!)).toBe(108);
    expect(await blockCounts(w)).toEqual([1, 1, 1, 1]);
    await remotecallWait(() => {
      (globalThis as G).kept!.finalize();
      (globalThis as G).kept = undefined;
    }, w[1]!);
    await noBlocksLeft(everyone(), 'the blocks to be freed once the worker finalized');
  });

  it('a handle sent back to its creator is the same object', async () => {
    const D = await dfill(4, [4]);
    const back = await remotecallFetch((D: sa.DArray) => D, w[0]!, D);
    expect(back).toBe(D);
    await D.close();
  });

  it('garbage collection of the last handle frees the blocks (creator side)', async () => {
    await (async () => {
      const D = await dfill(5, [100, 100]);
      expect(await D.get(99, 99)).toBe(5);
    })();
    expect((await blockCounts(w)).reduce((a, b) => a + b)).toBe(4);
    await waitFor(
      async () => {
        gc();
        return (await blockCounts(everyone())).every((n) => n === 0);
      },
      { what: 'a garbage-collected DArray to free its blocks' },
    );
  });

  it('garbage collection on a worker that held the last handle frees the blocks', async () => {
    await (async () => {
      const D = await dfill(6, [10]);
      await remotecallWait((D: sa.DArray) => void ((globalThis as G).kept = D), w[3]!, D);
      D.finalize();
    })();
    await remotecallWait(() => void ((globalThis as G).kept = undefined), w[3]!);
    await waitFor(
      async () => {
        await remotecallWait(() => (globalThis as G).gc!(), w[3]!);
        return (await blockCounts(everyone())).every((n) => n === 0);
      },
      { what: 'the worker to collect its handle and the blocks to be freed' },
    );
  });
});

describe('the seed pattern: init reads another DArray', () => {
  it('a block made on a worker reads its neighbours from the other owners', async () => {
    const D = await DArray.create((I) => [...I[0]!].map((i) => i * 10), [12]);
    // Each new block i holds D[i - 1] + D[i + 1] (cyclic), fetched inside init on its owner.
    const E = await DArray.create(
      sa.capture({ D }, async (I: sa.Range[]) => {
        const n = D.dims[0]!;
        const lo = I[0]!.start;
        const hi = I[0]!.stop;
        const left = await D.get((lo - 1 + n) % n);
        const right = await D.get(hi % n);
        const mid = await D.slice(I[0]!);
        const out = new Float64Array(mid.length);
        for (let k = 0; k < mid.length; k++) out[k] = (k === 0 ? left : mid[k - 1]!) + (k === mid.length - 1 ? right : mid[k + 1]!);
        return out;
      }),
      [12],
    );
    const want = Array.from({ length: 12 }, (_, i) => ((i + 11) % 12) * 10 + ((i + 1) % 12) * 10);
    expect(Array.from(await E.toArray())).toEqual(want);
    await Promise.all([D.close(), E.close()]);
  });
});

describe('processes that die', () => {
  it('an owner that dies: operations reject with ProcessExitedException naming the lost block', async () => {
    const dead = w[1]!;
    const D = await dfill(1, [8, 8], { procs: [w[0]!, dead, w[2]!, w[3]!], dist: [2, 2] });
    const ospid = await remotecallFetch(() => process.pid, dead);
    const out = captureOutput();
    try {
      process.kill(ospid, 'SIGKILL');
      await waitFor(() => gone(ospid) && !workers().includes(dead), { what: 'the worker to be gone' });
      expect(out.text()).toContain(`Worker ${dead} terminated.`);
    } finally {
      out.restore();
    }
    const lost = expect.objectContaining({
      name: 'ProcessExitedException',
      pid: dead,
      message: expect.stringMatching(new RegExp(`process ${dead} has exited \\(it owned block 1 of a 8×8 DArray, indices \\[range\\(4, 8\\), range\\(0, 4\\)\\]`)),
    });
    await expect(D.toArray()).rejects.toEqual(lost);
    await expect(D.get(5, 1)).rejects.toEqual(lost);
    await expect(D.sum()).rejects.toEqual(lost);
    await expect(D.map((x) => x)).rejects.toEqual(lost);
    await expect(D.forEachBlock(() => undefined)).rejects.toEqual(lost);
    // What it did not own still reads.
    expect(Array.from(await D.slice(range(0, 4), range(0, 8)))).toEqual(new Array(32).fill(1));
    // Reading it from another worker fails the same way, not with a hang.
    await expect(remotecallFetch((D: sa.DArray) => D.toArray(), w[0]!, D)).rejects.toMatchObject({ name: 'ProcessExitedException', pid: dead });
    // Close frees what is left, and a new array over the dead process is refused.
    await D.close();
    await noBlocksLeft(everyone());
    await expect(dzeros([4], { procs: [dead] })).rejects.toMatchObject({ code: 'ERR_NO_SUCH_PROCESS' });
  });

  it('a creator that dies: the other owners free its blocks', async () => {
    const creator = w[0]!;
    const others = w.filter((p) => p !== creator && workers().includes(p));
    await remotecallWait(
      sa.capture({ others }, async () => {
        (globalThis as G).kept = await dfill(7, [others.length * 2], { procs: others });
      }),
      creator,
    );
    expect(await blockCounts(others)).toEqual(others.map(() => 1));
    const ospid = await remotecallFetch(() => process.pid, creator);
    const out = captureOutput();
    try {
      process.kill(ospid, 'SIGKILL');
      await waitFor(() => gone(ospid) && out.text().includes(`Worker ${creator} terminated.`), { what: 'the creator to be gone' });
    } finally {
      out.restore();
    }
    await noBlocksLeft(others, 'the owners to free the dead creator’s blocks');
  });
});

describe('ProcessExitedException', () => {
  it('is the class users catch', () => {
    expect(new ProcessExitedException(9, 'detail').message).toBe('process 9 has exited (detail)');
  });
});
