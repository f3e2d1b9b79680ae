// Simulated machines (see test/multihost/README.md) as tests use them: run a command or a Node
// process inside one, and tear the whole instance down. multihost.ts (hosts with sshd) and
// slurm.ts (a one-node Slurm) build on this.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Child } from './child.js';
import { checkoutDir, harnessDir, harnessEnv, type InstanceInfo, type MachineRecord } from './machines-up.mjs';
import { readChild } from './read-child.js';
import { waitFor } from './wait.js';

/** Root's usual PATH, with the directory of the node running the tests first. */
export const machinePath = [dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');

export interface RunOptions {
  /** Added to the process's environment, which is otherwise a login's: PATH (machinePath), HOME, LANG. */
  env?: Record<string, string>;
  /** Working directory inside the machine; default: the checkout. */
  cwd?: string;
  /** stdin: 'ignore' (default) or 'pipe' (then write to `child.proc.stdin`). */
  stdin?: 'pipe' | 'ignore';
}

export interface ExecOptions extends Omit<RunOptions, 'stdin'> {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Default 30 s; then the command is killed and the call rejects. */
  timeoutMs?: number;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A process running inside a machine. */
export interface MachineChild extends Child {
  /** Its pid in the root PID namespace (for process.kill and /proc from the test process). */
  ospid(): Promise<number>;
}

/**
 * Why simulated machines cannot run here, or undefined when they can: they need Linux, root, the
 * given commands (`install` says how to get them), and the right to create namespaces (a
 * container may lack it).
 */
export function machinesUnavailable(commands: string[], install: string): string | undefined {
  if (process.platform !== 'linux') return 'simulated machines need Linux';
  if (process.getuid?.() !== 0) return 'simulated machines need root (network, PID and mount namespaces): run the tests as root';
  const missing = commands.filter((c) => !onPath(c));
  if (missing.length > 0) return `missing ${missing.join(', ')}: ${install}`;
  const probe = spawnSync('unshare', ['--net', '--uts', '--ipc', '--mount', '--pid', '--fork', 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) return `cannot create namespaces here: ${probe.stderr.trim() || probe.error?.message}`;
  return undefined;
}

function onPath(command: string): boolean {
  const dirs = command.includes('/') ? [''] : machinePath.split(':');
  return dirs.some((d) => {
    try {
      accessSync(d ? join(d, command) : command, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** `describe`, or, when `reason` says why it cannot run, a skipped one named with the reason (also printed). */
export function describeUnless(reason: string | undefined, name: string, fn: () => void): void {
  if (reason !== undefined) console.warn(`SKIPPED "${name}": ${reason}`);
  describe.skipIf(reason !== undefined)(reason === undefined ? name : `${name} (SKIPPED: ${reason})`, fn);
}

/** Quote `s` for a POSIX shell (for commands that travel through ssh or bash -c). */
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The pid and start time recorded as "pid start"; the pid only if that very process still runs. */
function livePid(record: string): number | undefined {
  const [pid, start] = record.split(' ');
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return fields[19] === start && !/^[ZX]$/.test(fields[0]!) ? Number(pid) : undefined;
  } catch {
    return undefined;
  }
}

/** The first child of `pid` (nsenter forks the command it runs), if it has one yet. */
function firstChild(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ')[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** The state directories of instances live here, one per slot (lib.sh's SA_MH_BASE). */
export const instancesDir = process.env.SA_MH_BASE ?? '/run/sharedarrays-mh';

/** Root-namespace pids of the processes in the named network namespaces. */
function pidsIn(namespaces: string[]): number[] {
  return namespaces.flatMap((ns) =>
    execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', env: harnessEnv }).split('\n').filter(Boolean).map(Number),
  );
}

/** The network namespaces whose names start with `prefix`. */
function namespacesNamed(prefix: string): string[] {
  const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', env: harnessEnv }).split('\n');
  return list.map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(prefix));
}

/**
 * What instance `slot` still has in the root namespace: network namespaces, their mounts
 * (/run/netns/...), links, mounts under its state directory. Empty once it is down.
 */
export function instanceLeftovers(slot: number): string[] {
  const prefix = `sa-mh${slot}-`;
  const links = execFileSync('ip', ['-br', 'link'], { encoding: 'utf8', env: harnessEnv }).split('\n').map((l) => l.split(/[ @]/)[0]!);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '');
  return [
    ...namespacesNamed(prefix),
    ...links.filter((l) => l.startsWith(prefix)),
    ...mounts.filter((m) => m.startsWith(`/run/netns/${prefix}`) || m.startsWith(`${instancesDir}/${slot}/`)),
  ];
}

/** Root-namespace pids of every process inside instance `slot`'s machines (and its switch). */
export function instanceProcesses(slot: number): number[] {
  return pidsIn(namespacesNamed(`sa-mh${slot}-`));
}

/** One instance of simulated machines, from hosts-up.sh or slurm-up.sh (through machines-up.mjs). */
export class Machines {
  /** The instance's slot: its names start with `sa-mh<slot>-`, its subnet is 10.231.<slot>.0/24. */
  readonly slot: number;
  /** Its state directory (keys, configuration, logs), under /run: visible from every machine. */
  readonly state: string;
  /** The root namespace's address on the instance's bridge (machines reach the test process there). */
  readonly rootAddress: string;
  /** How long the up script took, in ms. */
  readonly upMs: number;
  readonly #id: string;
  readonly #hold: Socket;
  readonly #machines: Map<string, MachineRecord>;
  readonly #env: Record<string, string>;

  constructor(info: InstanceInfo, hold: Socket, machines: MachineRecord[], env: Record<string, string> = {}) {
    this.slot = info.slot;
    this.state = info.state;
    this.rootAddress = info.root;
    this.upMs = info.upMs;
    this.#id = info.id;
    this.#hold = hold;
    this.#machines = new Map(machines.map((m) => [m.name, m]));
    this.#env = env;
  }

  /** The machines' names (their hostnames). */
  get names(): string[] {
    return [...this.#machines.keys()];
  }

  /** A machine's address on the bridge. */
  address(name: string): string {
    return this.#record(name).address;
  }

  /** The root-namespace pids of the machines' pid 1 (gone once the instance is down). */
  initPids(): number[] {
    return [...this.#machines.values()].map((m) => Number(m.init.split(' ')[0]));
  }

  /** Root-namespace pids of the processes running inside machine `name` (e.g. to find workers left behind). */
  processes(name: string): number[] {
    this.#record(name);
    return pidsIn([`sa-mh${this.slot}-${name}`]);
  }

  /** Start `command` inside machine `name` (its network, hostname, IPC, mounts and PID namespace). */
  spawn(name: string, command: string, args: string[] = [], opts: RunOptions = {}): MachineChild {
    const init = livePid(this.#record(name).init);
    if (init === undefined) throw new Error(`machine ${name} is not running (instance ${this.state} is down)`);
    const proc = spawn(
      'nsenter',
      ['-t', String(init), '-n', '-u', '-i', '-m', '-p', `--wdns=${opts.cwd ?? checkoutDir}`, '--', command, ...args],
      {
        stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
        env: { PATH: machinePath, HOME: '/root', LANG: 'C.UTF-8', ...this.#env, ...opts.env },
      },
    );
    const child = readChild(proc, `${command} on ${name}`);
    const ospid = async (): Promise<number> => {
      let pid: number | undefined;
      await waitFor(() => (pid = firstChild(proc.pid!)) !== undefined || proc.exitCode !== null || proc.signalCode !== null, {
        what: `${command} to start on ${name}`,
        timeoutMs: 10_000,
      });
      if (pid === undefined) throw new Error(`${command} on ${name} has already exited`);
      return pid;
    };
    return { ...child, ospid };
  }

  /** Start a Node script inside machine `name`, with the node running the tests. */
  node(name: string, script: string, args: string[] = [], opts: RunOptions = {}): MachineChild {
    return this.spawn(name, process.execPath, [script, ...args], opts);
  }

  /** Run a bash command line inside machine `name` and collect its output. */
  async exec(name: string, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const child = this.spawn(name, 'bash', ['-c', command], { ...opts, stdin: 'pipe' });
    // The command may exit without reading its input: that is no error of the test's.
    child.proc.stdin!.on('error', () => undefined);
    child.proc.stdin!.end(opts.input ?? '');
    let stdout = '';
    child.proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void child.ospid().then(
          (pid) => process.kill(pid, 'SIGKILL'),
          () => undefined,
        );
        reject(new Error(`${name}: \`${command}\` did not finish within ${timeoutMs} ms; stderr:\n${child.stderr()}`));
      }, timeoutMs);
    });
    try {
      const [code, signal] = await Promise.race([child.exited, timedOut]);
      return { code, signal, stdout, stderr: child.stderr() };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Like exec, resolving to stdout without its final newline; rejects unless the command exits 0. */
  async run(name: string, command: string, opts: ExecOptions = {}): Promise<string> {
    const r = await this.exec(name, command, opts);
    if (r.code !== 0) throw new Error(`${name}: \`${command}\` exited ${r.code ?? r.signal}; stderr:\n${r.stderr}`);
    return r.stdout.replace(/\n$/, '');
  }

  /**
   * Tear the instance down (hosts-down.sh): every process of its machines, its namespaces, links
   * and state. Idempotent. Resolves to the time it took, in ms.
   */
  async down(): Promise<number> {
    const t0 = performance.now();
    const proc = spawn(join(harnessDir, 'hosts-down.sh'), [this.state, this.#id], { stdio: ['ignore', 'ignore', 'pipe'], env: harnessEnv });
    let stderr = '';
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const [code, signal] = (await once(proc, 'close')) as [number | null, NodeJS.Signals | null];
    this.#hold.destroy();
    if (code !== 0) throw new Error(`hosts-down.sh ${this.state} failed (${code ?? signal}):\n${stderr}`);
    return performance.now() - t0;
  }

  #record(name: string): MachineRecord {
    const m = this.#machines.get(name);
    if (!m) throw new Error(`no machine named ${name}: this instance has ${this.names.join(', ')}`);
    return m;
  }
}

/** Machines for the test file (or describe block) this is called in: started before its tests, down after. */
export function useMachines<M extends Machines>(start: () => Promise<M>): () => M {
  let machines: M | undefined;
  beforeAll(async () => {
    machines = await start();
  });
  afterAll(async () => {
    await machines?.down();
  });
  return () => {
    if (!machines) throw new Error('the simulated machines are not up (see the beforeAll error)');
    return machines;
  };
}
