import net from 'node:net';
import { detached } from '../core/call-scope.js';
import { coded, ProcessExitedException } from '../core/errors.js';
import { clusterCookie } from '../core/cookie.js';
import { debug } from '../core/debug.js';
import { isPoolThread, myid } from '../core/identity.js';
import { currentTopology, hasExited, markExited, workerInfo } from '../core/process-table.js';
import { packageVersion } from '../core/version.js';
import { type Carrier, Connection } from './connection.js';
import { acceptHandshake, initiateHandshake } from './handshake.js';
import { encodeMsg, type Msg } from './messages.js';

/**
 * The connection table: one authenticated connection per pair of processes, and the only way
 * messages leave this process.
 *
 * The master connects to each worker when it is added. Worker-to-worker connections are made on
 * first use (topology all_to_all, lazy): the lower pid always dials, so a pair never ends up with
 * two connections; a higher pid that wants to talk first asks the master to have the lower one
 * dial it. Messages queued meanwhile leave, in order, once the connection is up.
 *
 * What arrives is handed, frame by frame, to the runtime's dispatcher; a lost connection is
 * reported to the runtime's peer-lost handler (both installed by src/runtime.ts).
 */
export interface ConnectionEvents {
  /** A frame body arrived from `from` (already authenticated). */
  frame(from: number, body: Buffer): void;
  /**
   * The connection to `pid` is gone. `gone` says whether the process itself is: the master's
   * connection to a worker is that worker's life, and a worker learns of another worker's end from
   * the master. A worker-to-worker link that merely broke is dialled again on next use.
   */
  lost(pid: number, error: Error | null, gone: boolean): void;
}

let events: ConnectionEvents = {
  frame: () => undefined,
  lost: () => undefined,
};

/** Install where arriving frames and lost connections go (the runtime does, once). */
export function configureConnections(e: ConnectionEvents): void {
  events = e;
}

class Peer {
  conn: Connection | null = null;
  outbox: Buffer[] = [];
  /** Replies awaited from this peer: while any, the connection keeps the process alive. */
  awaiting = 0;
  /** A dial is in progress: a second one (e.g. a connectTo racing our own dial) must not start. */
  dialing = false;

  constructor(readonly pid: number) {}

  send(frame: Buffer): void {
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
/** Waits on this process's own stores that another process may complete (see awaitingHere). */
let waitsHere = 0;

/** A pool thread of threads.for has no connections: it shares its process's pid, not its sockets. */
function assertClusterMember(): void {
  if (isPoolThread()) {
    throw coded(
      Error,
      'ERR_THREAD_NOT_IN_CLUSTER',
      'a threads.for body cannot reach other processes: threads do not join the cluster. ' +
        'Make remote calls from the main thread, before or after threads.for; threads share memory instead (SharedArray, Barrier, atomics)',
    );
  }
}

/** The live peer for `pid`, connecting lazily if topology allows. Throws for dead or unknown pids. */
function peerFor(pid: number): Peer {
  assertClusterMember();
  const existing = peers.get(pid);
  if (existing) return existing;
  if (hasExited(pid)) throw new ProcessExitedException(pid);
  if (pid === myid()) throw coded(Error, 'ERR_INVALID_ARG', `process ${pid} is this process; it has no connection to itself`);
  const info = workerInfo(pid);
  if (pid === 1 || !info) throw coded(Error, 'ERR_NO_SUCH_PROCESS', `no process with id ${pid} exists`);
  if (currentTopology().topology === 'master_worker' && myid() !== 1) {
    throw coded(Error, 'ERR_TOPOLOGY', `peer ${pid} is not connected to ${myid()}. Topology : master_worker (worker-to-worker calls need topology 'all_to_all')`);
  }
  const peer = newPeer(pid);
  // A failed dial has already failed this peer's requests (lose); the rejection is not news,
  // and left unhandled it would take the whole process down. The dial serves every later message
  // to `pid`: it runs as part of no call, so that an interrupt of the call whose message started
  // it cannot leave it half-done (core/call-scope.ts).
  if (myid() < pid) detached(() => dial(pid, () => openAddress(info.address)).catch(() => undefined));
  else peerFor(1).send(encodeMsg({ kind: 'requestConnect', from: myid(), to: pid }));
  return peer;
}

function newPeer(pid: number): Peer {
  const p = new Peer(pid);
  peers.set(pid, p);
  return p;
}

/**
 * Queue a message to `pid`. Throws ProcessExitedException / ERR_NO_SUCH_PROCESS synchronously.
 * `handOvers` (see transport/codec.ts) run once the message has encoded, before it is queued: a
 * message that cannot be encoded (ERR_FRAME_TOO_LARGE) hands nothing over.
 */
export function send(pid: number, m: Msg, handOvers?: readonly (() => void)[]): void {
  const peer = peerFor(pid);
  const frame = encodeMsg(m);
  if (handOvers) for (const h of handOvers) h();
  peer.send(frame);
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

/**
 * Open a stream to a process's listening address: a Unix socket path (abstract when it starts
 * with NUL) or `host:port` (TCP, Nagle off: messages are small and latency-bound).
 */
export function openAddress(address: string): Promise<Carrier> {
  const tcp = /^(.*):(\d+)$/.exec(address);
  const socket = tcp && !address.startsWith('/') && !address.startsWith('\0')
    ? net.connect({ host: tcp[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(tcp[2]) })
    : net.connect(address);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('error', reject);
      if (tcp) socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Connect to process `pid` over the stream `open` gives, authenticate, and attach. Idempotent
 * while a dial or a connection exists. Rejects (and fails what waits on `pid`) when it cannot.
 */
export async function dial(pid: number, open: () => Promise<Carrier>): Promise<void> {
  assertClusterMember();
  const p = peers.get(pid) ?? newPeer(pid);
  // One connection per pair. Two workers that call each other first at the same moment race:
  // the lower one dials for itself and again on the master's connectTo. A second connection
  // would be refused by the other side, and its close would pass for the peer's death.
  if (p.dialing || (p.conn && !p.conn.closed)) return;
  p.dialing = true;
  let socket: Carrier | null = null;
  try {
    socket = await open();
    const { peerPid, rest } = await initiateHandshake(socket, clusterCookie(), myid(), packageVersion());
    if (myid() !== 1 && peerPid !== pid) throw coded(Error, 'ERR_PROTOCOL', `dialled process ${pid} but ${peerPid} answered`);
    debug('connections', `connected to ${pid}`);
    attach(p, socket, rest);
  } catch (err) {
    socket?.destroy();
    debug('connections', `could not connect to ${pid}: ${(err as Error).message}`);
    lose(p, err as Error);
    throw err;
  } finally {
    p.dialing = false;
  }
}

/**
 * Authenticate a stream that connected to this process's listener; attach it when the peer
 * proves it knows the cookie. Only the master, or a live worker with a lower pid (the lower pid
 * of a pair dials), may connect; before this process has joined, only the master. (A lower pid
 * this process has not heard of yet is accepted: the master's table update may still be on its
 * way when a worker added in the same batch dials.)
 */
export function acceptConnection(socket: Carrier): void {
  socket.on('error', () => undefined);
  acceptHandshake(socket, clusterCookie(), myid(), packageVersion()).then(
    ({ peerPid, rest }) => {
      if (peerPid !== 1 && (myid() === 0 || peerPid >= myid() || hasExited(peerPid))) {
        debug('connections', `refused process ${peerPid}: only the master or a live lower pid dials this process`);
        return void socket.destroy();
      }
      const p = peers.get(peerPid) ?? newPeer(peerPid);
      debug('connections', `accepted ${peerPid}`);
      attach(p, socket, rest);
    },
    (err: Error) => {
      debug('connections', `refused a connection: ${err.message}`);
      socket.destroy();
    },
  );
}

function attach(p: Peer, socket: Carrier, rest: Buffer): void {
  if (p.conn && !p.conn.closed) {
    // One connection per pair, and never replace a live one: its close would pass for a death.
    socket.destroy();
    return;
  }
  p.open(new Connection(socket, rest, (body) => events.frame(p.pid, body), (error) => lose(p, error)));
}

function lose(p: Peer, error: Error | null): void {
  if (peers.get(p.pid) !== p) return;
  peers.delete(p.pid);
  p.outbox = [];
  const gone = myid() === 1 || p.pid === 1 || hasExited(p.pid);
  if (gone && p.pid !== 1) markExited(p.pid);
  debug('connections', `lost ${p.pid}${gone ? '' : ' (link only)'}${error ? `: ${error.message}` : ''}`);
  events.lost(p.pid, error, gone);
}

/** Drop a connection that misbehaves (a peer sending frames it has no right to send). */
export function dropConnection(pid: number): void {
  peers.get(pid)?.conn?.socket.destroy();
}

/**
 * The master says `pid` is gone: fail what waits on it, including messages still queued for a
 * connection that was never made (a lazy worker-to-worker dial to a worker that died first), and
 * let go of what it held here, connected or not.
 */
export function forgetPeer(pid: number): void {
  const p = peers.get(pid);
  if (p) lose(p, null);
  else events.lost(pid, null, true);
}

/**
 * `pid` is known to have exited (its manager saw it go): treat its connection as lost now rather
 * than when the socket's close arrives, which may come after, so that whoever awaited the exit
 * finds what `pid` held already let go.
 */
export function loseNow(pid: number): void {
  const p = peers.get(pid);
  if (p) lose(p, null);
}

/** Close the connection to `pid` (after flushing), as when a worker is removed. */
export function disconnect(pid: number): void {
  peers.get(pid)?.conn?.close();
}

/** Keep this process alive while a reply from `pid` is awaited (the master is otherwise unref'd). */
export function awaiting(pid: number, delta: 1 | -1): void {
  const p = peers.get(pid);
  if (!p) return;
  p.awaiting += delta;
  if (p.awaiting <= 1) p.updateKeepAlive();
}

/**
 * Keep this process alive while it waits on a store of its own (a RemoteChannel or Future it
 * owns) that another process may complete, as in the seed's jobs/results example.
 */
export async function whileAwaitingHere<T>(work: () => Promise<T>): Promise<T> {
  setWaitsHere(1);
  try {
    return await work();
  } finally {
    setWaitsHere(-1);
  }
}

function setWaitsHere(delta: 1 | -1): void {
  waitsHere += delta;
  if ((delta === 1 && waitsHere === 1) || (delta === -1 && waitsHere === 0)) for (const p of peers.values()) p.updateKeepAlive();
}
