// Processes: pids, the process table on every process, addprocs options, who may add workers,
// output forwarding, rmprocs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { startFixture } from './helpers/child.js';
import { gone, waitFor } from './helpers/wait.js';

const { addprocs, rmprocs, workers, procs, nprocs, nworkers, myid, remotecallFetch, remoteDo, RemoteException } = sa;

const tmp = mkdtempSync(join(tmpdir(), 'sa-cwd-'));

afterAll(async () => {
  await removeAllWorkers();
  rmSync(tmp, { recursive: true, force: true });
});

describe('with no workers', () => {
  it('the master works alone: workers() is [1], nworkers() is 1', async () => {
    expect(myid()).toBe(1);
    expect(workers()).toEqual([1]);
    expect(procs()).toEqual([1]);
    expect(nprocs()).toBe(1);
    expect(nworkers()).toBe(1);
    // A1: calls to pid 1 and spawnat('any') run on the master.
    expect(await remotecallFetch(() => myid(), 1)).toBe(1);
    expect(await sa.spawnat('any', () => myid()).fetch()).toBe(1);
  });

  it('rejects bad addprocs arguments with codes, before starting anything', async () => {
    for (const n of [0, -1, 1.5, Number.NaN, '2' as unknown as number]) {
      await expect(addprocs(n)).rejects.toMatchObject({ name: 'RangeError', code: 'ERR_INVALID_ARG' });
    }
    await expect(addprocs(1, { topology: 'ring' as never })).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG' });
    expect(workers()).toEqual([1]);
  });

  it('rejects pids that are not pids, and interrupting or pooling a pid that never existed', async () => {
    await expect(sa.interrupt('x' as never)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG' });
    await expect(sa.interrupt(99)).rejects.toMatchObject({ code: 'ERR_NO_SUCH_PROCESS', message: expect.stringContaining('99') });
    await expect(rmprocs('x' as never)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG' });
    await expect(rmprocs([2.5])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect(() => new sa.WorkerPool([99])).toThrow(expect.objectContaining({ code: 'ERR_NO_SUCH_PROCESS' }));
  });

  it("the empty string is a valid cluster cookie (Julia's tests use it)", () => {
    const before = sa.clusterCookie();
    try {
      expect(sa.clusterCookie('')).toBe('');
      expect(sa.clusterCookie()).toBe('');
    } finally {
      sa.clusterCookie(before);
    }
    expect(() => sa.clusterCookie(7 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });
});

describe('with workers', () => {
  let ws: number[] = [];
  beforeAll(async () => {
    ws = await addprocs(2, { env: { SA_TEST_VAR: 'from-master' }, cwd: tmp, execArgv: ['--max-old-space-size=200'] });
  });

  it('addprocs returns the new pids, sorted, counting from 2', () => {
    expect(ws).toEqual([2, 3]);
    expect(workers()).toEqual([2, 3]);
    expect(procs()).toEqual([1, 2, 3]);
    expect(nprocs()).toBe(3);
    expect(nworkers()).toBe(2);
  });

  it('every worker knows its pid and sees the same table', async () => {
    for (const w of ws) {
      const view = await remotecallFetch(() => ({ me: myid(), ws: workers(), ps: procs(), np: nprocs(), nw: nworkers() }), w);
      expect(view).toEqual({ me: w, ws: [2, 3], ps: [1, 2, 3], np: 3, nw: 2 });
    }
  });

  it('honours env, cwd and execArgv', async () => {
    for (const w of ws) {
      const got = await remotecallFetch(() => ({ env: process.env.SA_TEST_VAR, cwd: process.cwd(), argv: process.execArgv }), w);
      expect(got.env).toBe('from-master');
      expect(got.cwd).toBe(realpathSync(tmp));
      expect(got.argv).toEqual(['--max-old-space-size=200']);
    }
  });

  it('only process 1 adds and removes workers', async () => {
    const w = ws[0]!;
    for (const f of [() => addprocs(1), () => rmprocs(workers())]) {
      const e = await remotecallFetch(f, w).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RemoteException);
      expect((e as sa.RemoteException).pid).toBe(w);
      expect((e as sa.RemoteException).cause.message).toBe('Only process 1 can add and remove workers');
      expect((e as { cause: { code?: string } }).cause.code).toBe('ERR_NOT_MASTER');
    }
    expect(workers()).toEqual(ws);
  });

  it('mixing topologies is refused while workers exist', async () => {
    await expect(addprocs(1, { topology: 'master_worker' })).rejects.toMatchObject({ code: 'ERR_TOPOLOGY' });
    await expect(addprocs(1, { lazy: false })).rejects.toMatchObject({ code: 'ERR_TOPOLOGY' });
    expect(workers()).toEqual(ws);
  });

  it('pids are never reused (A10), and every worker sees each change', async () => {
    await rmprocs(3);
    expect(workers()).toEqual([2]);
    expect(await remotecallFetch(() => workers(), 2)).toEqual([2]);
    const added = await addprocs(1);
    expect(added).toEqual([4]);
    expect(workers()).toEqual([2, 4]);
    for (const w of [2, 4]) expect(await remotecallFetch(() => [myid(), ...workers()], w)).toEqual([w, 2, 4]);
    // A removed pid is an exited process.
    await expect(remotecallFetch(() => 1, 3)).rejects.toMatchObject({ name: 'ProcessExitedException', pid: 3 });
    // A pid that never existed.
    await expect(remotecallFetch(() => 1, 99)).rejects.toMatchObject({ code: 'ERR_NO_SUCH_PROCESS' });
    await expect(remotecallFetch(() => 1, 0)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });

  it('rmprocs escalates on a worker that ignores exit, and waitfor rejects meanwhile', async () => {
    const [w] = await addprocs(1);
    const ospid = await remotecallFetch(() => process.pid, w!);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      // Stuck in synchronous code: the exit message is never read.
      remoteDo(() => {
        for (;;);
      }, w!);
      await expect(rmprocs(w!, { waitfor: 0.05 })).rejects.toMatchObject({
        code: 'ERR_RMPROCS_TIMEOUT',
        message: `rmprocs: pids [${w}] not terminated after 0.05 seconds.`,
      });
      // The escalation goes on in the background and ends the process.
      await waitFor(() => gone(ospid), { what: 'the stuck worker to die' });
      await waitFor(() => !workers().includes(w!), { what: 'the stuck worker to leave workers()' });
      const written = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(written).toContain(`rmprocs: worker ${w} did not exit; sending SIGTERM`);
      expect(written).not.toContain(`Worker ${w} terminated.`);
    } finally {
      stderr.mockRestore();
    }
    // The others serve on.
    expect(await remotecallFetch(() => myid(), 2)).toBe(2);
  });

  it('a cooperative worker leaves without escalation; rmprocs of unknown or master pids is a no-op', async () => {
    const [w] = await addprocs(1);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await rmprocs([w!, 1, 77]);
    } finally {
      stderr.mockRestore();
    }
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).not.toContain('sending');
    expect(workers()).not.toContain(w);
    expect(myid()).toBe(1);
  });

  it('rmprocs with waitfor 0 returns at once and removes in the background', async () => {
    const [w] = await addprocs(1);
    const ospid = await remotecallFetch(() => process.pid, w!);
    await rmprocs(w!, { waitfor: 0 });
    await waitFor(() => !workers().includes(w!) && gone(ospid), { what: 'the worker to be removed' });
  });

  it('adding and removing workers again and again adds no process listeners', async () => {
    await addprocs(1).then((p) => rmprocs(p));
    const counts = () => ['exit', 'beforeExit'].map((e) => process.listenerCount(e));
    const before = counts();
    for (let k = 0; k < 4; k++) await addprocs(1).then((p) => rmprocs(p));
    expect(counts()).toEqual(before);
  });
});

describe('how the master was started', () => {
  it("a master given as `node -e <script>` starts workers that do not run the master's script", () => {
    const entry = new URL('../dist/src/index.js', import.meta.url).href;
    const script = `import * as sa from ${JSON.stringify(entry)};
      const ws = await sa.addprocs(2);
      console.log('pids', (await Promise.all(ws.map((w) => sa.remotecallFetch(() => myid(), w)))).join(','));
      await sa.rmprocs(ws);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('pids 2,3');
    expect(r.status).toBe(0);
  });
});

describe('worker output', () => {
  it('reaches the master stdout as "      From worker N:\\t<line>", stderr too', async () => {
    const c = startFixture('runtime-output.mjs');
    const [code] = await c.exited;
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    expect(c.lines).toContain('      From worker 2:\tout-line one');
    expect(c.lines).toContain('      From worker 2:\terr-line two');
    expect(c.lines.at(-1)).toBe('done');
  });
});
