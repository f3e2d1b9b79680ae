import { coded } from '../errors.js';
import type { Msg, RRID } from '../transport/messages.js';

/**
 * The seam between the remote-call layer and the cluster that carries its messages. The cluster
 * installs the real implementation at load time (cluster/peers.ts); the remote layer only
 * states what it needs.
 */
export interface Wire {
  /** Queue a message to `pid`. Throws ProcessExitedException / ERR_NO_SUCH_PROCESS synchronously. */
  send(pid: number, m: Msg): void;
  /**
   * Tell `owner` that `client` holds `delta` more (or fewer) handles to `rr`. Delivered before any
   * later message from this process to `owner`, so a hand-over is counted before a release.
   */
  clientDelta(owner: number, rr: RRID, client: number, delta: number): void;
  /** Keep the process alive while a reply from `pid` is awaited (the master is otherwise unref'd). */
  awaiting(pid: number, delta: 1 | -1): void;
  /**
   * Keep the process alive while it waits on a store of its own (a RemoteChannel or Future it
   * owns) that another process may complete, as in the seed's jobs/results example.
   */
  awaitingHere(delta: 1 | -1): void;
}

let current: Wire | null = null;

export function setWire(w: Wire): void {
  current = w;
}

/** Run `work` (a wait on this process's own store) keeping the process alive meanwhile. */
export async function whileAwaitingHere<T>(work: () => Promise<T>): Promise<T> {
  wire().awaitingHere(1);
  try {
    return await work();
  } finally {
    wire().awaitingHere(-1);
  }
}

export function wire(): Wire {
  if (!current) throw coded(Error, 'ERR_PROTOCOL', 'sharedarrays: the cluster layer is not loaded (import the package entry point, not a submodule)');
  return current;
}
