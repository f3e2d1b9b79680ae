// A peer that speaks the real handshake with the cluster cookie, then sends whatever frames a
// test wants: for what a well-behaved process never sends (control messages from a worker,
// malformed frames, oversized headers).
import net from 'node:net';
import { once } from 'node:events';
import { clusterCookie } from 'sharedarrays';
import { packageVersion } from '../../dist/src/core/version.js';
import { FrameDecoder } from '../../dist/src/transport/frame.js';
import { decodeMsg, type Msg } from '../../dist/src/transport/messages.js';
import { initiateHandshake } from '../../dist/src/transport/handshake.js';

export interface FakePeer {
  socket: net.Socket;
  /** Messages received from the worker, decoded. */
  received: Msg[];
  closed: Promise<void>;
}

/** Connect to `address` and authenticate as process `pid`. */
export async function fakePeer(address: string, pid: number): Promise<FakePeer> {
  const socket = net.connect(address);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  const { rest } = await initiateHandshake(socket, clusterCookie(), pid, packageVersion());
  const received: Msg[] = [];
  const decoder = new FrameDecoder();
  const take = (chunk: Buffer): void => decoder.push(chunk, (body) => received.push(decodeMsg(body)));
  take(rest);
  socket.on('data', take);
  socket.resume();
  const closed = new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
  return { socket, received, closed };
}
