import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Which machine this process runs on, decided from kernel facts rather than names: processes
 * share memory through `/proc/<pid>/fd` only within one kernel (boot id), one PID namespace and
 * as one user, so those three make the key. Host names and addresses are for display only (two
 * containers may share a hostname; one machine has many addresses).
 */
export interface HostIdentity {
  /** `<boot id>/<pid namespace>/<uid>`: equal keys can share memory. */
  key: string;
  /** The machine's name, for messages and `hostname()`. */
  name: string;
}

let self: HostIdentity | undefined;

/** This process's host identity (read once). */
export function thisHost(): HostIdentity {
  return (self ??= { key: hostKey(), name: hostname() });
}

function hostKey(): string {
  const read = (f: () => string): string => {
    try {
      return f().trim();
    } catch {
      return '?';
    }
  };
  const boot = read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidns = read(() => readlinkSync('/proc/self/ns/pid'));
  return `${boot}/${pidns}/${process.getuid?.() ?? '?'}`;
}
