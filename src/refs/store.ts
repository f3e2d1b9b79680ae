import { coded, type ErrorShape } from '../core/errors.js';
import type { RRID } from '../transport/messages.js';
import type { ChannelLike } from './channel-like.js';
import { RefTable } from './ref-table.js';

/**
 * The owner's side of remote references: the values of Futures and the channels behind
 * RemoteChannels that live on this process, with distributed reference counts.
 *
 * Counts are kept per client process and may go transiently negative: when A hands a reference to
 * B, A tells the owner "+1 for B", but B's own "-1" (after it fetched or dropped the reference)
 * can arrive first over a different connection. An entry is freed only when EVERY client's count
 * is exactly zero, so an in-flight "+1" (visible as a negative count) always keeps it alive.
 */
export interface FutureEntry {
  kind: 'future';
  settled: boolean;
  value: unknown;
  error: ErrorShape | null;
  waiters: (() => void)[];
  clients: Map<number, number>;
}

export interface ChannelEntry {
  kind: 'channel';
  chan: ChannelLike;
  clients: Map<number, number>;
}

/**
 * An object that lives elsewhere (a DArray's blocks) but is counted here, on its creator: when
 * every client's count is zero, `release` frees it.
 */
export interface HeldEntry {
  kind: 'held';
  release: () => void;
  clients: Map<number, number>;
}

export type RefEntry = FutureEntry | ChannelEntry | HeldEntry;

const entries = new RefTable<RefEntry>();

function newFuture(): FutureEntry {
  return { kind: 'future', settled: false, value: undefined, error: null, waiters: [], clients: new Map() };
}

/** The Future entry for `rr`, created on first mention (a Future's store is made lazily, as in Julia). */
export function futureEntry(rr: RRID): FutureEntry {
  const e = entries.get(rr);
  if (e) {
    if (e.kind !== 'future') throw coded(Error, 'ERR_PROTOCOL', 'reference is a RemoteChannel, not a Future');
    return e;
  }
  const f = newFuture();
  entries.set(rr, f);
  return f;
}

/** Whatever is stored under `rr`, if anything. */
export function lookupEntry(rr: RRID): RefEntry | undefined {
  return entries.get(rr);
}

export function channelEntry(rr: RRID): ChannelEntry {
  const e = entries.get(rr);
  if (e?.kind !== 'channel') {
    throw coded(Error, 'ERR_REF_FINALIZED', `RemoteChannel (${rr.whence}, ${rr.id}) no longer exists here: every handle to it was finalized`);
  }
  return e;
}

export function addChannel(rr: RRID, chan: ChannelLike, client: number): void {
  entries.set(rr, { kind: 'channel', chan, clients: new Map([[client, 1]]) });
}

/** Count a new held object for its first holder `client`; `release` runs once no process holds it. */
export function addHeld(rr: RRID, client: number, release: () => void): void {
  entries.set(rr, { kind: 'held', release, clients: new Map([[client, 1]]) });
}

/** Set a Future's value once. Returns false if it was already set. */
export function settleFuture(e: FutureEntry, value: unknown, error: ErrorShape | null): boolean {
  if (e.settled) return false;
  e.settled = true;
  e.value = value;
  e.error = error;
  const w = e.waiters;
  e.waiters = [];
  for (const wake of w) wake();
  return true;
}

export function whenSettled(e: FutureEntry): Promise<void> {
  if (e.settled) return Promise.resolve();
  return new Promise((resolve) => e.waiters.push(resolve));
}

/** Apply a client-count change; frees the entry when every count is zero. */
export function changeClients(rr: RRID, client: number, delta: number): void {
  let e = entries.get(rr);
  if (!e) {
    if (delta > 0) {
      e = newFuture();
      entries.set(rr, e);
    } else {
      return;
    }
  }
  const n = (e.clients.get(client) ?? 0) + delta;
  if (n === 0) e.clients.delete(client);
  else e.clients.set(client, n);
  if (e.clients.size === 0) free(rr, e);
}

function free(rr: RRID, e: RefEntry): void {
  entries.delete(rr);
  if (e.kind === 'held') e.release();
}

/** A process left the cluster: it holds nothing any more. */
export function dropClient(pid: number): void {
  for (const [rr, e] of [...entries.entries()]) {
    if (e.clients.delete(pid) && e.clients.size === 0) free(rr, e);
  }
}

/** For tests and diagnostics: is anything stored under `rr` here? */
export function hasEntry(rr: RRID): boolean {
  return entries.has(rr);
}

/** Number of stored references (diagnostics). */
export function entryCount(): number {
  return entries.size;
}
