// The ClusterManager interface with managers written here: launch, manage (register, interrupt,
// deregister, finalize) and kill are called as Julia's are; a worker with the wrong cookie or
// another version of the package, or one that never announces itself, fails addprocs clearly and
// leaves nothing running.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { startFixture } from './helpers/child.js';
import { gone, waitFor } from './helpers/wait.js';

const { addprocs, rmprocs, remotecallFetch, interrupt, myid, workers } = sa;
afterAll(removeAllWorkers);

const root = fileURLToPath(new URL('..', import.meta.url));

/** A manager of local workers written the way a user would, recording what it is told. */
class RecordingManager implements sa.ClusterManager {
  readonly calls: string[] = [];
  readonly children: ChildProcess[] = [];
  constructor(
    readonly n: number,
    readonly workerScript?: string,
    readonly cookie?: string,
  ) {}

  async *launch(ctx: sa.LaunchContext): AsyncIterable<sa.WorkerConfig> {
    for (let k = 0; k < this.n; k++) {
      const child = spawn(ctx.node, [...ctx.execArgv, this.workerScript ?? ctx.workerScript], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
      this.children.push(child);
      const line = ctx.settingsLine({ listen: { kind: 'unix' }, lifeline: 3 });
      child.stdin!.end(this.cookie === undefined ? line : line.replace(JSON.stringify(ctx.cookie), JSON.stringify(this.cookie)));
      yield { host: 'here', io: child.stdout!, errio: child.stderr!, lifeline: child.stdio[3] as NodeJS.WritableStream as never, userdata: child, ospid: child.pid! };
    }
  }

  manage(pid: number, config: sa.WorkerConfig, op: sa.ManageOp): void {
    this.calls.push(`${op} ${pid}`);
    const child = config.userdata as ChildProcess;
    if (op === 'interrupt') (config.lifeline as unknown as NodeJS.WritableStream).write('I');
    if (op === 'register') child.unref();
    if (op === 'deregister') child.kill('SIGKILL');
  }

  async kill(pid: number, config: sa.WorkerConfig): Promise<void> {
    this.calls.push(`kill ${pid}`);
    const child = config.userdata as ChildProcess;
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
}

describe('a user-written ClusterManager', () => {
  it('starts workers that work like any others, and is told of each step', async () => {
    const m = new RecordingManager(2);
    const ws = await addprocs(m);
    expect(ws).toHaveLength(2);
    expect(await Promise.all(ws.map((w) => remotecallFetch(() => myid(), w)))).toEqual(ws);
    expect([...m.calls].sort()).toEqual(ws.map((w) => `register ${w}`).sort());
    // interrupt goes through the manager's out-of-band path (its lifeline pipe). The loop says
    // it has started through shared memory, which this process reads.
    const started = await sa.SharedArray.create('int32', 1);
    const spinning = remotecallFetch(
      (flag: sa.SharedArray<'int32'>) => {
        flag.data[0] = 1;
        for (;;);
      },
      ws[0]!,
      started,
    );
    await waitFor(() => started.data[0] === 1, { what: 'the loop to start' });
    await interrupt(ws[0]!);
    await expect(spinning).rejects.toMatchObject({ cause: { code: 'ERR_INTERRUPTED' } });
    expect(m.calls).toContain(`interrupt ${ws[0]}`);
    await started.close();
    await rmprocs(ws);
    for (const w of ws) expect(m.calls).toContain(`kill ${w}`);
    for (const w of ws) expect(m.calls).toContain(`finalize ${w}`);
    expect(workers()).toEqual([1]);
    for (const c of m.children) expect(gone(c.pid!)).toBe(true);
  });

  it('a worker that does not know the cookie fails addprocs with the reason, and is stopped', async () => {
    const m = new RecordingManager(1, undefined, 'not-the-cookie');
    await expect(addprocs(m)).rejects.toMatchObject({ code: 'ERR_PROTOCOL', message: expect.stringContaining('cluster cookie') });
    await waitFor(() => m.children.every((c) => gone(c.pid!)), { what: 'the worker to be stopped' });
    expect(workers()).toEqual([1]);
  });

  it('a worker running another version of sharedarrays is refused, naming both versions', async () => {
    const other = mkdtempSync(join(tmpdir(), 'sa-other-version-'));
    try {
      cpSync(join(root, 'dist'), join(other, 'dist'), { recursive: true });
      for (const d of ['build', 'node_modules']) symlinkSync(join(root, d), join(other, d));
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
      writeFileSync(join(other, 'package.json'), JSON.stringify({ ...pkg, version: '0.0.0-other' }));
      const m = new RecordingManager(1, join(other, 'dist/src/worker.js'));
      await expect(addprocs(m)).rejects.toMatchObject({
        code: 'ERR_VERSION_MISMATCH',
        message: expect.stringMatching(new RegExp(`${pkg.version.replace(/\./g, '\\.')}.*0\\.0\\.0-other`)),
      });
      await waitFor(() => m.children.every((c) => gone(c.pid!)), { what: 'the worker to be stopped' });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('a worker that never announces itself fails addprocs at the deadline, and is stopped', async () => {
    const c = startFixture('manager-master.mjs', [], { env: { SHAREDARRAYS_WORKER_TIMEOUT: '1' } });
    const r = JSON.parse(await c.line()) as { code: string; message: string; childGone: boolean };
    expect(r.code).toBe('ERR_WORKER_START');
    expect(r.message).toMatch(/did not announce itself within 1 s.*SHAREDARRAYS_WORKER_TIMEOUT/);
    expect(r.childGone).toBe(true);
    expect((await c.exited)[0]).toBe(0);
  });
});
