import { type HostIdentity, thisHost } from './host.js';

/** Where to reach a worker and which machine it runs on, as the master announces it to every process. */
export interface PeerInfo {
  pid: number;
  /** A Unix socket path (abstract when it starts with NUL) or `host:port`. */
  address: string;
  ospid: number;
  /** Its host's key (see core/host.ts): processes with equal keys can share memory. */
  host: string;
  /** Its host's name, for display. */
  hostname: string;
}

/** Julia's topologies: every pair may connect, or workers talk only to the master. */
export type Topology = 'all_to_all' | 'master_worker';

/**
 * Every process's view of the cluster: which worker pids exist, where to reach them, which have
 * exited (pids are never reused), and the topology. The master owns the truth and broadcasts it;
 * workers mirror it (so `workers()` reads the same everywhere).
 */
const table = new Map<number, PeerInfo>();
const exited = new Set<number>();
/** The master's host, as a worker learns it at join (the master knows its own). */
let masterHost: HostIdentity | null = null;
let topology: Topology = 'all_to_all';
let lazy = true;

export function setWorker(info: PeerInfo): void {
  table.set(info.pid, info);
}

export function removeWorker(pid: number): void {
  if (table.delete(pid)) exited.add(pid);
}

export function markExited(pid: number): void {
  table.delete(pid);
  exited.add(pid);
}

export function workerInfo(pid: number): PeerInfo | undefined {
  return table.get(pid);
}

export function setMasterHost(h: HostIdentity): void {
  masterHost = h;
}

/** The host of process `pid` (this one's, the master's, or a worker's), if known. */
export function hostOf(pid: number, me: number): HostIdentity | undefined {
  if (pid === me) return thisHost();
  if (pid === 1) return masterHost ?? undefined;
  const w = table.get(pid);
  return w && { key: w.host, name: w.hostname };
}

export function hasExited(pid: number): boolean {
  return exited.has(pid);
}

export function setTopology(t: Topology, isLazy: boolean): void {
  topology = t;
  lazy = isLazy;
}

export function currentTopology(): { topology: Topology; lazy: boolean } {
  return { topology, lazy };
}

/** Worker pids, sorted; `[1]` when there are none (the master works then). */
export function workers(): number[] {
  if (table.size === 0) return [1];
  return [...table.keys()].sort((a, b) => a - b);
}

/** Worker pids without the `[1]` fallback. */
export function workerPids(): number[] {
  return [...table.keys()].sort((a, b) => a - b);
}

/** All pids: the master and the workers. */
export function allProcs(): number[] {
  return [1, ...workerPids()];
}

/** Number of processes, master included. */
export function nprocs(): number {
  return table.size + 1;
}

/** Number of workers; 1 when there are none (the master works then). */
export function nworkers(): number {
  return table.size === 0 ? 1 : table.size;
}

export function peerInfos(): PeerInfo[] {
  return [...table.values()];
}
