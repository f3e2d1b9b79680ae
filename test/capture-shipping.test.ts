// capture() across processes, as a time-stepping loop uses it: a new capture of the same code at
// every step sends its source once per worker and its handles once (the worker keeps its copy and
// later captures refer to it), the results are those of a serial loop, and a kept copy is let go
// once the master lets go of the handle. A captured function a worker received keeps its values
// when it goes on (to the worker's threads, to another process), DArray operations ship their
// bodies the same way, and a message too large to send leaves no belief behind that its peer
// holds what it carried. Shipped functions use only their arguments, captured values and package
// names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { startFixture } from './helpers/child.js';
import { useWorkers } from './helpers/cluster.js';
import { loadRefStore, released, stored } from './helpers/refs.js';
import { waitFor } from './helpers/wait.js';

const { atomicAdd, capture, distribute, distributed, range, remotecall, remotecallFetch, SharedArray, myid, threads, threadid } = sa;
const gc = (globalThis as unknown as { gc: () => void }).gc;

// Two threads per worker: a body a worker received runs on its pool thread too.
const ws = useWorkers(2, { execArgv: ['--expose-gc'], env: { SHAREDARRAYS_NUM_THREADS: '2' } });

/** Bytes a worker has read so far (all its input arrives on its sockets). */
async function bytesRead(pid: number): Promise<() => number> {
  const ospid = await remotecallFetch(() => process.pid, pid);
  return () => Number(/rchar: (\d+)/.exec(readFileSync(`/proc/${ospid}/io`, 'utf8'))![1]);
}

describe('a distributed step per time step', () => {
  it("computes the seed's advection as a serial loop does", async () => {
    const [n1, n2, n3] = [5, 7, 40];
    const q = await SharedArray.create('float64', [n1, n2, n3]);
    const u = await SharedArray.create('float64', [n1, n2, n3]);
    try {
      for (let k = 0; k < u.length; k++) u.data[k] = ((k * 7) % 13) - 6;
      for (let k = 0; k < n1 * n2; k++) q.data[k] = k % 5;
      const expected = Float64Array.from(q.data);
      const plane = n1 * n2;
      for (let k = plane; k < expected.length; k++) expected[k] = expected[k - plane]! + u.data[k - plane]!;
      for (let t = 0; t < n3 - 1; t++) {
        await distributed(
          range(0, n2),
          capture({ q, u, t, n1 }, (j: number) => {
            const p = n1 * q.dims[1]!;
            const k0 = t * p + j * n1;
            for (let i = 0; i < n1; i++) q.data[k0 + i + p] = q.data[k0 + i]! + u.data[k0 + i]!;
          }),
        );
      }
      expect(Array.from(q.data)).toEqual(Array.from(expected));
    } finally {
      await q.close();
      await u.close();
    }
  });

  it("a step's source crosses once per worker, not once per step", async () => {
    const w = ws[0]!;
    const read = await bytesRead(w);
    // A body whose source text is large (a long string literal in it).
    const made = (t: number) =>
      capture({ t }, () => {
        const text = 'padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding';
        return text.length + t;
      });
    const size = made(0).toString().length; // the wrapper's; the body's source is at least as long
    expect(size).toBeGreaterThan(50);
    const before = read();
    const got: number[] = [];
    for (let t = 0; t < 40; t++) got.push(await remotecallFetch((g: () => number) => g(), w, made(t)));
    expect(got[39]! - got[0]!).toBe(39);
    // 40 calls with the text each time would read over 40 × 1.3 KB; once, plus 40 small calls.
    expect(read() - before).toBeLessThan(15_000);
  });
});

describe('handles in a capture', () => {
  it('arrive once per worker (a SharedArray, a view of it, a Future, a DArray): every later capture sees the same object there', async () => {
    const w = ws[1]!;
    const S = await SharedArray.create('int32', [4]);
    const V = S.view(range(1, 3));
    const F = remotecall(() => 'the value', ws[0]!);
    const D = await distribute(new Float64Array([1, 2, 3, 4]));
    try {
      const sameAsLast = (t: number) =>
        capture({ S, V, F, D, t }, () => {
          const g = globalThis as Record<string, unknown>;
          const same = g.lastS === S && g.lastV === V && g.lastF === F && g.lastD === D;
          Object.assign(g, { lastS: S, lastV: V, lastF: F, lastD: D });
          S.data[0] = t;
          V.set(0, t);
          return same;
        });
      const seen: boolean[] = [];
      for (let t = 1; t <= 5; t++) seen.push(await remotecallFetch((g: () => boolean) => g(), w, sameAsLast(t)));
      expect(seen).toEqual([false, true, true, true, true]);
      expect(S.data[0]).toBe(5);
      expect(S.data[1]).toBe(5);
      expect(await remotecallFetch(capture({ F }, () => F.fetch()), w)).toBe('the value');
      expect(await remotecallFetch(capture({ D }, () => D.sum()), w)).toBe(10);
      await remotecallFetch(() => {
        for (const k of ['lastS', 'lastV', 'lastF', 'lastD']) delete (globalThis as Record<string, unknown>)[k];
      }, w);
    } finally {
      await D.close();
      await S.close();
    }
  });

  it('a closed SharedArray is refused on the caller side, even where a worker kept a copy', async () => {
    const w = ws[0]!;
    const S = await SharedArray.create('float64', [3]);
    await remotecallFetch((g: () => number) => g(), w, capture({ S }, () => S.data.length));
    await S.close();
    expect(() => remotecall((g: () => number) => g(), w, capture({ S }, () => S.data.length))).toThrow(expect.objectContaining({ code: 'ERR_ARRAY_CLOSED' }));
  });

  it("a worker's kept copy goes once the master lets go of the handle: the owner frees the value", async () => {
    await loadRefStore();
    const [owner, keeper] = ws as [number, number];
    let F: sa.Future<string> | null = remotecall(() => 'kept', owner);
    await F.wait();
    const ref = { where: owner, rr: { ...(F as unknown as { rr: { whence: number; id: number } }).rr } };
    for (let t = 0; t < 3; t++) await remotecallFetch((g: () => number) => g(), keeper, capture({ F, t }, () => t));
    expect(await stored(ref)).toBe(true);
    F = null;
    // The master collects its Future (its own hold goes) and tells the keeper to forget its copy;
    // the keeper collects that copy (its hold goes): then the owner frees the value.
    await waitFor(
      async () => {
        gc();
        await remotecallFetch(() => (globalThis as unknown as { gc: () => void }).gc(), keeper);
        return !(await stored(ref));
      },
      { what: 'the owner to free a value only a kept copy held' },
    );
    await released(ref);
  });
});

describe('a captured function passed as an argument', () => {
  it('is kept by the worker from its second trip on: its plain data crosses at most twice', async () => {
    const w = ws[1]!;
    const read = await bytesRead(w);
    const big = 'b'.repeat(500_000);
    const g = capture({ big }, () => big.length + myid());
    const before = read();
    for (let k = 0; k < 6; k++) expect(await remotecallFetch((f: () => number) => f(), w, g)).toBe(500_000 + w);
    const bytes = read() - before;
    expect(bytes).toBeGreaterThan(1_000_000);
    expect(bytes).toBeLessThan(1_200_000);
  });
});

describe('a captured function a worker received', () => {
  it("runs on the worker's threads with its captured values: on its first trip, its second (kept) and later", async () => {
    const w = ws[0]!;
    const S = await SharedArray.create('float64', 8);
    const who = await SharedArray.create('int32', 8);
    try {
      const k = 3;
      const body = capture({ S, who, k }, (i: number) => {
        S.data[i] = i * k;
        who.data[i] = threadid();
      });
      for (let trip = 0; trip < 3; trip++) {
        S.data.fill(0);
        who.data.fill(0);
        await remotecallFetch((b: (i: number) => void) => threads.for(range(0, 8), b), w, body);
        expect(Array.from(S.data)).toEqual([0, 3, 6, 9, 12, 15, 18, 21]);
        // The main thread's chunk and the pool thread's: the pool thread rebuilt the body.
        expect([...new Set(who.data)].sort()).toEqual([1, 2]);
      }
    } finally {
      await S.close();
      await who.close();
    }
  });

  it('goes on to another worker and back to the master with its captured values', async () => {
    const [w, v] = ws as [number, number];
    const S = await SharedArray.create('float64', 2);
    try {
      const scale = 10;
      const mark = capture({ S, scale }, (i: number) => (S.data[i] = myid() * scale + i));
      const got = await remotecallFetch(
        (f: (i: number) => number, to: number[]) => Promise.all(to.map((pid, i) => remotecallFetch(f, pid, i))),
        w,
        mark,
        [v, 1],
      );
      expect(got).toEqual([v * 10, 11]);
      expect(Array.from(S.data)).toEqual([v * 10, 11]);
    } finally {
      await S.close();
    }
  });
});

describe('DArray operations', () => {
  it("a new capture of the same body per step: each owner computes with the step's values; a captured SharedArray arrives once per owner", async () => {
    const D = await distribute(Float64Array.from({ length: 12 }, (_, k) => k), { procs: [...ws] });
    const base = await SharedArray.create('int32', 1);
    const fresh = await SharedArray.create('int32', 1);
    try {
      for (let t = 1; t <= 4; t++) {
        base.data[0] = 100 * t;
        const M = await D.map(capture({ base, t }, (x: number) => x * t + base.data[0]!));
        expect(Array.from(await M.toArray())).toEqual(Array.from({ length: 12 }, (_, k) => k * t + 100 * t));
        await M.close();
        // Counts the owners that see a SharedArray object they had not seen before.
        await D.forEachBlock(
          capture({ base, fresh, t }, () => {
            const g = globalThis as Record<string, unknown>;
            if (g.lastBase !== base) atomicAdd(fresh, 0, 1);
            g.lastBase = base;
          }),
        );
      }
      expect(fresh.data[0]).toBe(2);
    } finally {
      await Promise.all(ws.map((w) => remotecallFetch(() => void delete (globalThis as Record<string, unknown>).lastBase, w)));
      await Promise.all([D.close(), base.close(), fresh.close()]);
    }
  });
});

describe('a message too large to send', () => {
  it('leaves no belief behind that the peer holds its template: the same code with small values works next (call and DArray operation)', async () => {
    // Its own cluster: the frame limit is read once per process, and every process must agree.
    const child = startFixture('capture-frame-limit.mjs', [], { env: { SHAREDARRAYS_MAX_FRAME: String(64 * 1024) } });
    expect(await child.line()).toBe('call ERR_FRAME_TOO_LARGE, then 3');
    expect(await child.line()).toBe('map ERR_FRAME_TOO_LARGE, then 3 4 5');
    expect(await child.exited).toEqual([0, null]);
  });
});
