import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { coded } from '../errors.js';
import { clusterCookie } from './cookie.js';

/**
 * Julia's LocalManager: worker processes on this host. Each worker is `node <execArgv>
 * worker-main.js`, gets its start-up settings (cookie, socket path) on standard input, listens
 * on a Unix socket in a private 0700 directory, and announces that path as its first line of
 * output. Every other line it prints reaches the master as `      From worker N:\t<line>`.
 *
 * Its fourth stdio stream (fd 3) is a control pipe: the master writes `I` there to interrupt a
 * running call, and the worker's addon treats the pipe's end as the master's death.
 */
export interface LocalLaunchOptions {
  execArgv?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface LaunchedWorker {
  pid: number;
  child: ChildProcess;
  address: string;
  control: Writable;
}

const ANNOUNCE = 'sharedarrays_worker:';
const START_TIMEOUT_MS = Number(process.env.SHAREDARRAYS_WORKER_TIMEOUT ?? 60) * 1000;
const workerMain = fileURLToPath(new URL('./worker-main.js', import.meta.url));

let privateDir: string | null = null;

/**
 * The master's private socket directory (0700): made when a worker starts, removed when the last
 * worker is gone (see removeSocketDir) and when the master exits normally.
 */
export function socketDir(): string {
  // Made again if it went away meanwhile (e.g. removed by hand while no worker ran).
  if (privateDir && !existsSync(privateDir)) privateDir = null;
  if (!privateDir) {
    privateDir = mkdtempSync(join(tmpdir(), 'sharedarrays-'));
    const dir = privateDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return privateDir;
}

/** No worker left: remove the directory (with any socket a killed worker could not remove). */
export function removeSocketDir(): void {
  if (!privateDir) return;
  rmSync(privateDir, { recursive: true, force: true });
  privateDir = null;
}

export function forwardLines(stream: Readable, pid: number, onLine?: (line: string) => boolean): void {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (onLine?.(line)) return;
    process.stdout.write(`      From worker ${pid}:\t${line}\n`);
  });
}

/** Start worker `pid` and resolve once it listens. */
export function launchLocal(pid: number, opts: LocalLaunchOptions): Promise<LaunchedWorker> {
  const dir = socketDir();
  const address = join(dir, `w${pid}.sock`);
  const child = spawn(process.execPath, [...(opts.execArgv ?? process.execArgv), workerMain], {
    cwd: opts.cwd ?? process.cwd(),
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const control = child.stdio[3] as Writable;
  control.on('error', () => undefined);
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(`${JSON.stringify({ cookie: clusterCookie(), address, dir })}\n`);

  return new Promise<LaunchedWorker>((resolve, reject) => {
    const errLines: string[] = [];
    let announced = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(coded(Error, 'ERR_WORKER_START', `worker ${pid} did not start within ${START_TIMEOUT_MS / 1000} s (set SHAREDARRAYS_WORKER_TIMEOUT to wait longer)`));
    }, START_TIMEOUT_MS);
    forwardLines(child.stdout!, pid, (line) => {
      if (announced || !line.startsWith(ANNOUNCE)) return false;
      announced = true;
      clearTimeout(timer);
      resolve({ pid, child, address: line.slice(ANNOUNCE.length), control });
      return true;
    });
    forwardLines(child.stderr!, pid, (line) => {
      if (!announced) errLines.push(line);
      return false;
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(coded(Error, 'ERR_WORKER_START', `could not start worker ${pid}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      if (announced) return;
      clearTimeout(timer);
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = errLines.slice(-10).join('\n');
      reject(coded(Error, 'ERR_WORKER_START', `worker ${pid} ${why} before it was ready${tail ? `:\n${tail}` : ''}`));
    });
  });
}

/** Let the master exit while workers run: they follow it when its connections close. */
export function detachHandles(w: LaunchedWorker): void {
  w.child.unref();
  for (const s of [w.child.stdout, w.child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
  (w.control as unknown as { unref?: () => void }).unref?.();
}
