import { myid } from '../core/identity.js';
import type { RRID } from '../transport/messages.js';

/**
 * Remote reference identities. A reference is named by the process that created it (`whence`)
 * and a counter there (`id`); maps keyed by them are RefTables.
 */
let nextId = 1;

export function newRRID(): RRID {
  return { whence: myid(), id: nextId++ };
}

