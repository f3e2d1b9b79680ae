import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { thisHost } from '../core/host.js';
import { hostOf, workerPids } from '../core/process-table.js';
import { readDone } from '../refs/replies.js';
import { remotecallWait } from '../remote/calls.js';
import type { RRID } from '../transport/messages.js';
import { callOn } from '../transport/owner-calls.js';
import type { FileRequest } from './file.js';
import type { SharedPart } from './segment.js';

/**
 * A SharedArray across processes: who takes part, one object per array in each process, and
 * its lifetime. (How it travels: shared-array-handle.ts.)
 *
 * Every SharedArray belongs to a family (one segment or file mapping, with its reshape
 * siblings) named by its creator's pid and a counter there. Each process keeps one object per
 * family (later arrivals return it; sent back to its creator it is the creator's own object).
 * Participants map the memory when it first arrives, during creation, and hold their mapping
 * until the creator releases the array: on `close()`, or when the creator's object is
 * garbage-collected.
 */
export interface Family {
  /** Named like a remote reference: the creator's pid and a counter there. */
  sid: [number, number];
  bytes: number;
  pids: readonly number[];
  /** While the creator is sharing fresh memory: where participants open it (one segment, or parts side by side). */
  share: SharedPart[] | null;
  /** For a file-backed array: participants map the file themselves. */
  file: FileRequest | null;
  released: boolean;
}

/**
 * What this module needs of a SharedArray (structural, so that shared-array.ts can import this
 * module and not the other way round).
 */
export interface Member {
  readonly family: Family;
  readonly dims: readonly number[];
  readonly pids: readonly number[];
  readonly isClosed: boolean;
  close(): Promise<void>;
  reshape(dims: number[]): Member;
}

let nextSid = 1;

export function newFamily(bytes: number, share: SharedPart[] | null, file: FileRequest | null): Family {
  return { sid: [myid(), nextSid++], bytes, pids: [], share, file, released: false };
}

export function sidKey(sid: readonly [number, number]): number {
  return sid[0] * 0x1_0000_0000 + sid[1];
}

/**
 * The participants, validated. Default: the workers on this process's host (processes on other
 * machines cannot map its memory), or this process alone when there are none. Explicit pids must
 * be live processes of the cluster on this host; the error names the hosts otherwise.
 */
export function participants(pids: unknown): readonly number[] {
  const me = myid();
  const here = thisHost();
  const onThisHost = (p: number): boolean => hostOf(p, me)?.key === here.key;
  if (pids === undefined || (Array.isArray(pids) && pids.length === 0)) {
    const local = workerPids().filter(onThisHost);
    return Object.freeze(local.length > 0 ? local : [me]);
  }
  if (!Array.isArray(pids) || !pids.every((p) => Number.isSafeInteger(p) && p > 0)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `pids must be an array of process ids, got ${String(pids)}`);
  }
  if (new Set(pids).size !== pids.length) throw coded(TypeError, 'ERR_INVALID_ARG', `pids must not repeat a process: [${pids.join(', ')}]`);
  const known = new Set([1, me, ...workerPids()]);
  const unknown = pids.find((p) => !known.has(p));
  if (unknown !== undefined) {
    throw coded(
      RangeError,
      'ERR_NO_SUCH_PROCESS',
      `pids: process ${unknown} is not a live process of this cluster (processes: ${[...known].sort((a, b) => a - b).join(', ')})`,
    );
  }
  const elsewhere = pids.filter((p) => !onThisHost(p));
  if (elsewhere.length > 0) {
    const where = elsewhere.map((p) => `${p} on ${hostOf(p, me)?.name ?? 'an unknown host'}`).join(', ');
    throw coded(
      RangeError,
      'ERR_NOT_SAME_HOST',
      `pids: a SharedArray is shared by processes of one machine; process ${me} is on ${here.name}, but ${where}. ` +
        'Create one array per machine (each with its own pids), or use a DArray across machines',
    );
  }
  return Object.freeze([...pids]);
}

// --- one object per family in each process --------------------------------------------------------

interface Cached {
  /** Participants hold their object (and so their mapping) until the creator releases it. */
  strong: Member | null;
  /**
   * Every object of the family in this process: the first one and its reshape siblings (made
   * here or arrived with other dims). An arrival returns the one with its dims, so a reshape'd
   * array is the same object on every arrival too; a release closes them all, so no sibling keeps
   * a participant's mapping alive after the creator released the array.
   */
  members: Set<WeakRef<Member>>;
}
const cache = new Map<number, Cached>();
const uncache = new FinalizationRegistry<number>((key) => {
  const c = cache.get(key);
  if (c && !c.strong && live(c).length === 0) cache.delete(key);
});

function live(c: Cached): Member[] {
  const out: Member[] = [];
  for (const ref of c.members) {
    const S = ref.deref();
    if (S) out.push(S);
    else c.members.delete(ref);
  }
  return out;
}

export function remember(S: Member, strong: boolean): void {
  const key = sidKey(S.family.sid);
  cache.set(key, { strong: strong ? S : null, members: new Set([new WeakRef(S)]) });
  uncache.register(S, key);
}

/** A reshape sibling made in this process (SharedArray.reshape) joins its family's entry. */
export function rememberSibling(S: Member): void {
  const key = sidKey(S.family.sid);
  const c = cache.get(key);
  if (!c) return; // released already: the sibling is closed with its mapping, or unmapped
  live(c); // drop collected siblings, so that a loop of reshapes does not grow the set
  c.members.add(new WeakRef(S));
  uncache.register(S, key);
}

/** This process's object of the family with these dims: an open one first, the first one first. */
export function cached(key: number, dims: readonly number[]): Member | undefined {
  const c = cache.get(key);
  if (!c) return undefined;
  const all = live(c);
  if (c.strong && !all.includes(c.strong)) all.unshift(c.strong);
  const sameDims = (S: Member): boolean => S.dims.length === dims.length && S.dims.every((d, i) => d === dims[i]);
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

/**
 * Runs where the array arrives; mapping happened on arrival, so there is nothing left to do (an
 * internal function: it travels by name).
 */
export function attachSharedArray(_S: Member): void {}

/**
 * Map the new array on every participant and run `init` on each (in parallel); resolve when all
 * are done. If any fails, the array is released everywhere and the first error (by pid) rethrown.
 */
export async function distribute<A extends Member>(S: A, init: ((S: A) => unknown) | undefined): Promise<A> {
  S.family.pids = S.pids;
  remember(S, false);
  const me = myid();
  const results = await Promise.allSettled(
    S.pids.map((p) => {
      if (p === me) return Promise.resolve().then(() => init?.(S));
      // The array travels as the argument: arriving is what maps it there.
      return remotecallWait((init ?? attachSharedArray) as (S: A) => unknown, p, S);
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
export function forgetArraysOf(pid: number): void {
  for (const c of cache.values()) {
    const S = c.strong;
    if (S && S.family.sid[0] === pid) c.strong = null;
  }
}

/** The creator released the array `sid`: an owner operation it runs on each participant. */
export function releaseSharedArray(_from: number, sid: RRID): void {
  const key = sidKey([sid.whence, sid.id]);
  const c = cache.get(key);
  cache.delete(key);
  if (!c) return;
  // Every object of the family here, reshape siblings included: the last close unmaps.
  for (const S of new Set([...(c.strong ? [c.strong] : []), ...live(c)])) void S.close();
}

/**
 * On the creator, once its last object of the family is closed or collected: release every other
 * participant's mapping. Elsewhere nothing to do. Idempotent.
 */
export async function releaseEverywhere(family: Family): Promise<void> {
  if (family.sid[0] !== myid() || family.released) return;
  family.released = true;
  cache.delete(sidKey(family.sid));
  const sid = { whence: family.sid[0], id: family.sid[1] };
  // A participant that died has nothing left to release.
  await Promise.allSettled(family.pids.filter((p) => p !== myid()).map((p) => callOn(p, releaseSharedArray, sid, [], readDone)));
}

/** The creator's last object of a family was garbage-collected without close(). */
export function releaseWhenUnused(mapping: { onUnused: (() => void) | null }, family: Family): void {
  mapping.onUnused = () => void releaseEverywhere(family);
}
