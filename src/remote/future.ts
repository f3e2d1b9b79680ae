import { coded } from '../errors.js';
import { myid } from '../cluster/identity.js';
import { decodeValue, encodeValue, registerHandleType, EMPTY_PAYLOAD, type CodecContext, type Payload } from '../transport/codec.js';
import { RefOp, type RRID } from '../transport/messages.js';
import { futureEntry, settleFuture, whenSettled, type FutureEntry } from './ref-store.js';
import { RemoteRef, type RefRecord } from './remote-ref.js';
import { nextRequestId, request } from './requests.js';
import { asRemote, readDone, readValue, replyError } from './replies.js';
import { newRRID } from './rrid.js';
import { whileAwaitingHere } from './wire.js';

/**
 * A write-once remote reference (Julia's Future): the eventual value of a remote call, or a slot
 * anyone holding it may `put` once. `fetch` waits for the value, caches it here and releases the
 * owner's copy; a Future handed to another process still fetches from its owner.
 */
export class Future<T = unknown> extends RemoteRef {
  #hasValue = false;
  #value: T | undefined;
  #error: Error | null = null;
  #fetching: Promise<T> | null = null;

  /** A new, empty Future whose value will live on `pid` (default: this process). */
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
    this.#fetching ??= this.where === myid() ? this.#fetchLocal() : this.#fetchRemote();
    return this.#fetching;
  }

  /** Reads a fetch reply into the cache (one promise per fetch: this runs as the reply arrives). */
  readonly #readFetch = (ok: boolean, value: Payload, pid: number): T => {
    this.releaseHolds(false);
    if (!ok) {
      this.#cache(undefined, replyError(pid, value));
      throw this.#error;
    }
    const v = decodeValue(value, { peer: pid }) as T;
    this.#cache(v, null);
    return v;
  };

  async #fetchLocal(): Promise<T> {
    this.ensureHeld();
    const e = futureEntry(this.rr);
    await whileAwaitingHere(() => whenSettled(e));
    this.#cache(e.value as T, e.error ? asRemote(this.where, e.error) : null);
    this.releaseHolds(true);
    return this.fetch();
  }

  #fetchRemote(): Promise<T> {
    // The fetch itself gives back this process's holds once the owner has answered.
    const count = this.heldCount() || this.#registerForFetch();
    const msg = { kind: 'ref', reqId: nextRequestId(), op: RefOp.Fetch, rr: this.rr, count, value: EMPTY_PAYLOAD } as const;
    return request(this.where, msg, this.#readFetch);
  }

  #registerForFetch(): number {
    this.ensureHeld();
    return 1;
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
    if (this.where === myid()) {
      this.ensureHeld();
      const e = futureEntry(this.rr);
      await whileAwaitingHere(() => whenSettled(e));
      if (e.error) throw asRemote(this.where, e.error);
      return this;
    }
    this.ensureHeld();
    await request(this.where, { kind: 'ref', reqId: nextRequestId(), op: RefOp.Wait, rr: this.rr, count: 0, value: EMPTY_PAYLOAD }, readDone);
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
    const msg = { kind: 'ref', reqId: nextRequestId(), op: RefOp.IsReady, rr: this.rr, count: 0, value: EMPTY_PAYLOAD } as const;
    return request(this.where, msg, readValue) as Promise<boolean>;
  }

  /** Set the value, once. A second put (from anywhere) rejects. */
  async put(v: T): Promise<this> {
    this.assertLive('put');
    if (this.#hasValue) throw futureSetError();
    if (this.where === myid()) {
      this.ensureHeld();
      if (!settleFuture(futureEntry(this.rr), v, null)) throw futureSetError();
      this.#cache(v, null);
      this.releaseHolds(true);
      return this;
    }
    const value = encodeValue(v, { peer: this.where }, 'put value');
    // Hold it first, so the owner's entry exists with a count this put then gives back (a
    // Future made by `new Future(pid)` is not counted anywhere until first used).
    this.ensureHeld();
    const count = this.heldCount();
    await request(this.where, { kind: 'ref', reqId: nextRequestId(), op: RefOp.Put, rr: this.rr, count, value }, readDone);
    // Like Julia: the putter caches the value and releases the owner's copy.
    this.releaseHolds(false);
    this.#cache(v, null);
    return this;
  }

  /** @internal Codec: cached value travels with a fetched Future; otherwise a counted reference. */
  static encodeHandle(f: Future): unknown {
    f.assertLive('send');
    if (f.#hasValue && !f.#error) return { ...f.record(), value: [f.#value] };
    f.ensureHeld();
    return f.record();
  }

  /** @internal Counted once the message carrying it has encoded (a fetched Future carries its value). */
  static handOver(f: Future, to: number): void {
    if (!(f.#hasValue && !f.#error)) f.countHandOver(to);
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

registerHandleType<Future>({
  tag: 'future',
  classes: [Future],
  encode: (f) => Future.encodeHandle(f),
  handOver: (f, ctx) => Future.handOver(f, ctx.peer),
  decode: (d) => Future.decodeHandle(d as never),
});

function futureSetError(): Error {
  return coded(Error, 'ERR_FUTURE_SET', 'Future can be set only once');
}

export type { FutureEntry };
