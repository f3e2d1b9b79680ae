import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { coded } from '../core/errors.js';
import type { ClusterManager, LaunchContext, ManageOp, WorkerConfig } from './cluster-manager.js';
import { WorkerStreams } from './worker-streams.js';

/** Options of {@link SlurmManager}. */
export interface SlurmOptions {
  /** More `srun` arguments (partition, time limit, nodes...). */
  srunArgs?: string[];
  /** The srun executable (default `srun`). */
  srun?: string;
  /** The Node executable on the nodes (default: this process's path). */
  exename?: string;
}

interface Step {
  srun: ChildProcess;
  live: number;
}

/**
 * Julia's SlurmManager (ClusterManagers.jl): `ntasks` workers started as one Slurm job step with
 * `srun`, wherever Slurm places them. srun gives every task the same standard input: it carries
 * the settings and the cookie, then stays open as every worker's lifeline, so the master's end
 * (or srun's) takes the whole step down. Each task listens on TCP and announces its address;
 * srun's `--label` tells the tasks' lines apart.
 *
 * Slurm has no per-task channel, so no interrupt record reaches a task (its configs have no
 * `lifeline`, and `manage(pid, config, 'interrupt')` has nothing to relay): `interrupt` sends only
 * the marker on the connection. The calls it cancels that await something fail with
 * ERR_INTERRUPTED and never resume, but code that spins (in its first stretch or after an `await`)
 * cannot read the marker and is not stopped: such a worker is stopped only with the whole step.
 */
export class SlurmManager implements ClusterManager {
  /** How many workers (Slurm tasks) `launch` starts. */
  readonly ntasks: number;
  readonly #opts: SlurmOptions;

  /**
   * `ntasks` workers in one job step (a positive integer, else RangeError `ERR_INVALID_ARG`;
   * `srunArgs` must be strings).
   */
  constructor(ntasks: number, opts: SlurmOptions = {}) {
    if (!Number.isSafeInteger(ntasks) || ntasks < 1) throw coded(RangeError, 'ERR_INVALID_ARG', `SlurmManager(ntasks): ntasks must be a positive integer, got ${String(ntasks)}`);
    if (opts.srunArgs !== undefined && (!Array.isArray(opts.srunArgs) || !opts.srunArgs.every((a) => typeof a === 'string'))) {
      throw coded(TypeError, 'ERR_INVALID_ARG', 'SlurmManager: srunArgs must be a list of strings');
    }
    this.ntasks = ntasks;
    this.#opts = opts;
  }

  async launch(ctx: LaunchContext): Promise<WorkerConfig[]> {
    const args = ['-n', String(this.ntasks), '--label', '--kill-on-bad-exit=0', ...(this.#opts.srunArgs ?? []), this.#opts.exename ?? ctx.node, ...ctx.execArgv, ctx.workerScript];
    const srun = spawn(this.#opts.srun ?? 'srun', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const step: Step = { srun, live: this.ntasks };
    const out = new WorkerStreams(this.ntasks);
    const stderr: string[] = [];
    createInterface({ input: srun.stdout!, crlfDelay: Infinity }).on('line', (line) => {
      const m = /^\s*(\d+): ?(.*)$/s.exec(line);
      if (m) out.line(Number(m[1]), m[2]!);
    });
    createInterface({ input: srun.stderr!, crlfDelay: Infinity }).on('line', (line) => {
      // srun's own messages (and tasks' stderr, labelled too) go where the workers' lines go.
      const m = /^\s*(\d+): ?(.*)$/s.exec(line);
      if (m) out.line(Number(m[1]), m[2]!);
      else stderr.push(line);
    });
    srun.stdin!.on('error', () => undefined);
    // The lifeline: never ended while the step runs (see finalize).
    srun.stdin!.write(ctx.settingsLine({ listen: { kind: 'tcp', host: '0.0.0.0', port: 0 }, lifeline: 0 }));
    await new Promise<void>((resolve, reject) => {
      srun.once('spawn', resolve);
      srun.once('error', (e) => reject(coded(Error, 'ERR_WORKER_START', `cannot run srun: ${e.message} (is Slurm installed and on PATH?)`)));
    });
    void once(srun, 'exit').then(([code]) => {
      out.endAll();
      if (code !== 0 && stderr.length > 0) process.stderr.write(`srun exited with status ${code}:\n${stderr.slice(-10).join('\n')}\n`);
    });
    return out.streams.map((io) => ({ host: 'slurm', io, userdata: step }));
  }

  manage(_pid: number, config: WorkerConfig, op: ManageOp): void {
    const step = config.userdata as Step;
    if (op === 'register') {
      step.srun.unref();
      for (const s of [step.srun.stdin, step.srun.stdout, step.srun.stderr]) (s as { unref?: () => void } | null)?.unref?.();
    } else if (op === 'finalize' && --step.live === 0) {
      // Every worker of the step is gone: its lifeline ends, and so does the step.
      step.srun.stdin!.end();
    }
  }
}
