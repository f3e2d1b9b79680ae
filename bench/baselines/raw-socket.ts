/**
 * Raw Node Unix-domain-socket baselines for the remotecall benchmark: the best
 * a plain length-prefixed echo over one socket does on this machine, measured
 * in the same run as our remotecallFetch figures so the two can be compared as
 * a ratio.
 *
 *   node dist/bench/baselines/raw-socket.js        # ping-pong p50/p99 + echo throughput
 *
 * Frames are a u32 little-endian payload length followed by the payload. The
 * echo child runs this same file with `--child <socketPath>`.
 *
 * socket.setNoDelay is not called: it disables Nagle's algorithm, which exists
 * only for TCP. On a Unix socket Node's handle is a Pipe without setNoDelay,
 * so the call would be a no-op.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { realpathSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const thisFile = fileURLToPath(import.meta.url);
const HEADER = 4;
/** "A few bytes" of payload: the size of a small call message's sequence number. */
const PAYLOAD = 8;
const FRAME = HEADER + PAYLOAD;
const EMPTY = Buffer.alloc(0);

/**
 * Splits a byte stream into length-prefixed frames. Complete frames that sit
 * in one chunk are reported as a single zero-copy run (subarray of the chunk);
 * only a frame straddling two chunks is copied, into a buffer of its own size.
 */
export class FrameSplitter {
  private partial: Buffer = EMPTY;

  feed(chunk: Buffer, emit: (run: Buffer, frames: number) => void): void {
    let off = 0;
    if (this.partial.length > 0) {
      if (this.partial.length < HEADER) {
        const take = Math.min(HEADER - this.partial.length, chunk.length);
        this.partial = Buffer.concat([this.partial, chunk.subarray(0, take)]);
        off = take;
        if (this.partial.length < HEADER) return;
      }
      const total = HEADER + this.partial.readUInt32LE(0);
      const take = Math.min(total - this.partial.length, chunk.length - off);
      this.partial = Buffer.concat([this.partial, chunk.subarray(off, off + take)]);
      off += take;
      if (this.partial.length < total) return;
      emit(this.partial, 1);
      this.partial = EMPTY;
    }
    const start = off;
    let frames = 0;
    while (off + HEADER <= chunk.length) {
      const end = off + HEADER + chunk.readUInt32LE(off);
      if (end > chunk.length) break;
      off = end;
      frames++;
    }
    if (frames > 0) emit(chunk.subarray(start, off), frames);
    // Copy the tail so the (up to 64 KiB) chunk is not retained for a few bytes.
    if (off < chunk.length) this.partial = Buffer.from(chunk.subarray(off));
  }
}

// ---------------------------------------------------------------- echo child

function runChild(socketPath: string): void {
  // The child removes the temp dir too (the parent does as well, after the
  // child exits): a parent killed outright never gets to.
  const done = (): never => {
    rmSync(path.dirname(socketPath), { recursive: true, force: true });
    process.exit(0);
  };
  const server = net.createServer((sock) => {
    const splitter = new FrameSplitter();
    const out: Buffer[] = [];
    let scheduled = false;
    // Replies are flushed once per event-loop turn: libuv may deliver several
    // reads in one poll phase, and setImmediate runs right after it, so all of
    // them leave in one writev.
    const flush = (): void => {
      scheduled = false;
      sock.cork();
      for (const b of out) sock.write(b);
      sock.uncork();
      out.length = 0;
    };
    const collect = (run: Buffer): void => {
      out.push(run);
    };
    sock.on('data', (chunk: Buffer) => {
      splitter.feed(chunk, collect);
      if (!scheduled && out.length > 0) {
        scheduled = true;
        setImmediate(flush);
      }
    });
    // One client per child: when it goes, so does the child.
    sock.on('close', done);
    sock.on('error', done);
  });
  // The IPC channel closes when the parent exits, however it dies.
  process.on('disconnect', done);
  server.listen(socketPath, () => {
    // The callback form turns "parent already gone" into a clean exit instead of an 'error' event.
    process.send?.('ready', (err: Error | null) => {
      if (err) done();
    });
  });
}

// -------------------------------------------------------------- parent side

/**
 * Runs `body` against a connected socket to a fresh echo child whose socket
 * lives in a private (0700) temp dir; the child is awaited and the dir removed
 * whatever happens.
 */
async function withEchoChild<T>(body: (sock: net.Socket) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-raw-'));
  const socketPath = path.join(dir, 'echo.sock');
  let child: ChildProcess | undefined;
  let sock: net.Socket | undefined;
  try {
    // execArgv: [] keeps the parent's flags (--inspect, test-runner loaders) out of the child.
    const c = fork(thisFile, ['--child', socketPath], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    child = c;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('echo child did not start within 10 s')), 10_000);
      c.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`echo child exited early (code ${code})`));
      });
    });
    const s = net.connect(socketPath);
    sock = s;
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    return await body(s);
  } finally {
    sock?.destroy();
    if (child && child.exitCode === null && child.signalCode === null) {
      const c = child;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      // Normally the child exits on its own when the socket closes; the kill is
      // for a child stuck before accepting the connection.
      const timer = setTimeout(() => c.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

function frameTemplate(frames: number): Buffer {
  const b = Buffer.alloc(frames * FRAME);
  for (let i = 0; i < frames; i++) b.writeUInt32LE(PAYLOAD, i * FRAME);
  return b;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

/** Sequential round trips of one small frame; times in microseconds. */
export async function rawPingPong(opts: {
  count: number;
  warmup?: number;
}): Promise<{ p50: number; p99: number; mean: number; samples: number[] }> {
  const { count, warmup = 0 } = opts;
  const total = count + warmup;
  const frame = frameTemplate(1);
  const samples = new Array<number>(count);
  await withEchoChild(
    (sock) =>
      new Promise<void>((resolve, reject) => {
        const splitter = new FrameSplitter();
        let done = 0;
        let t0 = 0n;
        // Driven from the data callback rather than an await per round trip,
        // so the figure is the socket's and not the promise machinery's.
        const send = (): void => {
          t0 = process.hrtime.bigint();
          sock.write(frame);
        };
        const onFrames = (_run: Buffer, frames: number): void => {
          for (let i = 0; i < frames; i++) {
            const dt = Number(process.hrtime.bigint() - t0) / 1e3;
            if (done >= warmup) samples[done - warmup] = dt;
            if (++done === total) return resolve();
            send();
          }
        };
        sock.on('data', (chunk: Buffer) => splitter.feed(chunk, onFrames));
        sock.once('error', reject);
        sock.once('close', () => reject(new Error(`socket closed after ${done}/${total} round trips`)));
        send();
      }),
  );
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean, samples };
}

/**
 * Pipelined echo: `messages` small frames, at most `window` unanswered,
 * written at most `perTurn` frames per event-loop turn as one buffer (a
 * subarray of a prebuilt template, so no per-message allocation), honouring
 * socket backpressure. Counts echoed frames until all are back. The first
 * `warmup` messages (same connection, same pattern) are not timed: the child
 * is a fresh process, and a cold run of 100k messages lasts only ~20 ms.
 */
export async function rawEchoThroughput(opts: {
  messages: number;
  window?: number;
  perTurn?: number;
  warmup?: number;
}): Promise<{ msgsPerSec: number }> {
  const { messages, window = Infinity, perTurn = 4096, warmup = 20_000 } = opts;
  const template = frameTemplate(Math.min(perTurn, Math.max(messages, warmup)));
  const seconds = await withEchoChild(async (sock) => {
    const splitter = new FrameSplitter();
    let target = 0;
    let sent = 0;
    let received = 0;
    let pending = false; // a send turn is already scheduled or waiting for 'drain'
    let finish: (() => void) | undefined;
    let fail: ((e: Error) => void) | undefined;
    const pump = (): void => {
      pending = false;
      const n = Math.min(target - sent, window - (sent - received), template.length / FRAME);
      if (n <= 0) return;
      sent += n;
      const ok = sock.write(n * FRAME === template.length ? template : template.subarray(0, n * FRAME));
      if (sent === target) return;
      pending = true;
      // Yield between turns so echoes are read while we keep sending.
      if (ok) setImmediate(pump);
      else sock.once('drain', pump);
    };
    const onFrames = (_run: Buffer, frames: number): void => {
      received += frames;
    };
    sock.on('data', (chunk: Buffer) => {
      splitter.feed(chunk, onFrames);
      if (received === target) finish?.();
      else if (!pending) pump(); // a full window just opened up
    });
    sock.once('error', (e) => fail?.(e));
    sock.once('close', () => fail?.(new Error(`socket closed after ${received}/${target} echoes`)));
    const phase = (n: number): Promise<number> =>
      new Promise<number>((resolve, reject) => {
        target = n;
        sent = received = 0;
        fail = reject;
        const t0 = process.hrtime.bigint();
        finish = () => resolve(Number(process.hrtime.bigint() - t0) / 1e9);
        pump();
      });
    if (warmup > 0) await phase(warmup);
    return phase(messages);
  });
  return { msgsPerSec: messages / seconds };
}

async function main(): Promise<void> {
  const pp = await rawPingPong({ count: 20_000, warmup: 2_000 });
  console.log(
    `raw ping-pong (20000 after 2000 warm-up, ${FRAME}-byte frames): ` +
      `p50 ${pp.p50.toFixed(1)} µs, p99 ${pp.p99.toFixed(1)} µs, mean ${pp.mean.toFixed(1)} µs`,
  );
  // One throughput run lasts ~15 ms, so a few runs show how much one figure can be trusted.
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) runs.push((await rawEchoThroughput({ messages: 100_000 })).msgsPerSec);
  const sorted = [...runs].sort((a, b) => a - b);
  const m = (x: number) => `${(x / 1e6).toFixed(2)}M`;
  console.log(
    `raw echo throughput (100000 messages after 20000 warm-up, unlimited window, 5 runs): ` +
      `median ${m(percentile(sorted, 0.5))} msgs/s, min ${m(sorted[0] ?? NaN)}, max ${m(sorted[sorted.length - 1] ?? NaN)}`,
  );
}

if (process.argv[2] === '--child') {
  const socketPath = process.argv[3];
  if (!socketPath) throw new Error('usage: raw-socket.js --child <socketPath>');
  runChild(socketPath);
} else if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(thisFile)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
