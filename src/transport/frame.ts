import { coded } from '../core/errors.js';

/**
 * Length-prefixed framing: every message is `u32 little-endian length | body`.
 *
 * Frames wholly inside one socket read are handed out as zero-copy subarrays. A frame spread over
 * several reads is collected as a list of chunks and joined once, when it is complete (joining on
 * every read would copy a large frame over and over: quadratic). A declared length above
 * `maxFrame` is a protocol error, raised as soon as the header is in, before the body is buffered.
 */
export const FRAME_HEADER = 4;
/**
 * The largest frame body a process sends or accepts: 256 MiB unless SHAREDARRAYS_MAX_FRAME (bytes)
 * says otherwise. A peer cannot make a process buffer more than this; big data belongs in a
 * SharedArray or a DArray, not in one message. Every process of a cluster must use the same value
 * (workers inherit the master's environment).
 */
export function maxFrameBytes(): number {
  return (maxFrame ??= parseMaxFrame(process.env.SHAREDARRAYS_MAX_FRAME));
}
let maxFrame: number | undefined;

const DEFAULT_MAX_FRAME = 256 * 1024 * 1024;
/** Node's Buffer limit on 64-bit (4 GiB), less the header: no larger frame can be made at all. */
const ABSOLUTE_MAX_FRAME = 0xffff_fff0;

function parseMaxFrame(setting: string | undefined): number {
  if (setting === undefined || setting === '') return DEFAULT_MAX_FRAME;
  const n = Number(setting);
  if (!Number.isSafeInteger(n) || n < 1024 || n > ABSOLUTE_MAX_FRAME) {
    throw coded(RangeError, 'ERR_INVALID_ARG', `SHAREDARRAYS_MAX_FRAME must be a number of bytes between 1024 and ${ABSOLUTE_MAX_FRAME}, got ${setting}`);
  }
  return n;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Total bytes (header + body) of the frame being collected; 0 while its header is incomplete. */
  private frameBytes = 0;
  private readonly maxFrame: number;

  constructor(limit = maxFrameBytes()) {
    this.maxFrame = limit;
  }

  /** Feed one chunk; calls `onFrame` for every complete body. Throws ERR_PROTOCOL on an oversized frame. */
  push(chunk: Buffer, onFrame: (body: Buffer) => void): void {
    if (this.buffered === 0) return this.parse(chunk, onFrame);
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.frameBytes === 0 && this.buffered >= FRAME_HEADER) {
      const head = this.chunks[0]!.length >= FRAME_HEADER ? this.chunks[0]! : Buffer.concat(this.chunks, FRAME_HEADER);
      this.frameBytes = FRAME_HEADER + this.bodyLength(head, 0);
    }
    if (this.frameBytes === 0 || this.buffered < this.frameBytes) return;
    const all = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    this.frameBytes = 0;
    this.parse(all, onFrame);
  }

  /** Hand out every complete frame of `buf`; keep the incomplete rest. */
  private parse(buf: Buffer, onFrame: (body: Buffer) => void): void {
    let off = 0;
    while (buf.length - off >= FRAME_HEADER) {
      const end = off + FRAME_HEADER + this.bodyLength(buf, off);
      if (end > buf.length) {
        this.frameBytes = end - off;
        break;
      }
      onFrame(buf.subarray(off + FRAME_HEADER, end));
      off = end;
    }
    if (off < buf.length) {
      // Copied: the rest must not pin the whole (possibly large) read buffer.
      this.chunks = [Buffer.from(buf.subarray(off))];
      this.buffered = buf.length - off;
    } else {
      this.frameBytes = 0;
    }
  }

  private bodyLength(buf: Buffer, off: number): number {
    const len = buf.readUInt32LE(off);
    if (len > this.maxFrame) {
      throw coded(Error, 'ERR_PROTOCOL', `peer sent a frame of ${len} bytes, over the ${this.maxFrame}-byte limit`);
    }
    return len;
  }
}
