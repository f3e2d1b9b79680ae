import type { Socket } from 'node:net';
import type { Msg } from '../../src/transport/messages.js';

export interface FakePeer {
  socket: Socket;
  /** Messages received from the process it connected to, decoded. */
  received: (Msg | { kind: 'undecodable' })[];
  closed: Promise<void>;
}

/** Connect to `address` and authenticate as process `pid`, with this process's cluster cookie. */
export function fakePeer(address: string, pid: number): Promise<FakePeer>;
