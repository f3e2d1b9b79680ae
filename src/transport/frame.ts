import { coded } from '../errors.js';

/**
 * Length-prefixed framing: every message is `u32 little-endian length | body`.
 *
 * The decoder copies only when a frame straddles two socket reads; frames wholly inside one
 * chunk are handed out as zero-copy subarrays. A declared length above `maxFrame` is a protocol
 * error: the connection is dropped before anything is buffered or executed.
 */
export const FRAME_HEADER = 4;
/** The largest body a peer may send (Node's Buffer limit on 64-bit, 4 GiB, less the header). */
export const MAX_FRAME = 0xffff_fff0;

export class FrameDecoder {
  private pending: Buffer | null = null;
  private readonly maxFrame: number;

  constructor(maxFrame = MAX_FRAME) {
    this.maxFrame = maxFrame;
  }

  /** Feed one chunk; calls `onFrame` for every complete body. Throws ERR_PROTOCOL on an oversized frame. */
  push(chunk: Buffer, onFrame: (body: Buffer) => void): void {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let off = 0;
    while (buf.length - off >= FRAME_HEADER) {
      const len = buf.readUInt32LE(off);
      if (len > this.maxFrame) {
        throw coded(Error, 'ERR_PROTOCOL', `peer sent a frame of ${len} bytes, over the ${this.maxFrame}-byte limit`);
      }
      const end = off + FRAME_HEADER + len;
      if (end > buf.length) break;
      onFrame(buf.subarray(off + FRAME_HEADER, end));
      off = end;
    }
    if (off < buf.length) this.pending = off === 0 ? buf : Buffer.from(buf.subarray(off));
  }
}

