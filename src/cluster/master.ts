import { coded, CompositeException } from '../core/errors.js';
import { clusterCookie } from '../core/cookie.js';
import { debug } from '../core/debug.js';
import { type HostIdentity, thisHost } from '../core/host.js';
import { isPoolThread, myid } from '../core/identity.js';
import { workerTimeoutMs } from '../core/worker-timeout.js';
import { currentTopology, hasExited, peerInfos, removeWorker, setTopology, setWorker, type Topology, workerInfo, workerPids } from '../core/process-table.js';
import { readDone } from '../refs/replies.js';
import { dial, disconnect, loseNow, openAddress, send } from '../transport/connections.js';
import type { Msg } from '../transport/messages.js';
import { callOn } from '../transport/owner-calls.js';
import { lastRequestId, nextRequestId } from '../transport/requests.js';
import type { ClusterManager, LaunchContext, WorkerConfig } from './cluster-manager.js';
import { interruptRecord } from './interrupt-record.js';
import { keepAliveDuring } from './keep-alive.js';
import { LocalManager } from './local-manager.js';
import type { MachineSpec } from './machine-spec.js';
import { SSHManager, type SSHOptions } from './ssh-manager.js';
import { inheritedExecArgv } from './worker-exec-argv.js';
import { readWorkerOutput } from './worker-output.js';
import { workerScript } from './worker-script.js';

// The master's side of the cluster: adding workers through a cluster manager (Julia's addprocs),
// removing them, interrupting them, and noticing when one dies.

/**
 * Options of {@link addprocs}. A custom cluster manager receives them as `LaunchContext.options`;
 * {@link LocalManager} applies `execArgv`, `env` and `cwd` to the processes it starts.
 */
export interface AddprocsOptions {
  /**
   * The Node options each worker runs with (default: this process's own, without the ones that
   * say what this process runs or how it is debugged: `-e`, `--test`, `--inspect`...).
   */
  execArgv?: string[];
  /** Environment variables set for each worker, on top of this process's environment. */
  env?: Record<string, string>;
  /** The directory each worker starts in (default: this process's current directory). */
  cwd?: string;
  /**
   * Which processes may connect (default `'all_to_all'`); every call of addprocs must use the
   * one the existing workers have, else it fails with `ERR_TOPOLOGY`.
   */
  topology?: Topology;
  /**
   * With `'all_to_all'`: connect two workers when one first calls the other (default `true`),
   * or, with `false`, connect every pair as the workers join. Must match the existing workers'.
   */
  lazy?: boolean;
  /** Accepted for Julia compatibility: local workers always listen on private Unix sockets. */
  restrict?: boolean;
}

interface WorkerRecord {
  manager: ClusterManager;
  config: WorkerConfig;
  /** It has joined (a worker lost while joining fails its addprocs instead of being reported). */
  joined: boolean;
  removing: boolean;
  /** Settles when the connection to the worker is gone. */
  lost: Promise<void>;
  markLost(): void;
}

/** What a worker says when it has joined. */
interface Joined {
  ospid: number;
  host: HostIdentity;
}

const records = new Map<number, WorkerRecord>();
const joining = new Map<number, (j: Joined) => void>();
let nextPid = 2;
let adding: Promise<unknown> = Promise.resolve();

function onlyMaster(): void {
  if (isPoolThread()) throw coded(Error, 'ERR_THREAD_NOT_IN_CLUSTER', 'a threads.for body cannot add or remove workers: threads do not join the cluster');
  if (myid() !== 1) throw coded(Error, 'ERR_NOT_MASTER', 'Only process 1 can add and remove workers');
}

/**
 * Start workers and resolve with their pids, sorted, once all have joined: `addprocs(n)` on this
 * host, or `addprocs(manager)` with any cluster manager. If any worker fails to start, none is
 * kept: every worker of the call is stopped and the promise rejects with the reason.
 */
export function addprocs(n: number, opts?: AddprocsOptions): Promise<number[]>;
export function addprocs(manager: ClusterManager, opts?: AddprocsOptions): Promise<number[]>;
export function addprocs(machines: MachineSpec[], opts?: AddprocsOptions & SSHOptions): Promise<number[]>;
export function addprocs(spec: number | ClusterManager | MachineSpec[], opts: AddprocsOptions & SSHOptions = {}): Promise<number[]> {
  let manager: ClusterManager;
  let timeoutMs: number;
  try {
    onlyMaster();
    manager = managerFor(spec, opts);
    checkTopology(opts);
    timeoutMs = workerTimeoutMs();
  } catch (e) {
    return Promise.reject(e);
  }
  // One addprocs at a time, as in Julia: pids and the broadcast table stay consistent.
  const run = keepAliveDuring(adding.then(() => addWith(manager, opts, timeoutMs)));
  adding = run.catch(() => undefined);
  return run;
}

function managerFor(spec: unknown, opts: AddprocsOptions & SSHOptions): ClusterManager {
  if (Array.isArray(spec)) return new SSHManager(spec as MachineSpec[], opts);
  if (typeof spec !== 'object' || spec === null) {
    if (typeof spec !== 'number' || !Number.isSafeInteger(spec) || spec < 1) throw coded(RangeError, 'ERR_INVALID_ARG', `addprocs(n): n must be a positive integer, got ${String(spec)}`);
    return new LocalManager(spec, opts.restrict === undefined ? {} : { restrict: opts.restrict });
  }
  if (typeof (spec as ClusterManager).launch === 'function') return spec as ClusterManager;
  throw coded(TypeError, 'ERR_INVALID_ARG', 'addprocs: give a number of local workers, a list of machines, or a ClusterManager (an object with a launch method)');
}

function checkTopology(opts: AddprocsOptions): void {
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

function launchContext(opts: AddprocsOptions, timeoutMs: number): LaunchContext {
  return {
    cookie: clusterCookie(),
    options: opts as Record<string, unknown>,
    node: process.execPath,
    execArgv: opts.execArgv ?? inheritedExecArgv(process.execArgv),
    workerScript: workerScript(),
    timeoutMs,
    settingsLine: (settings) => `${JSON.stringify({ cookie: clusterCookie(), ...settings })}\n`,
  };
}

async function addWith(manager: ClusterManager, opts: AddprocsOptions, timeoutMs: number): Promise<number[]> {
  installMasterHooks();
  setTopology(opts.topology ?? 'all_to_all', opts.lazy ?? true);
  const joins: Promise<number>[] = [];
  const started: [number, WorkerConfig][] = [];
  const failures: Error[] = [];
  try {
    const launched = manager.launch(launchContext(opts, timeoutMs));
    // Configs that come one by one are connected as they come, while the rest still start.
    const configs = Symbol.asyncIterator in launched ? launched : await launched;
    for await (const config of configs) {
      const pid = nextPid++;
      started.push([pid, config]);
      joins.push(join(manager, pid, config, timeoutMs).then(() => pid));
    }
  } catch (e) {
    failures.push(e as Error);
  }
  const results = await Promise.allSettled(joins);
  for (const r of results) if (r.status === 'rejected') failures.push(r.reason as Error);
  if (failures.length > 0) {
    // A failed addprocs leaves nothing running: stop every worker this call started.
    await Promise.allSettled(started.map(([pid, config]) => abandon(manager, pid, config)));
    throw failures.length === 1 ? failures[0]! : new CompositeException(failures);
  }
  const pids = started.map(([pid]) => pid).sort((a, b) => a - b);
  broadcastPeers([]);
  if (!currentTopology().lazy && currentTopology().topology === 'all_to_all') connectEagerly(pids);
  debug('launch', `added workers ${pids.join(', ')}`);
  return pids;
}

/** Connect to a launched worker, give it its pid and wait until it has joined (within `timeoutMs`). */
async function join(manager: ClusterManager, pid: number, config: WorkerConfig, timeoutMs: number): Promise<void> {
  const output = config.io ? readWorkerOutput(config.io, config.errio, timeoutMs, `worker ${pid}`) : null;
  const announced = config.address ?? (await output?.address);
  if (announced === undefined) throw coded(Error, 'ERR_WORKER_START', `worker ${pid}: its manager gave neither an address nor an output to read it from`);
  const address = reachable(announced, config.connectHost);
  config.address = address;
  output?.forwardAs(pid);
  let markLost!: () => void;
  const lost = new Promise<void>((resolve) => (markLost = resolve));
  const rec: WorkerRecord = { manager, config, joined: false, removing: false, lost, markLost };
  records.set(pid, rec);
  await dial(pid, () => (manager.connect ? manager.connect(pid, config) : openAddress(address)));
  const joined = new Promise<Joined>((resolve) => joining.set(pid, resolve));
  const { topology, lazy } = currentTopology();
  send(pid, { kind: 'join', pid, topology, lazy, peers: peerInfos(), master: thisHost() });
  const gone = lost.then(() => Promise.reject(coded(Error, 'ERR_WORKER_START', `worker ${pid} exited while joining`)));
  const { ospid, host } = await Promise.race([joined, gone]);
  joining.delete(pid);
  config.ospid = ospid;
  setWorker({ pid, address, ospid, host: host.key, hostname: host.name });
  rec.joined = true;
  await manager.manage?.(pid, config, 'register');
}

/** `host:port` with the host the manager says others connect to, when it says one. */
function reachable(announced: string, connectHost: string | undefined): string {
  const port = /^(?:\[[^\]]*\]|[^:]*):(\d+)$/.exec(announced)?.[1];
  if (connectHost === undefined || port === undefined) return announced;
  return `${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${port}`;
}

/** A worker of a failed addprocs: forget it and make sure it is gone. */
async function abandon(manager: ClusterManager, pid: number, config: WorkerConfig): Promise<void> {
  joining.delete(pid);
  const rec = records.get(pid);
  if (rec) rec.removing = true;
  removeWorker(pid);
  disconnect(pid);
  await manager.manage?.(pid, config, 'deregister');
  await manager.manage?.(pid, config, 'finalize');
  records.delete(pid);
}

/** lazy: false — every new worker is connected to every other now, not on first use. */
function connectEagerly(newPids: number[]): void {
  for (const b of newPids) {
    for (const a of workerPids()) {
      // The lower pid of a pair dials (see transport/connections.ts); a new worker can be the lower one too.
      if (a < b) send(a, { kind: 'connectTo', pid: b });
      else if (a > b && !newPids.includes(a)) send(b, { kind: 'connectTo', pid: a });
    }
  }
}

/** Tell every worker the current table (new workers, removed ones). */
function broadcastPeers(removed: number[]): void {
  const peers = peerInfos();
  for (const pid of workerPids()) {
    try {
      send(pid, { kind: 'peers', peers, removed });
    } catch {
      // It is going away itself; the next broadcast will say so.
    }
  }
}

/**
 * Pids given by a user, checked: positive integers; with `known`, each one a process this cluster
 * has had (rmprocs, like Julia's, ignores pids it does not know).
 */
function checkPids(pids: unknown, what: string, known: boolean): number[] {
  const list = Array.isArray(pids) ? pids : [pids];
  for (const p of list) {
    if (!Number.isSafeInteger(p) || (p as number) < 1) throw coded(TypeError, 'ERR_INVALID_ARG', `${what}: ${JSON.stringify(p) ?? String(p)} is not a pid`);
    if (known && p !== 1 && !workerInfo(p as number) && !hasExited(p as number)) {
      throw coded(RangeError, 'ERR_NO_SUCH_PROCESS', `${what}: there is no worker ${p as number} (workers: ${workerPids().join(', ') || 'none'})`);
    }
  }
  return list as number[];
}

/**
 * Remove workers: ask each to exit, then have its manager make sure (the LocalManager escalates
 * to SIGTERM and SIGKILL, saying so). With `waitfor` (seconds), reject if any is still there by
 * then (the removal goes on in the background); `waitfor: 0` returns at once.
 */
export async function rmprocs(pids: number | number[], opts: { waitfor?: number } = {}): Promise<void> {
  onlyMaster();
  const list = checkPids(pids, 'rmprocs', false);
  if (list.includes(1)) process.stderr.write('rmprocs: process 1 not removed\n');
  const targets = list.map((p) => [p, records.get(p)] as const).filter((x): x is readonly [number, WorkerRecord] => x[1] !== undefined);
  const done = keepAliveDuring(Promise.all(targets.map(([pid, rec]) => removeOne(pid, rec))));
  const waitfor = opts.waitfor;
  if (waitfor === undefined) return void (await done);
  if (!(waitfor >= 0)) throw coded(RangeError, 'ERR_INVALID_ARG', `rmprocs: waitfor must be a number of seconds >= 0, got ${String(waitfor)}`);
  if (waitfor === 0) return;
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

async function removeOne(pid: number, rec: WorkerRecord): Promise<void> {
  if (rec.removing) return rec.lost;
  rec.removing = true;
  try {
    send(pid, { kind: 'exit' });
  } catch {
    // Already disconnected: its manager finishes the job.
  }
  disconnect(pid);
  if (rec.manager.kill) {
    await rec.manager.kill(pid, rec.config);
    // Gone. Its socket's close normally follows at once (after the answers still buffered in it);
    // should it not, the connection ends here, so that what the worker held is let go before
    // rmprocs returns.
    await settledWithin(rec.lost, SOCKET_CLOSE_GRACE_MS);
    loseNow(pid);
  } else {
    await rec.lost;
  }
  forget(pid, rec);
}

const SOCKET_CLOSE_GRACE_MS = 1000;

/** Resolves when `p` settles or after `ms`, whichever is first. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([p.then(() => undefined, () => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

function forget(pid: number, rec: WorkerRecord): void {
  if (records.get(pid) !== rec) return;
  records.delete(pid);
  removeWorker(pid);
  broadcastPeers([pid]);
  void rec.manager.manage?.(pid, rec.config, 'finalize');
}

/**
 * Cancel the calls in flight on `pids` (default: every worker) now: each fails with ERR_INTERRUPTED
 * and its code is stopped wherever it runs; calls sent later are not affected; the workers keep
 * serving. The interrupt gets a fresh id, sent twice: as a marker on the connection, behind every
 * call already sent (it says exactly which calls came before), and as a record into the worker's
 * lifeline (it reaches a worker whatever it does): by this process when the config holds the
 * lifeline, or by the manager, which `manage(pid, config, 'interrupt')` asks to relay
 * `config.interruptRecord` (native/process.cc, docs/interrupt.md).
 */
export async function interrupt(pids?: number | number[]): Promise<void> {
  onlyMaster();
  const list = pids === undefined ? workerPids() : checkPids(pids, 'interrupt', true);
  const id = nextRequestId();
  const record = interruptRecord(id);
  for (const pid of list) {
    const rec = records.get(pid);
    if (!rec) continue;
    send(pid, { kind: 'interrupt', id });
    rec.config.interruptRecord = record;
    writeLifeline(rec.config, record);
    await rec.manager.manage?.(pid, rec.config, 'interrupt');
  }
}

/** Into the worker's lifeline, if the config holds it and it is still open; a worker gone meanwhile is not an error here. */
function writeLifeline(config: WorkerConfig, bytes: Uint8Array): void {
  const lifeline = config.lifeline;
  if (!lifeline || lifeline.destroyed || lifeline.writableEnded) return;
  if (lifeline.listenerCount('error') === 0) lifeline.on('error', () => undefined);
  lifeline.write(bytes);
}

/** Cluster-control messages only the master handles (see remote/dispatch.ts). */
export const masterControl = {
  joinAck(from: number, m: Extract<Msg, { kind: 'joinAck' }>): void {
    joining.get(from)?.({ ospid: m.ospid, host: m.host });
  },
  requestConnect(_from: number, m: Extract<Msg, { kind: 'requestConnect' }>): void {
    // `from` wants to talk to the lower pid `to`: have `to` dial it.
    try {
      send(m.to, { kind: 'connectTo', pid: m.from });
    } catch {
      // `to` is gone; the table broadcast that says so makes `from` fail what waits on it.
    }
  },
};

/** The connection to worker `pid` is gone: if nobody asked it to leave, it died. */
export function masterLostWorker(pid: number): void {
  const rec = records.get(pid);
  if (!rec) return;
  rec.markLost();
  if (rec.removing || !rec.joined) return;
  process.stderr.write(`Worker ${pid} terminated.\n`);
  void rec.manager.manage?.(pid, rec.config, 'deregister');
  forget(pid, rec);
}

let hooksInstalled = false;

/** Installed with the first workers: what the master does at its end. */
function installMasterHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('beforeExit', flushWorkerOutput);
}

/** An owner operation that does nothing: a round trip that proves the worker's earlier output has been read. */
export function ping(): void {}

let flushedAt = -1;
const FLUSH_MS = 500;

/**
 * The master is about to exit naturally (its handles to workers are unref'd so it can). What a
 * worker printed before answering its last call may still sit in the pipe, unread: one round
 * trip to each worker lets those lines be forwarded first. Once per quiet spell, so a master
 * that does nothing more exits right after.
 */
function flushWorkerOutput(): void {
  const pids = workerPids();
  if (pids.length === 0 || lastRequestId() === flushedAt) return;
  // These round trips must not keep the master alive themselves (a worker stuck in a loop never
  // answers); the timer alone does, and bounds the wait.
  const calls = pids.map((pid) => callOn(pid, ping, { whence: 0, id: 0 }, [], readDone, false));
  const bound = setTimeout(() => undefined, FLUSH_MS);
  void Promise.allSettled(calls).then(() => clearTimeout(bound));
  flushedAt = lastRequestId();
}
