// The ClusterManager interface with managers written here: launch, manage (register, interrupt,
// deregister, finalize) and kill are called as Julia's are; a worker with the wrong cookie or
// another version of the package, or one that never announces itself, fails addprocs clearly and
// leaves nothing running.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Writable } from 'node:stream';
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

/**
 * A manager of local workers written the way a user would, recording what it is told. It gives
 * the runtime each worker's lifeline (`config.lifeline`), or, with `relay`, keeps it to itself and
 * relays each interrupt's record there, as a manager whose lifelines live elsewhere does.
 */
class RecordingManager implements sa.ClusterManager {
  readonly calls: string[] = [];
  readonly children: ChildProcess[] = [];
  readonly records: number[][] = [];
  relay = false;
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
      const lifeline = child.stdio[3] as Writable;
      yield { host: 'here', io: child.stdout!, errio: child.stderr!, ...(this.relay ? {} : { lifeline }), userdata: child, ospid: child.pid! };
    }
  }

  manage(pid: number, config: sa.WorkerConfig, op: sa.ManageOp): void {
    this.calls.push(`${op} ${pid}`);
    const child = config.userdata as ChildProcess;
    if (op === 'interrupt') {
      this.records.push([...config.interruptRecord!]);
      if (this.relay) (child.stdio[3] as Writable).write(config.interruptRecord!);
    }
    if (op === 'register') child.unref();
    if (op === 'deregister') child.kill('SIGKILL');
  }

  async kill(pid: number, config: sa.WorkerConfig): Promise<void> {
    this.calls.push(`kill ${pid}`);
    const child = config.userdata as ChildProcess;
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
}

/** Start a call on `pid` that spins after saying so through shared memory, and interrupt it. */
async function interruptSpinning(pid: number): Promise<void> {
  const started = await sa.SharedArray.create('int32', 1);
  const spinning = remotecallFetch(
    (flag: sa.SharedArray<'int32'>) => {
      flag.data[0] = 1;
      for (;;);
    },
    pid,
    started,
  );
  await waitFor(() => started.data[0] === 1, { what: 'the loop to start' });
  await interrupt(pid);
  await expect(spinning).rejects.toMatchObject({ cause: { code: 'ERR_INTERRUPTED' } });
  expect(await remotecallFetch(() => myid(), pid)).toBe(pid); // serves on
  await started.close();
}

describe('a user-written ClusterManager', () => {
  it('starts workers that work like any others, and is told of each step', async () => {
    const m = new RecordingManager(2);
    const ws = await addprocs(m);
    expect(ws).toHaveLength(2);
    expect(await Promise.all(ws.map((w) => remotecallFetch(() => myid(), w)))).toEqual(ws);
    expect([...m.calls].sort()).toEqual(ws.map((w) => `register ${w}`).sort());
    // The runtime writes the interrupt's record into the lifeline the manager gave it, and tells
    // the manager. The loop says it has started through shared memory, which this process reads.
    await interruptSpinning(ws[0]!);
    expect(m.calls).toContain(`interrupt ${ws[0]}`);
    expect(m.records).toHaveLength(1);
    expect(m.records[0]).toHaveLength(5);
    expect(m.records[0]![0]).toBe(0x49); // 'I', then the interrupt's id
    await rmprocs(ws);
    for (const w of ws) expect(m.calls).toContain(`kill ${w}`);
    for (const w of ws) expect(m.calls).toContain(`finalize ${w}`);
    expect(workers()).toEqual([1]);
    for (const c of m.children) expect(gone(c.pid!)).toBe(true);
  });

  it('a manager that holds the lifelines itself relays the record it is given, and interrupts reach the worker', async () => {
    const m = new RecordingManager(1);
    m.relay = true;
    const [w] = (await addprocs(m)) as [number];
    for (let i = 0; i < 2; i++) await interruptSpinning(w);
    expect(m.records).toHaveLength(2);
    // A fresh id for each interrupt.
    expect(Buffer.from(m.records[1]!).readUInt32LE(1)).toBeGreaterThan(Buffer.from(m.records[0]!).readUInt32LE(1));
    await rmprocs(w);
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
