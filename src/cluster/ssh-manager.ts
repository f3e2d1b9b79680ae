import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { coded, CompositeException } from '../core/errors.js';
import type { Carrier } from '../transport/connection.js';
import { openAddress } from '../transport/connections.js';
import { AgentSession } from './agent-session.js';
import type { ClusterManager, LaunchContext, ManageOp, WorkerConfig } from './cluster-manager.js';
import { escalate } from './escalate.js';
import type { AgentSettings } from './host-agent-protocol.js';
import { interruptIdOf } from './interrupt-record.js';
import { type Machine, type MachineSpec, parseMachines } from './machine-spec.js';

/** Options of {@link SSHManager} (and of `addprocs(machines, opts)`). */
export interface SSHOptions {
  /** The ssh executable (default `ssh`). */
  ssh?: string;
  /** More ssh options, e.g. `['-F', '/path/ssh_config']`. */
  sshflags?: string[];
  /** Reach workers through ssh forwarding instead of a direct TCP connection (implies multiplex). */
  tunnel?: boolean;
  /** Share the machine's one ssh connection between the agent and the tunnels (ControlMaster). */
  multiplex?: boolean;
  /** Machines started at the same time (default 10). */
  maxParallel?: number;
  /** The Node executable on the machines (default: this process's path). */
  exename?: string;
  /** The working directory of the workers there (default: this process's). */
  dir?: string;
  /** Added to the workers' environment. */
  env?: Record<string, string>;
}

interface Launched {
  session: AgentSession;
  k: number;
  machine: Machine;
}

/** Settings every process of a cluster must share: forwarded to workers on other machines. */
const SHARED_ENV = ['SHAREDARRAYS_MAX_FRAME', 'SHAREDARRAYS_WORKER_TIMEOUT', 'SHAREDARRAYS_DEBUG', 'SHAREDARRAYS_NUM_THREADS'];

/**
 * Julia's SSHManager: workers on other machines, started with the system `ssh` (so the user's
 * ssh config, agent, ProxyJump and known_hosts apply). One ssh session per machine, whatever its
 * worker count: it runs the host agent (src/host-agent.ts), which starts the workers there; the
 * cookie travels on the session's standard input, never on a command line. Workers listen on TCP
 * at the machine's bind address; the master and the other workers connect to them there, or, with
 * `tunnel`, the master reaches each worker through ssh forwarding (`ssh -W`) over the same session.
 * The end of the session (the master exits, is killed, or the network breaks and ssh gives up) is
 * the agent's signal to take every worker of the machine down.
 */
export class SSHManager implements ClusterManager {
  /** The machines, parsed, in the order their workers get pids. */
  readonly machines: readonly Machine[];
  readonly #opts: SSHOptions;

  /**
   * Workers on `machines` (spec strings, `[spec, count]` pairs, or parsed machines). Throws
   * `ERR_INVALID_ARG` for a malformed spec, a bad `maxParallel` or `sshflags`.
   */
  constructor(machines: MachineSpec[] | Machine[], opts: SSHOptions = {}) {
    this.machines = machines.every((m) => typeof m === 'object' && !Array.isArray(m)) ? (machines as Machine[]) : parseMachines(machines);
    const p = opts.maxParallel ?? 10;
    if (!Number.isSafeInteger(p) || p < 1) throw coded(RangeError, 'ERR_INVALID_ARG', `SSHManager: maxParallel must be a positive integer, got ${String(p)}`);
    if (opts.sshflags !== undefined && (!Array.isArray(opts.sshflags) || !opts.sshflags.every((f) => typeof f === 'string'))) {
      throw coded(TypeError, 'ERR_INVALID_ARG', 'SSHManager: sshflags must be a list of strings');
    }
    this.#opts = opts;
  }

  /**
   * Start the machines, `maxParallel` at a time; each machine's workers are yielded once it and
   * the machines listed before it have started (so pids follow the order of the machine list).
   */
  async *launch(ctx: LaunchContext): AsyncIterable<WorkerConfig> {
    const limit = this.#opts.maxParallel ?? 10;
    const started: Promise<AgentSession | Error>[] = [];
    const inFlight = new Set<Promise<unknown>>();
    let next = 0;
    let failed = false;
    const startMore = (): void => {
      // After a failure no new machine is started; those already starting finish and are yielded,
      // so the caller (addprocs) can take every started worker down again.
      while (!failed && next < this.machines.length && inFlight.size < limit) {
        const p = this.#start(this.machines[next]!, ctx).catch((e: Error) => e);
        const tracked = p.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        started.push(p);
        next++;
      }
    };
    const failures: Error[] = [];
    for (let i = 0; i < this.machines.length; i++) {
      startMore();
      if (i >= started.length) break;
      const r = await started[i]!;
      if (r instanceof Error) {
        failures.push(r);
        failed = true;
        continue;
      }
      for (const [k, io] of r.outputs.entries()) yield this.#config(this.machines[i]!, r, k, io, ctx);
    }
    if (failures.length > 0) throw failures.length === 1 ? failures[0]! : new CompositeException(failures);
  }

  #config(machine: Machine, session: AgentSession, k: number, io: NodeJS.ReadableStream, ctx: LaunchContext): WorkerConfig {
    const config: WorkerConfig = {
      host: machine.host,
      count: machine.count,
      connectHost: machine.bindAddr ?? machine.host,
      io: io as WorkerConfig['io'],
      tunnel: this.#opts.tunnel ?? false,
      execArgv: [...ctx.execArgv],
      userdata: { session, k, machine } satisfies Launched,
    };
    if (machine.user !== undefined) config.user = machine.user;
    if (machine.sshPort !== undefined) config.sshPort = machine.sshPort;
    if (machine.bindAddr !== undefined) config.bindAddr = machine.bindAddr;
    if (machine.bindPort !== undefined) config.bindPort = machine.bindPort;
    return config;
  }

  /** One machine's ssh session running the host agent. */
  #start(machine: Machine, ctx: LaunchContext): Promise<AgentSession> {
    const o = this.#opts;
    const env: Record<string, string> = {};
    for (const k of SHARED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    Object.assign(env, (ctx.options as { env?: Record<string, string> }).env, o.env);
    const settings: AgentSettings = {
      cookie: ctx.cookie,
      count: machine.count,
      node: o.exename ?? ctx.node,
      execArgv: [...ctx.execArgv],
      workerScript: ctx.workerScript,
      env,
      listen: { kind: 'tcp', host: machine.bindAddr ?? '0.0.0.0', port: machine.bindPort ?? 0 },
    };
    const remote = `cd ${shq(o.dir ?? process.cwd())} && exec ${shq(settings.node)} ${shq(agentScript())}`;
    const args = [
      '-T',
      '-a',
      '-x',
      '-o',
      'ClearAllForwardings=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ServerAliveInterval=5',
      '-o',
      'ServerAliveCountMax=3',
      ...this.#muxFlags(),
      ...this.#login(machine),
      remote,
    ];
    return AgentSession.start(o.ssh ?? 'ssh', args, settings, ctx.timeoutMs, `ssh ${describe(machine)}`);
  }

  /** ssh's options for the machine: the user's flags, port and login name, then the host. */
  #login(m: Machine): string[] {
    return [...(this.#opts.sshflags ?? []), ...(m.sshPort ? ['-p', String(m.sshPort)] : []), ...(m.user ? ['-l', m.user] : []), m.host];
  }

  #muxFlags(): string[] {
    if (!this.#opts.tunnel && !this.#opts.multiplex) return [];
    return ['-o', 'ControlMaster=auto', '-o', `ControlPath=${controlDir()}/%C`, '-o', 'ControlPersist=no'];
  }

  /** The stream to a worker: a TCP connection, or with `tunnel`, ssh's own (`ssh -W`) over the machine's session. */
  async connect(pid: number, config: WorkerConfig): Promise<Carrier> {
    const address = config.address ?? '';
    if (!this.#opts.tunnel) return openAddress(address);
    const { machine } = launched(config);
    const port = /:(\d+)$/.exec(address)?.[1];
    if (port === undefined) throw coded(Error, 'ERR_WORKER_START', `worker ${pid}: no port to tunnel to (its address is ${address || 'unknown'})`);
    const ssh = spawn(this.#opts.ssh ?? 'ssh', ['-o', 'BatchMode=yes', ...this.#muxFlags(), '-W', `127.0.0.1:${port}`, ...this.#login(machine)], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const stream = Duplex.from({ readable: ssh.stdout!, writable: ssh.stdin! }) as Carrier;
    stream.once('close', () => ssh.kill());
    stream.ref = () => {
      ssh.ref();
      for (const s of [ssh.stdin, ssh.stdout]) (s as { ref?: () => void } | null)?.ref?.();
    };
    stream.unref = () => {
      ssh.unref();
      for (const s of [ssh.stdin, ssh.stdout]) (s as { unref?: () => void } | null)?.unref?.();
    };
    await new Promise<void>((resolve, reject) => {
      ssh.once('spawn', resolve);
      ssh.once('error', reject);
    });
    return stream;
  }

  manage(_pid: number, config: WorkerConfig, op: ManageOp): void {
    const { session, k } = launched(config);
    switch (op) {
      case 'register':
        session.unref();
        return;
      case 'interrupt':
        // The worker's lifeline is held by the agent on its machine: relay the record's id there.
        if (config.interruptRecord) session.send({ kind: 'interrupt', worker: k, id: interruptIdOf(config.interruptRecord) });
        return;
      case 'deregister':
        session.send({ kind: 'signal', worker: k, signal: 'SIGKILL' });
        return;
      case 'finalize':
        session.release();
        return;
    }
  }

  /** Wait for the worker to exit after it was asked to; then SIGTERM, then SIGKILL through its agent. */
  kill(pid: number, config: WorkerConfig): Promise<void> {
    const { session, k } = launched(config);
    return escalate(pid, session.exited(k), (signal) => session.send({ kind: 'signal', worker: k, signal }));
  }
}

function launched(config: WorkerConfig): Launched {
  return config.userdata as Launched;
}

function describe(m: Machine): string {
  return `${m.user ? `${m.user}@` : ''}${m.host}${m.sshPort ? `:${m.sshPort}` : ''}`;
}

/** Quote for the remote POSIX shell. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function agentScript(): string {
  return fileURLToPath(new URL('../host-agent.js', import.meta.url));
}

/**
 * Where ssh keeps its control sockets for multiplexed sessions: one private directory per user,
 * reused by every run (ssh removes each socket when its session ends).
 */
function controlDir(): string {
  const dir = join(tmpdir(), `sharedarrays-ssh-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
