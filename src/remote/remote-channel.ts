import { coded, InvalidStateException } from '../errors.js';
import { myid } from '../cluster/identity.js';
import { decodeValue, encodeValue, registerHandleType, EMPTY_PAYLOAD, type CodecContext } from '../transport/codec.js';
import { CallMode, RefOp, type RRID } from '../transport/messages.js';
import { Channel } from '../channel.js';
import { isChannelLike, type ChannelLike } from './channel-like.js';
import { addChannel, channelEntry } from './ref-store.js';
import { RemoteRef, type RefRecord } from './remote-ref.js';
import { readDone, readValue } from './replies.js';
import { nextRequestId, request } from './requests.js';
import { newRRID } from './rrid.js';
import { fnWire } from './functions.js';
import { whileAwaitingHere } from './wire.js';

/**
 * A handle to a channel living on process `where` (Julia's RemoteChannel). Every method is
 * proxied to the owner; a RemoteChannel passed to another process points at the same channel.
 * On the owner itself the methods act on the channel directly, with the very same objects.
 */
export class RemoteChannel<T = unknown> extends RemoteRef implements AsyncIterable<T> {
  private constructor(where: number, rr: RRID) {
    super(where, rr);
  }

  /**
   * Create the channel by running `factory` on `pid` (default: `new Channel(1)` on this process).
   * The factory must return a Channel, or any object with put/take/fetch/isready/wait/close/isopen.
   */
  static async create<T = unknown>(factory?: () => ChannelLike<T>, pid: number = myid()): Promise<RemoteChannel<T>> {
    if (factory !== undefined && typeof factory !== 'function') {
      throw coded(TypeError, 'ERR_INVALID_ARG', 'RemoteChannel.create(factory, pid): factory must be a function returning a Channel');
    }
    const rr = newRRID();
    if (pid === myid()) {
      const chan = factory ? await factory() : new Channel<T>(1);
      if (!isChannelLike(chan)) throw notAChannel();
      addChannel(rr, chan as ChannelLike, myid());
    } else {
      const f = factory ?? defaultFactory;
      const { fnId, fnDef } = fnWire(f, pid);
      await request(pid, { kind: 'call', reqId: nextRequestId(), mode: CallMode.Channel, rr, fnId, fnDef, args: EMPTY_PAYLOAD }, readDone);
    }
    const rc = new RemoteChannel<T>(pid, rr);
    rc.track(1);
    return rc;
  }

  async #op(op: RefOp, what: string, v?: T): Promise<unknown> {
    this.assertLive(what);
    if (this.where === myid()) {
      const chan = channelEntry(this.rr).chan;
      return whileAwaitingHere(() => localOp(chan, op, v));
    }
    const value = op === RefOp.Put ? encodeValue(v, { peer: this.where }, 'put value') : EMPTY_PAYLOAD;
    return request(this.where, { kind: 'ref', reqId: nextRequestId(), op, rr: this.rr, count: 0, value }, readValue);
  }

  async put(v: T): Promise<this> {
    await this.#op(RefOp.Put, 'put', v);
    return this;
  }
  take(): Promise<T> {
    return this.#op(RefOp.Take, 'take') as Promise<T>;
  }
  fetch(): Promise<T> {
    return this.#op(RefOp.Fetch, 'fetch') as Promise<T>;
  }
  isready(): Promise<boolean> {
    return this.#op(RefOp.IsReady, 'isready') as Promise<boolean>;
  }
  isempty(): Promise<boolean> {
    return this.#op(RefOp.IsEmpty, 'isempty') as Promise<boolean>;
  }
  async wait(): Promise<void> {
    await this.#op(RefOp.Wait, 'wait');
  }
  async close(): Promise<void> {
    await this.#op(RefOp.Close, 'close');
  }
  isopen(): Promise<boolean> {
    return this.#op(RefOp.IsOpen, 'isopen') as Promise<boolean>;
  }

  /** Values until the channel is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      try {
        yield await this.take();
      } catch (e) {
        if (e instanceof InvalidStateException) return;
        throw e;
      }
    }
  }

  /** @internal */
  static encodeHandle(rc: RemoteChannel): unknown {
    rc.assertLive('send');
    return rc.record();
  }

  /** @internal Counted once the message carrying it has encoded. */
  static handOver(rc: RemoteChannel, to: number): void {
    rc.countHandOver(to);
  }

  /** @internal */
  static decodeHandle(d: RefRecord): RemoteChannel {
    return RemoteRef.arriveRecord(d, (where, rr) => new RemoteChannel(where, rr));
  }
}

function defaultFactory(): ChannelLike {
  return new Channel(1);
}

function notAChannel(): TypeError {
  return coded(TypeError, 'ERR_INVALID_ARG', 'RemoteChannel.create: the factory must return a Channel (or an object with put/take/fetch/isready/wait/close/isopen)');
}

/** Apply a channel operation on the owner. */
export async function localOp(chan: ChannelLike, op: RefOp, v: unknown): Promise<unknown> {
  switch (op) {
    case RefOp.Put:
      await chan.put(v);
      return undefined;
    case RefOp.Take:
      return chan.take();
    case RefOp.Fetch:
      return chan.fetch();
    case RefOp.IsReady:
      return chan.isready();
    case RefOp.IsEmpty:
      return chan.isempty ? chan.isempty() : !chan.isready();
    case RefOp.Wait:
      await chan.wait();
      return undefined;
    case RefOp.Close:
      chan.close();
      return undefined;
    case RefOp.IsOpen:
      return chan.isopen();
  }
}

registerHandleType<RemoteChannel>({
  tag: 'rchan',
  classes: [RemoteChannel],
  encode: (rc) => RemoteChannel.encodeHandle(rc),
  handOver: (rc, ctx) => RemoteChannel.handOver(rc, ctx.peer),
  decode: (d) => RemoteChannel.decodeHandle(d as never),
});

export { notAChannel };
