import type { Readable, Writable } from 'node:stream';
import type { Carrier } from '../transport/connection.js';

/**
 * One worker as a cluster manager describes it (Julia's WorkerConfig): `launch` yields one per
 * worker it started. The runtime reads `io`/`errio` (or `address`), `connectHost`, `lifeline`,
 * `ospid` and `host`; the other fields are for the manager's own use (an ssh manager's user, port, flags...)
 * and are handed back to it in `manage`, `connect` and `kill`.
 */
export interface WorkerConfig {
  /** The machine, for display and for managers that reach it (ssh). */
  host?: string;
  /** The user to log in as on `host` (ssh managers; default: the current user). */
  user?: string;
  /** The ssh port of `host` (ssh managers; default 22). */
  sshPort?: number;
  /** Where the worker listens (its bind address), when it should not pick for itself. */
  bindAddr?: string;
  /** The TCP port the worker listens on, with `bindAddr` (0 or unset: any free port). */
  bindPort?: number;
  /** How many workers this config stands for (ssh: per host; 'auto': that host's core count). */
  count?: number | 'auto';
  /** The Node executable on that machine (default: this process's). */
  exename?: string;
  /** Node options the worker starts with (default: this process's, minus its own program). */
  execArgv?: string[];
  /** Environment variables set for the worker, on top of the environment it inherits. */
  env?: Record<string, string>;
  /** The directory the worker starts in. */
  dir?: string;
  /** Reach the worker through an ssh tunnel instead of connecting to its port directly. */
  tunnel?: boolean;
  /** Extra arguments for the ssh command (ssh managers). */
  sshflags?: string[];
  /** The worker's operating-system process id, when the manager knows it. */
  ospid?: number;
  /** Anything the manager wants to keep with this worker. */
  userdata?: unknown;
  /**
   * Where the worker listens, if the manager knows it already (`host:port`, or a Unix socket path,
   * abstract when it starts with NUL). Otherwise the runtime reads it from `io`.
   */
  address?: string;
  /**
   * The worker's output. The runtime reads its announce line (`sharedarrays_worker:<address>`)
   * from it, then forwards every other line to this process's stdout as `From worker N:`.
   */
  io?: Readable;
  /**
   * The host the master and other workers connect to, with the port the worker announces (a
   * worker listening on all interfaces cannot tell which of its addresses others reach it by).
   */
  connectHost?: string;
  /** More output (the worker's stderr), forwarded the same way. */
  errio?: Readable;
  /**
   * A stream into this worker's own lifeline (a pipe it watches natively): the worker exits when it
   * closes, and `interrupt` writes each interrupt's record into it, which stops the worker's
   * cancelled calls even when they are stuck in a loop. Only the runtime writes into it.
   */
  lifeline?: Writable;
  /**
   * The record of the interrupt being delivered (5 bytes that carry the interrupt's identity), set
   * by the runtime just before it calls `manage(pid, config, 'interrupt')`, and replaced by the
   * next interrupt. The runtime has already written it into `lifeline` when the config has one; a
   * manager whose workers' lifelines are held elsewhere (a host agent on another machine) relays it
   * there, whole and unchanged, during that call. Without any record, an interrupt still cancels
   * the calls that await something, but cannot stop code that spins.
   */
  interruptRecord?: Uint8Array;
}

/** What `launch` is given: the cookie, the options, and how a worker is started. */
export interface LaunchContext {
  /** The cluster cookie; it reaches a worker on its standard input, never on a command line. */
  cookie: string;
  /** The options `addprocs` was called with. */
  options: Readonly<Record<string, unknown>>;
  /** This process's Node executable (`process.execPath`). */
  node: string;
  /**
   * The Node options a worker runs with unless `options.execArgv` says otherwise: this process's
   * own, minus what belongs to its program (`-e`, `--test`, `--inspect`...).
   */
  execArgv: readonly string[];
  /** The worker entry script (an absolute path in this package). */
  workerScript: string;
  /** How long a worker may take to announce itself, in milliseconds. */
  timeoutMs: number;
  /**
   * The line to write to a worker's standard input before anything else: its cookie and settings.
   * `listen` is where it should listen (`unix`: a private abstract socket; or a TCP host and port,
   * port 0 for any); `lifeline` says which of its descriptors to watch for the master's death.
   */
  settingsLine(settings: WorkerSettings): string;
}

/**
 * Where a worker listens: `{ kind: 'unix' }`, a private abstract Unix socket (workers on this
 * host), or `{ kind: 'tcp', host, port }`, a TCP address (port 0: any free port).
 */
export type ListenAt =
  | {
      /** A private abstract Unix socket, named by the worker. */
      kind: 'unix';
    }
  | {
      /** A TCP socket. */
      kind: 'tcp';
      /** The address to bind (a host name or an IP address). */
      host: string;
      /** The port to bind; 0 for any free port. */
      port: number;
    };

/** A worker's start-up settings (the first line of its standard input). */
export interface WorkerSettings {
  /** Where the worker listens. */
  listen: ListenAt;
  /** The descriptor the worker watches: 3 for a local control pipe, 0 for stdin (ssh, srun), or none. */
  lifeline: 3 | 0 | null;
}

/**
 * What `ClusterManager.manage` is told: `register`, the worker has joined; `deregister`, its
 * connection is gone (make sure the process is too); `interrupt`, stop its running calls (a local
 * manager writes `I` to the lifeline); `finalize`, it has been removed for good.
 */
export type ManageOp = 'register' | 'deregister' | 'interrupt' | 'finalize';

/**
 * Julia's ClusterManager interface: how workers are started, connected, interrupted and stopped.
 * `addprocs(manager, opts)` asks the manager to `launch` workers, gives each a pid, connects to it
 * (over the address it announces, or the manager's own `connect`), and tells the manager what
 * happens to it through `manage`. {@link LocalManager} (this host) implements it; so may a user's
 * own manager (a machine reached over ssh, a batch scheduler's tasks).
 */
export interface ClusterManager {
  /** Start workers; yield (or return) one config per worker as each is started. */
  launch(ctx: LaunchContext): AsyncIterable<WorkerConfig> | Promise<WorkerConfig[]>;
  /**
   * Told what happens to a worker: joined, lost, to be interrupted (relay `config.interruptRecord`
   * to its lifeline if the runtime cannot write it there itself), gone for good.
   */
  manage?(pid: number, config: WorkerConfig, op: ManageOp): void | Promise<void>;
  /** A custom transport: the stream to reach worker `pid` (default: its announced address). */
  connect?(pid: number, config: WorkerConfig): Promise<Carrier>;
  /** Make sure the worker is gone (after it was asked to exit); resolve once it is. */
  kill?(pid: number, config: WorkerConfig): Promise<void>;
}
