// Security of a worker's socket: a peer that does not know the cluster cookie gets nothing
// executed and is dropped; garbage, an oversized frame header or a malformed message cannot take
// the worker down; and the worker keeps serving its master throughout.
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { workerInfo } from '../dist/src/core/process-table.js';
import { initiateHandshake } from '../dist/src/transport/handshake.js';
import { functionRef } from '../dist/src/remote/function-shipping.js';
import { encodeMsg } from '../dist/src/transport/messages.js';
import { EMPTY_PAYLOAD } from '../dist/src/transport/payload.js';
import { packageVersion } from '../dist/src/core/version.js';

const { addprocs, myid, remotecallFetch, clusterCookie } = sa;

let w = 0;
let address = '';
beforeAll(async () => {
  [w] = (await addprocs(1)) as [number];
  address = workerInfo(w)!.address;
});
afterAll(removeAllWorkers);

const CALL_DO = 3; // CallMode.Do (a const enum, so not in the compiled JavaScript)

/** A call frame that would set a global on the worker if it ever ran. */
function evilFrame(tag: string): Buffer {
  // The function as it would travel: its source and what it does, defined in the call.
  const evil = new Function(`return () => { globalThis.pwned = ${JSON.stringify(tag)}; };`)() as Function;
  const { fnId, fnDef } = functionRef(evil, 424242, []);
  return encodeMsg({ kind: 'call', reqId: 1, mode: CALL_DO, rr: null, fnId, fnDef, args: EMPTY_PAYLOAD } as never);
}

async function connect(): Promise<net.Socket> {
  const s = net.connect(address);
  s.on('error', () => undefined);
  await once(s, 'connect');
  return s;
}

/** Read the worker's 52-byte greeting ("SAH2" + nonce + version). */
async function greeting(s: net.Socket): Promise<Buffer> {
  let buf = Buffer.alloc(0);
  while (buf.length < 52) buf = Buffer.concat([buf, (await once(s, 'data'))[0] as Buffer]);
  expect(buf.subarray(0, 4).toString()).toBe('SAH2');
  return buf;
}

/** Resolves when the worker has closed the connection (errors such as EPIPE on the way are expected). */
function dropped(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) resolve();
    else s.once('close', () => resolve());
  });
}

async function notPwnedAndServing(): Promise<void> {
  expect(await remotecallFetch(() => (globalThis as Record<string, unknown>).pwned, w)).toBeUndefined();
  expect(await remotecallFetch(() => myid(), w)).toBe(w);
}

describe("a worker's socket", () => {
  it('drops a peer with a wrong cookie before anything it sent executes', async () => {
    const s = await connect();
    await greeting(s);
    // A made-up answer to the challenge, with a call frame right behind it in the same write.
    const answer = Buffer.alloc(84);
    answer.writeUInt32LE(1, 0);
    s.write(Buffer.concat([answer, evilFrame('raw')]));
    await dropped(s);
    await notPwnedAndServing();
  });

  it('refuses a full handshake made with the wrong cookie', async () => {
    const s = await connect();
    await expect(initiateHandshake(s, 'not-the-cookie', 1, packageVersion())).rejects.toMatchObject({ code: 'ERR_PROTOCOL' });
    s.write(evilFrame('handshake'));
    await dropped(s);
    await notPwnedAndServing();
  });

  it('drops garbage bytes and an oversized frame header from an unauthenticated peer', async () => {
    const garbage = await connect();
    garbage.resume();
    garbage.write(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff)));
    await dropped(garbage);
    const huge = await connect();
    huge.resume();
    const header = Buffer.alloc(64, 0xff); // a length prefix of 4 GiB - 1, then more of the same
    huge.write(header);
    await dropped(huge);
    await notPwnedAndServing();
  });

  it('a silent peer holds nothing up', async () => {
    const s = await connect();
    await greeting(s);
    await notPwnedAndServing();
    s.destroy();
  });

  it('an authenticated peer that sends an oversized frame or a malformed message is dropped; the worker serves on', async () => {
    // With the real cookie, posing as a process the worker does not know.
    for (const bad of [Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]), Buffer.from([4, 0, 0, 0, 99, 0, 0, 0])]) {
      const s = await connect();
      const { peerPid } = await initiateHandshake(s, clusterCookie(), 77, packageVersion());
      expect(peerPid).toBe(w);
      s.write(bad);
      await dropped(s);
    }
    await notPwnedAndServing();
  });

  it('a second connection claiming to be the master is refused', async () => {
    const s = await connect();
    await initiateHandshake(s, clusterCookie(), 1, packageVersion());
    s.write(evilFrame('impostor'));
    await dropped(s);
    await notPwnedAndServing();
  });
});
