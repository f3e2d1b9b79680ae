import { thisHost } from '../core/host.js';
import { setMyid } from '../core/identity.js';
import { removeWorker, setMasterHost, setTopology, setWorker, workerInfo } from '../core/process-table.js';
import { ensureConnected, forgetPeer, send } from '../transport/connections.js';
import type { Msg } from '../transport/messages.js';

/**
 * Cluster-control messages a worker obeys (from the master only; remote/dispatch.ts checks): its
 * pid and the cluster's table, changes to the table, a request to connect to a peer, and exit.
 */
export const workerControl = {
  join(_from: number, m: Extract<Msg, { kind: 'join' }>): void {
    setMyid(m.pid);
    setTopology(m.topology, m.lazy);
    setMasterHost(m.master);
    for (const p of m.peers) setWorker(p);
    send(1, { kind: 'joinAck', ospid: process.pid, host: thisHost() });
  },
  peers(_from: number, m: Extract<Msg, { kind: 'peers' }>): void {
    for (const p of m.peers) setWorker(p);
    for (const pid of m.removed) {
      removeWorker(pid);
      forgetPeer(pid);
    }
  },
  connectTo(_from: number, m: Extract<Msg, { kind: 'connectTo' }>): void {
    if (workerInfo(m.pid)) ensureConnected(m.pid);
  },
  exit(): void {
    process.exit(0);
  },
};

/** Without its master a worker has no purpose (Julia: exit code 1). */
export function workerLostPeer(pid: number): void {
  if (pid === 1) process.exit(1);
}
