// Probing the owner's reference store (src/remote/ref-store.ts, internal) from tests. The module
// is loaded on every process with everywhere(path): its exports then travel by reference, so
// `remotecallFetch(hasEntry, pid, rr)` runs the owner's own hasEntry.
import { fileURLToPath } from 'node:url';
import * as sa from 'sharedarrays';
import { entryCount, hasEntry } from '../../dist/src/refs/store.js';
import { waitFor } from './wait.js';

export const refStorePath = fileURLToPath(new URL('../../dist/src/refs/store.js', import.meta.url));

export function loadRefStore(): Promise<void> {
  return sa.everywhere(refStorePath);
}

interface HasRR {
  rr: { whence: number; id: number };
  where: number;
}

/** Does the owner of `ref` still hold its value or channel? */
export function stored(ref: HasRR): Promise<boolean> {
  return sa.remotecallFetch(hasEntry, ref.where, ref.rr);
}

/** How many references `pid` stores. */
export function storeSize(pid: number): Promise<number> {
  return sa.remotecallFetch(entryCount, pid);
}

/**
 * Wait until the owner of `ref` has freed it. Holders give their counts back in batches (a
 * release may arrive a turn after the fetch or finalize that caused it), so poll with a deadline.
 */
export function released(ref: HasRR): Promise<void> {
  return waitFor(async () => !(await stored(ref)), { what: `the owner of ${ref.rr.whence}/${ref.rr.id} to free it` });
}
