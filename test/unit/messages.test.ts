// Every message kind survives a round trip through its binary form, and a frame a peer could send
// malformed is refused with ERR_PROTOCOL before anything acts on it.
import { describe, expect, it } from 'vitest';
import { decodeMsg, encodeMsg, type Msg, peekReqId } from '../../src/transport/messages.js';
import { EMPTY_PAYLOAD, PayloadKind } from '../../src/transport/payload.js';

const args = { kind: PayloadKind.V8, bytes: Uint8Array.from([255, 15, 65, 0]) };
// A function's definition is a payload of its own (its record, remote/function-shipping.ts).
const def = { kind: PayloadKind.CompactRefs, bytes: Uint8Array.from([8, 1, 0, 1]) };
const host = { key: 'boot/pid:[1]/0', name: 'hostA' };
const peers = [
  { pid: 2, address: '\0sharedarrays-1-abc', ospid: 4242, host: host.key, hostname: 'hostA' },
  { pid: 3, address: '10.0.0.3:9001', ospid: 17, host: 'other', hostname: 'hostB' },
];

const every: Msg[] = [
  { kind: 'call', reqId: 7, mode: 0, rr: null, fnId: 3, fnDef: def, args },
  { kind: 'call', reqId: 0, mode: 1, rr: { whence: 1, id: 99 }, fnId: 4, fnDef: { kind: PayloadKind.V8Refs, bytes: Uint8Array.from([255, 15, 48]) }, args: EMPTY_PAYLOAD },
  { kind: 'call', reqId: 8, mode: 2, rr: { whence: 2, id: 1 }, fnId: 5, fnDef: def, args },
  { kind: 'call', reqId: 0, mode: 3, rr: null, fnId: 6, fnDef: null, args: EMPTY_PAYLOAD },
  { kind: 'result', reqId: 9, ok: true, value: { kind: PayloadKind.Number, bytes: new Uint8Array(new Float64Array([2.5]).buffer) } },
  { kind: 'result', reqId: 10, ok: false, value: args },
  { kind: 'owner', reqId: 11, rr: { whence: 3, id: 12 }, op: 5, args: { kind: PayloadKind.Numbers, bytes: new Uint8Array(new Float64Array([1, 2]).buffer) } },
  { kind: 'owner', reqId: 0, rr: { whence: 1, id: 1 }, op: 0, args: EMPTY_PAYLOAD },
  { kind: 'clients', deltas: [1, 2, 3, 1, 4, 5, 6, -2] },
  { kind: 'forget', fnIds: [1, 2, 300000] },
  { kind: 'join', pid: 5, topology: 'all_to_all', lazy: true, peers, master: host },
  { kind: 'joinAck', ospid: 31337, host },
  { kind: 'peers', peers, removed: [4] },
  { kind: 'requestConnect', from: 5, to: 3 },
  { kind: 'connectTo', pid: 6 },
  { kind: 'interrupt', id: 1234 },
  { kind: 'exit' },
];

const body = (m: Msg): Buffer => encodeMsg(m).subarray(4);
/** A message with its byte arrays as plain lists (a Buffer and a Uint8Array of the same bytes compare equal). */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('every message kind', () => {
  it.each(every.map((m) => [m.kind, m] as const))('%s round trips', (_kind, m) => {
    const frame = encodeMsg(m);
    expect(frame.readUInt32LE(0)).toBe(frame.length - 4);
    expect(plain(decodeMsg(frame.subarray(4)))).toEqual(plain(m));
  });

  it('covers the whole union', () => {
    expect(new Set(every.map((m) => m.kind)).size).toBe(12);
  });

  it('names the request of a call or owner operation that expects an answer, and only those', () => {
    expect(peekReqId(body(every[0]!))).toBe(7);
    expect(peekReqId(body(every[6]!))).toBe(11);
    expect(peekReqId(body(every[3]!))).toBeNull();
    expect(peekReqId(body(every[4]!))).toBeNull();
  });
});

describe('malformed frames are refused', () => {
  const refused = (b: Buffer): void => {
    expect(() => decodeMsg(b)).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
  };

  it('truncated headers of every binary kind', () => {
    for (const m of every.slice(0, 8)) refused(body(m).subarray(0, 6));
  });

  it('a call that stores its result but names no reference, or answers without a request id', () => {
    const store = body({ ...(every[1] as Extract<Msg, { kind: 'call' }>), rr: null });
    refused(store);
    const fetch = body({ ...(every[0] as Extract<Msg, { kind: 'call' }>), reqId: 0 });
    refused(fetch);
  });

  it('unknown kinds, call modes and payload kinds', () => {
    refused(Buffer.from([99, 0, 0, 0]));
    const b = body(every[0]!);
    b[1] = 9;
    refused(b);
    const c = body(every[4]!);
    c[2] = 42;
    refused(c);
  });

  it('a definition that overruns the frame or is of an unknown payload kind', () => {
    const b = Buffer.from(body(every[0]!));
    b.writeUInt32LE(1 << 20, 20);
    refused(b);
    const bad = body(every[0]!);
    bad[3] = 42;
    refused(bad);
  });

  it('control bodies of the wrong shape', () => {
    refused(body({ kind: 'join', pid: -1, topology: 'all_to_all', lazy: true, peers: [], master: host } as never));
    refused(body({ kind: 'join', pid: 2, topology: 'all_to_all', lazy: true, peers: [] } as never));
    refused(body({ kind: 'joinAck', ospid: 5 } as never));
    refused(body({ kind: 'join', pid: 2, topology: 'ring', lazy: true, peers: [], master: host } as never));
    refused(body({ kind: 'peers', peers: [{ pid: 2 }], removed: [] } as never));
    refused(body({ kind: 'requestConnect', from: 2 } as never).subarray(0, 5));
    refused(Buffer.concat([Buffer.from([8, 0, 0, 0]), Buffer.from('not v8 at all')]));
    refused(body({ kind: 'clients', deltas: [1, 2, 3] }));
    // An interrupt's id is a u32 (it is also written as one into the worker's lifeline).
    for (const id of [-1, 2 ** 32, 1.5, '7', null]) refused(body({ kind: 'interrupt', id } as never));
  });
});
