import { coded } from '../errors.js';
import { myid } from '../cluster/identity.js';
import { onPeerLost } from '../cluster/peers.js';
import { workerPids } from '../cluster/process-table.js';
import { remotecallWait } from '../remote/calls.js';
import { registerInternal } from '../remote/functions.js';
import { registerHandleType } from '../transport/codec.js';
import type { DType } from './dtype.js';
import { mapFile, type FileRequest } from './file.js';
import { openShared, type Mapping, type ShareSource } from './segment.js';
import { familyOf, makeSharedArray, type SharedArray, type SharedArrayOptions } from './shared-array.js';

/**
 * A SharedArray across processes: who takes part, how the array travels, and its lifetime.
 *
 * Every SharedArray belongs to a family (one segment or file mapping, with its reshape
 * siblings) named by its creator's pid and a counter there. The array travels as a small handle;
 * each process keeps one object per family (later arrivals return it; sent back to its creator it
 * is the creator's own object). Participants map the memory when it first arrives, during
 * creation, and hold their mapping until the creator releases the array: on `close()`, or when
 * the creator's object is garbage-collected.
 */
export interface Family {
  sid: [number, number];
  bytes: number;
  pids: readonly number[];
  /** While the creator is sharing a fresh segment: where participants open it. */
  share: ShareSource | null;
  /** For a file-backed array: participants map the file themselves. */
  file: FileRequest | null;
  released: boolean;
}

let nextSid = 1;

export function newFamily(bytes: number, share: ShareSource | null, file: FileRequest | null): Family {
  return { sid: [myid(), nextSid++], bytes, pids: [], share, file, released: false };
}

function sidKey(sid: readonly [number, number]): number {
  return sid[0] * 0x1_0000_0000 + sid[1];
}

/**
 * The participants, validated. Default: the processes on this host without pid 1 when there are
 * workers (every worker of the LocalManager is on this host), else this process alone.
 */
export function participants(pids: unknown): readonly number[] {
  const live = workerPids();
  if (pids === undefined || (Array.isArray(pids) && pids.length === 0)) {
    return Object.freeze(live.length > 0 ? live : [myid()]);
  }
  if (!Array.isArray(pids) || !pids.every((p) => Number.isSafeInteger(p) && p > 0)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `pids must be an array of process ids, got ${String(pids)}`);
  }
  if (new Set(pids).size !== pids.length) throw coded(TypeError, 'ERR_INVALID_ARG', `pids must not repeat a process: [${pids.join(', ')}]`);
  const known = new Set([1, myid(), ...live]);
  const unknown = pids.find((p) => !known.has(p));
  if (unknown !== undefined) {
    throw coded(
      RangeError,
      'ERR_NO_SUCH_PROCESS',
      `pids: process ${unknown} is not a live process of this cluster on this host (processes: ${[...known].sort((a, b) => a - b).join(', ')})`,
    );
  }
  return Object.freeze([...pids]);
}

// --- one object per family in each process --------------------------------------------------------

interface Cached {
  /** Participants hold their object (and so their mapping) until the creator releases it. */
  strong: SharedArray<DType> | null;
  /**
   * Every object of the family in this process: the first one and its reshape siblings (made
   * here or arrived with other dims). An arrival returns the one with its dims, so a reshape'd
   * array is the same object on every arrival too; a release closes them all, so no sibling keeps
   * a participant's mapping alive after the creator released the array.
   */
  members: Set<WeakRef<SharedArray<DType>>>;
}
const cache = new Map<number, Cached>();
const uncache = new FinalizationRegistry<number>((key) => {
  const c = cache.get(key);
  if (c && !c.strong && live(c).length === 0) cache.delete(key);
});

function live(c: Cached): SharedArray<DType>[] {
  const out: SharedArray<DType>[] = [];
  for (const ref of c.members) {
    const S = ref.deref();
    if (S) out.push(S);
    else c.members.delete(ref);
  }
  return out;
}

function remember(S: SharedArray<DType>, strong: boolean): void {
  const key = sidKey(familyOf(S).sid);
  cache.set(key, { strong: strong ? S : null, members: new Set([new WeakRef(S)]) });
  uncache.register(S, key);
}

/** A reshape sibling made in this process (SharedArray.reshape) joins its family's entry. */
export function rememberSibling(S: SharedArray<DType>): void {
  const key = sidKey(familyOf(S).sid);
  const c = cache.get(key);
  if (!c) return; // released already: the sibling is closed with its mapping, or unmapped
  live(c); // drop collected siblings, so that a loop of reshapes does not grow the set
  c.members.add(new WeakRef(S));
  uncache.register(S, key);
}

/** This process's object of the family with these dims: an open one first, the first one first. */
function cached(key: number, dims: readonly number[]): SharedArray<DType> | undefined {
  const c = cache.get(key);
  if (!c) return undefined;
  const all = live(c);
  if (c.strong && !all.includes(c.strong)) all.unshift(c.strong);
  const sameDims = (S: SharedArray<DType>): boolean => S.dims.length === dims.length && S.dims.every((d, i) => d === dims[i]);
  const open = all.filter((S) => !S.isClosed);
  const hit = open.find(sameDims);
  if (hit) return hit;
  const base = open[0];
  // Another shape of an open array: a new sibling over the same mapping (it remembers itself).
  if (base) return base.reshape([...dims]);
  // Closed here: later use throws ERR_ARRAY_CLOSED (the memory is gone; never remap it).
  return all.find(sameDims) ?? all[0];
}

// --- creation -----------------------------------------------------------------------------------

/** Runs where the array arrives; mapping happened on arrival, so there is nothing left to do. */
function attachSharedArray(_S: SharedArray<DType>): void {}
registerInternal('attachSharedArray', attachSharedArray);

/**
 * Map the new array on every participant and run `init` on each (in parallel); resolve when all
 * are done. If any fails, the array is released everywhere and the first error (by pid) rethrown.
 */
export async function distribute<D extends DType>(S: SharedArray<D>, init: SharedArrayOptions<D>['init']): Promise<SharedArray<D>> {
  const family = familyOf(S);
  family.pids = S.pids;
  remember(S, false);
  const me = myid();
  const results = await Promise.allSettled(
    S.pids.map((p) => {
      if (p === me) return Promise.resolve().then(() => init?.(S));
      // The array travels as the argument: arriving is what maps it there.
      return remotecallWait((init ?? attachSharedArray) as (S: SharedArray<D>) => unknown, p, S);
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await S.close();
    throw failed.reason;
  }
  return S;
}

// --- release ---------------------------------------------------------------------------------------

/**
 * A creator that dies can no longer release its arrays: stop holding them here, so each is
 * unmapped once this process's own code is done with it (the views stay valid until then).
 */
onPeerLost((pid) => {
  for (const c of cache.values()) {
    const S = c.strong;
    if (S && familyOf(S).sid[0] === pid) c.strong = null;
  }
});

function releaseHere(key: number): void {
  const c = cache.get(key);
  cache.delete(key);
  if (!c) return;
  // Every object of the family here, reshape siblings included: the last close unmaps.
  for (const S of new Set([...(c.strong ? [c.strong] : []), ...live(c)])) void S.close();
}
registerInternal('releaseSharedArray', releaseHere);

/**
 * On the creator, once its last object of the family is closed or collected: release every other
 * participant's mapping. Elsewhere nothing to do. Idempotent.
 */
export async function releaseEverywhere(family: Family): Promise<void> {
  if (family.sid[0] !== myid() || family.released) return;
  family.released = true;
  const key = sidKey(family.sid);
  cache.delete(key);
  const others = family.pids.filter((p) => p !== myid());
  // A participant that died has nothing left to release.
  await Promise.allSettled(others.map((p) => remotecallWait(releaseHere, p, key)));
}

/** The creator's last object of a family was garbage-collected without close(). */
export function releaseWhenUnused(mapping: Mapping, family: Family): void {
  mapping.onUnused = () => void releaseEverywhere(family);
}

// --- travel -------------------------------------------------------------------------------------------

interface Handle {
  sid: [number, number];
  dtype: DType;
  dims: readonly number[];
  pids: readonly number[];
  bytes: number;
  share: ShareSource | null;
  file: FileRequest | null;
}

function arrive(h: Handle): SharedArray<DType> {
  const hit = cached(sidKey(h.sid), h.dims);
  if (hit) return hit;
  const family: Family = { sid: h.sid, bytes: h.bytes, pids: h.pids, share: null, file: h.file, released: false };
  const participant = h.pids.includes(myid());
  let mapping: Mapping | null = null;
  if (participant && h.bytes > 0) {
    if (h.file) mapping = mapFile({ ...h.file, mode: h.file.mode === 'w+' ? 'r+' : h.file.mode }, h.bytes);
    else if (h.share) mapping = openShared(h.share, h.bytes);
    else {
      throw coded(Error, 'ERR_NOT_MAPPED', `this SharedArray (created by process ${h.sid[0]}) was released before it reached participant ${myid()}`);
    }
  }
  const S = makeSharedArray(h.dtype, h.dims, h.pids, mapping, family);
  remember(S, mapping !== null);
  return S;
}

/** Called from SharedArray's static block: the class does not exist yet when this module loads. */
export function registerSharedArrayTransfer(cls: typeof SharedArray): void {
  registerHandleType<SharedArray<DType>>({
  tag: 'sarr',
  classes: [cls],
  encode(S): Handle {
    if (S.isClosed) throw coded(Error, 'ERR_ARRAY_CLOSED', 'cannot send a closed SharedArray to another process');
    const f = familyOf(S);
    return { sid: f.sid, dtype: S.dtype, dims: S.dims, pids: S.pids, bytes: f.bytes, share: f.share, file: f.file };
  },
  decode: (d) => arrive(d as Handle),
  });
}
