// Worker death: calls pending on a worker that dies fail with an unwrapped ProcessExitedException,
// so do later calls, and the rest of the cluster serves on.
import { describe, expect, it, vi } from 'vitest';
import * as sa from 'sharedarrays';
import { captureOutput } from './helpers/output.js';
import { useWorkers } from './helpers/cluster.js';
import { gone, waitFor } from './helpers/wait.js';

const { rmprocs, workers, myid, remotecall, remotecallFetch, remotecallWait, spawnat, Future, RemoteChannel, Channel, ProcessExitedException } = sa;
type PE = InstanceType<typeof ProcessExitedException>;

const ws = useWorkers(4);

async function exited(p: Promise<unknown>, pid: number): Promise<void> {
  const e = await p.then(
    () => 'resolved',
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ProcessExitedException);
  expect((e as PE).pid).toBe(pid);
  expect((e as PE).code).toBe('ERR_PROCESS_EXITED');
}

describe('a worker killed mid-call', () => {
  it('fails pending and later calls with ProcessExitedException; the others serve on', async () => {
    const [dead, other] = ws as [number, number];
    const ospid = await remotecallFetch(() => process.pid, dead);
    const done = remotecall(() => 'fetched before', dead);
    expect(await done.fetch()).toBe('fetched before');
    const rc = await RemoteChannel.create<number>(() => new Channel(1), dead);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const never = () => new Promise<never>(() => undefined);
      const pending = [
        remotecallFetch(never, dead),
        remotecall(never, dead).fetch(),
        remotecallWait(never, dead),
        rc.take(),
        new Future<number>(dead).fetch(),
      ];
      // Every request is on the worker before it dies.
      expect(await remotecallFetch(() => myid(), dead)).toBe(dead);
      const outcomes = Promise.all(pending.map((p) => exited(p, dead)));
      process.kill(ospid, 'SIGKILL');
      await outcomes;
      await waitFor(() => !workers().includes(dead), { what: 'the dead worker to leave workers()' });
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain(`Worker ${dead} terminated.`);
    } finally {
      stderr.mockRestore();
    }
    await waitFor(() => gone(ospid), { what: 'the OS process to be gone' });
    // Later calls, in every form.
    await exited(remotecallFetch(() => 1, dead), dead);
    // remotecall and spawnat return a Future at once: for a dead pid they throw at once (as in Julia).
    expect(() => remotecall(() => 1, dead)).toThrow(ProcessExitedException);
    expect(() => spawnat(dead, () => 1)).toThrow(ProcessExitedException);
    await exited(remotecallWait(() => 1, dead), dead);
    await exited(rc.put(1), dead);
    // A value fetched before the death is still there.
    expect(await done.fetch()).toBe('fetched before');
    // The rest of the cluster: the master, the workers, and what they know.
    expect(workers()).toEqual(ws.slice(1));
    expect(await remotecallFetch(() => workers(), other)).toEqual(ws.slice(1));
    for (let i = 0; i < workers().length * 2; i++) expect(workers()).toContain(await spawnat('any', () => myid()).fetch());
    // A worker calling the dead one gets the same, unwrapped, with the right pid.
    const fromWorker = remotecallFetch((p: number) => remotecallFetch(() => 1, p), other, dead);
    await exited(fromWorker, dead);
  });

  it('a worker that exits inside a call', async () => {
    const w = ws[1]!;
    const ospid = await remotecallFetch(() => process.pid, w);
    const out = captureOutput();
    try {
      await exited(remotecallFetch(() => process.exit(3), w), w);
      await waitFor(() => gone(ospid) && !workers().includes(w), { what: 'the worker to be gone' });
      expect(out.text()).toContain(`Worker ${w} terminated.`);
    } finally {
      out.restore();
    }
    expect(await remotecallFetch(() => myid(), ws[2]!)).toBe(ws[2]);
  });

  it('a worker-to-worker call in flight when the callee dies', async () => {
    const [caller, callee] = [ws[2]!, ws[3]!];
    const ospid = await remotecallFetch(() => process.pid, callee);
    // caller waits on callee; callee never answers; then callee is killed.
    const gate = await RemoteChannel.create<number>(() => new Channel(1));
    const inFlight = remotecallFetch(
      (p: number, g: sa.RemoteChannel<number>) => {
        const r = remotecallFetch(() => new Promise<never>(() => undefined), p);
        return g.put(1).then(() => r);
      },
      caller,
      callee,
      gate,
    );
    await gate.take();
    const out = captureOutput();
    try {
      process.kill(ospid, 'SIGKILL');
      await exited(inFlight, callee);
      await waitFor(() => out.text().includes(`Worker ${callee} terminated.`), { what: 'the death to be reported' });
    } finally {
      out.restore();
    }
    expect(await remotecallFetch(() => myid(), caller)).toBe(caller);
  });

  it('rmprocs of a worker with calls in flight fails them with ProcessExitedException, silently', async () => {
    const w = ws[2]!;
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const outcome = exited(remotecallFetch(() => new Promise<never>(() => undefined), w), w);
      expect(await remotecallFetch(() => myid(), w)).toBe(w);
      await rmprocs(w);
      await outcome;
    } finally {
      stderr.mockRestore();
    }
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).not.toContain('terminated');
    expect(workers()).toEqual([1]);
  });
});
