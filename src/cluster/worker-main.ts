/**
 * The worker entry point: `node <execArgv> worker-main.js`, started by a cluster manager.
 *
 * Start-up settings arrive as one JSON line on standard input (the cookie never appears on the
 * command line, where `ps` would show it). The worker listens on its Unix socket, announces the
 * path on stdout, accepts only connections that pass the cookie handshake, and learns its pid
 * from the master's `join`. It exits when the master goes away.
 */
import { unlinkSync, rmdirSync, fstatSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import '../index.js';
import { callInterruptible, startControlWatch } from '../native.js';
import { setInvoker } from '../remote/invoke.js';
import { interruptRunning } from '../remote/serve.js';
import type { Msg } from '../transport/messages.js';
import { acceptHandshake } from '../transport/handshake.js';
import { clusterCookie } from './cookie.js';
import { myid, setMyid } from './identity.js';
import { accept, ensureConnected, forgetPeer, sendControl, setRoleHandlers } from './peers.js';
import { removeWorker, setTopology, setWorker, workerInfo } from './process-table.js';

interface StartSettings {
  cookie: string;
  address: string;
  dir?: string;
}

// Not a member of any cluster until the master's join names us.
setMyid(0);

function readSettings(): Promise<StartSettings> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin });
    const noSettings = (): void => reject(new Error('worker: no start-up settings on standard input'));
    rl.once('close', noSettings);
    rl.once('line', (line) => {
      rl.off('close', noSettings);
      rl.close();
      process.stdin.destroy();
      try {
        resolve(JSON.parse(line) as StartSettings);
      } catch (e) {
        reject(e);
      }
    });
  });
}

function hasControlPipe(): boolean {
  try {
    return fstatSync(3).isFIFO() || fstatSync(3).isSocket();
  } catch {
    return false;
  }
}

let settings: StartSettings;
let server: net.Server;

function cleanupAndExit(code: number, removeDir: boolean): never {
  try {
    server?.close();
    unlinkSync(settings.address);
  } catch {
    // Already gone.
  }
  // The directory is the master's: only when the master is gone does the last worker out remove
  // it. A worker removed by rmprocs must leave it, or the master's next addprocs finds no directory.
  if (removeDir && settings?.dir) {
    try {
      rmdirSync(settings.dir);
    } catch {
      // Other workers' sockets are still there: the last one out removes it.
    }
  }
  process.exit(code);
}

function onControl(from: number, m: Msg): void {
  switch (m.kind) {
    case 'join':
      if (from !== 1 || myid() !== 0) return;
      setMyid(m.pid);
      setTopology(m.topology, m.lazy);
      for (const p of m.peers) setWorker(p);
      sendControl(1, { kind: 'joinAck', ospid: process.pid });
      return;
    case 'peers':
      for (const p of m.peers) setWorker(p);
      for (const pid of m.removed) {
        removeWorker(pid);
        forgetPeer(pid);
      }
      return;
    case 'connectTo':
      if (workerInfo(m.pid)) ensureConnected(m.pid);
      return;
    case 'interrupt':
      interruptRunning(m.upTo);
      return;
    case 'exit':
      return cleanupAndExit(0, false);
    default:
      return;
  }
}

function onLost(pid: number): void {
  // Without its master a worker has no purpose (Julia: exit code 1).
  if (pid === 1) cleanupAndExit(1, true);
}

async function main(): Promise<void> {
  settings = await readSettings();
  clusterCookie(settings.cookie);
  if (hasControlPipe()) {
    startControlWatch(3, { socketPath: settings.address, dir: settings.dir });
    setInvoker((fn, args) => callInterruptible(fn as (...a: never[]) => unknown, undefined, args));
  }
  // SIGINT is how Ctrl-C in the master's terminal reaches workers; interrupts come through fd 3.
  process.on('SIGINT', () => undefined);
  // A stray rejection in user code (a remoteDo that forgot a catch) is printed, as Julia prints an
  // unhandled task error, instead of killing the worker and everything stored on it.
  process.on('unhandledRejection', (e) => {
    console.error(`Unhandled rejection on worker ${myid()}:`, e);
  });
  setRoleHandlers(onControl, onLost);
  server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    acceptHandshake(socket, clusterCookie(), myid()).then(
      ({ peerPid, rest }) => {
        // Before the join only the master may connect.
        if (myid() === 0 && peerPid !== 1) return socket.destroy();
        accept(peerPid, socket, rest);
      },
      () => socket.destroy(),
    );
  });
  try {
    unlinkSync(settings.address);
  } catch {
    // No stale socket.
  }
  server.listen(settings.address, () => {
    process.stdout.write(`sharedarrays_worker:${settings.address}\n`);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`worker failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
