import { fstatSync, readSync } from 'node:fs';
import net from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { setCallScope } from '../core/call-scope.js';
import { clusterCookie } from '../core/cookie.js';
import { coded } from '../core/errors.js';
import { myid, setMyid } from '../core/identity.js';
import { workerTimeoutMs } from '../core/worker-timeout.js';
import { startControlWatch } from '../native.js';
import { setCallRunner } from '../remote/invoke.js';
import { acceptConnection } from '../transport/connections.js';
import { workerCalls } from './call-interrupts.js';
import type { WorkerSettings } from './cluster-manager.js';
import { ANNOUNCE } from './worker-output.js';

/**
 * A worker process's life, from start to serving: read the settings (and the cookie, which never
 * appears on a command line) from the first line of standard input, watch the lifeline, listen,
 * announce the address on standard output, and serve whoever proves the cookie. It learns its pid
 * from the master's join (cluster/worker-control.ts) and exits when the master goes away.
 */
interface StartSettings extends WorkerSettings {
  cookie: string;
}

/**
 * The first line of standard input, read directly from fd 0 (no stream is ever opened on it):
 * when stdin is the lifeline (ssh, srun), the native watcher owns every byte after that line.
 */
function readSettings(): StartSettings {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n: number;
    try {
      n = readSync(0, one, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(nap, 0, 0, 5);
      continue;
    }
    if (n === 0 || one[0] === 0x0a) break;
    bytes.push(one[0]!);
  }
  if (bytes.length === 0) throw new Error('worker: no start-up settings on standard input');
  const s = JSON.parse(Buffer.from(bytes).toString('utf8')) as StartSettings;
  if (typeof s.cookie !== 'string' || typeof s.listen !== 'object' || s.listen === null) throw new Error('worker: malformed start-up settings');
  return s;
}

function isPipe(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

/** Listen where the settings say; resolve with the address to announce. */
function listen(server: net.Server, where: StartSettings['listen']): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (where.kind === 'unix') {
      // Abstract (leading NUL): no file to clean up, whatever way this process ends.
      const name = `\0sharedarrays-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
      server.listen(name, () => resolve(name));
    } else {
      server.listen(where.port, where.host, () => {
        const a = server.address() as net.AddressInfo;
        const host = a.address === '0.0.0.0' || a.address === '::' ? reachableAddress() : a.address;
        resolve(`${host.includes(':') ? `[${host}]` : host}:${a.port}`);
      });
    }
  });
}

/**
 * This machine's address for others, when listening on all interfaces: its first non-loopback
 * IPv4 address (the manager may know better, and says so with connectHost), else its name.
 */
function reachableAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return hostname();
}

export async function runWorker(): Promise<void> {
  // Not a member of any cluster until the master's join names us.
  setMyid(0);
  // Checked before anything starts: a bad value fails the start, and the master reads why.
  const deadline = workerTimeoutMs();
  const settings = readSettings();
  clusterCookie(settings.cookie);
  // Calls are tagged, so that an interrupt cancels exactly those in flight when it was issued,
  // and runtime work several calls share is kept apart from any one of them (docs/interrupt.md).
  const calls = workerCalls();
  setCallRunner(calls.runner);
  setCallScope(calls.scope);
  if (settings.lifeline !== null && isPipe(settings.lifeline)) {
    // A native thread watches the lifeline: its end is the master's death (exit at once, even in
    // a synchronous loop), and an interrupt record on it stops the calls it cancels wherever they
    // run. Where no record comes (srun's standard input is every task's), an interrupt's marker
    // alone still cancels what awaits.
    startControlWatch(settings.lifeline);
  }
  // SIGINT is how Ctrl-C in the master's terminal reaches workers; interrupts come another way.
  process.on('SIGINT', () => undefined);
  // An error in user code outside any call (a timer, an event handler, a remoteDo that forgot a
  // catch) is printed, as Julia prints an unhandled task error, instead of killing the worker and
  // everything stored on it.
  process.on('uncaughtException', (e) => console.error(`Error on worker ${myid()} (outside any call):`, e));
  process.on('unhandledRejection', (e) => console.error(`Unhandled rejection on worker ${myid()}:`, e));
  const server = net.createServer(acceptConnection);
  const address = await listen(server, settings.listen);
  process.stdout.write(`${ANNOUNCE}${address}\n`);
  // Julia: a worker the master never joins exits on its own.
  setTimeout(() => {
    if (myid() === 0) {
      process.stderr.write(`${coded(Error, 'ERR_WORKER_START', `the master did not connect within ${deadline / 1000} s; exiting`).message}\n`);
      process.exit(1);
    }
  }, deadline).unref();
}
