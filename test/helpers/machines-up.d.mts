import type { Socket } from 'node:net';

/** What hosts-up.sh and slurm-up.sh record for one machine. */
export interface MachineRecord {
  name: string;
  address: string;
  /** "pid start": the root-namespace pid of the machine's pid 1 and its start time. */
  init: string;
}
/** The JSON file an up script writes (hosts.json, slurm.json). */
export interface InstanceInfo {
  slot: number;
  state: string;
  id: string;
  /** The root namespace's address on the instance's bridge. */
  root: string;
  upMs: number;
  hosts?: MachineRecord[];
  node?: MachineRecord;
  conf?: string;
}
export const harnessDir: string;
export const checkoutDir: string;
export const nodePrefix: string;
export const harnessEnv: Record<string, string | undefined>;
export function bringUp(
  script: string,
  args?: string[],
  env?: Record<string, string>,
): Promise<{ info: InstanceInfo; hold: Socket; log: string }>;
