// Probing where DArray blocks live (src/darray/block-store.ts, internal) from tests. The module
// is loaded on every process with everywhere(path): its exports then travel by reference, so
// `remotecallFetch(blockCount, pid)` runs that process's own blockCount.
import { fileURLToPath } from 'node:url';
import * as sa from 'sharedarrays';
import { blockCount } from '../../dist/src/darray/block-store.js';
import { waitFor } from './wait.js';

const blockStorePath = fileURLToPath(new URL('../../dist/src/darray/block-store.js', import.meta.url));

export function loadBlockStore(): Promise<void> {
  return sa.everywhere(blockStorePath);
}

/** How many DArray blocks each of `pids` holds. */
export function blockCounts(pids: readonly number[]): Promise<number[]> {
  return Promise.all(pids.map((p) => (p === sa.myid() ? blockCount() : sa.remotecallFetch(blockCount, p))));
}

/** Wait until none of `pids` holds a block (frees travel as messages, so poll with a deadline). */
export function noBlocksLeft(pids: readonly number[], what = 'every block to be freed'): Promise<void> {
  return waitFor(async () => (await blockCounts(pids)).every((n) => n === 0), { what });
}
