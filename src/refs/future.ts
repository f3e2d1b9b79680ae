import { detached } from '../core/call-scope.js';
import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { type CodecContext, decodeValue, type HandleType } from '../transport/codec.js';
import { whileAwaitingHere } from '../transport/connections.js';
import type { RRID } from '../transport/messages.js';
import { callOn } from '../transport/owner-calls.js';
import type { Payload } from '../transport/payload.js';
import { futureFetch, futureIsReady, futurePut, futureWait } from './future-ops.js';
import { RemoteRef, type RefRecord } from './remote-ref.js';
import { errorFrom, readDone, readValue, replyError } from './replies.js';
import { newRRID } from './rrid.js';
import { futureEntry, settleFuture, whenSettled } from './store.js';

/**
 * A write-once remote reference (Julia's Future): the eventual value of a remote call, or a slot
 * anyone holding it may `put` once. `fetch` waits for the value, caches it here and gives back
 * this process's hold on the owner's copy; a Future handed to another process still fetches from
 * its owner. Every operation on the owner is an owner call (transport/owner-calls.ts).
 */
export class Future<T = unknown> extends RemoteRef {
  #hasValue = false;
  #value: T | undefined;
  #error: Error | null = null;
  #fetching: Promise<T> | null = null;

  /** A new, empty Future whose value will live on `pid` (default: this process). */
  constructor(pid?: number);
  /** @internal A handle for the existing reference `rr`, owned by `pid`. */
  constructor(pid: number, rr: RRID);
  constructor(pid: number = myid(), rr: RRID = newRRID()) {
    super(pid, rr);
  }

  /** @internal A Future for a call this process just sent (the owner counts us already). */
  static forCall<T>(pid: number, rr: RRID): Future<T> {
    const f = new Future<T>(pid, rr);
    f.track(1);
    return f;
  }

  /** Wait for the value and return it; the first fetch caches it locally. */
  fetch(): Promise<T> {
    // A finalized Future rejects (never throws synchronously), even when it had cached a value.
    if (this.isFinalized) return Promise.reject(this.finalizedError('fetch'));
    if (this.#hasValue) return this.#error ? Promise.reject(this.#error) : Promise.resolve(this.#value as T);
    // Every later fetch here waits on this one promise, so it must not stall with the caller that
    // happened to start it, should that call be interrupted (core/call-scope.ts). A remote fetch is
    // settled by its reply directly; a local one awaits the store entry: detached.
    this.#fetching ??= this.where === myid() ? detached(() => this.#fetchLocal()) : this.#fetchRemote();
    return this.#fetching;
  }

  /**
   * Reads a fetch reply into the cache (one promise per fetch: this runs as the reply arrives).
   * Only then does this process give back its holds: a hand-over of this Future made while the
   * fetch was on its way has been counted at the owner first (see refs/holds.ts).
   */
  readonly #readFetch = (ok: boolean, value: Payload, pid: number): T => {
    if (!ok) {
      this.#cache(undefined, replyError(pid, value));
      this.giveBack();
      throw this.#error;
    }
    const v = decodeValue(value, { peer: pid }) as T;
    this.#cache(v, null);
    this.giveBack();
    return v;
  };

  async #fetchLocal(): Promise<T> {
    this.ensureHeld();
    const e = futureEntry(this.rr);
    await whileAwaitingHere(() => whenSettled(e));
    this.#cache(e.value as T, e.error ? errorFrom(this.where, e.error) : null);
    this.giveBack();
    return this.fetch();
  }

  #fetchRemote(): Promise<T> {
    this.ensureHeld();
    return callOn(this.where, futureFetch, this.rr, [], this.#readFetch);
  }

  #cache(value: T | undefined, error: Error | null): void {
    this.#hasValue = true;
    this.#value = value;
    this.#error = error;
  }

  /** Wait until the value exists (errors are thrown, as fetch would). */
  async wait(): Promise<this> {
    this.assertLive('wait');
    if (this.#hasValue) {
      if (this.#error) throw this.#error;
      return this;
    }
    // A fetch in flight gives back this process's holds when answered: the owner may free the
    // value right then, so wait on that fetch rather than ask the owner again.
    if (this.#fetching) {
      await this.#fetching;
      return this;
    }
    this.ensureHeld();
    if (this.where === myid()) {
      const e = futureEntry(this.rr);
      await whileAwaitingHere(() => whenSettled(e));
      if (e.error) throw errorFrom(this.where, e.error);
      return this;
    }
    await callOn(this.where, futureWait, this.rr, [], readDone);
    return this;
  }

  /** Has the value been set? (A remote owner is asked.) */
  async isready(): Promise<boolean> {
    this.assertLive('isready');
    if (this.#hasValue) return true;
    // Its fetch is on the way (see wait): not here yet, and asking the owner could find it freed.
    if (this.#fetching) return false;
    this.ensureHeld();
    if (this.where === myid()) return futureEntry(this.rr).settled;
    return callOn(this.where, futureIsReady, this.rr, [], readValue) as Promise<boolean>;
  }

  /** Set the value, once. A second put (from anywhere) rejects. */
  async put(v: T): Promise<this> {
    this.assertLive('put');
    if (this.#hasValue) throw futureSetError();
    // Hold it first, so the owner's entry exists with a count this put then gives back (a
    // Future made by `new Future(pid)` is not counted anywhere until first used).
    this.ensureHeld();
    if (this.where === myid()) {
      if (!settleFuture(futureEntry(this.rr), v, null)) throw futureSetError();
    } else {
      await callOn(this.where, futurePut, this.rr, [v], readDone);
    }
    // Like Julia: the putter caches the value and gives back its hold on the owner's copy.
    this.#cache(v, null);
    this.giveBack();
    return this;
  }

  /** @internal A fetched Future travels with its value inline; otherwise as a counted reference. */
  static encodeHandle(f: Future): unknown {
    f.assertLive('send');
    if (f.#hasValue && !f.#error) return { ...f.record(), value: [f.#value] };
    f.ensureHeld();
    return f.record();
  }

  /** @internal Counted once the message carrying it has encoded (a fetched Future carries its value). */
  static handOver(f: Future, ctx: CodecContext): void {
    if (!(f.#hasValue && !f.#error)) f.countHandOver(ctx.peer);
  }

  /** @internal */
  static decodeHandle(d: RefRecord & { value?: [unknown] }): Future {
    if (d.value) {
      const f = new Future(d.where, { whence: d.whence, id: d.id });
      f.#cache(d.value[0], null);
      return f;
    }
    return RemoteRef.arriveRecord(d, (where, rr) => new Future(where, rr));
  }
}

/** How a Future travels between processes (listed in the runtime's handle-type table). */
export const futureHandleType: HandleType<Future> = {
  tag: 'future',
  classes: [Future],
  encode: (f) => Future.encodeHandle(f),
  handOver: (f, ctx) => Future.handOver(f, ctx),
  decode: (d) => Future.decodeHandle(d as RefRecord & { value?: [unknown] }),
  referable: true,
};

function futureSetError(): Error {
  return coded(Error, 'ERR_FUTURE_SET', 'Future can be set only once');
}
