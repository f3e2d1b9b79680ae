import { myid } from '../core/identity.js';
import { send } from '../transport/connections.js';
import type { RRID } from '../transport/messages.js';
import { changeClients } from './store.js';

/**
 * The messages of distributed reference counting, from a holder's side: "process `client` holds
 * `n` more handles to reference `rr`", sent to the reference's owner (on the owner itself the
 * count changes at once).
 *
 * Order matters in one direction only. A hand-over (+1 for the process a handle is sent to) must
 * reach the owner before any release that could bring the reference's last count to zero, or the
 * owner frees a value someone still needs. So additions leave at once, ahead of anything this
 * process sends the owner later (messages to one process arrive in order). Releases are batched
 * per owner and leave on the next turn of the event loop: a release that arrives later than it
 * could have only keeps a value alive a little longer.
 */
export function addHolds(owner: number, rr: RRID, client: number, count: number): void {
  if (owner === myid()) return changeClients(rr, client, count);
  send(owner, { kind: 'clients', deltas: [rr.whence, rr.id, client, count] });
}

/** Give back `count` holds of `client` on `rr` (batched; see addHolds). The owner may be gone. */
export function releaseHolds(owner: number, rr: RRID, client: number, count: number): void {
  if (count === 0) return;
  if (owner === myid()) return changeClients(rr, client, -count);
  let list = pending.get(owner);
  if (!list) pending.set(owner, (list = []));
  list.push(rr.whence, rr.id, client, -count);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushReleases).unref();
  }
}

const pending = new Map<number, number[]>();
let scheduled = false;

function flushReleases(): void {
  scheduled = false;
  for (const [owner, deltas] of pending) {
    try {
      send(owner, { kind: 'clients', deltas });
    } catch {
      // The owner is gone, and what it stored with it.
    }
  }
  pending.clear();
}

/** Apply a `clients` message from another process: flat quadruples [whence, id, client, delta]. */
export function applyClientDeltas(deltas: readonly number[]): void {
  for (let i = 0; i + 3 < deltas.length; i += 4) changeClients({ whence: deltas[i]!, id: deltas[i + 1]! }, deltas[i + 2]!, deltas[i + 3]!);
}
