// A large SharedArray over several participants is made of parts, one per participant, each
// reserved by its participant and mapped side by side in every process: still one buffer, the
// same values everywhere, threads included; no part's descriptor stays open once create resolved;
// a part that cannot be made, or an init that fails, leaves nothing; too little /dev/shm fails
// before any part exists; a create whose call is interrupted stops sharing what it made (parts, or
// its one segment). Functions shipped to workers use only their arguments, captured values and
// package names.
// Read at the first threads.for: the pool threads that map the array a second time.
process.env.SHAREDARRAYS_NUM_THREADS = '3';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { rejection } from './helpers/rejection.js';
import { waitFor } from './helpers/wait.js';
import { isRoot, needsRoot } from './helpers/root.js';

const { addprocs, capture, Channel, interrupt, localindices, myid, put, range, remotecallFetch, RemoteChannel, SharedArray, take, threads, threadid, RemoteException } = sa;
type SA = sa.SharedArray<'float64'>;

const MiB = 2 ** 20;
let ws: number[] = [];
const ospids = new Map<number, number>();
beforeAll(async () => {
  ws = await addprocs(3);
  for (const w of ws) ospids.set(w, await remotecallFetch(() => process.pid, w));
  ospids.set(1, process.pid);
});
afterAll(removeAllWorkers);

/** The shared-memory mappings of an OS process, as [start, end) address pairs (deleted segments still show in its maps). */
const shmMappings = (ospid: number): [bigint, bigint][] =>
  readFileSync(`/proc/${ospid}/maps`, 'utf8')
    .split('\n')
    .filter((l) => l.includes('/dev/shm/sa'))
    .map((l) => l.split(' ')[0]!.split('-').map((h) => BigInt(`0x${h}`)) as [bigint, bigint]);
/** Descriptors of segments an OS process holds open. */
const openSegments = (ospid: number): string[] =>
  readdirSync(`/proc/${ospid}/fd`)
    .map((f) => {
      try {
        return readlinkSync(`/proc/${ospid}/fd/${f}`);
      } catch {
        return '';
      }
    })
    .filter((l) => l.startsWith('/dev/shm/'));
const allOpen = (): string[] => [...ospids.values()].flatMap(openSegments);
const mappingCounts = (): number[] => [...ospids.values()].map((p) => shmMappings(p).length);

/**
 * Worker `creator` starts creating a float64 array of `bytes` over [creator, waiter]; resolves
 * once `waiter`'s init is running, held there until a value is put on `gate`.
 */
async function createHeldInInit(creator: number, waiter: number, bytes: number) {
  const log = await RemoteChannel.create<string>(() => new Channel<string>(4));
  const gate = await RemoteChannel.create<number>(() => new Channel<number>(1));
  const creating = remotecallFetch(
    capture({ log, gate, waiter }, (n: number, pids: number[]) =>
      SharedArray.create('float64', n, {
        pids,
        init: capture({ log, gate, waiter }, async () => {
          if (myid() !== waiter) return;
          await put(log, 'in init');
          await take(gate);
        }),
      }).then(() => 'made'),
    ),
    creator,
    bytes / 8,
    [creator, waiter],
  );
  expect(await take(log)).toBe('in init');
  return { log, gate, creating };
}

const fill = (S: SA): void => {
  const d = S.data;
  for (const i of localindices(S)) d[i] = i * 0.5 + myid();
};

describe('an array in parts', () => {
  it('one part per participant, side by side in every process: one buffer, the same values everywhere', async () => {
    const before = mappingCounts();
    const length = (24 * MiB) / 8 + 5;
    const S = await SharedArray.create('float64', length, { init: fill });
    try {
      expect(allOpen()).toEqual([]);
      // Three parts mapped in each of the four processes, next to each other.
      for (const os of ospids.values()) {
        const added = shmMappings(os).slice(-3);
        expect(added.length).toBe(3);
        expect(added[1]![0]).toBe(added[0]![1]);
        expect(added[2]![0]).toBe(added[1]![1]);
      }
      expect(mappingCounts()).toEqual(before.map((n) => n + 3));
      // Each participant's part starts where its localindices start, on a 64 KiB boundary.
      const sizes = shmMappings(process.pid)
        .slice(-3)
        .map(([a, b]) => Number(b - a));
      const start = (k: number): number => Math.floor((Math.floor(length / 3) * k * 8) / 65536) * 65536;
      expect(sizes.slice(0, 2)).toEqual([start(1) - start(0), start(2) - start(1)]);
      expect(sizes[2]).toBe(Math.ceil((length * 8 - start(2)) / 4096) * 4096);
      // Every process reads what every participant wrote, across the part boundaries.
      const at = (i: number): number => i * 0.5 + S.pids[Math.min(2, Math.floor(i / Math.floor(length / 3)))]!;
      const probes = [0, start(1) / 8 - 1, start(1) / 8, start(2) / 8 - 1, start(2) / 8, length - 1];
      for (const i of probes) expect(S.data[i]).toBe(at(i));
      for (const w of ws) expect(await remotecallFetch((A: SA, is: number[]) => is.map((i) => A.data[i]), w, S, probes)).toEqual(probes.map(at));
      // A write anywhere is seen everywhere.
      await remotecallFetch((A: SA, i: number) => void (A.data[i] = -1), ws[0]!, S, start(2) / 8);
      expect(S.data[start(2) / 8]).toBe(-1);
    } finally {
      await S.close();
    }
    expect(mappingCounts()).toEqual(before);
    expect(allOpen()).toEqual([]);
  });

  it('with the master among the participants, it makes its own part', async () => {
    const before = mappingCounts();
    const S = await SharedArray.create('float64', (20 * MiB) / 8, { pids: [1, ws[0]!], init: fill });
    try {
      expect(shmMappings(process.pid).length).toBe(before[before.length - 1]! + 2);
      expect(S.data[0]).toBe(1);
      expect(S.data[S.length - 1]).toBe((S.length - 1) * 0.5 + ws[0]!);
      expect(allOpen()).toEqual([]);
    } finally {
      await S.close();
    }
    expect(mappingCounts()).toEqual(before);
  });

  it("threads see the whole array: a second mapping, made part by part", async () => {
    const S = await SharedArray.create('float64', (24 * MiB) / 8);
    const before = shmMappings(process.pid).length;
    try {
      const n = S.length;
      const who = await SharedArray.create('int32', 4, { pids: [1] });
      // Each thread writes a stretch that crosses the parts' boundaries.
      await threads.for(range(0, 4), capture({ S, n, who }, (k: number) => {
        who.data[k] = threadid();
        for (let i = Math.floor((k * n) / 4); i < Math.floor(((k + 1) * n) / 4); i += 4096) S.data[i] = k + 1;
      }));
      expect(new Set(who.data).size).toBe(3);
      await who.close();
      // The threads' mapping: the three parts once more.
      expect(shmMappings(process.pid).length).toBe(before + 3);
      const expected = [...range(0, n, 4096)].map((i) => Math.floor((i * 4) / n) + 1);
      expect([...range(0, n, 4096)].map((i) => S.data[i])).toEqual(expected);
      expect(await remotecallFetch((A: SA) => Array.from({ length: Math.ceil(A.length / 4096) }, (_, j) => A.data[j * 4096]), ws[1]!, S)).toEqual(expected);
    } finally {
      await S.close();
    }
    // Closing lets go of both mappings (the threads' pages are swapped for private ones).
    expect(shmMappings(process.pid).length).toBe(before - 3);
  });

  it('an init that fails on one participant leaves nothing: every part is let go', async () => {
    const before = mappingCounts();
    const bad = ws[2]!;
    const e = await rejection(
      SharedArray.create('float64', (24 * MiB) / 8, {
        init: capture({ bad }, () => {
          if (myid() === bad) throw new Error(`init failed on ${myid()}`);
        }),
      }),
    );
    expect(e).toBeInstanceOf(RemoteException);
    expect((e as sa.RemoteException).cause.message).toBe(`init failed on ${bad}`);
    expect(mappingCounts()).toEqual(before);
    expect(allOpen()).toEqual([]);
  });

  it('a part that cannot be made (its participant out of descriptors) fails create; the parts made are let go', async () => {
    const before = mappingCounts();
    const starved = ws[1]!;
    // Hold every descriptor the worker may open, so that its part cannot be created.
    const held = await remotecallFetch(() => {
      const fs = process.getBuiltinModule('node:fs');
      const fds: number[] = [];
      try {
        for (;;) fds.push(fs.openSync('/dev/null', 'r'));
      } catch {
        (globalThis as Record<string, unknown>).heldFds = fds;
      }
      return fds.length;
    }, starved);
    expect(held).toBeGreaterThan(0);
    let e: unknown;
    try {
      e = await rejection(SharedArray.create('float64', (24 * MiB) / 8));
    } finally {
      await remotecallFetch(() => {
        const fs = process.getBuiltinModule('node:fs');
        for (const fd of (globalThis as unknown as { heldFds: number[] }).heldFds) fs.closeSync(fd);
      }, starved);
    }
    expect(e).toBeInstanceOf(RemoteException);
    expect((e as sa.RemoteException).pid).toBe(starved);
    expect(((e as sa.RemoteException).cause as Error & { code?: string }).code).toBe('EMFILE');
    expect(allOpen()).toEqual([]);
    expect(mappingCounts()).toEqual(before);
    // And the cluster goes on: the same array works now.
    const S = await SharedArray.create('float64', (24 * MiB) / 8, { init: fill });
    expect(S.data[S.length - 1]).toBe((S.length - 1) * 0.5 + ws[2]!);
    await S.close();
  });

  it("the creator's own part that cannot be made (the master out of descriptors) fails create; the parts made are let go", async () => {
    const before = mappingCounts();
    // The worker's part is asked for first; the master's own part then fails synchronously
    // (shm_open: EMFILE) while the worker's is being made.
    const fds: number[] = [];
    let creating: Promise<unknown>;
    try {
      try {
        for (;;) fds.push(openSync('/dev/null', 'r'));
      } catch {
        // Every descriptor this process may open is held.
      }
      creating = SharedArray.create('float64', (20 * MiB) / 8, { pids: [ws[0]!, 1] });
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    expect(fds.length).toBeGreaterThan(0);
    const e = await rejection(creating);
    expect((e as Error & { code?: string }).code).toBe('EMFILE');
    // create has failed only once the worker's part is closed there.
    expect(allOpen()).toEqual([]);
    expect(mappingCounts()).toEqual(before);
  });

  it('small arrays stay one segment', async () => {
    const before = mappingCounts();
    const S = await SharedArray.create('float64', (8 * MiB) / 8);
    expect(shmMappings(process.pid).length).toBe(before[before.length - 1]! + 1);
    await S.close();
  });
});

describe('a create interrupted on its creator', () => {
  // The creator (a worker) is interrupted while a participant's init waits: the creating call's
  // code never runs again, so what it shared must be let go by the interrupt's cleanup.
  for (const [what, bytes] of [
    ['in parts', 24 * MiB],
    ['in one segment', MiB],
  ] as const) {
    it(`stops sharing what it made (${what}): no descriptor stays open`, async () => {
      const [w, waiter] = ws as [number, number];
      const { log, gate, creating } = await createHeldInInit(w, waiter, bytes);
      expect(openSegments(ospids.get(w)!).length).toBeGreaterThan(0);
      await interrupt(w);
      await expect(creating).rejects.toMatchObject({ pid: w, cause: { code: 'ERR_INTERRUPTED' } });
      await put(gate, 1);
      await waitFor(() => allOpen().length === 0, { what: 'every participant to close what the interrupted create shared' });
      log.finalize();
      gate.finalize();
    });
  }
});

describe('a creator lost while it shares parts', () => {
  // The creator (a worker) dies after its participants made their parts and before it says stop:
  // nobody will, so each participant closes the parts it made for it once it learns of the death.
  it('each participant closes the parts it made for the dead creator: no descriptor stays open', async () => {
    const [w, waiter] = ws as [number, number];
    const { log, gate, creating } = await createHeldInInit(w, waiter, 24 * MiB);
    const waiterOs = ospids.get(waiter)!;
    expect(openSegments(waiterOs).length).toBeGreaterThan(0);
    process.kill(ospids.get(w)!, 'SIGKILL');
    await expect(creating).rejects.toMatchObject({ code: 'ERR_PROCESS_EXITED' });
    await put(gate, 1);
    await waitFor(() => openSegments(waiterOs).length === 0, { what: `process ${waiter} to close the part it made for the dead creator ${w}` });
    ospids.delete(w);
    ws = ws.filter((p) => p !== w);
    log.finalize();
    gate.finalize();
  });
});

const fixture = fileURLToPath(new URL('./fixtures/shared-parts-nospace.mjs', import.meta.url));

// A private mount namespace with a 24 MiB tmpfs on /dev/shm, as in a small container; the
// machine's own /dev/shm is not touched. Needs root (true on the CI machine).
describe.skipIf(!isRoot)(needsRoot('too little shared memory for an array in parts'), () => {
  it('fails at create with ERR_SHM_NOSPACE before any part exists; what fits works and comes back', () => {
    const out = execFileSync(
      'unshare',
      ['-m', 'sh', '-c', 'mount -t tmpfs -o size=24m tmpfs /dev/shm && exec "$0" "$1"', process.execPath, fixture],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(out.trim().split('\n').pop() as string);
    expect(r.tooBig).toEqual({
      ok: false,
      code: 'ERR_SHM_NOSPACE',
      message: 'not enough shared memory: /dev/shm has 24 MiB free, 32 MiB needed (raise it, e.g. docker --shm-size, or use SharedArray.fromFile)',
    });
    expect(r.afterTooBig).toEqual({ free: 24, open: [] });
    expect(r.fitsOk).toBe(true);
    expect(r.fitsRight).toBe(true);
    expect(r.freeWithOne).toBe(8);
    expect(r.second).toEqual({ ok: false, code: 'ERR_SHM_NOSPACE' });
    expect(r.afterSecond).toEqual({ free: 8, open: [] });
    expect(r.againOk).toBe(true);
    expect(r.freeAtEnd).toBe(24);
    expect(r.leftAtEnd).toEqual([]);
    expect(r.openAtEnd).toEqual([]);
  });
});
