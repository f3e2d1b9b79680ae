// interrupt(pids): cancels the calls in flight on a worker, a synchronous endless loop included,
// and the worker keeps serving.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { spinAfterMarking } from './fixtures/runtime-loop.mjs';
import { waitFor } from './helpers/wait.js';

const { addprocs, myid, remotecall, remotecallFetch, interrupt, everywhere, RemoteException } = sa;

const tmp = mkdtempSync(join(tmpdir(), 'sa-interrupt-'));
let w = 0;
let v = 0;
beforeAll(async () => {
  [w, v] = (await addprocs(2)) as [number, number];
  // Loaded here too: the caller must know the module for its exports to travel by reference.
  await everywhere('./test/fixtures/runtime-loop.mjs');
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

  it('an idle worker is unaffected; only pid 1 may interrupt', async () => {
    await interrupt(w);
    expect(await remotecallFetch(() => myid(), w)).toBe(w);
    const e = await remotecallFetch((p: number) => interrupt(p), v, w).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteException);
    expect((e as sa.RemoteException).cause.message).toBe('Only process 1 can add and remove workers');
  });
});
