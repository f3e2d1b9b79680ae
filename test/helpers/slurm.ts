// A one-node Slurm cluster for tests (test/multihost/slurm-up.sh): the machine "slurm1" runs
// munged, slurmctld and slurmd. Slurm's commands run inside it: `slurm().run('slurm1', 'srun -n 2
// hostname')`; every process started there has SLURM_CONF set to the cluster's configuration.
import type { Socket } from 'node:net';
import { bringUp, type InstanceInfo } from './machines-up.mjs';
import { describeUnless, Machines, machinesUnavailable, useMachines } from './machines.js';

/** Why Slurm tests cannot run here, or undefined. */
export const slurmUnavailable = (): string | undefined =>
  machinesUnavailable(
    ['ip', 'unshare', 'nsenter', 'setsid', 'flock', 'ss', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged', 'srun', 'sinfo'],
    'on Debian, apt-get install -y slurmctld slurmd slurm-client munge',
  );

/** `describe` for tests that need Slurm: skipped, with the reason in its name, when they cannot run. */
export function describeSlurm(name: string, fn: () => void): void {
  describeUnless(slurmUnavailable(), name, fn);
}

/** The one-node Slurm cluster. */
export class Slurm extends Machines {
  /** The node's name (also its hostname), where Slurm's commands run. */
  readonly host = 'slurm1';
  /** slurm.conf of this cluster (SLURM_CONF of every process started in the node). */
  readonly conf: string;

  constructor(info: InstanceInfo, hold: Socket) {
    super(info, hold, [info.node!], { SLURM_CONF: info.conf! });
    this.conf = info.conf!;
  }
}

/** Start the cluster; it goes down with slurm.down(), or when this process dies. */
export async function startSlurm(): Promise<Slurm> {
  const { info, hold } = await bringUp('slurm-up.sh');
  return new Slurm(info, hold);
}

/** The cluster for the test file this is called in: up before its tests, down after. */
export const useSlurm = (): (() => Slurm) => useMachines(startSlurm);
