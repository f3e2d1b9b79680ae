import { once } from 'node:events';
import { coded, CompositeException } from '../errors.js';
import type { Msg, Topology } from '../transport/messages.js';
import { fnWire, registerInternal } from '../remote/functions.js';
import { lastRequestId, nextRequestId, request } from '../remote/requests.js';
import { EMPTY_PAYLOAD } from '../transport/codec.js';
import { CallMode } from '../transport/messages.js';
import { myid } from './identity.js';
import { detachHandles, launchLocal, removeSocketDir, type LaunchedWorker } from './local-manager.js';
import { dial, disconnect, sendControl, setRoleHandlers } from './peers.js';
import { currentTopology, peerInfos, removeWorker, setTopology, setWorker, workerPids } from './process-table.js';

/**
 * The master's cluster operations: adding workers (Julia's addprocs with the LocalManager),
 * removing them, interrupting them, and noticing when one dies.
 */
export interface AddprocsOptions {
  execArgv?: string[];
  env?: Record<string, string>;
  cwd?: string;
  topology?: Topology;
  lazy?: boolean;
  /** Accepted for Julia compatibility: local workers always listen on private Unix sockets. */
  restrict?: boolean;
}

interface WorkerRecord {
  launched: LaunchedWorker;
  removing: boolean;
  exited: Promise<void>;
}

const records = new Map<number, WorkerRecord>();
const joining = new Map<number, (ospid: number) => void>();
let nextPid = 2;
let adding: Promise<unknown> = Promise.resolve();

function onlyMaster(): void {
  if (myid() !== 1) throw coded(Error, 'ERR_NOT_MASTER', 'Only process 1 can add and remove workers');
}

/** Start `n` workers on this host; resolves with their pids, sorted, once all answer. */
export function addprocs(n: number, opts: AddprocsOptions = {}): Promise<number[]> {
  try {
    onlyMaster();
    validateAddprocs(n, opts);
  } catch (e) {
    return Promise.reject(e);
  }
  // One addprocs at a time, as in Julia: pids and the broadcast table stay consistent.
  const run = adding.then(() => addLocal(n, opts));
  adding = run.catch(() => undefined);
  return run;
}

function validateAddprocs(n: number, opts: AddprocsOptions): void {
  if (!Number.isSafeInteger(n) || n < 1) throw coded(RangeError, 'ERR_INVALID_ARG', `addprocs(n): n must be a positive integer, got ${String(n)}`);
  const topology = opts.topology ?? 'all_to_all';
  if (topology !== 'all_to_all' && topology !== 'master_worker') {
    throw coded(TypeError, 'ERR_INVALID_ARG', `addprocs: topology must be 'all_to_all' or 'master_worker', got ${String(topology)}`);
  }
  const lazy = opts.lazy ?? true;
  const current = currentTopology();
  if (workerPids().length > 0 && (current.topology !== topology || current.lazy !== lazy)) {
    throw coded(
      Error,
      'ERR_TOPOLOGY',
      `workers with topology '${current.topology}' (lazy ${current.lazy}) already exist; new workers must use the same (remove them first with rmprocs)`,
    );
  }
}

async function addLocal(n: number, opts: AddprocsOptions): Promise<number[]> {
  setTopology(opts.topology ?? 'all_to_all', opts.lazy ?? true);
  const pids = Array.from({ length: n }, () => nextPid++);
  const results = await Promise.allSettled(pids.map((pid) => launchLocal(pid, opts)));
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
  const launched = results.filter((r): r is PromiseFulfilledResult<LaunchedWorker> => r.status === 'fulfilled').map((r) => r.value);
  if (failures.length > 0) {
    for (const w of launched) w.child.kill('SIGKILL');
    throw failures.length === 1 ? failures[0]! : new CompositeException(failures);
  }
  try {
    await Promise.all(launched.map((w) => connectWorker(w)));
  } catch (e) {
    for (const w of launched) {
      removeWorker(w.pid);
      w.child.kill('SIGKILL');
    }
    throw e;
  }
  for (const w of launched) detachHandles(w);
  broadcastPeers([]);
  if (!currentTopology().lazy && currentTopology().topology === 'all_to_all') connectEagerly(pids);
  return pids;
}

/** lazy: false — every new worker is connected to every other now, not on first use. */
function connectEagerly(newPids: number[]): void {
  for (const b of newPids) {
    for (const a of workerPids()) {
      // The lower pid of a pair dials (see peers.ts); a new worker can be the lower one too.
      if (a < b) sendControl(a, { kind: 'connectTo', pid: b });
      else if (a > b && !newPids.includes(a)) sendControl(b, { kind: 'connectTo', pid: a });
    }
  }
}

async function connectWorker(w: LaunchedWorker): Promise<void> {
  const exited = once(w.child, 'exit').then(() => undefined);
  records.set(w.pid, { launched: w, removing: false, exited });
  await dial(w.pid, w.address);
  setWorker({ pid: w.pid, address: w.address, ospid: w.child.pid ?? 0 });
  const joined = new Promise<number>((resolve) => joining.set(w.pid, resolve));
  const { topology, lazy } = currentTopology();
  sendControl(w.pid, { kind: 'join', pid: w.pid, topology, lazy, peers: peerInfos() });
  await Promise.race([joined, exited.then(() => Promise.reject(coded(Error, 'ERR_WORKER_START', `worker ${w.pid} exited while joining`)))]);
}

/** Tell every worker the current table (new workers, removed ones). */
function broadcastPeers(removed: number[]): void {
  const peers = peerInfos();
  for (const pid of workerPids()) {
    try {
      sendControl(pid, { kind: 'peers', peers, removed });
    } catch {
      // It is going away itself; the next broadcast will say so.
    }
  }
}

/**
 * Remove workers: ask each to exit, then SIGTERM, then SIGKILL. With `waitfor` (seconds), reject
 * if any is still there by then (the escalation goes on in the background).
 */
export async function rmprocs(pids: number | number[], opts: { waitfor?: number } = {}): Promise<void> {
  onlyMaster();
  const list = (Array.isArray(pids) ? pids : [pids]).filter((p) => p !== 1);
  const targets = list.map((p) => [p, records.get(p)] as const).filter((x): x is readonly [number, WorkerRecord] => x[1] !== undefined);
  const done = Promise.all(targets.map(([pid, rec]) => removeOne(pid, rec)));
  const waitfor = opts.waitfor;
  if (waitfor === undefined) return void (await done);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const left = targets.filter(([pid]) => records.has(pid)).map(([pid]) => pid);
      reject(coded(Error, 'ERR_RMPROCS_TIMEOUT', `rmprocs: pids [${left.join(', ')}] not terminated after ${waitfor} seconds.`));
    }, waitfor * 1000);
  });
  try {
    await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const GRACE_MS = 2000;

async function removeOne(pid: number, rec: WorkerRecord): Promise<void> {
  rec.removing = true;
  try {
    sendControl(pid, { kind: 'exit' });
  } catch {
    // Already disconnected: the signals below finish the job.
  }
  disconnect(pid);
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    if (await exitedWithin(rec.exited, GRACE_MS)) break;
    // Say so, as Julia does ("Sending SIGQUIT"): a worker ignoring exit is usually stuck in a loop.
    process.stderr.write(`rmprocs: worker ${pid} did not exit; sending ${signal}\n`);
    rec.launched.child.kill(signal);
  }
  await rec.exited;
  forget(pid);
}

/** Whether `exited` settles within `ms` (the timer keeps the master alive while rmprocs waits). */
function exitedWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void exited.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function forget(pid: number): void {
  if (!records.delete(pid)) return;
  removeWorker(pid);
  broadcastPeers([pid]);
  if (records.size === 0 && joining.size === 0) removeSocketDir();
}

/** Cancel the calls running on `pids` (default: every worker); the workers keep serving. */
export async function interrupt(pids?: number | number[]): Promise<void> {
  onlyMaster();
  const list = pids === undefined ? workerPids() : Array.isArray(pids) ? pids : [pids];
  const upTo = lastRequestId();
  for (const pid of list) {
    const rec = records.get(pid);
    if (!rec) continue;
    // The control pipe reaches a worker stuck in synchronous code; the message cancels awaited work.
    rec.launched.control.write('I');
    sendControl(pid, { kind: 'interrupt', upTo });
  }
}

function onControl(from: number, m: Msg): void {
  switch (m.kind) {
    case 'joinAck': {
      const resolve = joining.get(from);
      joining.delete(from);
      resolve?.(m.ospid);
      return;
    }
    case 'requestConnect':
      // `from` wants to talk to the lower pid `to`: have `to` dial it.
      try {
        sendControl(m.to, { kind: 'connectTo', pid: m.from });
      } catch {
        // `to` is gone; the table broadcast that says so makes `from` fail what waits on it.
      }
      return;
    default:
      return;
  }
}

function onLost(pid: number): void {
  const rec = records.get(pid);
  if (!rec) return;
  if (!rec.removing) {
    process.stderr.write(`Worker ${pid} terminated.\n`);
    // The connection is gone; make sure the process is too.
    rec.launched.child.kill('SIGKILL');
  }
  forget(pid);
}

/** Installed when this process is the master (the default until a worker joins). */
export function becomeMaster(): void {
  setRoleHandlers(onControl, onLost);
  process.on('beforeExit', flushWorkerOutput);
  // A master that exits takes its workers along, even ones busy in synchronous code.
  process.once('exit', () => {
    for (const rec of records.values()) rec.launched.child.kill('SIGTERM');
  });
}

function noop(): void {}
registerInternal('noop', noop);

let flushedAt = -1;

/**
 * The master is about to exit naturally (its handles to workers are unref'd so it can). What a
 * worker printed before answering its last call may still sit in the pipe, unread: one round
 * trip to each worker lets those lines be forwarded first. Once per quiet spell, so a master
 * that does nothing more exits right after.
 */
function flushWorkerOutput(): void {
  if (myid() !== 1) return;
  const pids = workerPids();
  if (pids.length === 0 || lastRequestId() === flushedAt) return;
  // These round trips must not keep the master alive themselves (a worker stuck in a loop never
  // answers); the timer alone does, and bounds the wait.
  const calls = pids.map((pid) => {
    const { fnId, fnDef } = fnWire(noop, pid);
    const msg = { kind: 'call', reqId: nextRequestId(), mode: CallMode.Fetch, rr: null, fnId, fnDef, args: EMPTY_PAYLOAD } as const;
    return request(pid, msg, () => undefined, false);
  });
  const bound = setTimeout(() => undefined, FLUSH_MS);
  void Promise.allSettled(calls).then(() => clearTimeout(bound));
  flushedAt = lastRequestId();
}

const FLUSH_MS = 500;

becomeMaster();
