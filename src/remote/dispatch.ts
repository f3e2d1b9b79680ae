import { errorShape } from '../core/errors.js';
import { assertNever } from '../core/assert-never.js';
import { debug } from '../core/debug.js';
import { myid } from '../core/identity.js';
import { decodeMsg, type Msg, type MsgKind, peekReqId } from '../transport/messages.js';

/**
 * The one place where messages from other processes are received: every frame is decoded and
 * validated (transport/messages.ts), checked against who may send it, and handed to the one
 * handler for its kind, in an exhaustive switch. Handlers are given by the runtime
 * (src/runtime.ts), so this file shows, in one screen, everything a process can be asked to do.
 *
 * Who may send what: calls, owner operations, replies, reference counts and forget notices come
 * from any authenticated process; the cluster-control messages come only from the master (pid 1)
 * to a worker, except `joinAck` and `requestConnect`, which only the master accepts, from the
 * worker they concern. Anything else is refused: logged, never obeyed.
 */
export type Handlers = {
  [K in MsgKind]: (from: number, m: Extract<Msg, { kind: K }>) => void;
} & {
  /** Answer a request that could not be decoded with the error that says why. */
  refuseRequest(from: number, reqId: number, error: unknown): void;
  /** A peer broke the protocol in a way that cannot be answered: drop its connection. */
  dropPeer(from: number): void;
};

export type Dispatcher = (from: number, body: Buffer) => void;

export function createDispatcher(h: Handlers): Dispatcher {
  return (from, body) => {
    let m: Msg;
    try {
      m = decodeMsg(body);
    } catch (err) {
      const reqId = peekReqId(body);
      debug('protocol', `malformed message from ${from}: ${errorShape(err).message}`);
      if (reqId !== null) return h.refuseRequest(from, reqId, err);
      // Without a request id there is nobody to answer, and the stream can no longer be trusted.
      process.stderr.write(`sharedarrays: dropped the connection to process ${from}: ${errorShape(err).message}\n`);
      return h.dropPeer(from);
    }
    try {
      route(h, from, m);
    } catch (err) {
      // A handler failed in a way its own error paths did not catch: say so, keep the connection.
      process.stderr.write(`sharedarrays: failed to handle a ${m.kind} message from process ${from}: ${errorShape(err).message}\n`);
    }
  };
}

function route(h: Handlers, from: number, m: Msg): void {
  switch (m.kind) {
    case 'call':
      return h.call(from, m);
    case 'owner':
      return h.owner(from, m);
    case 'result':
      return h.result(from, m);
    case 'clients':
      return h.clients(from, m);
    case 'forget':
      return h.forget(from, m);
    case 'join':
      // Only the master, and only to a process that has not joined yet.
      return from === 1 && myid() === 0 ? h.join(from, m) : refuse(from, m);
    case 'peers':
      return fromMaster(from) ? h.peers(from, m) : refuse(from, m);
    case 'connectTo':
      return fromMaster(from) ? h.connectTo(from, m) : refuse(from, m);
    case 'interrupt':
      return fromMaster(from) ? h.interrupt(from, m) : refuse(from, m);
    case 'exit':
      return fromMaster(from) ? h.exit(from, m) : refuse(from, m);
    case 'joinAck':
      return myid() === 1 ? h.joinAck(from, m) : refuse(from, m);
    case 'requestConnect':
      // A worker asks on its own behalf only.
      return myid() === 1 && m.from === from ? h.requestConnect(from, m) : refuse(from, m);
    default:
      return assertNever(m, 'message kind');
  }
}

/** A control message from the master to this worker (which has joined). */
function fromMaster(from: number): boolean {
  return from === 1 && myid() > 1;
}

function refuse(from: number, m: Msg): void {
  process.stderr.write(`sharedarrays: refused a ${m.kind} message from process ${from}: only the master may send it, and only to a worker\n`);
}
