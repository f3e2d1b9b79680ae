// The one-node Slurm harness (test/multihost/slurm-up.sh, test/helpers/slurm.ts) runs what
// SlurmManager needs: `srun -n 2` starts two tasks; srun broadcasts its stdin to every task (the
// cookie travels that way); tasks run node from the checkout. It leaves nothing behind. Times are
// printed. Runs in its own CI step (`npm run test:slurm`), after Slurm is installed.
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { instanceLeftovers, shq } from './helpers/machines.js';
import { checkoutDir } from './helpers/machines-up.mjs';
import { describeSlurm, useSlurm } from './helpers/slurm.js';
import { gone } from './helpers/wait.js';

describeSlurm('Slurm harness: a one-node cluster', () => {
  const slurm = useSlurm();

  it('comes up idle, and srun -n 2 runs two tasks on the node', async () => {
    console.log(`Slurm up in ${slurm().upMs} ms (slurm-up.sh)`);
    expect(await slurm().run(slurm().host, 'sinfo -h -o "%P %D %t"')).toBe('debug* 1 idle');
    const t0 = performance.now();
    const out = await slurm().run(slurm().host, 'srun -n 2 bash -c \'echo "$SLURM_PROCID $(hostname)"\'');
    console.log(`srun -n 2 in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(out.split('\n').sort()).toEqual(['0 slurm1', '1 slurm1']);
    // The plain form of the brief: both tasks print the node's hostname.
    expect(await slurm().run(slurm().host, 'srun -n 2 hostname')).toBe('slurm1\nslurm1');
  });

  it('broadcasts srun\'s stdin to every task', async () => {
    const cookie = 'c0ffee'.repeat(5);
    const out = await slurm().run(slurm().host, 'srun -n 2 bash -c \'read -r c; echo "$SLURM_PROCID $c"\'', { input: `${cookie}\n` });
    expect(out.split('\n').sort()).toEqual([`0 ${cookie}`, `1 ${cookie}`]);
  });

  it('runs node from the checkout in every task; the built package imports there', async () => {
    const probe = `import(${JSON.stringify(`${checkoutDir}/dist/src/index.js`)}).then((m) => console.log(process.env.SLURM_PROCID, typeof m.addprocs, process.cwd()))`;
    const out = await slurm().run(slurm().host, `srun -n 2 ${process.execPath} -e ${shq(probe)}`);
    expect(out.split('\n').sort()).toEqual([`0 function ${checkoutDir}`, `1 function ${checkoutDir}`]);
  });

  it('tears down everything: daemons, tasks, namespaces, state', async () => {
    const s = slurm();
    // A job still running at teardown must not survive it.
    const job = s.spawn(s.host, 'srun', ['-n', '1', 'sleep', '1000']);
    await s.run(s.host, 'for i in $(seq 200); do squeue -h -t R | grep -q . && exit 0; sleep 0.05; done; exit 1');
    const inside = s.processes(s.host);
    expect(inside.length).toBeGreaterThanOrEqual(5); // init, node service, munged, slurmctld, slurmd, ...
    const ms = await s.down();
    console.log(`Slurm down in ${ms.toFixed(0)} ms (hosts-down.sh, as seen by the test)`);
    await job.exited;
    expect(inside.filter((pid) => !gone(pid))).toEqual([]);
    expect(existsSync(s.state)).toBe(false);
    expect(instanceLeftovers(s.slot)).toEqual([]);
  });
});
