import { coded } from '../errors.js';
import { myid } from '../cluster/identity.js';
import type { RRID } from '../transport/messages.js';
import { changeClients } from './ref-store.js';
import { rrKey } from './rrid.js';
import { wire } from './wire.js';

/**
 * The client side of distributed reference counting, shared by Future and RemoteChannel.
 *
 * Each process keeps at most one live handle object per reference (a reference that arrives
 * again is the same object) and counts how many holds it has registered with the owner. When
 * the handle is finalized — explicitly, by a Future's fetch, or by garbage collection — the
 * whole count is given back in one message.
 */
interface Held {
  handle: WeakRef<RemoteRef>;
  count: number;
}

const held = new Map<number, Held>();

const collected = new FinalizationRegistry<{ where: number; whence: number; id: number }>((r) => {
  const key = rrKey(r.whence, r.id);
  const h = held.get(key);
  // The key may already hold a newer handle for the same reference: only release a dead one.
  if (!h || h.handle.deref() !== undefined) return;
  held.delete(key);
  releaseCount(r.where, { whence: r.whence, id: r.id }, h.count);
});

function releaseCount(where: number, rr: RRID, count: number): void {
  if (count === 0) return;
  if (where === myid()) changeClients(rr, myid(), -count);
  else {
    try {
      wire().clientDelta(where, rr, myid(), -count);
    } catch {
      // The owner is gone: nothing left to release.
    }
  }
}

export abstract class RemoteRef {
  /** The process that holds the value or channel. */
  where: number;
  readonly whence: number;
  readonly id: number;
  #finalized = false;

  protected constructor(where: number, rr: RRID) {
    this.where = where;
    this.whence = rr.whence;
    this.id = rr.id;
  }

  get rr(): RRID {
    return { whence: this.whence, id: this.id };
  }

  get isFinalized(): boolean {
    return this.#finalized;
  }

  /** Register this new handle as holding `count` (already counted at the owner). */
  protected track(count: number): void {
    held.set(rrKey(this.whence, this.id), { handle: new WeakRef(this), count });
    collected.register(this, { where: this.where, whence: this.whence, id: this.id }, this);
  }

  /** Holds currently registered at the owner. */
  protected heldCount(): number {
    return held.get(rrKey(this.whence, this.id))?.count ?? 0;
  }

  /** Make sure the owner counts this process as a holder (a handle made before any use). */
  protected ensureHeld(): void {
    const key = rrKey(this.whence, this.id);
    const h = held.get(key);
    if (h && h.count > 0) return;
    if (this.where === myid()) changeClients(this.rr, myid(), 1);
    else wire().clientDelta(this.where, this.rr, myid(), 1);
    if (h) h.count = 1;
    else this.track(1);
  }

  /** Give back every hold now (finalize, or a fetched Future). Returns how many were held. */
  protected releaseHolds(sendMessage: boolean): number {
    const key = rrKey(this.whence, this.id);
    const h = held.get(key);
    if (!h || h.handle.deref() !== this) return 0;
    held.delete(key);
    collected.unregister(this);
    if (sendMessage) releaseCount(this.where, this.rr, h.count);
    return h.count;
  }

  protected assertLive(what: string): void {
    if (this.#finalized) throw this.finalizedError(what);
  }

  protected finalizedError(what: string): Error {
    return coded(Error, 'ERR_REF_FINALIZED', `${what}: this reference was finalized; it can no longer be used`);
  }

  /** Release this handle now (Julia's `finalize`); later use rejects. */
  finalize(): void {
    if (this.#finalized) return;
    this.#finalized = true;
    this.releaseHolds(true);
  }

  /** The live handle for a reference arriving from another process (one object per reference). */
  protected static arrive<R extends RemoteRef>(where: number, rr: RRID, make: () => R): R {
    const key = rrKey(rr.whence, rr.id);
    const h = held.get(key);
    const existing = h?.handle.deref();
    if (h && existing && !existing.#finalized) {
      h.count += 1;
      return existing as R;
    }
    const r = make();
    r.track(1);
    return r;
  }

  /**
   * Count a hand-over of this reference to process `to`: the receiver will hold one more.
   * The owner counts itself on arrival; otherwise the owner must hear of it before this
   * process can release its own hold (Wire.clientDelta keeps that order).
   */
  protected countHandOver(to: number): void {
    if (to === this.where) return;
    if (this.where === myid()) changeClients(this.rr, to, 1);
    else wire().clientDelta(this.where, this.rr, to, 1);
  }

  /** The owner counts its own arriving handles itself. */
  protected static countArrivalAtOwner(where: number, rr: RRID): void {
    if (where === myid()) changeClients(rr, myid(), 1);
  }
}
