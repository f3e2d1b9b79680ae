// The connection handshake and framing over an in-process stream pair: mutual authentication by
// the cookie, refusal of a wrong cookie or another version, and frames delivered whole and in order.
import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/transport/connection.js';
import { acceptHandshake, initiateHandshake } from '../../src/transport/handshake.js';
import { duplexPair } from '../helpers/duplex-pair.js';

describe('handshake', () => {
  it('authenticates both sides and hands over what arrived behind it', async () => {
    const [a, b] = duplexPair();
    const [listener, initiator] = await Promise.all([acceptHandshake(a, 'secret', 5, '1.0.0'), initiateHandshake(b, 'secret', 1, '1.0.0')]);
    expect(listener.peerPid).toBe(1);
    expect(initiator.peerPid).toBe(5);
  });

  it('refuses a peer that does not know the cookie, on both sides', async () => {
    const [a, b] = duplexPair();
    const results = await Promise.allSettled([acceptHandshake(a, 'secret', 5, '1.0.0'), initiateHandshake(b, 'guess', 1, '1.0.0')]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'ERR_PROTOCOL' } });
    expect(results[1]).toMatchObject({ status: 'rejected' });
  });

  it('refuses a peer that runs another version, naming both', async () => {
    const [a, b] = duplexPair();
    const results = await Promise.allSettled([acceptHandshake(a, 'secret', 5, '1.0.0'), initiateHandshake(b, 'secret', 1, '2.0.0')]);
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'ERR_VERSION_MISMATCH', message: expect.stringMatching(/2\.0\.0.*1\.0\.0/) } });
  });
});

describe('connection', () => {
  it('delivers frames in order, batched writes included, and reports the close', async () => {
    const [a, b] = duplexPair();
    const got: string[] = [];
    let closed = false;
    new Connection(b, Buffer.alloc(0), (body) => got.push(body.toString()), () => (closed = true));
    const sender = new Connection(a, Buffer.alloc(0), () => undefined, () => undefined);
    const frame = (s: string): Buffer => {
      const out = Buffer.alloc(4 + s.length);
      out.writeUInt32LE(s.length, 0);
      out.write(s, 4);
      return out;
    };
    for (const s of ['one', 'two', 'three']) sender.send(frame(s));
    await new Promise((resolve) => setImmediate(resolve));
    expect(got).toEqual(['one', 'two', 'three']);
    a.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
  });

  it('closes on a frame over the limit', async () => {
    const [a, b] = duplexPair();
    let error: Error | null = null;
    new Connection(b, Buffer.alloc(0), () => undefined, (e) => (error = e));
    a.write(Buffer.from([0xff, 0xff, 0xff, 0x7f]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(error).toMatchObject({ code: 'ERR_PROTOCOL' });
  });
});
