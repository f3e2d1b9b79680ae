import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/transport/frame.js';

function framed(bodies: Buffer[]): Buffer {
  return Buffer.concat(
    bodies.map((b) => {
      const h = Buffer.alloc(4);
      h.writeUInt32LE(b.length);
      return Buffer.concat([h, b]);
    }),
  );
}

describe('FrameDecoder', () => {
  it('returns every frame intact however the stream is split', () => {
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const bodies = Array.from({ length: 400 }, (_, i) => Buffer.from(Array.from({ length: rnd(3000) }, (_, k) => (i + k) & 255)));
    const wire = framed(bodies);
    for (const maxChunk of [1, 3, 7, 100, 5000, wire.length]) {
      const d = new FrameDecoder();
      const out: Buffer[] = [];
      for (let off = 0; off < wire.length; ) {
        const n = 1 + rnd(maxChunk);
        d.push(wire.subarray(off, off + n), (b) => out.push(Buffer.from(b)));
        off += n;
      }
      expect(out.length).toBe(bodies.length);
      expect(out.every((b, i) => b.equals(bodies[i]!))).toBe(true);
    }
  });

  it('returns a 64 MiB frame spread over a thousand reads intact', () => {
    // A 64 MiB frame in 64 KiB reads: re-joining on every read would copy ~32 GiB.
    const body = Buffer.alloc(64 << 20, 7);
    const wire = framed([body]);
    const d = new FrameDecoder();
    let got: Buffer | null = null;
    let pushes = 0;
    for (let off = 0; off < wire.length; off += 65536) {
      d.push(wire.subarray(off, off + 65536), (b) => (got = b));
      pushes++;
    }
    expect(pushes).toBe(1025);
    expect(got!.length).toBe(body.length);
    expect(got![body.length - 1]).toBe(7);
  });

  it('rejects an oversized frame as soon as its header is in', () => {
    const d = new FrameDecoder(1024);
    const h = Buffer.alloc(4);
    h.writeUInt32LE(1025);
    expect(() => d.push(h.subarray(0, 2), () => undefined)).not.toThrow();
    expect(() => d.push(h.subarray(2), () => undefined)).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
  });
});
