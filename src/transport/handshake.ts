import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { coded } from '../core/errors.js';

type Socket = Duplex;

/**
 * Mutual authentication of a fresh connection by challenge and response over the cluster cookie.
 * The cookie never crosses the wire: each side proves it knows it by an HMAC over both sides'
 * random nonces and its own pid. Both sides also say which version of this package they run,
 * and refuse a peer that runs another one (a worker on another machine may have another install).
 *
 *   listener  → initiator : "SAH2" | nonceL (16) | version (32)                          52 bytes
 *   initiator → listener  : pidI u32 | nonceI (16) | HMAC("I"|nonceL|nonceI|pidI) | version (32)  84 bytes
 *   listener  → initiator : pidL u32 | HMAC("L"|nonceI|nonceL|pidL)                      36 bytes
 *
 * Until the exchange succeeds nothing the peer sends is interpreted; a wrong byte, a wrong MAC or
 * a silent peer (HANDSHAKE_TIMEOUT_MS) closes the socket. Bytes that arrive after the handshake in
 * the same read are handed back as `rest` so the framing layer sees them.
 */
const MAGIC = Buffer.from('SAH2');
const NONCE = 16;
const MAC = 32;
const VERSION = 32;
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * What an accepting process buffers from a peer that has not proven itself: its one message is
 * 84 bytes. (A dialling process has no such cap: the peer it dialled may send queued frames of
 * any size right behind its handshake answer.)
 */
const MAX_UNAUTHENTICATED = 4096;

export interface Authenticated {
  peerPid: number;
  rest: Buffer;
}

/** A version string as its fixed-size field (NUL-padded), and back. */
function versionField(v: string): Buffer {
  const out = Buffer.alloc(VERSION);
  out.write(v.slice(0, VERSION), 'latin1');
  return out;
}
const versionOf = (field: Buffer): string => field.toString('latin1').replace(/\0+$/, '');

function checkVersion(socket: Socket, mine: string, field: Buffer): void {
  const theirs = versionOf(field);
  if (theirs !== mine) {
    socket.destroy();
    throw coded(
      Error,
      'ERR_VERSION_MISMATCH',
      `connection refused: this process runs sharedarrays ${mine} and the peer runs ${theirs}; install the same version on every machine of the cluster`,
    );
  }
}

function mac(cookie: string, role: 'I' | 'L', a: Buffer, b: Buffer, pid: number): Buffer {
  const pidBuf = Buffer.alloc(4);
  pidBuf.writeUInt32LE(pid);
  return createHmac('sha256', cookie).update(role).update(a).update(b).update(pidBuf).digest();
}

/** Read exactly `n` bytes at a time; whatever arrived beyond them stays for `leftover()`. */
function reader(socket: Socket, maxPending = Infinity): { read(n: number): Promise<Buffer>; leftover(): Buffer } {
  let buf: Buffer = Buffer.alloc(0);
  let want = 0;
  let waiting: ((bytes: Buffer) => void) | null = null;
  const take = (): void => {
    if (waiting && buf.length >= want) {
      const w = waiting;
      waiting = null;
      const bytes = buf.subarray(0, want);
      buf = buf.subarray(want);
      w(bytes);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    // A peer that has not authenticated gets no more than the exchange needs buffered.
    if (buf.length > maxPending) {
      socket.destroy();
      return;
    }
    take();
  });
  return {
    read: (n) =>
      new Promise((resolve) => {
        want = n;
        waiting = resolve;
        take();
      }),
    leftover: () => buf,
  };
}

function failure(socket: Socket, why: string): Error {
  socket.destroy();
  return coded(Error, 'ERR_PROTOCOL', `connection refused: ${why}`);
}

/**
 * Run a handshake with a deadline. `closedWhy` says what a close by the peer means at the moment
 * it happens (after our proof went out, most likely that the peer refused it).
 */
async function withTimeout<T>(socket: Socket, work: Promise<T>, closedWhy: () => string = () => 'connection closed during the handshake'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure(socket, 'handshake timed out')), HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    socket.once('close', () => reject(coded(Error, 'ERR_PROTOCOL', closedWhy())));
    socket.once('error', () => undefined);
  });
  try {
    return await Promise.race([work, closed]);
  } finally {
    clearTimeout(timer);
    // Hand the socket over paused: the connection layer resumes it once its own reader is attached.
    socket.pause();
    socket.removeAllListeners('data');
  }
}

/** The accepting side (a worker's listening socket). */
export function acceptHandshake(socket: Socket, cookie: string, myPid: number, version: string): Promise<Authenticated> {
  const r = reader(socket, MAX_UNAUTHENTICATED);
  return withTimeout(
    socket,
    (async () => {
      const nonceL = randomBytes(NONCE);
      socket.write(Buffer.concat([MAGIC, nonceL, versionField(version)]));
      const bytes = await r.read(4 + NONCE + MAC + VERSION);
      const peerPid = bytes.readUInt32LE(0);
      const nonceI = bytes.subarray(4, 4 + NONCE);
      const expected = mac(cookie, 'I', nonceL, nonceI, peerPid);
      if (!timingSafeEqual(expected, bytes.subarray(4 + NONCE, 4 + NONCE + MAC))) throw failure(socket, 'the peer does not know the cluster cookie');
      checkVersion(socket, version, bytes.subarray(4 + NONCE + MAC));
      const pidBuf = Buffer.alloc(4);
      pidBuf.writeUInt32LE(myPid);
      socket.write(Buffer.concat([pidBuf, mac(cookie, 'L', nonceI, nonceL, myPid)]));
      return { peerPid, rest: r.leftover() };
    })(),
  );
}

/** The connecting side. */
export function initiateHandshake(socket: Socket, cookie: string, myPid: number, version: string): Promise<Authenticated> {
  const r = reader(socket);
  let proved = false;
  return withTimeout(
    socket,
    (async () => {
      const hello = await r.read(MAGIC.length + NONCE + VERSION);
      if (!hello.subarray(0, MAGIC.length).equals(MAGIC)) throw failure(socket, 'the peer is not a sharedarrays process (or runs a version with another handshake)');
      const nonceL = hello.subarray(MAGIC.length, MAGIC.length + NONCE);
      checkVersion(socket, version, hello.subarray(MAGIC.length + NONCE));
      const nonceI = randomBytes(NONCE);
      const pidBuf = Buffer.alloc(4);
      pidBuf.writeUInt32LE(myPid);
      socket.write(Buffer.concat([pidBuf, nonceI, mac(cookie, 'I', nonceL, nonceI, myPid), versionField(version)]));
      proved = true;
      const bytes = await r.read(4 + MAC);
      const peerPid = bytes.readUInt32LE(0);
      if (!timingSafeEqual(mac(cookie, 'L', nonceI, nonceL, peerPid), bytes.subarray(4))) {
        throw failure(socket, 'the peer does not know the cluster cookie');
      }
      return { peerPid, rest: r.leftover() };
    })(),
    () =>
      proved
        ? 'the peer closed the connection after our proof of the cluster cookie: it does not share this cookie (or it exited)'
        : 'connection closed during the handshake',
  );
}
