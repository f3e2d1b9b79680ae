import { coded } from '../core/errors.js';
import type { RRID } from '../transport/messages.js';
import { Channel } from './channel.js';
import { type ChannelLike, isChannelLike } from './channel-like.js';
import { addChannel, channelEntry } from './store.js';

/**
 * What a RemoteChannel's owner does when a holder asks (owner operations, see
 * transport/owner-calls.ts). On the owner itself the RemoteChannel calls these same functions
 * directly, with the very same objects.
 */
const chan = (rr: RRID): ChannelLike => channelEntry(rr).chan;

/** Build the channel with `factory` (default `new Channel(1)`) and store it for the creator `from`. */
export async function channelCreate(from: number, rr: RRID, factory?: () => unknown): Promise<void> {
  const made = factory ? await factory() : new Channel(1);
  if (!isChannelLike(made)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'RemoteChannel.create: the factory must return a Channel (or an object with put/take/fetch/isready/wait/close/isopen)');
  }
  addChannel(rr, made, from);
}

export async function channelPut(_from: number, rr: RRID, v: unknown): Promise<void> {
  await chan(rr).put(v);
}

export function channelTake(_from: number, rr: RRID): unknown {
  return chan(rr).take();
}

export function channelFetch(_from: number, rr: RRID): unknown {
  return chan(rr).fetch();
}

export function channelIsReady(_from: number, rr: RRID): boolean {
  return chan(rr).isready();
}

export function channelIsEmpty(_from: number, rr: RRID): boolean {
  const c = chan(rr);
  return c.isempty ? c.isempty() : !c.isready();
}

export async function channelWait(_from: number, rr: RRID): Promise<void> {
  await chan(rr).wait();
}

export function channelClose(_from: number, rr: RRID): void {
  chan(rr).close();
}

export function channelIsOpen(_from: number, rr: RRID): boolean {
  return chan(rr).isopen();
}

/** The owner operations of RemoteChannels, for the runtime's owner-operation table. */
export const channelOps = [
  channelCreate,
  channelPut,
  channelTake,
  channelFetch,
  channelIsReady,
  channelIsEmpty,
  channelWait,
  channelClose,
  channelIsOpen,
] as const;
