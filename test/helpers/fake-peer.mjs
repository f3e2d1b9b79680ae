// A peer that speaks the real handshake with the cluster cookie, then sends whatever frames its
// user wants: for what a well-behaved process never sends (control messages from a worker,
// malformed frames, oversized headers). Used by test/hostile-peer.test.ts and by the fuzzing of
// bench/chaos.ts, hence plain JavaScript over the built package.
import { once } from 'node:events';
import net from 'node:net';
import { clusterCookie } from '../../dist/src/core/cookie.js';
import { packageVersion } from '../../dist/src/core/version.js';
import { FrameDecoder } from '../../dist/src/transport/frame.js';
import { initiateHandshake } from '../../dist/src/transport/handshake.js';
import { decodeMsg } from '../../dist/src/transport/messages.js';

/** Connect to `address` and authenticate as process `pid`, with this process's cluster cookie. */
export async function fakePeer(address, pid) {
  const socket = net.connect(address);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  const { rest } = await initiateHandshake(socket, clusterCookie(), pid, packageVersion());
  const received = [];
  const decoder = new FrameDecoder();
  const take = (chunk) =>
    decoder.push(chunk, (body) => {
      try {
        received.push(decodeMsg(body));
      } catch {
        received.push({ kind: 'undecodable' });
      }
    });
  take(rest);
  socket.on('data', take);
  socket.resume();
  const closed = new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
  return { socket, received, closed };
}
