// Topology master_worker: workers talk only to the master; a worker-to-worker call fails with a
// clear error; the table stays identical on every worker.
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';

const { addprocs, rmprocs, workers, nprocs, nworkers, myid, remotecallFetch, RemoteException } = sa;

const ws = useWorkers(3, { topology: 'master_worker' });

describe("topology 'master_worker'", () => {
  it('the master reaches every worker', async () => {
    for (const w of ws) expect(await remotecallFetch(() => myid(), w)).toBe(w);
  });

  it('a worker-to-worker call fails with a RemoteException naming the topology, both directions', async () => {
    const [a, b] = ws as [number, number];
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const e = await remotecallFetch((p: number) => remotecallFetch(() => myid(), p), from, to).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RemoteException);
      const cause = (e as sa.RemoteException).cause as Error & { code?: string };
      expect(cause.code).toBe('ERR_TOPOLOGY');
      expect(cause.message).toContain(`peer ${to} is not connected to ${from}. Topology : master_worker`);
    }
    // Workers still talk to the master.
    expect(await remotecallFetch(() => remotecallFetch(() => myid(), 1), a)).toBe(1);
  });

  it('mixing topologies is refused while such workers exist', async () => {
    await expect(addprocs(1)).rejects.toMatchObject({ code: 'ERR_TOPOLOGY' });
    await expect(addprocs(1, { topology: 'all_to_all' })).rejects.toMatchObject({ code: 'ERR_TOPOLOGY' });
  });

  it('nprocs, nworkers and workers are identical on every worker after each rmprocs', async () => {
    let left = [...ws];
    while (left.length > 1) {
      await rmprocs(left.at(-1)!);
      left = left.slice(0, -1);
      for (const p of left) {
        expect(await remotecallFetch(() => [nprocs(), nworkers(), workers()], p)).toEqual([left.length + 1, left.length, left]);
      }
    }
  });

  it('once every worker is gone, another topology may be chosen', async () => {
    await rmprocs(workers());
    expect(workers()).toEqual([1]);
    const [a, b] = (await addprocs(2)) as [number, number];
    expect(await remotecallFetch((p: number) => remotecallFetch(() => myid(), p), a, b)).toBe(b);
  });

  it('all_to_all: two fresh workers calling each other at the same moment end up with one working connection', async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b] = (await addprocs(2)) as [number, number];
      const cross = (p: number) => remotecallFetch(() => myid(), p);
      expect(await Promise.all([remotecallFetch(cross, a, b), remotecallFetch(cross, b, a)])).toEqual([b, a]);
      // Both still see each other as alive and keep talking.
      for (let i = 0; i < 3; i++) {
        expect(await Promise.all([remotecallFetch(cross, a, b), remotecallFetch(cross, b, a)])).toEqual([b, a]);
      }
      expect(await remotecallFetch(() => workers(), a)).toEqual(workers());
      await rmprocs([a, b]);
    }
  });
});
