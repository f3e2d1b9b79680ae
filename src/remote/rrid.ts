import type { RRID } from '../transport/messages.js';
import { myid } from '../cluster/identity.js';

/**
 * Remote reference identities. A reference is named by the process that created it (`whence`)
 * and a counter there (`id`); `key` packs both into one number for Map lookups
 * (whence < 2^21, id < 2^32: far beyond any real cluster).
 */
let nextId = 1;

export function newRRID(): RRID {
  return { whence: myid(), id: nextId++ };
}

export function rrKey(whence: number, id: number): number {
  return whence * 0x1_0000_0000 + id;
}
