import { coded, InvalidStateException } from '../core/errors.js';
import { myid } from '../core/identity.js';
import type { HandleType } from '../transport/codec.js';
import { whileAwaitingHere } from '../transport/connections.js';
import type { RRID } from '../transport/messages.js';
import { callOn, type OwnerOp } from '../transport/owner-calls.js';
import {
  channelClose,
  channelCreate,
  channelFetch,
  channelIsEmpty,
  channelIsOpen,
  channelIsReady,
  channelPut,
  channelTake,
  channelWait,
} from './channel-ops.js';
import type { ChannelLike } from './channel-like.js';
import { RemoteRef, type RefRecord } from './remote-ref.js';
import { readDone, readValue } from './replies.js';
import { newRRID } from './rrid.js';

/**
 * A handle to a channel living on process `where` (Julia's RemoteChannel). Every method is an
 * owner operation (refs/channel-ops.ts); a RemoteChannel passed to another process points at the
 * same channel. On the owner itself the operations act on the channel directly, with the very
 * same objects.
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
    if (!Number.isSafeInteger(pid) || pid < 1) throw coded(TypeError, 'ERR_INVALID_ARG', `RemoteChannel.create: pid must be a positive integer, got ${String(pid)}`);
    const rr = newRRID();
    if (pid === myid()) await channelCreate(myid(), rr, factory);
    else await callOn(pid, channelCreate, rr, factory ? [factory] : [], readDone);
    const rc = new RemoteChannel<T>(pid, rr);
    rc.track(1);
    return rc;
  }

  /** Run a channel operation on the owner (here: directly, keeping this process alive meanwhile). */
  async #op(op: OwnerOp, what: string, args: unknown[] = []): Promise<unknown> {
    this.assertLive(what);
    if (this.where === myid()) return whileAwaitingHere(async () => op(myid(), this.rr, ...(args as never[])));
    return callOn(this.where, op, this.rr, args, readValue);
  }

  /**
   * Add `v` to the channel on its owner, waiting while it is full. Rejects with
   * InvalidStateException when the channel is closed, ProcessExitedException when its owner has
   * exited, `ERR_REF_FINALIZED` after `finalize()`; the same holds for every method here.
   */
  async put(v: T): Promise<this> {
    await this.#op(channelPut, 'put', [v]);
    return this;
  }
  /** Remove and return the first item, waiting for one; a closed, empty channel rejects. */
  take(): Promise<T> {
    return this.#op(channelTake, 'take') as Promise<T>;
  }
  /** The first item without removing it, waiting for one; a closed, empty channel rejects. */
  fetch(): Promise<T> {
    return this.#op(channelFetch, 'fetch') as Promise<T>;
  }
  /** Whether the channel holds an item now. */
  isready(): Promise<boolean> {
    return this.#op(channelIsReady, 'isready') as Promise<boolean>;
  }
  /** Whether the channel holds no item now. */
  isempty(): Promise<boolean> {
    return this.#op(channelIsEmpty, 'isempty') as Promise<boolean>;
  }
  /** Wait until the channel holds an item; rejects when it is closed and empty. */
  async wait(): Promise<void> {
    await this.#op(channelWait, 'wait');
  }
  /** Close the channel: later puts reject, takes drain what it holds and then reject. */
  async close(): Promise<void> {
    await this.#op(channelClose, 'close');
  }
  /** Whether the channel still accepts items. */
  isopen(): Promise<boolean> {
    return this.#op(channelIsOpen, 'isopen') as Promise<boolean>;
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

/** How a RemoteChannel travels between processes (listed in the runtime's handle-type table). */
export const remoteChannelHandleType: HandleType<RemoteChannel> = {
  tag: 'rchan',
  classes: [RemoteChannel],
  encode: (rc) => RemoteChannel.encodeHandle(rc),
  handOver: (rc, ctx) => RemoteChannel.handOver(rc, ctx.peer),
  decode: (d) => RemoteChannel.decodeHandle(d as RefRecord),
  referable: true,
};
