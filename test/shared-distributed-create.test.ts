// SharedArray across processes, creation: participants, parallel init, the split rule computed on
// each worker, cross-process visibility, errors that leave nothing. Functions shipped to workers
// travel as source text: they only use names destructured from `sa` (which vitest leaves alone) or
// names passed with capture().
import { readdirSync, readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';

const { addprocs, rmprocs, myid, remotecallFetch, remotecallWait, capture, localindices, indexpids, procs, SharedArray, RemoteChannel, Channel, RemoteException } = sa;
type SA<D extends sa.DType> = sa.SharedArray<D>;

let ws: number[] = [];
let removed = 0;
const ospids = new Map<number, number>();
beforeAll(async () => {
  const all = await addprocs(4);
  removed = all[3]!;
  await rmprocs(removed);
  ws = all.slice(0, 3);
  for (const w of ws) ospids.set(w, await remotecallFetch(() => process.pid, w));
  ospids.set(1, process.pid);
});
afterAll(removeAllWorkers);

/** Segment names of our processes still linked in /dev/shm (there never should be any). */
const linked = (): string[] => {
  const prefixes = [...ospids.values()].map((p) => `sa${p}_`);
  return readdirSync('/dev/shm').filter((n) => prefixes.some((p) => n.startsWith(p)));
};
/** Shared-memory mappings an OS process holds (deleted segments still show in its maps). */
const shmMappings = (ospid: number): number =>
  readFileSync(`/proc/${ospid}/maps`, 'utf8')
    .split('\n')
    .filter((l) => l.includes('/dev/shm/sa')).length;
const allMappings = (): Map<number, number> => new Map([...ospids].map(([pid, os]) => [pid, shmMappings(os)]));

type Coded = Error & { code?: string; cause?: Error & { code?: string } };
async function rejection(p: Promise<unknown>): Promise<Coded> {
  try {
    await p;
  } catch (e) {
    return e as Coded;
  }
  throw new Error('expected a rejection');
}

describe('participants', () => {
  it('default participants are the workers; the creator maps but does not participate', async () => {
    const ran = await RemoteChannel.create<number>(() => new Channel(16));
    const S = await SharedArray.create('int32', 10, {
      init: capture({ ran }, async (A: SA<'int32'>) => {
        for (const i of localindices(A)) A.data[i] = myid();
        await ran.put(myid());
      }),
    });
    expect(S.pids).toEqual(ws);
    expect(procs(S)).toEqual(ws);
    expect(indexpids(S)).toBe(-1);
    expect(localindices(S).length).toBe(0);
    expect(S.isMapped).toBe(true);
    expect(S.data.length).toBe(S.length);
    expect(S.get(0)).toBe(ws[0]);
    expect([...S.data]).toEqual([ws[0], ws[0], ws[0], ws[1], ws[1], ws[1], ws[2], ws[2], ws[2], ws[2]]);
    // init ran once on each worker, never on the master.
    const got: number[] = [];
    while (await ran.isready()) got.push(await ran.take());
    expect(got.sort()).toEqual(ws);
    await S.close();
  });

  it('explicit pids may include the master; init then runs there too', async () => {
    const w = ws[1]!;
    const d = await SharedArray.create('float64', [10, 10], {
      pids: [1, w],
      init: (A: SA<'float64'>) => {
        for (const i of localindices(A)) A.data[i] = myid();
      },
    });
    expect(procs(d)).toEqual([1, w]);
    expect(indexpids(d)).toBe(0);
    expect(localindices(d).toString()).toBe('range(0, 50)');
    expect(d.data.reduce((a, b) => a + b, 0)).toBe(50 * 1 + 50 * w);
    expect(await remotecallFetch((A: SA<'float64'>) => A.data.reduce((a, b) => a + b, 0), w, d)).toBe(50 * 1 + 50 * w);
    // A worker that is not among the pids sees the array unmapped.
    expect(await remotecallFetch((A: SA<'float64'>) => [A.isMapped, indexpids(A)], ws[0]!, d)).toEqual([false, -1]);
    await d.close();
  });

  it('the creator may be absent from explicit pids and still maps the array', async () => {
    const S = await SharedArray.create('uint8', 4, { pids: [ws[2]!], init: (A: SA<'uint8'>) => A.data.fill(9) });
    expect(indexpids(S)).toBe(-1);
    expect(S.isMapped).toBe(true);
    expect([...S.data]).toEqual([9, 9, 9, 9]);
    await S.close();
  });
  it('created on a worker: the default participants are all the workers, the creator among them', async () => {
    const [pids, data] = await remotecallFetch(async () => {
      const A = await SharedArray.create('int32', 9, {
        init: (B: SA<'int32'>) => {
          for (const i of localindices(B)) B.data[i] = myid();
        },
      });
      const out: [number[], number[]] = [[...A.pids], [...A.data]];
      await A.close();
      return out;
    }, ws[1]!);
    expect(pids).toEqual(ws);
    expect(data).toEqual(ws.flatMap((w) => [w, w, w]));
    expect(linked()).toEqual([]);
  });
});

describe('init', () => {
  it('runs on every participant in parallel, and create resolves after all finished', async () => {
    // A barrier in shared memory: each init arrives, then waits for all the others. Run one
    // after another, the first would wait forever (here: fail at its deadline, naming why).
    const barrier = await SharedArray.create('int32', 1, { pids: [1, ...ws] });
    const n = ws.length + 1;
    const S = await SharedArray.create('int32', 8, {
      pids: [1, ...ws],
      init: capture({ barrier, n }, async (A: SA<'int32'>) => {
        Atomics.add(barrier.data, 0, 1);
        const deadline = Date.now() + 20_000;
        while (Atomics.load(barrier.data, 0) < n) {
          if (Date.now() > deadline) throw new Error(`barrier: only ${Atomics.load(barrier.data, 0)} of ${n} inits arrived`);
          await new Promise((resolve) => setImmediate(resolve));
        }
        // More asynchronous work after the barrier: create must wait for it too.
        for (let k = 0; k < 20; k++) await new Promise((resolve) => setImmediate(resolve));
        A.data[indexpids(A)] = myid();
      }),
    });
    expect(barrier.data[0]).toBe(n);
    expect([...S.data.subarray(0, n)]).toEqual([1, ...ws]);
    await S.close();
    await barrier.close();
  });

  it('an init that throws on a worker rejects create with that error and leaves nothing behind', async () => {
    const before = allMappings();
    const bad = ws[1]!;
    const e = await rejection(
      SharedArray.create('float64', 65536, {
        init: capture({ bad }, (A: SA<'float64'>) => {
          // Keep this worker's object: after the failure it must be closed by the creator.
          (globalThis as Record<string, unknown>).__failedInit = A;
          if (myid() === bad) throw new Error(`init failed on ${myid()}`);
          A.data.fill(1);
        }),
      }),
    );
    expect(e).toBeInstanceOf(RemoteException);
    expect((e as sa.RemoteException).pid).toBe(bad);
    expect(e.cause?.message).toBe(`init failed on ${bad}`);
    expect(linked()).toEqual([]);
    for (const w of ws) {
      expect(await remotecallFetch(() => (globalThis as unknown as Record<string, { isClosed: boolean }>).__failedInit!.isClosed, w)).toBe(true);
    }
    // Every mapping is gone: the creator's and each participant's.
    expect(allMappings()).toEqual(before);
  });

  it('an init that throws on the master (a participant) rejects with the error itself', async () => {
    const before = allMappings();
    const e = await rejection(
      SharedArray.create('int16', 64, {
        pids: [1, ws[0]!],
        init: () => {
          if (myid() === 1) throw new RangeError('master init failed');
        },
      }),
    );
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('master init failed');
    expect(linked()).toEqual([]);
    expect(allMappings()).toEqual(before);
  });
});

describe('localindices and indexpids, computed on each worker', () => {
  const onEach = async (S: SA<sa.DType>): Promise<[number, number, number][]> =>
    Promise.all(
      S.pids.map((p) =>
        remotecallFetch((A: SA<sa.DType>) => {
          const r = localindices(A);
          return [indexpids(A), r.length === 0 ? 0 : r.start, r.length === 0 ? 0 : r.stop] as [number, number, number];
        }, p, S),
      ),
    );

  it('11 elements over 3 participants: [0,3) [3,6) [6,11)', async () => {
    const S = await SharedArray.create('float64', 11);
    expect(await onEach(S)).toEqual([
      [0, 0, 3],
      [1, 3, 6],
      [2, 6, 11],
    ]);
    await S.close();
  });

  it('2 elements over 4 participants: [0,1) [1,2), then nothing', async () => {
    const S = await SharedArray.create('int8', 2, { pids: [ws[2]!, 1, ws[0]!, ws[1]!] });
    const got = await onEach(S);
    expect(got).toEqual([
      [0, 0, 1],
      [1, 1, 2],
      [2, 0, 0],
      [3, 0, 0],
    ]);
    // The union of the chunks covers every index exactly once (here with the master's own view).
    expect(localindices(S).toString()).toBe('range(1, 2)');
    await S.close();
  });

  it('every index covered exactly once, each chunk holding its participant', async () => {
    const S = await SharedArray.create('int32', [7, 5, 3], {
      init: (A: SA<'int32'>) => {
        for (const i of localindices(A)) A.data[i]! += myid();
      },
    });
    const counts = new Map<number, number>();
    for (const v of S.data) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect(counts).toEqual(new Map([[ws[0]!, 35], [ws[1]!, 35], [ws[2]!, 35]]));
    // Sum of the per-participant partial sums equals the whole.
    const partial = await Promise.all(
      S.pids.map((p) => remotecallFetch((A: SA<'int32'>) => localindices(A).toArray().reduce((s, i) => s + A.data[i]!, 0), p, S)),
    );
    expect(partial.reduce((a, b) => a + b, 0)).toBe(S.data.reduce((a, b) => a + b, 0));
    await S.close();
  });
});

describe('writes are visible in every process', () => {
  it('master writes, workers read; a worker writes, the master and another worker read', async () => {
    const S = await SharedArray.create('float64', [4, 5]);
    const [a, b] = [ws[0]!, ws[2]!];
    S.set(0, 0, 1.5);
    for (const w of ws) expect(await remotecallFetch((A: SA<'float64'>) => A.get(0, 0), w, S)).toBe(1.5);
    expect(
      await remotecallFetch((A: SA<'float64'>) => {
        A.set(3, 4, -2.25);
        return A.get(3, 4);
      }, a, S),
    ).toBe(-2.25);
    expect(S.get(3, 4)).toBe(-2.25);
    expect(S.data[19]).toBe(-2.25);
    expect(await remotecallFetch((A: SA<'float64'>) => A.data[A.index(3, 4)], b, S)).toBe(-2.25);
    await S.close();
  });

  it('fewer elements than participants: every participant reads the whole array', async () => {
    const S = await SharedArray.create('float64', 2, { pids: [1, ws[0]!], init: (A: SA<'float64'>) => A.data.fill(2.0) });
    expect(await remotecallFetch((A: SA<'float64'>) => A.get(1), ws[0]!, S)).toBe(2.0);
    await S.close();
    const one = await SharedArray.create('float64', 1, { pids: [1, ws[0]!], init: (A: SA<'float64'>) => A.data.fill(3.0) });
    expect(await remotecallFetch((A: SA<'float64'>) => A.get(0), ws[0]!, one)).toBe(3.0);
    await one.close();
  });

  it('bigint arrays travel and share too', async () => {
    const S = await SharedArray.create('bigint64', 3, { init: (A: SA<'bigint64'>) => A.data.fill(BigInt(myid()) << 40n, localindices(A).start, localindices(A).stop) });
    expect([...S.data]).toEqual(ws.map((w) => BigInt(w) << 40n));
    await S.close();
  });
});

describe("the seed's examples (3 workers: pids 2, 3, 4)", () => {
  it('init with localindices, then S[3,2] = 7 (0-based: set(2, 1, 7))', async () => {
    const S = await SharedArray.create('int32', [3, 4], {
      init: (A: SA<'int32'>) => {
        const r = localindices(A);
        A.data.fill(myid(), r.start, r.stop);
      },
    });
    const p = ws;
    expect(inspect(S).split('\n')).toEqual([
      '3×4 SharedArray{int32,2}:',
      ` ${p[0]}  ${p[0]}  ${p[1]}  ${p[2]}`,
      ` ${p[0]}  ${p[1]}  ${p[1]}  ${p[2]}`,
      ` ${p[0]}  ${p[1]}  ${p[2]}  ${p[2]}`,
    ]);
    if (p.join() === '2,3,4') {
      expect(inspect(S).split('\n').slice(1)).toEqual([' 2  2  3  4', ' 2  3  3  4', ' 2  3  4  4']);
    }
    S.set(2, 1, 7);
    for (const w of ws) expect(await remotecallFetch((A: SA<'int32'>) => A.get(2, 1), w, S)).toBe(7);
    expect(inspect(S).split('\n')[3]).toBe(` ${p[0]}  7  ${p[2]}  ${p[2]}`);
    await S.close();
  });

  it('the indexpids stride: row k holds participant k', async () => {
    const S = await SharedArray.create('int32', [3, 4], {
      init: (A: SA<'int32'>) => {
        for (let i = indexpids(A); i < A.length; i += procs(A).length) A.data[i] = myid();
      },
    });
    expect(inspect(S).split('\n').slice(1)).toEqual(ws.map((w) => ` ${w}  ${w}  ${w}  ${w}`));
    await S.close();
  });

  it("the warning case: every participant fills the whole array with its pid, in parallel", async () => {
    const S = await SharedArray.create('int32', [3, 4]);
    await Promise.all(procs(S).map((p) => remotecallWait((A: SA<'int32'>, v: number) => A.data.fill(v), p, S, p)));
    for (const v of S.data) expect(ws).toContain(v);
    await S.close();
  });
});

describe('bad input leaves nothing in /dev/shm', () => {
  const fail = async (p: () => Promise<unknown>, type: ErrorConstructor, code: string, message?: RegExp): Promise<void> => {
    const before = allMappings();
    let caught: unknown;
    try {
      await p();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(type);
    expect((caught as { code?: string }).code).toBe(code);
    if (message) expect((caught as Error).message).toMatch(message);
    expect(linked()).toEqual([]);
    expect(allMappings()).toEqual(before);
  };

  it('participants that are not live processes: an unknown pid, a removed pid', async () => {
    await fail(() => SharedArray.create('float64', 10, { pids: [ws[0]!, 999] }), RangeError, 'ERR_NO_SUCH_PROCESS', /process 999/);
    await fail(() => SharedArray.create('float64', 10, { pids: [removed] }), RangeError, 'ERR_NO_SUCH_PROCESS', new RegExp(`process ${removed}`));
    await fail(() => SharedArray.fromFile('/tmp/never-created.bin', 'int32', 4, { pids: [removed] }), RangeError, 'ERR_NO_SUCH_PROCESS');
  });

  it('duplicate or malformed pids', async () => {
    await fail(() => SharedArray.create('float64', 10, { pids: [ws[0]!, ws[0]!] }), TypeError, 'ERR_INVALID_ARG', /repeat/);
    await fail(() => SharedArray.create('float64', 10, { pids: [1.5] }), TypeError, 'ERR_INVALID_ARG');
    await fail(() => SharedArray.create('float64', 10, { pids: 'all' as unknown as number[] }), TypeError, 'ERR_INVALID_ARG');
  });

  it('dtype and dims errors', async () => {
    await fail(() => SharedArray.create('float128' as 'float64', 10, { pids: ws }), TypeError, 'ERR_INVALID_DTYPE', /float128/);
    await fail(() => SharedArray.create('float64', [3, -1]), RangeError, 'ERR_INVALID_DIMS');
    await fail(() => SharedArray.create('float64', [2.5]), RangeError, 'ERR_INVALID_DIMS');
    await fail(() => SharedArray.create('float64', 'ten' as unknown as number), TypeError, 'ERR_INVALID_DIMS');
    await fail(() => SharedArray.create('float64', []), RangeError, 'ERR_INVALID_DIMS');
  });

  it('init that is not a function', async () => {
    await fail(() => SharedArray.create('float64', 10, { init: 42 as unknown as () => void }), TypeError, 'ERR_INVALID_ARG', /init must be a function/);
  });

  it('zero-length arrays travel without any segment', async () => {
    const before = allMappings();
    const S = await SharedArray.create('float64', [0, 3], { init: (A: SA<'float64'>) => A.length });
    expect(allMappings()).toEqual(before);
    expect(await remotecallFetch((A: SA<'float64'>) => [A.length, A.dims, A.isMapped, localindices(A).length], ws[0]!, S)).toEqual([0, [0, 3], true, 0]);
    await S.close();
  });
});
