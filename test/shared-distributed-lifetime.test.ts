// SharedArray across processes, lifetime: nothing in /dev/shm at any point, close and garbage
// collection on the creator release every participant's mapping, a crashed worker leaves the
// others' views valid, and kill -9 of the master leaves neither a file nor a worker behind.
// Mappings are observed in /proc/<ospid>/maps (an unlinked segment still shows there while mapped).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { captureOutput } from './helpers/output.js';
import { startFixture } from './helpers/child.js';
import { gone, waitFor } from './helpers/wait.js';

const { addprocs, remotecall, remotecallFetch, localindices, SharedArray } = sa;
type SA<D extends sa.DType> = sa.SharedArray<D>;
type G = Record<string, unknown>;

const gc = (globalThis as { gc?: () => void }).gc as () => void;
let ws: number[] = [];
const ospids = new Map<number, number>();
beforeAll(async () => {
  ws = await addprocs(3);
  for (const w of ws) ospids.set(w, await remotecallFetch(() => process.pid, w));
  ospids.set(1, process.pid);
});
afterAll(removeAllWorkers);

const linkedBy = (ospid: number): string[] => readdirSync('/dev/shm').filter((n) => n.startsWith(`sa${ospid}_`));
const linked = (): string[] => [...ospids.values()].flatMap(linkedBy);
/** The shared-memory segments an OS process maps (by inode: one segment may be mapped in pieces). */
const segments = (ospid: number): Set<string> => {
  const out = new Set<string>();
  for (const l of readFileSync(`/proc/${ospid}/maps`, 'utf8').split('\n')) {
    if (l.includes('/dev/shm/sa')) out.add(l.split(/\s+/)[4]!);
  }
  return out;
};
const counts = (pids: number[]): number[] => pids.map((p) => segments(ospids.get(p)!).size);
/** Descriptors of this process that still point at a shared-memory segment. */
const shmFds = (): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.includes('/dev/shm/sa') ? [target] : [];
    } catch {
      return [];
    }
  });

describe('nothing stays in /dev/shm', () => {
  it('after create resolves (the creator closed its sharing descriptor), and after close', async () => {
    const before = counts([1, ...ws]);
    const S = await SharedArray.create('float64', [20, 20, 20], { init: (A: SA<'float64'>) => A.data.fill(1, localindices(A).start, localindices(A).stop) });
    expect(linked()).toEqual([]);
    expect(shmFds()).toEqual([]);
    // Mapped in the creator and each participant, though its name is gone.
    expect(counts([1, ...ws])).toEqual(before.map((n) => n + 1));
    const other = await SharedArray.create('int32', 10, { pids: [ws[0]!] });
    expect(linked()).toEqual([]);
    expect(counts([1, ...ws])).toEqual([before[0]! + 2, before[1]! + 2, before[2]! + 1, before[3]! + 1]);
    await other.close();
    await S.close();
    expect(linked()).toEqual([]);
    expect(counts([1, ...ws])).toEqual(before);
  });
});

describe('close on the creator releases every participant', () => {
  it("unmaps everywhere; later use on a worker throws ERR_ARRAY_CLOSED", async () => {
    const before = counts([1, ...ws]);
    const S = await SharedArray.create('int32', [16, 16]);
    for (const w of ws) await remotecallFetch((A: unknown) => {
      (globalThis as G).__closing = A;
    }, w, S);
    await S.close();
    expect(S.isClosed).toBe(true);
    expect(() => S.get(0)).toThrow(expect.objectContaining({ code: 'ERR_ARRAY_CLOSED' }));
    expect(counts([1, ...ws])).toEqual(before);
    for (const w of ws) {
      const seen = await remotecallFetch(() => {
        const A = (globalThis as unknown as Record<string, SA<'int32'>>).__closing!;
        try {
          A.get(0, 0);
          return { closed: A.isClosed, code: 'none', message: '' };
        } catch (e) {
          return { closed: A.isClosed, code: (e as { code?: string }).code, message: (e as Error).message };
        }
      }, w);
      expect(seen.closed).toBe(true);
      expect(seen.code).toBe('ERR_ARRAY_CLOSED');
      expect(seen.message).toMatch(/16×16 SharedArray\{int32,2\} is closed/);
    }
    // close is idempotent.
    await S.close();
  });

  it("also closes a participant's reshape siblings of the array", async () => {
    const before = counts([1, ...ws]);
    const S = await SharedArray.create('float64', [4, 6]);
    const w = ws[1]!;
    // (Block bodies: a worker that returned its object would give the master one more to close.)
    await remotecallFetch((A: SA<'float64'>) => {
      (globalThis as G).__sibling = A.reshape(24);
    }, w, S);
    const R = S.reshape([6, 4]);
    await remotecallFetch((A: unknown) => {
      (globalThis as G).__arrivedReshape = A;
    }, w, R);
    // The creator releases once its last open object of the array is closed.
    await S.close();
    expect(await remotecallFetch(() => (globalThis as unknown as Record<string, SA<'float64'>>).__sibling!.isClosed, w)).toBe(false);
    await R.close();
    expect(
      await remotecallFetch(() => [(globalThis as unknown as Record<string, SA<'float64'>>).__sibling!.isClosed, (globalThis as unknown as Record<string, SA<'float64'>>).__arrivedReshape!.isClosed], w),
    ).toEqual([true, true]);
    expect(counts([1, ...ws])).toEqual(before);
  });
});

describe('a crashed worker (SIGKILL mid-use)', () => {
  it("leaves the other participants' views valid", async () => {
    // A worker of its own, so that the others of this file survive.
    const [victim] = await addprocs(1);
    const victimOs = await remotecallFetch(() => process.pid, victim!);
    const S = await SharedArray.create('int32', 1024, { pids: [ws[0]!, ws[1]!, victim!] });
    // The victim writes continuously until it dies.
    const busy = remotecall(async (A: SA<'int32'>) => {
      for (;;) {
        for (const i of localindices(A)) A.data[i]!++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }, victim!, S);
    const mine = S.pids.indexOf(victim!);
    await waitFor(() => S.data[1023]! > 3, { what: 'the victim to write' });
    expect(mine).toBe(2);
    const out = captureOutput();
    try {
      process.kill(victimOs, 'SIGKILL');
      await expect(busy.fetch()).rejects.toBeInstanceOf(sa.ProcessExitedException);
      await waitFor(() => gone(victimOs) && out.text().includes(`Worker ${victim} terminated.`), { what: 'the victim to die' });
    } finally {
      out.restore();
    }
    // The master and another participant still read and write, and see each other.
    S.set(0, 41);
    expect(await remotecallFetch((A: SA<'int32'>) => A.get(0) + 1, ws[0]!, S)).toBe(42);
    await remotecallFetch((A: SA<'int32'>) => A.set(1, -7), ws[1]!, S);
    expect(S.get(1)).toBe(-7);
    expect(await remotecallFetch((A: SA<'int32'>) => [A.get(1), A.get(1023) > 3], ws[0]!, S)).toEqual([-7, true]);
    // Closing with a dead participant still releases the living ones.
    const before = counts([ws[0]!, ws[1]!]);
    await S.close();
    expect(counts([ws[0]!, ws[1]!])).toEqual(before.map((n) => n - 1));
    expect(linked()).toEqual([]);
  });
});

describe('garbage collection on the creator (the seed: "Shared Arrays and Distributed Garbage Collection")', () => {
  it('an array dropped without close is released on every participant once collected', async () => {
    expect(typeof gc).toBe('function');
    const w = ws[2]!;
    const before = counts([1, ...ws]);
    await (async () => {
      const S = await SharedArray.create('float64', 4096, { init: (A: SA<'float64'>) => A.data.fill(3, localindices(A).start, localindices(A).stop) });
      // The worker keeps its object (the cached one) in a global: only the creator can release it.
      await remotecallFetch((A: unknown) => {
      (globalThis as G).__collected = A;
    }, w, S);
    })();
    expect(counts([1, ...ws])).toEqual(before.map((n) => n + 1));
    const closedOnWorker = (): Promise<boolean> => remotecallFetch(() => (globalThis as unknown as Record<string, SA<'float64'>>).__collected!.isClosed, w);
    expect(await closedOnWorker()).toBe(false);
    await waitFor(
      async () => {
        gc();
        return closedOnWorker();
      },
      { what: "the worker's object to be closed after the creator's was collected" },
    );
    await waitFor(
      () => {
        gc();
        return counts([1, ...ws]).every((n, k) => n === before[k]);
      },
      { what: `every mapping to go (before ${before.join()}, now ${counts([1, ...ws]).join()})` },
    );
  });
});

describe('kill -9 of the master', () => {
  // One fixture run per case: a master with 2 workers and a 256 MiB array whose init runs on both.
  async function killMaster(mode: 'hang' | 'finish'): Promise<void> {
    const child = startFixture('shared-dist-master.mjs', ['256', mode]);
    try {
      const [, master, ...workerOs] = (await child.line()).split(' ').map(Number);
      expect(workerOs).toHaveLength(2);
      expect(await child.line()).toBe('init-started');
      if (mode === 'finish') expect(await child.line()).toBe('created');
      expect(linkedBy(master!)).toEqual([]);
      // Both workers map the array at this point: its two parts, one made by each (shared/parts.ts).
      for (const os of workerOs) expect(segments(os!).size).toBe(2);
      process.kill(master!, 'SIGKILL');
      const [, signal] = await child.exited;
      expect(signal).toBe('SIGKILL');
      await waitFor(() => workerOs.every((os) => gone(os!)), { what: 'both workers to exit after their master' });
      expect(linkedBy(master!)).toEqual([]);
      for (const os of workerOs) expect(linkedBy(os!)).toEqual([]);
    } finally {
      child.proc.kill('SIGKILL');
    }
  }

  it('while create is running (inits still busy): no file in /dev/shm, no worker alive', async () => {
    await killMaster('hang');
  });

  it('after create resolved: no file in /dev/shm, no worker alive', async () => {
    await killMaster('finish');
  });
});
