import v8 from 'node:v8';
import { coded } from '../core/errors.js';
import type { HostIdentity } from '../core/host.js';
import type { PeerInfo, Topology } from '../core/process-table.js';
import { FRAME_HEADER, maxFrameBytes } from './frame.js';
import { EMPTY_PAYLOAD, MAX_PAYLOAD_KIND, type Payload, PayloadKind } from './payload.js';

/**
 * Every message two processes exchange, as one typed union, and its binary form.
 *
 * Frame body layout (after the u32 frame length, see frame.ts), little-endian:
 *
 *   call    | 1 | mode | argsKind | defKind | reqId u32 | rr.whence u32 | rr.id u32 | fnId u32 | defLen u32 | def | args
 *   result  | 2 | ok   | valKind  | 0      | reqId u32 | value
 *   owner   | 3 | 0    | argsKind | 0      | reqId u32 | rr.whence u32 | rr.id u32 | op u32 | args
 *   clients | 4 | 0    | 0        | 0      | (whence u32, id u32, client u32, delta i32) * n
 *   forget  | 5 | 0    | 0        | 0      | fnId u32 * n
 *   control | k | 0    | 0        | 0      | body (v8-serialized, validated on arrival)
 *
 * The frequent messages have binary headers, so a call with no arguments and an `undefined`
 * result never touches the serializer; the rare cluster-control messages are v8-serialized. The
 * header is kept apart from the payload so that a payload that fails to decode can still be
 * answered with an error for its request id. A call's `def` (present the first time a function
 * goes to a peer) is a payload holding the function as a one-item argument list
 * (remote/function-shipping.ts). Every message from a peer is validated here before
 * anything acts on it: a malformed one raises ERR_PROTOCOL.
 */

/** A remote reference's identity: created by process `whence`, its `id`-th reference there. */
export interface RRID {
  whence: number;
  id: number;
}

export const enum CallMode {
  /** Run and send the value back (remotecallFetch). */
  Fetch = 0,
  /** Run and keep the value under `rr` on this process (remotecall). */
  Store = 1,
  /** Store, then answer once done (remotecallWait). */
  Wait = 2,
  /** Run; answer nothing; print errors (remoteDo). */
  Do = 3,
}

export type Msg =
  /** Run function `fnId`, defined by `fnDef` the first time it goes to this peer (later: the id alone). */
  | { kind: 'call'; reqId: number; mode: CallMode; rr: RRID | null; fnId: number; fnDef: Payload | null; args: Payload }
  | { kind: 'result'; reqId: number; ok: boolean; value: Payload }
  /** Run operation `op` of the owner-operation table on the object named `rr` (reqId 0: no answer). */
  | { kind: 'owner'; reqId: number; rr: RRID; op: number; args: Payload }
  /** Reference-count changes, flat quadruples [whence, id, client pid, delta]. */
  | { kind: 'clients'; deltas: number[] }
  /** The sender garbage-collected these functions; drop their compiled copies. */
  | { kind: 'forget'; fnIds: number[] }
  /** Master → new worker: your pid, the topology, the current workers and the master's host. */
  | { kind: 'join'; pid: number; topology: Topology; lazy: boolean; peers: PeerInfo[]; master: HostIdentity }
  /** New worker → master: joined; its OS process id and its host. */
  | { kind: 'joinAck'; ospid: number; host: HostIdentity }
  /** Master → workers: the process table changed. */
  | { kind: 'peers'; peers: PeerInfo[]; removed: number[] }
  /** Worker → master: ask `to` (a lower pid) to connect to `from`. */
  | { kind: 'requestConnect'; from: number; to: number }
  /** Master → worker: connect to `pid`, it wants to talk. */
  | { kind: 'connectTo'; pid: number }
  /**
   * Master → worker: the marker of interrupt `id`, which cancels the calls sent before it (the
   * same id reaches the worker's lifeline as a record: cluster/interrupt-record.ts).
   */
  | { kind: 'interrupt'; id: number }
  /** Master → worker: exit now. */
  | { kind: 'exit' };

export type MsgKind = Msg['kind'];

const K_CALL = 1;
const K_RESULT = 2;
const K_OWNER = 3;
const K_CLIENTS = 4;
const K_FORGET = 5;
const K_JOIN = 6;
const K_JOINACK = 7;
const K_PEERS = 8;
const K_REQCONNECT = 9;
const K_CONNECTTO = 10;
const K_INTERRUPT = 11;
const K_EXIT = 12;

const CALL_HEAD = 24;
const RESULT_HEAD = 8;
const OWNER_HEAD = 20;
const LIST_HEAD = 4;

/**
 * Encode a message as one complete frame (length prefix included). Throws ERR_FRAME_TOO_LARGE,
 * whose `bytes` and `limit` give the message's size and the limit.
 */
export function encodeMsg(m: Msg): Buffer {
  switch (m.kind) {
    case 'call': {
      const def = m.fnDef;
      const defLen = def ? def.bytes.length : 0;
      const out = alloc(CALL_HEAD + defLen + m.args.bytes.length);
      const o = FRAME_HEADER;
      out[o] = K_CALL;
      out[o + 1] = m.mode;
      out[o + 2] = m.args.kind;
      out[o + 3] = def ? def.kind : 0;
      out.writeUInt32LE(m.reqId, o + 4);
      out.writeUInt32LE(m.rr ? m.rr.whence : 0, o + 8);
      out.writeUInt32LE(m.rr ? m.rr.id : 0, o + 12);
      out.writeUInt32LE(m.fnId, o + 16);
      out.writeUInt32LE(defLen, o + 20);
      if (def) out.set(def.bytes, o + CALL_HEAD);
      out.set(m.args.bytes, o + CALL_HEAD + defLen);
      return out;
    }
    case 'result': {
      const out = alloc(RESULT_HEAD + m.value.bytes.length);
      const o = FRAME_HEADER;
      out[o] = K_RESULT;
      out[o + 1] = m.ok ? 1 : 0;
      out[o + 2] = m.value.kind;
      out[o + 3] = 0;
      out.writeUInt32LE(m.reqId, o + 4);
      out.set(m.value.bytes, o + RESULT_HEAD);
      return out;
    }
    case 'owner': {
      const out = alloc(OWNER_HEAD + m.args.bytes.length);
      const o = FRAME_HEADER;
      out[o] = K_OWNER;
      out[o + 1] = 0;
      out[o + 2] = m.args.kind;
      out[o + 3] = 0;
      out.writeUInt32LE(m.reqId, o + 4);
      out.writeUInt32LE(m.rr.whence, o + 8);
      out.writeUInt32LE(m.rr.id, o + 12);
      out.writeUInt32LE(m.op, o + 16);
      out.set(m.args.bytes, o + OWNER_HEAD);
      return out;
    }
    case 'clients': {
      const out = alloc(LIST_HEAD + 4 * m.deltas.length);
      header(out, K_CLIENTS);
      for (let i = 0; i < m.deltas.length; i++) {
        const o = FRAME_HEADER + LIST_HEAD + 4 * i;
        if (i % 4 === 3) out.writeInt32LE(m.deltas[i]!, o);
        else out.writeUInt32LE(m.deltas[i]!, o);
      }
      return out;
    }
    case 'forget': {
      const out = alloc(LIST_HEAD + 4 * m.fnIds.length);
      header(out, K_FORGET);
      for (const [i, id] of m.fnIds.entries()) out.writeUInt32LE(id, FRAME_HEADER + LIST_HEAD + 4 * i);
      return out;
    }
    case 'join':
      return control(K_JOIN, { pid: m.pid, topology: m.topology, lazy: m.lazy, peers: m.peers, master: m.master });
    case 'joinAck':
      return control(K_JOINACK, { ospid: m.ospid, host: m.host });
    case 'peers':
      return control(K_PEERS, { peers: m.peers, removed: m.removed });
    case 'requestConnect':
      return control(K_REQCONNECT, [m.from, m.to]);
    case 'connectTo':
      return control(K_CONNECTTO, m.pid);
    case 'interrupt':
      return control(K_INTERRUPT, m.id);
    case 'exit':
      return control(K_EXIT, 0);
  }
}

function alloc(bodyLen: number): Buffer {
  const limit = maxFrameBytes();
  if (bodyLen > limit) {
    throw coded(
      RangeError,
      'ERR_FRAME_TOO_LARGE',
      `a message of ${bodyLen} bytes is over the ${limit}-byte limit for one message between processes: ` +
        'send large arrays as a SharedArray (same host) or a DArray, or raise SHAREDARRAYS_MAX_FRAME (bytes) for every process',
      { bytes: bodyLen, limit },
    );
  }
  const out = Buffer.allocUnsafe(FRAME_HEADER + bodyLen);
  out.writeUInt32LE(bodyLen, 0);
  return out;
}

function header(out: Buffer, kind: number): void {
  out[FRAME_HEADER] = kind;
  out.fill(0, FRAME_HEADER + 1, FRAME_HEADER + 4);
}

function control(kind: number, body: unknown): Buffer {
  const bytes = v8.serialize(body);
  const out = alloc(4 + bytes.length);
  header(out, kind);
  out.set(bytes, FRAME_HEADER + 4);
  return out;
}

function payload(kind: number, b: Buffer, start: number): Payload {
  // Most payloads are empty (no arguments, an undefined result): share one object for them.
  if (kind === PayloadKind.None) return EMPTY_PAYLOAD;
  if (kind > MAX_PAYLOAD_KIND) throw protocolError(`unknown payload kind ${kind}`);
  return { kind: kind as PayloadKind, bytes: b.subarray(start) };
}

function protocolError(what: string): Error {
  return coded(Error, 'ERR_PROTOCOL', `malformed message from peer: ${what}`);
}

// --- validation of what a peer sent --------------------------------------------------------------

const isU32 = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0 && (x as number) <= 0xffff_ffff;
const isPid = isU32;
const isTopology = (x: unknown): x is Topology => x === 'all_to_all' || x === 'master_worker';

function peerInfos(x: unknown, what: string): PeerInfo[] {
  if (!Array.isArray(x)) throw protocolError(`${what} is not a list`);
  for (const p of x as unknown[]) {
    const o = p as Partial<PeerInfo> | null;
    if (typeof o !== 'object' || o === null || !isPid(o.pid) || typeof o.address !== 'string' || !isPid(o.ospid) || typeof o.host !== 'string' || typeof o.hostname !== 'string') {
      throw protocolError(`${what} holds an entry that is not {pid, address, ospid, host, hostname}`);
    }
  }
  return x as PeerInfo[];
}

function hostIdentity(x: unknown, what: string): HostIdentity {
  const h = x as Partial<HostIdentity> | null;
  if (typeof h !== 'object' || h === null || typeof h.key !== 'string' || typeof h.name !== 'string') throw protocolError(`${what} is not a host`);
  return { key: h.key, name: h.name };
}

function pidList(x: unknown, what: string): number[] {
  if (!Array.isArray(x) || !x.every(isPid)) throw protocolError(`${what} is not a list of pids`);
  return x as number[];
}

function u32List(b: Buffer, what: string): number[] {
  if ((b.length - LIST_HEAD) % 4 !== 0) throw protocolError(`${what} has a partial entry`);
  const out: number[] = new Array((b.length - LIST_HEAD) / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readUInt32LE(LIST_HEAD + 4 * i);
  return out;
}

/** Decode and validate one frame body. Throws ERR_PROTOCOL on anything malformed. */
export function decodeMsg(b: Buffer): Msg {
  if (b.length < 4) throw protocolError('too short');
  const kind = b[0];
  switch (kind) {
    case K_CALL: {
      if (b.length < CALL_HEAD) throw protocolError('short call');
      const mode = b[1]!;
      if (mode > CallMode.Do) throw protocolError(`unknown call mode ${mode}`);
      const defLen = b.readUInt32LE(20);
      if (CALL_HEAD + defLen > b.length) throw protocolError('call definition overruns the frame');
      const whence = b.readUInt32LE(8);
      const rr = whence === 0 ? null : { whence, id: b.readUInt32LE(12) };
      if ((mode === CallMode.Store || mode === CallMode.Wait) && rr === null) throw protocolError('a call that stores its result names no reference');
      const reqId = b.readUInt32LE(4);
      if ((mode === CallMode.Fetch || mode === CallMode.Wait) && reqId === 0) throw protocolError('a call that answers has no request id');
      // A definition is a payload of its own kind (None: no definition, the peer has it).
      const def = b[3] === PayloadKind.None ? null : payload(b[3]!, b.subarray(0, CALL_HEAD + defLen), CALL_HEAD);
      return { kind: 'call', mode, reqId, rr, fnId: b.readUInt32LE(16), fnDef: def, args: payload(b[2]!, b, CALL_HEAD + defLen) };
    }
    case K_RESULT:
      if (b.length < RESULT_HEAD) throw protocolError('short result');
      return { kind: 'result', ok: b[1] === 1, reqId: b.readUInt32LE(4), value: payload(b[2]!, b, RESULT_HEAD) };
    case K_OWNER:
      if (b.length < OWNER_HEAD) throw protocolError('short owner call');
      return {
        kind: 'owner',
        reqId: b.readUInt32LE(4),
        rr: { whence: b.readUInt32LE(8), id: b.readUInt32LE(12) },
        op: b.readUInt32LE(16),
        args: payload(b[2]!, b, OWNER_HEAD),
      };
    case K_CLIENTS: {
      const raw = u32List(b, 'a reference-count message');
      if (raw.length % 4 !== 0) throw protocolError('a reference-count message has a partial entry');
      for (let i = 3; i < raw.length; i += 4) raw[i] = b.readInt32LE(LIST_HEAD + 4 * i);
      return { kind: 'clients', deltas: raw };
    }
    case K_FORGET:
      return { kind: 'forget', fnIds: u32List(b, 'a forget message') };
  }
  let body: unknown;
  try {
    body = v8.deserialize(b.subarray(4));
  } catch {
    throw protocolError(`unreadable body of message kind ${kind}`);
  }
  const o = body as Record<string, unknown>;
  switch (kind) {
    case K_JOIN:
      if (typeof o !== 'object' || o === null || !isPid(o.pid) || !isTopology(o.topology) || typeof o.lazy !== 'boolean') throw protocolError('bad join');
      return { kind: 'join', pid: o.pid, topology: o.topology, lazy: o.lazy, peers: peerInfos(o.peers, 'join peers'), master: hostIdentity(o.master, 'the master') };
    case K_JOINACK:
      if (typeof o !== 'object' || o === null || !isPid(o.ospid)) throw protocolError('bad joinAck');
      return { kind: 'joinAck', ospid: o.ospid, host: hostIdentity(o.host, 'the worker') };
    case K_PEERS:
      if (typeof o !== 'object' || o === null) throw protocolError('bad peers');
      return { kind: 'peers', peers: peerInfos(o.peers, 'peers'), removed: pidList(o.removed, 'removed pids') };
    case K_REQCONNECT: {
      const [from, to] = pidList(body, 'requestConnect');
      if (from === undefined || to === undefined) throw protocolError('bad requestConnect');
      return { kind: 'requestConnect', from, to };
    }
    case K_CONNECTTO:
      if (!isPid(body)) throw protocolError('bad connectTo');
      return { kind: 'connectTo', pid: body };
    case K_INTERRUPT:
      if (!isU32(body)) throw protocolError('bad interrupt: its id must be a u32');
      return { kind: 'interrupt', id: body };
    case K_EXIT:
      return { kind: 'exit' };
  }
  throw protocolError(`unknown message kind ${kind}`);
}

/** The request id of a frame that expects an answer: lets a receiver answer a message it cannot decode. */
export function peekReqId(b: Buffer): number | null {
  if (b.length < 8) return null;
  const id = b[0] === K_CALL || b[0] === K_OWNER ? b.readUInt32LE(4) : 0;
  return id === 0 ? null : id;
}
