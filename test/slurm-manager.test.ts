// SlurmManager end to end on a one-node Slurm (test/multihost/slurm-up.sh): workers started as
// one srun step, the cookie on srun's standard input, which stays their lifeline. Runs in its own
// CI step (`npm run test:slurm`).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { fixture } from './helpers/child.js';
import { describeSlurm, useSlurm } from './helpers/slurm.js';
import { gone, waitFor } from './helpers/wait.js';

describeSlurm('SlurmManager on a one-node Slurm', () => {
  const slurm = useSlurm();

  it('starts workers with srun that call each other and share memory on their node', async () => {
    const c = slurm().node(slurm().host, fixture('slurm-master.mjs'), ['run']);
    const r: Record<string, unknown> = {};
    for (let line = await c.line(); line !== 'done'; line = await c.line()) Object.assign(r, JSON.parse(line));
    expect(r.added).toEqual([2, 3]);
    expect(r.ids).toEqual([2, 3]);
    expect(r.hostnames).toEqual(['slurm1', 'slurm1']);
    expect(r.workerToWorker).toBe(3);
    expect(r.pids).toEqual([2, 3]);
    expect(r.shared).toEqual([2, 2, 2, 3, 3, 3]);
    expect(r.left).toEqual([1]);
    expect((await c.exited)[0]).toBe(0);
  });

  it('kill -9 of the master ends the step: no worker is left, a busy one included', async () => {
    const c = slurm().node(slurm().host, fixture('slurm-master.mjs'), ['hold']);
    const { ospids } = JSON.parse(await c.line()) as { ospids: number[] };
    expect(await c.line()).toBe('ready');
    const inside = slurm().processes(slurm().host);
    process.kill(await c.ospid(), 'SIGKILL');
    // ospids are the workers' pids inside the node: find them among the node's processes by count.
    expect(ospids).toHaveLength(2);
    await waitFor(() => slurm().processes(slurm().host).filter((p) => isWorker(p)).length === 0, { what: 'every worker to exit', timeoutMs: 10_000 });
    expect(inside.length).toBeGreaterThan(0);
  });
});

function isWorker(pid: number): boolean {
  try {
    return !gone(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker.js');
  } catch {
    return false;
  }
}
