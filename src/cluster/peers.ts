import net from 'node:net';
import { coded, errorShape, ProcessExitedException } from '../errors.js';
import { Connection } from '../transport/connection.js';
import { encodeValue } from '../transport/codec.js';
import { initiateHandshake } from '../transport/handshake.js';
import { decodeMsg, encodeMsg, peekReqId, type Msg, type RRID } from '../transport/messages.js';
import { dropPeerFunctions } from '../remote/functions.js';
import { changeClients, dropClient } from '../remote/ref-store.js';
import { failRequestsTo } from '../remote/requests.js';
import { serve } from '../remote/serve.js';
import { setWire } from '../remote/wire.js';
import { clusterCookie } from './cookie.js';
import { myid } from './identity.js';
import { currentTopology, hasExited, markExited, workerInfo } from './process-table.js';

/**
 * Connections to other processes, one per pair, and the Wire the remote layer sends through.
 *
 * The master connects to each worker when it is added. Worker-to-worker connections are made on
 * first use (topology all_to_all, lazy): the lower pid always dials, so a pair never ends up with
 * two connections; a higher pid that wants to talk first asks the master to have the lower one
 * dial it. Messages queued meanwhile leave, in order, once the connection is up.
 */
class Peer {
  conn: Connection | null = null;
  outbox: Buffer[] = [];
  /** Replies awaited from this peer: while any, the connection keeps the process alive. */
  awaiting = 0;
  /** Reference-count changes for this peer's references, sent ahead of any other message. */
  deltas: number[] = [];
  deltasScheduled = false;
  /** A dial is in progress: a second one (e.g. a connectTo racing our own dial) must not start. */
  dialing = false;

  constructor(readonly pid: number) {}

  send(frame: Buffer): void {
    this.flushDeltas();
    if (this.conn) this.conn.send(frame);
    else this.outbox.push(frame);
  }

  flushDeltas(): void {
    if (this.deltas.length === 0) return;
    const deltas = this.deltas;
    this.deltas = [];
    const frame = encodeMsg({ kind: 'clients', deltas });
    if (this.conn) this.conn.send(frame);
    else this.outbox.push(frame);
  }

  open(conn: Connection): void {
    this.conn = conn;
    const queued = this.outbox;
    this.outbox = [];
    for (const f of queued) conn.send(f);
    this.updateKeepAlive();
  }

  updateKeepAlive(): void {
    // Workers live as long as their master; the master lives while it awaits something.
    this.conn?.setKeepAlive(myid() !== 1 ? this.pid === 1 : this.awaiting > 0 || waitsHere > 0);
  }
}

const peers = new Map<number, Peer>();
/** Waits on this process's own stores that another process may complete (Wire.awaitingHere). */
let waitsHere = 0;

export type ControlHandler = (from: number, m: Msg) => void;
let controlHandler: ControlHandler = () => undefined;
let peerLost: (pid: number, error: Error | null) => void = () => undefined;

/** The role (master or worker) handles cluster messages and reacts to lost peers. */
export function setRoleHandlers(onControl: ControlHandler, onLost: (pid: number, error: Error | null) => void): void {
  controlHandler = onControl;
  peerLost = onLost;
}

/** The live peer for `pid`, connecting lazily if topology allows. Throws for dead or unknown pids. */
function peerFor(pid: number): Peer {
  const existing = peers.get(pid);
  if (existing) return existing;
  if (hasExited(pid)) throw new ProcessExitedException(pid);
  if (pid === myid()) throw coded(Error, 'ERR_INVALID_ARG', `process ${pid} is this process; it has no connection to itself`);
  const info = workerInfo(pid);
  if (pid === 1 || !info) throw coded(Error, 'ERR_NO_SUCH_PROCESS', `no process with id ${pid} exists`);
  const { topology } = currentTopology();
  if (topology === 'master_worker' && myid() !== 1) {
    throw coded(Error, 'ERR_TOPOLOGY', `peer ${pid} is not connected to ${myid()}. Topology : master_worker (worker-to-worker calls need topology 'all_to_all')`);
  }
  const peer = new Peer(pid);
  peers.set(pid, peer);
  // A failed dial has already failed this peer's requests (lose); the rejection is not news,
  // and left unhandled it would take the whole process down.
  if (myid() < pid) dial(peer, info.address).catch(() => undefined);
  else peerFor(1).send(encodeMsg({ kind: 'requestConnect', from: myid(), to: pid }));
  return peer;
}

/** Pids this process has a live connection to (diagnostics: which pairs `lazy` has connected). */
export function connectedPids(): number[] {
  return [...peers.values()].filter((p) => p.conn && !p.conn.closed).map((p) => p.pid).sort((a, b) => a - b);
}

/** Make sure a connection to `pid` exists or is being made (the master asked: see connectTo). */
export function ensureConnected(pid: number): void {
  try {
    peerFor(pid);
  } catch {
    // Gone meanwhile: the table broadcast that says so fails what waits on it.
  }
}

/** Connect to a process's listening socket and authenticate. */
export async function dial(peer: Peer | number, address: string): Promise<void> {
  const p = typeof peer === 'number' ? (peers.get(peer) ?? newPeer(peer)) : peer;
  // One connection per pair. Two workers that call each other first at the same moment race:
  // the lower one dials for itself and again on the master's connectTo. A second connection
  // would be refused by the other side, and its close would pass for the peer's death.
  if (p.dialing || (p.conn && !p.conn.closed)) return;
  p.dialing = true;
  const socket = net.connect(address);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const { peerPid, rest } = await initiateHandshake(socket, clusterCookie(), myid());
    if (myid() !== 1 && peerPid !== p.pid) throw coded(Error, 'ERR_PROTOCOL', `dialled process ${p.pid} but ${peerPid} answered`);
    attach(p, socket, rest);
  } catch (err) {
    socket.destroy();
    lose(p, err as Error);
    throw err;
  } finally {
    p.dialing = false;
  }
}

function newPeer(pid: number): Peer {
  const p = new Peer(pid);
  peers.set(pid, p);
  return p;
}

/** An authenticated inbound connection (worker side) from `pid`. */
export function accept(pid: number, socket: net.Socket, rest: Buffer): void {
  const p = peers.get(pid) ?? newPeer(pid);
  if (p.conn && !p.conn.closed) {
    // One connection per pair: a second one for the same pid is refused.
    socket.destroy();
    return;
  }
  attach(p, socket, rest);
}

function attach(p: Peer, socket: net.Socket, rest: Buffer): void {
  if (p.conn && !p.conn.closed) {
    // Never replace a live connection: the replaced one's close would be taken for a death.
    socket.destroy();
    return;
  }
  const conn = new Connection(
    socket,
    rest,
    (body) => receive(p, body),
    (error) => lose(p, error),
  );
  p.open(conn);
}

function receive(p: Peer, body: Buffer): void {
  let m: Msg;
  try {
    m = decodeMsg(body);
  } catch (err) {
    // Answer what can be answered; a message without a request id cannot be, so drop the peer.
    const reqId = peekReqId(body);
    if (reqId === null) {
      p.conn?.socket.destroy();
      return;
    }
    p.send(encodeMsg({ kind: 'result', reqId, ok: false, value: encodeValue(errorShape(err), { peer: p.pid }) }));
    return;
  }
  try {
    switch (m.kind) {
      case 'call':
      case 'ref':
      case 'result':
      case 'clients':
      case 'forget':
        return serve(p.pid, m);
      default:
        return controlHandler(p.pid, m);
    }
  } catch (err) {
    // Serving failed in a way its own error paths did not catch: say so, keep the connection.
    process.stderr.write(`sharedarrays: failed to handle a ${m.kind} message from process ${p.pid}: ${errorShape(err).message}\n`);
  }
}

function lose(p: Peer, error: Error | null): void {
  if (peers.get(p.pid) !== p) return;
  peers.delete(p.pid);
  p.outbox = [];
  if (p.pid !== 1) markExited(p.pid);
  failRequestsTo(p.pid, () => new ProcessExitedException(p.pid));
  dropClient(p.pid);
  dropPeerFunctions(p.pid);
  for (const listener of lostListeners) listener(p.pid);
  peerLost(p.pid, error);
}

const lostListeners: ((pid: number) => void)[] = [];

/** Be told when a process leaves (for state kept on its behalf, e.g. SharedArray participations). */
export function onPeerLost(listener: (pid: number) => void): void {
  lostListeners.push(listener);
}

/**
 * The master says `pid` is gone: fail what waits on it, including messages still queued for a
 * connection that was never made (a lazy worker-to-worker dial to a worker that died first).
 */
export function forgetPeer(pid: number): void {
  const p = peers.get(pid);
  if (p) lose(p, null);
}

/** Close the connection to `pid` (after flushing), as when a worker is removed. */
export function disconnect(pid: number): void {
  peers.get(pid)?.conn?.close();
}

/** Send a cluster-control message. */
export function sendControl(pid: number, m: Msg): void {
  peerFor(pid).send(encodeMsg(m));
}

setWire({
  send(pid, m) {
    peerFor(pid).send(encodeMsg(m));
  },
  clientDelta(owner: number, rr: RRID, client: number, delta: number) {
    if (owner === myid()) return changeClients(rr, client, delta);
    const p = peerFor(owner);
    p.deltas.push(rr.whence, rr.id, client, delta);
    if (!p.deltasScheduled) {
      p.deltasScheduled = true;
      setImmediate(() => {
        p.deltasScheduled = false;
        p.flushDeltas();
      });
    }
  },
  awaitingHere(delta) {
    waitsHere += delta;
    if ((delta === 1 && waitsHere === 1) || (delta === -1 && waitsHere === 0)) for (const p of peers.values()) p.updateKeepAlive();
  },
  awaiting(pid, delta) {
    const p = peers.get(pid);
    if (!p) return;
    p.awaiting += delta;
    if (p.awaiting <= 1) p.updateKeepAlive();
  },
});
