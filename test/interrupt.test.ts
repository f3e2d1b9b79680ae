// interrupt(pids) (API.md "Processes"): cancels exactly the calls in flight on a worker when it is
// issued, whatever they are doing (spinning in their first stretch, spinning after an await,
// awaiting), never a later call, and the worker keeps serving. The timings below are those of
// bench/interrupt-trials.ts, which runs each 100 times; here a few repetitions each.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { contextAcrossAwait, spinAfterAwait, spinAfterAwaitInContext, spinInContext, spinOn } from './fixtures/interrupt-module.mjs';
import { spinAfterMarking } from './fixtures/runtime-loop.mjs';
import { removeAllWorkers } from './helpers/cluster.js';
import { waitFor } from './helpers/wait.js';

const { addprocs, capture, myid, pmap, range, remotecall, remotecallFetch, interrupt, everywhere, RemoteException, RemoteChannel, Channel, put, take } = sa;

const tmp = mkdtempSync(join(tmpdir(), 'sa-interrupt-'));
let w = 0;
let v = 0;
beforeAll(async () => {
  [w, v] = (await addprocs(2)) as [number, number];
  // Loaded here too: the caller must know the module for its exports to travel by reference.
  await everywhere('./test/fixtures/runtime-loop.mjs');
  await everywhere('./test/fixtures/interrupt-module.mjs');
});
afterAll(async () => {
  await removeAllWorkers();
  rmSync(tmp, { recursive: true, force: true });
});

async function interrupted(p: Promise<unknown>, pid: number): Promise<void> {
  const e = await p.then(
    () => 'resolved',
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(RemoteException);
  expect((e as sa.RemoteException).pid).toBe(pid);
  expect((e as { cause: { code?: string } }).cause.code).toBe('ERR_INTERRUPTED');
}

/** A channel on the master, for a call to say it is about to spin. */
const channel = (): Promise<sa.RemoteChannel<string>> => RemoteChannel.create<string>(() => new Channel<string>(1));

/** The worker serves on: a call that awaits, sends and gets an answer through the master. */
async function serves(pid: number): Promise<void> {
  const c = await RemoteChannel.create<number>(() => new Channel<number>(1));
  const got = remotecallFetch(
    async (ch: sa.RemoteChannel<number>) => {
      await put(ch, myid());
      return myid();
    },
    pid,
    c,
  );
  expect(await take(c)).toBe(pid);
  expect(await got).toBe(pid);
  c.finalize();
}

const REPEAT = 5;

describe('interrupt, in each timing', () => {
  it('(a) stops a call spinning after an await', async () => {
    for (let i = 0; i < REPEAT; i++) {
      const c = await channel();
      const p = remotecallFetch(spinAfterAwait, w, c);
      expect(await take(c)).toBe('started');
      await interrupt(w);
      await interrupted(p, w);
      await serves(w);
      c.finalize();
    }
  });

  it('(b) stops a spinning call sent in the same tick as the interrupt (the pipe overtakes the call)', async () => {
    // One function: after the first call it travels by id, so a refused first call must still
    // have taught the worker its source.
    const spin = (): never => {
      for (;;);
    };
    for (let i = 0; i < REPEAT; i++) {
      const p = remotecallFetch(spin, w);
      await interrupt(w);
      await interrupted(p, w);
      await serves(w);
    }
  });

  it('(c) an interrupt while idle never hits the next call', async () => {
    for (let i = 0; i < REPEAT; i++) {
      await interrupt(w);
      const later = remotecallFetch(() => {
        let odd = 0;
        for (let k = 0; k < 2e6; k++) odd += k & 1;
        return odd;
      }, w);
      expect(await later).toBe(1e6);
    }
    await serves(w);
  });

  it('(d) cancels an awaiting call; it never runs again, even when what it awaits arrives', async () => {
    for (let i = 0; i < REPEAT; i++) {
      const gate = await channel();
      const log = await channel();
      const p = remotecallFetch(
        async (g: sa.RemoteChannel<string>, l: sa.RemoteChannel<string>) => {
          await put(l, 'waiting');
          await take(g);
          await put(l, 'RESUMED');
        },
        w,
        gate,
        log,
      );
      expect(await take(log)).toBe('waiting');
      await interrupt(w);
      await interrupted(p, w);
      await put(gate, 'open'); // the take on the worker completes now...
      await serves(w); // ...and its continuation would have run by the time this round trip is done
      expect(await sa.isready(log)).toBe(false);
      gate.finalize();
      log.finalize();
    }
  });

  it('(e) cancels several calls at once: awaiting, spinning after an await, queued behind', async () => {
    for (let i = 0; i < REPEAT; i++) {
      const c = await channel();
      const forever = remotecall(() => new Promise<never>(() => undefined), w);
      const spinning = remotecallFetch(spinAfterAwait, w, c);
      if (i % 2 === 0) expect(await take(c)).toBe('started');
      const queued = remotecallFetch(() => {
        for (;;);
      }, w);
      await interrupt(w);
      await Promise.all([interrupted(forever.fetch(), w), interrupted(spinning, w), interrupted(queued, w)]);
      await serves(w);
      c.finalize();
    }
  });
});

describe('interrupt', () => {
  it('cancels a synchronous endless loop; the worker serves on', async () => {
    for (let round = 0; round < 2; round++) {
      const marker = join(tmp, `loop-${round}`);
      const p = remotecallFetch(spinAfterMarking, w, marker);
      await waitFor(() => existsSync(marker), { what: 'the worker to enter the loop' });
      await interrupt(w);
      await interrupted(p, w);
      expect(await remotecallFetch(() => myid(), w)).toBe(w);
    }
  });

  it('cancels an awaited call that never settles, for remotecallFetch and remotecall alike', async () => {
    const never = () => new Promise<never>(() => undefined);
    const fetched = remotecallFetch(never, w);
    const fut = remotecall(never, w);
    // A later round trip: both calls are running on the worker by then.
    expect(await remotecallFetch(() => 1, w)).toBe(1);
    await interrupt([w]);
    await interrupted(fetched, w);
    await interrupted(fut.fetch(), w);
    expect(await remotecallFetch(() => myid(), w)).toBe(w);
  });

  it('interrupt() reaches every worker; calls started after it are not affected', async () => {
    const markers = [join(tmp, 'all-w'), join(tmp, 'all-v')];
    const ps = [remotecallFetch(spinAfterMarking, w, markers[0]!), remotecallFetch(spinAfterMarking, v, markers[1]!)];
    await waitFor(() => markers.every((m) => existsSync(m)), { what: 'both workers to enter the loop' });
    await interrupt();
    await Promise.all([interrupted(ps[0]!, w), interrupted(ps[1]!, v)]);
    const later = remotecallFetch(() => new Promise<number>((resolve) => setImmediate(() => resolve(myid()))), v);
    expect(await later).toBe(v);
  });

  it('reaches calls one worker makes to another; later ones are not affected', async () => {
    const marker = join(tmp, 'w2w');
    const p = remotecallFetch(spinOn, v, w, marker);
    await waitFor(() => existsSync(marker), { what: `worker ${w} to spin for worker ${v}` });
    await interrupt(w);
    const e = (await p.catch((x: unknown) => x)) as sa.RemoteException;
    expect(e).toBeInstanceOf(RemoteException);
    expect(e.pid).toBe(v); // v's call failed because its own call to w was interrupted
    expect(e.message).toContain(`call interrupted on worker ${w}`);
    expect(await remotecallFetch((pid: number) => remotecallFetch(() => myid(), pid), v, w)).toBe(w);
  });

  it("leaves node's async context (AsyncLocalStorage) consistent, whatever was stopped", async () => {
    const c = await channel();
    const afterAwait = remotecallFetch(spinAfterAwaitInContext, w, c);
    expect(await take(c)).toBe('started');
    await interrupt(w);
    await interrupted(afterAwait, w);
    const marker = join(tmp, 'als');
    const firstStretch = remotecallFetch(spinInContext, w, marker);
    await waitFor(() => existsSync(marker), { what: 'the worker to spin inside the context' });
    await interrupt(w);
    await interrupted(firstStretch, w);
    // Node aborts a worker whose async context stack is off; this one answers, with contexts right.
    expect(await remotecallFetch(contextAcrossAwait, w)).toBe('later');
    await serves(w);
    c.finalize();
  });

  it('stops a pmap batch spinning on a worker: pmap rejects as interrupted, and the next pmap has every worker', async () => {
    const c = await RemoteChannel.create<number>(() => new Channel<number>(1));
    const mapping = pmap(
      capture({ c }, async (x: number) => {
        if (x === 5) {
          await put(c, myid());
          for (;;);
        }
        return x;
      }),
      range(0, 40),
      { batchSize: 8 },
    );
    const pid = await take(c);
    await interrupt(pid);
    await interrupted(mapping, pid);
    const seen = new Set(await pmap(() => myid(), range(0, 200), { batchSize: 1 }));
    expect([...seen].sort()).toEqual([w, v].sort());
    c.finalize();
  });

  it('an idle worker is unaffected; only pid 1 may interrupt', async () => {
    await interrupt(w);
    expect(await remotecallFetch(() => myid(), w)).toBe(w);
    const e = await remotecallFetch((p: number) => interrupt(p), v, w).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteException);
    expect((e as sa.RemoteException).cause.message).toBe('Only process 1 can add and remove workers');
  });
});
