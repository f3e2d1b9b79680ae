import { send } from '../transport/connections.js';

/**
 * What each peer holds of this process's shipped things, and what this process holds of each
 * peer's, by id: functions, handles captured in a `capture` env, and capture templates (source
 * text compiled once per peer, templates.ts). A thing crosses once per peer and is referred to by
 * its id afterwards (Julia's CachingPool lesson, julia#28949).
 *
 * The sender notes that a peer holds an id only once the message carrying it has fully encoded
 * (a hand-over, see HandOvers in transport/codec.ts): a message that fails half-way leaves no
 * false belief behind. The receiver keeps what it got until the sender says `forget`: when the
 * sender's object is garbage-collected (the sender holds it weakly, through its id), when a
 * template leaves the sender's cache, or when a CachingPool is cleared.
 */

interface PeerTables {
  /** Ids of this process's things that the peer holds (it is told to forget them). */
  holds: Set<number>;
  /** The peer's things this process holds, by the peer's ids. */
  received: Map<number, unknown>;
}

const peers = new Map<number, PeerTables>();
const ids = new WeakMap<object, number>();
let nextId = 1;

function tablesOf(pid: number): PeerTables {
  let p = peers.get(pid);
  if (!p) {
    p = { holds: new Set(), received: new Map() };
    peers.set(pid, p);
  }
  return p;
}

/** A fresh id, for things that are not objects of their own (templates). */
export function newShippedId(): number {
  return nextId++;
}

/** The id of `obj` (made on first use); peers holding it are told to forget it once `obj` is collected. */
export function shippedId(obj: object): number {
  let id = ids.get(obj);
  if (id === undefined) {
    id = nextId++;
    ids.set(obj, id);
    collected.register(obj, id);
  }
  return id;
}

/** The id of `obj` if it ever got one. */
export function knownShippedId(obj: object): number | undefined {
  return ids.get(obj);
}

/** Does `pid` hold this process's thing `id`? */
export function peerHolds(pid: number, id: number): boolean {
  return peers.get(pid)?.holds.has(id) === true;
}

/** `pid` now holds this process's thing `id` (call once the message carrying it has encoded). */
export function notePeerHolds(pid: number, id: number): void {
  tablesOf(pid).holds.add(id);
}

/** What this process holds of `from`'s thing `id`, if anything. */
export function receivedFrom(from: number, id: number): unknown {
  return peers.get(from)?.received.get(id);
}

/** Keep `from`'s thing `id` (until `from` says to forget it). */
export function keepReceived(from: number, id: number, thing: unknown): void {
  tablesOf(from).received.set(id, thing);
}

/** A peer went away: what it held of ours and what we held of its are both gone. */
export function dropPeerShipped(pid: number): void {
  peers.delete(pid);
}

/** The peer `from` no longer has these things (it collected or evicted them): drop our copies. */
export function forgetReceived(from: number, forgotten: readonly number[]): void {
  const p = peers.get(from);
  if (p) for (const id of forgotten) p.received.delete(id);
}

// --- telling peers to forget ---------------------------------------------------------------------

const pendingForget = new Map<number, number[]>();
let forgetScheduled = false;

/** Note that every peer holding `id` must drop it (sent on the next turn of the event loop). */
export function forgetEverywhere(id: number): void {
  for (const [pid, p] of peers) {
    if (!p.holds.delete(id)) continue;
    let list = pendingForget.get(pid);
    if (!list) pendingForget.set(pid, (list = []));
    list.push(id);
  }
  if (!forgetScheduled && pendingForget.size > 0) {
    forgetScheduled = true;
    setImmediate(flushForget).unref();
  }
}

const collected = new FinalizationRegistry<number>(forgetEverywhere);

function flushForget(): void {
  forgetScheduled = false;
  for (const [pid, list] of pendingForget) {
    try {
      send(pid, { kind: 'forget', fnIds: list });
    } catch {
      // The peer is gone, and its copies with it.
    }
  }
  pendingForget.clear();
}

/** Make every peer forget these objects now (CachingPool.clear), as if they were collected. */
export function forgetShippedNow(objs: readonly object[]): void {
  for (const obj of objs) {
    const id = ids.get(obj);
    if (id !== undefined) forgetEverywhere(id);
  }
  flushForget();
}
