// capture() across processes, as a time-stepping loop uses it: a new capture of the same code at
// every step sends its source once per worker and its handles once (the worker keeps its copy and
// later captures refer to it), the results are those of a serial loop, and a kept copy is let go
// once the master lets go of the handle. Shipped functions use only their arguments, captured
// values and package names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';
import { loadRefStore, released, stored } from './helpers/refs.js';
import { waitFor } from './helpers/wait.js';

const { capture, distributed, range, remotecall, remotecallFetch, SharedArray, myid } = sa;
const gc = (globalThis as unknown as { gc: () => void }).gc;

const ws = useWorkers(2, { execArgv: ['--expose-gc'] });

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
  it('arrive once per worker: every later capture sees the same object there', async () => {
    const w = ws[1]!;
    const S = await SharedArray.create('int32', [4]);
    const F = remotecall(() => 'the value', ws[0]!);
    try {
      const sameAsLast = (t: number) =>
        capture({ S, F, t }, () => {
          const g = globalThis as Record<string, unknown>;
          const same = g.lastS === S && g.lastF === F;
          g.lastS = S;
          g.lastF = F;
          S.data[0] = t;
          return same;
        });
      const seen: boolean[] = [];
      for (let t = 1; t <= 5; t++) seen.push(await remotecallFetch((g: () => boolean) => g(), w, sameAsLast(t)));
      expect(seen).toEqual([false, true, true, true, true]);
      expect(S.data[0]).toBe(5);
      expect(await remotecallFetch(capture({ F }, () => F.fetch()), w)).toBe('the value');
      await remotecallFetch(() => void delete (globalThis as Record<string, unknown>).lastF, w);
    } finally {
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
