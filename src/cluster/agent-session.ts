import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { coded } from '../core/errors.js';
import { type AgentCommand, type AgentSettings, formatCommand, parseReport } from './host-agent-protocol.js';
import { WorkerStreams } from './worker-streams.js';

/**
 * The master's end of one host agent (host-agent-protocol.ts) reached by a command such as
 * `ssh host 'exec node host-agent.js'`: it sends the settings, splits the agent's output into one
 * stream per worker, sends interrupts and signals, and knows when each worker has exited.
 */
export class AgentSession {
  readonly proc: ChildProcess;
  /** The workers' outputs, once the agent has said how many it starts. */
  #outputs = new WorkerStreams(0);
  readonly #exited = new Map<number, { done: Promise<void>; resolve: () => void }>();
  #stderr: string[] = [];
  #live = 0;

  private constructor(proc: ChildProcess) {
    this.proc = proc;
  }

  /**
   * Start the agent with `command` and wait until it reports; rejects (with what ssh or the agent
   * printed) if it exits or stays silent past `timeoutMs`. `what` names it in errors.
   */
  static async start(command: string, args: string[], settings: AgentSettings, timeoutMs: number, what: string): Promise<AgentSession> {
    const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const s = new AgentSession(proc);
    proc.stdin!.on('error', () => undefined);
    createInterface({ input: proc.stderr!, crlfDelay: Infinity }).on('line', (l) => {
      s.#stderr.push(l);
      if (s.#stderr.length > 20) s.#stderr.shift();
    });
    const started = new Promise<number>((resolve) => {
      createInterface({ input: proc.stdout!, crlfDelay: Infinity }).on('line', (line) => {
        const r = parseReport(line);
        if (r?.kind === 'started') {
          s.#outputs = new WorkerStreams(r.count);
          for (let k = 0; k < r.count; k++) {
            let resolveExit!: () => void;
            const done = new Promise<void>((res) => (resolveExit = res));
            s.#exited.set(k, { done, resolve: resolveExit });
          }
          s.#live = r.count;
          resolve(r.count);
        } else if (r?.kind === 'line') {
          s.#outputs.line(r.worker, r.line);
        } else if (r?.kind === 'exit') {
          s.#outputs.end(r.worker);
          s.#exited.get(r.worker)?.resolve();
        }
      });
    });
    proc.stdin!.write(`${JSON.stringify(settings)}\n`);
    const ended = once(proc, 'exit').then(([code, signal]) => {
      s.#outputs.endAll();
      for (const e of s.#exited.values()) e.resolve();
      return [code, signal] as [number | null, NodeJS.Signals | null];
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const first = await Promise.race([started, ended, deadline]);
    clearTimeout(timer);
    if (typeof first === 'number') return s;
    proc.kill('SIGKILL');
    const why = first === 'timeout' ? `did not start within ${timeoutMs / 1000} s` : exitReason(first[0], first[1]);
    const tail = s.#stderr.join('\n');
    throw coded(Error, 'ERR_WORKER_START', `${what}: ${why}${tail ? `:\n${tail}` : ''}`);
  }

  /** The workers' outputs (as many as the agent starts). */
  get outputs(): readonly NodeJS.ReadableStream[] {
    return this.#outputs.streams;
  }

  send(c: AgentCommand): void {
    this.proc.stdin!.write(formatCommand(c));
  }

  /** Settles when worker `k` has exited (or the agent has). */
  exited(k: number): Promise<void> {
    return this.#exited.get(k)?.done ?? Promise.resolve();
  }

  /** A worker of this session is gone for good; the last one ends the session (the agent exits). */
  release(): void {
    if (--this.#live <= 0) this.end();
  }

  /** End the session: the agent takes its workers down and exits. */
  end(): void {
    this.proc.stdin!.end();
  }

  /** Let this process exit while the session runs (its end is the agent's signal to stop). */
  unref(): void {
    this.proc.unref();
    for (const s of [this.proc.stdin, this.proc.stdout, this.proc.stderr]) (s as { unref?: () => void } | null)?.unref?.();
  }
}

/** What an ssh exit status means, in words. */
function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by ${signal}`;
  if (code === 255) return 'ssh failed (unknown host, refused connection or key; see ssh\'s message)';
  if (code === 127) return 'the Node executable was not found there (set exename)';
  return `exited with status ${code} before starting its workers (is the same version of sharedarrays installed at the same path there? set exename and dir)`;
}
