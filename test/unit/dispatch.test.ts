// The dispatcher: one handler per message kind, control messages obeyed only from the master to
// a worker (or, for joinAck/requestConnect, on the master from the worker they concern), and
// frames it cannot decode answered or dropped.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { myid, setMyid } from '../../src/core/identity.js';
import { createDispatcher, type Handlers } from '../../src/remote/dispatch.js';
import { encodeMsg, type Msg } from '../../src/transport/messages.js';
import { EMPTY_PAYLOAD } from '../../src/transport/payload.js';

function spies(): Handlers {
  const kinds = ['call', 'owner', 'result', 'clients', 'forget', 'join', 'joinAck', 'peers', 'requestConnect', 'connectTo', 'interrupt', 'exit', 'refuseRequest', 'dropPeer'];
  return Object.fromEntries(kinds.map((k) => [k, vi.fn()])) as unknown as Handlers;
}
const body = (m: Msg): Buffer => encodeMsg(m).subarray(4);
const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
const original = myid();
afterEach(() => {
  setMyid(original);
  stderr.mockClear();
});

const control: Msg[] = [
  { kind: 'peers', peers: [], removed: [] },
  { kind: 'connectTo', pid: 4 },
  { kind: 'interrupt', id: 1 },
  { kind: 'exit' },
];

describe('routing', () => {
  it('hands each kind to its handler with the sender', () => {
    const h = spies();
    const d = createDispatcher(h);
    d(3, body({ kind: 'call', reqId: 1, mode: 0, rr: null, fnId: 1, fnDef: null, args: EMPTY_PAYLOAD }));
    d(3, body({ kind: 'owner', reqId: 2, rr: { whence: 1, id: 1 }, op: 0, args: EMPTY_PAYLOAD }));
    d(3, body({ kind: 'result', reqId: 3, ok: true, value: EMPTY_PAYLOAD }));
    d(3, body({ kind: 'clients', deltas: [1, 1, 3, 1] }));
    d(3, body({ kind: 'forget', fnIds: [1] }));
    for (const k of ['call', 'owner', 'result', 'clients', 'forget'] as const) {
      expect(h[k]).toHaveBeenCalledTimes(1);
      expect(vi.mocked(h[k]).mock.calls[0]![0]).toBe(3);
    }
  });
});

describe('who may send what', () => {
  it('a worker obeys control messages from the master only', () => {
    setMyid(3);
    const h = spies();
    const d = createDispatcher(h);
    for (const m of control) d(2, body(m));
    for (const m of control) expect(h[m.kind]).not.toHaveBeenCalled();
    expect(stderr.mock.calls.map(String).join('')).toMatch(/refused a peers message from process 2/);
    for (const m of control) d(1, body(m));
    for (const m of control) expect(h[m.kind]).toHaveBeenCalledTimes(1);
  });

  it('the master obeys none of them', () => {
    setMyid(1);
    const h = spies();
    const d = createDispatcher(h);
    for (const m of control) d(2, body(m));
    for (const m of control) expect(h[m.kind]).not.toHaveBeenCalled();
  });

  it('join only from the master, and only before joining', () => {
    const join: Msg = { kind: 'join', pid: 4, topology: 'all_to_all', lazy: true, peers: [], master: { key: 'k', name: 'n' } };
    const h = spies();
    const d = createDispatcher(h);
    setMyid(0);
    d(5, body(join));
    expect(h.join).not.toHaveBeenCalled();
    d(1, body(join));
    expect(h.join).toHaveBeenCalledTimes(1);
    setMyid(4);
    d(1, body(join));
    expect(h.join).toHaveBeenCalledTimes(1);
  });

  it('on the master, joinAck from anyone joining, requestConnect only on the sender\'s own behalf', () => {
    setMyid(1);
    const h = spies();
    const d = createDispatcher(h);
    d(4, body({ kind: 'joinAck', ospid: 10, host: { key: 'k', name: 'n' } }));
    expect(h.joinAck).toHaveBeenCalledTimes(1);
    d(4, body({ kind: 'requestConnect', from: 5, to: 2 }));
    expect(h.requestConnect).not.toHaveBeenCalled();
    d(5, body({ kind: 'requestConnect', from: 5, to: 2 }));
    expect(h.requestConnect).toHaveBeenCalledTimes(1);
    setMyid(3);
    d(1, body({ kind: 'joinAck', ospid: 10, host: { key: 'k', name: 'n' } }));
    expect(h.joinAck).toHaveBeenCalledTimes(1);
  });
});

describe('frames it cannot decode', () => {
  it('a request is answered with the error; anything else drops the peer', () => {
    const h = spies();
    const d = createDispatcher(h);
    const bad = Buffer.from(body({ kind: 'call', reqId: 9, mode: 0, rr: null, fnId: 1, fnDef: null, args: EMPTY_PAYLOAD }));
    bad[1] = 7; // no such call mode
    d(2, bad);
    expect(h.refuseRequest).toHaveBeenCalledWith(2, 9, expect.objectContaining({ code: 'ERR_PROTOCOL' }));
    d(2, Buffer.from([42, 0, 0, 0]));
    expect(h.dropPeer).toHaveBeenCalledWith(2);
    expect(h.call).not.toHaveBeenCalled();
  });

  it('a handler that throws costs neither the process nor the connection', () => {
    const h = spies();
    vi.mocked(h.result).mockImplementation(() => {
      throw new Error('boom');
    });
    const d = createDispatcher(h);
    expect(() => d(2, body({ kind: 'result', reqId: 1, ok: true, value: EMPTY_PAYLOAD }))).not.toThrow();
    expect(h.dropPeer).not.toHaveBeenCalled();
  });
});
