/**
 * The baseline for moving a DArray's bytes: the same number of bytes through a plain Unix socket
 * between this process and a child process, with no protocol, no serializer and no runtime —
 * what a hand-written copy would cost. Upload (this process sends, the child copies the bytes
 * into one buffer, then answers one byte) stands beside `distribute`; download (the child sends
 * a buffer it holds, this process copies the bytes into one buffer) beside `toArray`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

// The child: a server on an abstract socket (no file), its name on stdout. 'U' + 8-byte length:
// read that many bytes into a buffer, answer 'k'. 'D' + length: send that many bytes.
const childSource = `
const net = require('node:net');
const name = '\\0sa-raw-copy-' + process.pid;
let held = Buffer.alloc(0);
net.createServer((s) => {
  let head = Buffer.alloc(0), mode = '', want = 0, got = 0, into = null;
  s.on('data', (d) => {
    if (!mode) {
      head = Buffer.concat([head, d]);
      if (head.length < 9) return;
      mode = String.fromCharCode(head[0]); want = Number(head.readBigUInt64LE(1)); d = head.subarray(9);
      if (mode === 'D') { if (held.length !== want) held = Buffer.alloc(want, 7); s.write(held); mode = ''; head = Buffer.alloc(0); return; }
      into = Buffer.allocUnsafe(want); got = 0;
    }
    d.copy(into, got); got += d.length;
    if (got >= want) { s.write('k'); mode = ''; head = Buffer.alloc(0); }
  });
}).listen(name, () => console.log(name));
process.stdin.on('end', () => process.exit(0)).resume();
`;

/** A child process serving raw copies; `close()` ends it. */
export class RawPeer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly socket: Socket,
  ) {}

  static async start(): Promise<RawPeer> {
    const child = spawn(process.execPath, ['-e', childSource], { stdio: ['pipe', 'pipe', 'inherit'] });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const socket = connect(line.toString().trim());
    await once(socket, 'connect');
    return new RawPeer(child, socket);
  }

  /** Send `bytes` (from this process's memory); resolves once the child has them all. */
  async upload(bytes: Uint8Array): Promise<void> {
    const done = once(this.socket, 'data');
    this.socket.write(header('U', bytes.length));
    this.socket.write(bytes);
    await done;
  }

  /** Receive `n` bytes into one new buffer. */
  download(n: number): Promise<Uint8Array> {
    const into = new Uint8Array(n);
    let got = 0;
    return new Promise((resolve) => {
      const take = (d: Buffer): void => {
        into.set(d, got);
        got += d.length;
        if (got >= n) {
          this.socket.off('data', take);
          resolve(into);
        }
      };
      this.socket.on('data', take);
      this.socket.write(header('D', n));
    });
  }

  async close(): Promise<void> {
    this.socket.destroy();
    const exited = once(this.child, 'exit');
    this.child.stdin!.end();
    await exited;
  }
}

function header(mode: 'U' | 'D', n: number): Buffer {
  const h = Buffer.alloc(9);
  h[0] = mode.charCodeAt(0);
  h.writeBigUInt64LE(BigInt(n), 1);
  return h;
}
