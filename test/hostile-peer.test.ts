// Nothing a peer sends can make a worker obey what only the master may say, buffer more than the
// frame limit, leave a request unanswered, or stop serving its master.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sa from 'sharedarrays';
import { workerInfo } from '../dist/src/core/process-table.js';
import { encodeMsg, type Msg } from '../dist/src/transport/messages.js';
import { EMPTY_PAYLOAD } from '../dist/src/transport/payload.js';
import { removeAllWorkers } from './helpers/cluster.js';
import { fakePeer } from './helpers/fake-peer.mjs';
import { waitFor } from './helpers/wait.js';

const { addprocs, myid, remotecallFetch, workers } = sa;

// The target is the higher worker; the fake peer poses as the lower one, which is how worker
// connections go (the lower pid dials), and which the two real workers have not used yet.
let low = 0;
let w = 0;
beforeAll(async () => {
  [low, w] = (await addprocs(2)) as [number, number];
});
afterAll(removeAllWorkers);

/** Lines the workers print, captured instead of shown. */
function captureWorkerOutput(): { lines: () => string; restore: () => void } {
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  return { lines: () => spy.mock.calls.map((c) => String(c[0])).join(''), restore: () => spy.mockRestore() };
}

async function serving(): Promise<void> {
  expect(await remotecallFetch(() => myid(), w)).toBe(w);
}

describe('control messages from a peer that is not the master', () => {
  it('are refused and reported; the worker keeps its master and its table', async () => {
    const out = captureWorkerOutput();
    try {
      const peer = await fakePeer(workerInfo(w)!.address, low);
      const orders: Msg[] = [
        { kind: 'exit' },
        { kind: 'peers', peers: [], removed: [1, low] },
        { kind: 'join', pid: 99, topology: 'master_worker', lazy: true, peers: [], master: { key: 'k', name: 'evil' } },
        { kind: 'interrupt', id: 0xffffffff },
        { kind: 'connectTo', pid: low },
      ];
      for (const m of orders) peer.socket.write(encodeMsg(m));
      await waitFor(() => (out.lines().match(/refused a \w+ message from process/g) ?? []).length >= orders.length, { what: 'five refusals' });
      await serving();
      expect(await remotecallFetch(() => workers(), w)).toEqual(workers());
      peer.socket.destroy();
    } finally {
      out.restore();
    }
  });
});

describe('malformed and oversized frames', () => {
  it('a malformed call that expects an answer gets an ERR_PROTOCOL reply, not silence', async () => {
    const out = captureWorkerOutput();
    try {
      const peer = await fakePeer(workerInfo(w)!.address, low);
      const frame = encodeMsg({ kind: 'call', reqId: 41, mode: 2 as never, rr: { whence: 77, id: 1 }, fnId: 1, fnDef: null, args: EMPTY_PAYLOAD });
      // Mode "store and answer" with the reference cut away.
      frame.writeUInt32LE(0, 4 + 8);
      peer.socket.write(frame);
      await waitFor(() => peer.received.length > 0, { what: 'a reply' });
      expect(peer.received[0]).toMatchObject({ kind: 'result', reqId: 41, ok: false });
      peer.socket.destroy();
      await serving();
    } finally {
      out.restore();
    }
  });

  it('a frame header over the limit drops that peer before its body is buffered', async () => {
    const peer = await fakePeer(workerInfo(w)!.address, low);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(300 * 1024 * 1024);
    peer.socket.write(header);
    peer.socket.write(Buffer.alloc(64 * 1024));
    await peer.closed;
    await serving();
  });

  it('fuzzed frames from an authenticated peer never take the worker down', async () => {
    const out = captureWorkerOutput();
    try {
      let seed = 12345;
      const rand = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      for (let round = 0; round < 20; round++) {
        const peer = await fakePeer(workerInfo(w)!.address, low);
        for (let k = 0; k < 25; k++) {
          const body = Buffer.from(Array.from({ length: 4 + rand(60) }, () => rand(256)));
          body[0] = 1 + rand(13);
          const frame = Buffer.alloc(4 + body.length);
          frame.writeUInt32LE(body.length);
          body.copy(frame, 4);
          peer.socket.write(frame);
        }
        peer.socket.destroy();
      }
      await serving();
    } finally {
      out.restore();
    }
  });
});

describe('who may connect', () => {
  it('a peer posing as a higher or unknown pid is refused; the real pair still connects afterwards', async () => {
    for (const claim of [w + 1, 999]) {
      const refused = await fakePeer(workerInfo(w)!.address, claim).then(
        (p) => p.closed,
        () => undefined,
      );
      expect(refused).toBeUndefined();
    }
    // The fakes above broke only their own links: the real lower worker reaches the target.
    expect(await remotecallFetch((o: number) => remotecallFetch(() => myid(), o), low, w)).toBe(w);
  });
});
