// Simulated hosts with real sshd for multi-host tests (see test/multihost/README.md). A test file
// starts its hosts once: `const hosts = useHosts(3)` inside `describeMultihost(...)`, then
// `hosts().run('hostA', 'ssh -F ' + hosts().sshConfig + ' hostB hostname')`.
import { join } from 'node:path';
import { bringUp } from './machines-up.mjs';
import { describeUnless, Machines, machinesUnavailable, useMachines } from './machines.js';

/** Why multi-host tests cannot run here (not root, no sshd, ...), or undefined. */
export const hostsUnavailable = (): string | undefined =>
  machinesUnavailable(
    ['ip', 'unshare', 'nsenter', 'setsid', 'flock', 'ss', 'ssh', 'ssh-keygen', '/usr/sbin/sshd'],
    'on Debian, apt-get install -y --no-install-recommends openssh-server openssh-client',
  );

/** `describe` for tests that need simulated hosts: skipped, with the reason in its name, when they cannot run. */
export function describeMultihost(name: string, fn: () => void): void {
  describeUnless(hostsUnavailable(), name, fn);
}

/** Simulated hosts hostA, hostB, ..., each with an sshd on port 22 of its address. */
export class Hosts extends Machines {
  /** `ssh -F <sshConfig> hostB cmd` logs in as root, non-interactively, from any host or the test process. */
  get sshConfig(): string {
    return join(this.state, 'ssh_config');
  }

  /** A machine file: one host name per line. */
  get machineFile(): string {
    return join(this.state, 'machinefile');
  }

  /** The ssh command line (without the command) that logs in to `host`. */
  sshTo(host: string): string {
    this.address(host); // throws for an unknown host
    return `ssh -F ${this.sshConfig} ${host}`;
  }
}

/** Start `n` hosts (1..26); they go down with hosts.down(), or when this process dies. */
export async function startHosts(n = 3): Promise<Hosts> {
  const { info, hold } = await bringUp('hosts-up.sh', [String(n)]);
  return new Hosts(info, hold, info.hosts!);
}

/** Hosts for the test file (or describe block) this is called in: up before its tests, down after. */
export const useHosts = (n = 3): (() => Hosts) => useMachines(() => startHosts(n));
