import v8 from 'node:v8';
import { coded } from '../errors.js';
import { FRAME_HEADER } from './frame.js';
import { EMPTY_PAYLOAD, type Payload, PayloadKind } from './codec.js';

/**
 * Every message two processes exchange, as one typed union, and its wire form.
 *
 * Wire format (after the u32 frame length, see frame.ts), little-endian:
 *
 *   call   | 1 | mode | argsKind | hasDef | reqId u32 | rr.whence u32 | rr.id u32 | fnId u32 | defLen u32 | def (v8) | args
 *   result | 2 | ok   | valKind  | 0      | reqId u32 | value
 *   ref    | 3 | op   | valKind  | 0      | reqId u32 | rr.whence u32 | rr.id u32 | count u32 | value
 *   other  | k | 0    | 0        | 0      | body (v8-serialized object of that kind)
 *
 * The hot messages (call, result, ref) have binary headers so that a no-op call with no
 * arguments and an `undefined` result never touches the serializer; the rare control messages
 * are v8-serialized objects. The header is kept apart from the payload so that a payload that
 * fails to decode can still be answered with an error for its request id.
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
  /** Run a factory and keep the channel it returns under `rr` (RemoteChannel.create); answer once done. */
  Channel = 4,
}

export const enum RefOp {
  Fetch = 0,
  Put = 1,
  IsReady = 2,
  Wait = 3,
  Take = 4,
  Close = 5,
  IsOpen = 6,
  IsEmpty = 7,
}

/** How a function reaches another process the first time (later: by `fnId` alone). */
export type FnDef =
  | { kind: 'src'; src: string; envNames: string[]; env: { kind: PayloadKind; bytes: Uint8Array } | null }
  | { kind: 'mod'; url: string; name: string }
  | { kind: 'pkg'; path: string };

export interface PeerInfo {
  pid: number;
  address: string;
  ospid: number;
}

export type Topology = 'all_to_all' | 'master_worker';

export type Msg =
  | { kind: 'call'; reqId: number; mode: CallMode; rr: RRID | null; fnId: number; fnDef: FnDef | null; args: Payload }
  | { kind: 'result'; reqId: number; ok: boolean; value: Payload }
  | { kind: 'ref'; reqId: number; op: RefOp; rr: RRID; count: number; value: Payload }
  /** Reference-count changes, flat quadruples [whence, id, pid, delta]. */
  | { kind: 'clients'; deltas: number[] }
  /** The sender garbage-collected these functions; drop their compiled copies. */
  | { kind: 'forget'; fnIds: number[] }
  | { kind: 'join'; pid: number; topology: Topology; lazy: boolean; peers: PeerInfo[] }
  | { kind: 'joinAck'; ospid: number }
  /** The master's process table changed. */
  | { kind: 'peers'; peers: PeerInfo[]; removed: number[] }
  /** Worker → master: ask `to` (a lower pid) to connect to `from`. */
  | { kind: 'requestConnect'; from: number; to: number }
  /** Master → worker: connect to `pid`, it wants to talk. */
  | { kind: 'connectTo'; pid: number }
  /** Cancel calls running here (from the master: those with reqId ≤ upTo). */
  | { kind: 'interrupt'; upTo: number }
  | { kind: 'exit' };

const K_CALL = 1;
const K_RESULT = 2;
const K_REF = 3;
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
const REF_HEAD = 20;

/** Encode a message as one complete frame (length prefix included). */
export function encodeMsg(m: Msg): Buffer {
  switch (m.kind) {
    case 'call': {
      const def = m.fnDef ? v8.serialize(m.fnDef) : null;
      const defLen = def ? def.length : 0;
      const out = alloc(CALL_HEAD + defLen + m.args.bytes.length);
      const o = FRAME_HEADER;
      out[o] = K_CALL;
      out[o + 1] = m.mode;
      out[o + 2] = m.args.kind;
      out[o + 3] = def ? 1 : 0;
      out.writeUInt32LE(m.reqId, o + 4);
      out.writeUInt32LE(m.rr ? m.rr.whence : 0, o + 8);
      out.writeUInt32LE(m.rr ? m.rr.id : 0, o + 12);
      out.writeUInt32LE(m.fnId, o + 16);
      out.writeUInt32LE(defLen, o + 20);
      if (def) out.set(def, o + CALL_HEAD);
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
    case 'ref': {
      const out = alloc(REF_HEAD + m.value.bytes.length);
      const o = FRAME_HEADER;
      out[o] = K_REF;
      out[o + 1] = m.op;
      out[o + 2] = m.value.kind;
      out[o + 3] = 0;
      out.writeUInt32LE(m.reqId, o + 4);
      out.writeUInt32LE(m.rr.whence, o + 8);
      out.writeUInt32LE(m.rr.id, o + 12);
      out.writeUInt32LE(m.count, o + 16);
      out.set(m.value.bytes, o + REF_HEAD);
      return out;
    }
    case 'clients':
      return control(K_CLIENTS, m.deltas);
    case 'forget':
      return control(K_FORGET, m.fnIds);
    case 'join':
      return control(K_JOIN, { pid: m.pid, topology: m.topology, lazy: m.lazy, peers: m.peers });
    case 'joinAck':
      return control(K_JOINACK, m.ospid);
    case 'peers':
      return control(K_PEERS, { peers: m.peers, removed: m.removed });
    case 'requestConnect':
      return control(K_REQCONNECT, [m.from, m.to]);
    case 'connectTo':
      return control(K_CONNECTTO, m.pid);
    case 'interrupt':
      return control(K_INTERRUPT, m.upTo);
    case 'exit':
      return control(K_EXIT, 0);
  }
}

function alloc(bodyLen: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + bodyLen);
  out.writeUInt32LE(bodyLen, 0);
  return out;
}

function control(kind: number, body: unknown): Buffer {
  const bytes = v8.serialize(body);
  const out = alloc(4 + bytes.length);
  out[FRAME_HEADER] = kind;
  out.fill(0, FRAME_HEADER + 1, FRAME_HEADER + 4);
  out.set(bytes, FRAME_HEADER + 4);
  return out;
}

function payload(kind: number, b: Buffer, start: number): Payload {
  // Most payloads are empty (no arguments, an undefined result): share one object for them.
  if (kind === PayloadKind.None) return EMPTY_PAYLOAD;
  if (kind > PayloadKind.V8Refs) throw protocolError(`unknown payload kind ${kind}`);
  return { kind: kind as PayloadKind, bytes: b.subarray(start) };
}

function protocolError(what: string): Error {
  return coded(Error, 'ERR_PROTOCOL', `malformed message from peer: ${what}`);
}

/** Decode one frame body. Throws ERR_PROTOCOL on anything malformed. */
export function decodeMsg(b: Buffer): Msg {
  if (b.length < 4) throw protocolError('too short');
  const kind = b[0];
  switch (kind) {
    case K_CALL: {
      if (b.length < CALL_HEAD) throw protocolError('short call');
      const defLen = b.readUInt32LE(20);
      if (CALL_HEAD + defLen > b.length) throw protocolError('call definition overruns the frame');
      const whence = b.readUInt32LE(8);
      return {
        kind: 'call',
        mode: b[1] as CallMode,
        reqId: b.readUInt32LE(4),
        rr: whence === 0 ? null : { whence, id: b.readUInt32LE(12) },
        fnId: b.readUInt32LE(16),
        fnDef: b[3] ? (v8.deserialize(b.subarray(CALL_HEAD, CALL_HEAD + defLen)) as FnDef) : null,
        args: payload(b[2]!, b, CALL_HEAD + defLen),
      };
    }
    case K_RESULT:
      if (b.length < RESULT_HEAD) throw protocolError('short result');
      return { kind: 'result', ok: b[1] === 1, reqId: b.readUInt32LE(4), value: payload(b[2]!, b, RESULT_HEAD) };
    case K_REF:
      if (b.length < REF_HEAD) throw protocolError('short ref');
      return {
        kind: 'ref',
        op: b[1] as RefOp,
        reqId: b.readUInt32LE(4),
        rr: { whence: b.readUInt32LE(8), id: b.readUInt32LE(12) },
        count: b.readUInt32LE(16),
        value: payload(b[2]!, b, REF_HEAD),
      };
  }
  const body = v8.deserialize(b.subarray(4)) as never;
  switch (kind) {
    case K_CLIENTS:
      return { kind: 'clients', deltas: body };
    case K_FORGET:
      return { kind: 'forget', fnIds: body };
    case K_JOIN: {
      const j = body as { pid: number; topology: Topology; lazy: boolean; peers: PeerInfo[] };
      return { kind: 'join', ...j };
    }
    case K_JOINACK:
      return { kind: 'joinAck', ospid: body };
    case K_PEERS: {
      const p = body as { peers: PeerInfo[]; removed: number[] };
      return { kind: 'peers', ...p };
    }
    case K_REQCONNECT: {
      const [from, to] = body as [number, number];
      return { kind: 'requestConnect', from, to };
    }
    case K_CONNECTTO:
      return { kind: 'connectTo', pid: body };
    case K_INTERRUPT:
      return { kind: 'interrupt', upTo: body };
    case K_EXIT:
      return { kind: 'exit' };
  }
  throw protocolError(`unknown message kind ${kind}`);
}

/** The request id of a frame, if it has one: lets a receiver answer a message it cannot decode. */
export function peekReqId(b: Buffer): number | null {
  if (b.length < 8) return null;
  return b[0] === K_CALL || b[0] === K_REF ? b.readUInt32LE(4) : null;
}
