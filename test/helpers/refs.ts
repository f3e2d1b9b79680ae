// Probing the owner's reference store (src/remote/ref-store.ts, internal) from tests. The module
// is loaded on every process with everywhere(path): its exports then travel by reference, so
// `remotecallFetch(hasEntry, pid, rr)` runs the owner's own hasEntry.
import { fileURLToPath } from 'node:url';
import * as sa from 'sharedarrays';
import { entryCount, hasEntry } from '../../dist/src/remote/ref-store.js';

export const refStorePath = fileURLToPath(new URL('../../dist/src/remote/ref-store.js', import.meta.url));

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
