import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import type { RRID } from '../transport/messages.js';
import { addHolds, releaseHolds } from './holds.js';
import { RefTable } from './ref-table.js';

/**
 * The client side of distributed reference counting, shared by Future and RemoteChannel.
 *
 * A handle records how many holds this process has registered with the owner (`Hold`); when the
 * handle is finalized — explicitly, by a Future's fetch, or by garbage collection — the whole
 * count is given back in one message. A reference that arrives again is the same object: handles
 * that have crossed processes are indexed (weakly) by identity. Handles that never leave this
 * process skip the index, which keeps a plain remotecall + fetch cheap.
 */
interface Hold {
  where: number;
  whence: number;
  id: number;
  count: number;
}

const crossed = new RefTable<WeakRef<RemoteRef>>();

const collected = new FinalizationRegistry<Hold>((h) => {
  const rr = { whence: h.whence, id: h.id };
  if (crossed.get(rr)?.deref() === undefined) crossed.delete(rr);
  releaseHolds(h.where, rr, myid(), h.count);
});

export abstract class RemoteRef {
  /** The process that holds the value or channel (its owner). */
  where: number;
  /** The process that created the reference; with `id`, its identity in the whole cluster. */
  readonly whence: number;
  /** The reference's number, unique among those created by `whence`. */
  readonly id: number;
  #finalized = false;
  #hold: Hold | null = null;

  protected constructor(where: number, rr: RRID) {
    this.where = where;
    this.whence = rr.whence;
    this.id = rr.id;
  }

  /** @internal The reference's identity as the wire carries it. */
  get rr(): RRID {
    return { whence: this.whence, id: this.id };
  }

  /** Whether `finalize()` was called; a finalized handle rejects every operation. */
  get isFinalized(): boolean {
    return this.#finalized;
  }

  /** Register this new handle as holding `count` (already counted at the owner). */
  protected track(count: number): void {
    this.#hold = { where: this.where, whence: this.whence, id: this.id, count };
    collected.register(this, this.#hold, this);
  }

  /** Holds currently registered at the owner. */
  protected heldCount(): number {
    return this.#hold?.count ?? 0;
  }

  /** Make sure the owner counts this process as a holder (a handle made before any use). */
  protected ensureHeld(): void {
    if (this.#hold && this.#hold.count > 0) return;
    addHolds(this.where, this.rr, myid(), 1);
    if (this.#hold) this.#hold.count = 1;
    else this.track(1);
  }

  /** Give back every hold now (finalize, or a fetched Future). */
  protected giveBack(): void {
    const h = this.#hold;
    if (!h) return;
    this.#hold = null;
    collected.unregister(this);
    // Its GC callback will not run now, and that callback is what prunes the index.
    if (crossed.get(this.rr)?.deref() === this) crossed.delete(this.rr);
    releaseHolds(this.where, this.rr, myid(), h.count);
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
    this.giveBack();
  }

  /** The live handle for a reference arriving from another process (one object per reference). */
  protected static arrive<R extends RemoteRef>(rr: RRID, make: () => R): R {
    const existing = crossed.get(rr)?.deref();
    if (existing && !existing.#finalized) {
      if (existing.#hold) existing.#hold.count += 1;
      else existing.track(1);
      return existing as R;
    }
    const r = make();
    r.track(1);
    crossed.set(rr, new WeakRef(r));
    return r;
  }

  /**
   * Count a hand-over of this reference to process `to`: the receiver will hold one more.
   * The owner counts itself on arrival; otherwise the owner must hear of it before this
   * process can release its own hold (addHolds keeps that order).
   */
  protected countHandOver(to: number): void {
    // Index it, so that if it comes back here it is this very object.
    if (crossed.get(this.rr)?.deref() !== this) crossed.set(this.rr, new WeakRef(this));
    if (to !== this.where) addHolds(this.where, this.rr, to, 1);
  }

  /** What a handle travels as: where its store is, and its identity. */
  protected record(): RefRecord {
    return { where: this.where, whence: this.whence, id: this.id };
  }

  /**
   * The handle for a reference record arriving here (see arrive). The owner counts its own
   * arriving handles itself; elsewhere the sender has already told the owner.
   */
  protected static arriveRecord<R extends RemoteRef>(d: RefRecord, make: (where: number, rr: RRID) => R): R {
    const rr = { whence: d.whence, id: d.id };
    if (d.where === myid()) addHolds(d.where, rr, myid(), 1);
    return RemoteRef.arrive(rr, () => make(d.where, rr));
  }

  /** `Future(where, whence, id)` or `RemoteChannel(where, whence, id)`, as Julia prints them. */
  toString(): string {
    return `${this.constructor.name}(${this.where}, ${this.whence}, ${this.id})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

export interface RefRecord {
  where: number;
  whence: number;
  id: number;
}
