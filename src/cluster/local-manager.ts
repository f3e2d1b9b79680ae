import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { coded } from '../core/errors.js';
import type { ClusterManager, LaunchContext, ManageOp, WorkerConfig } from './cluster-manager.js';
import { escalate } from './escalate.js';

/**
 * Julia's LocalManager: `np` worker processes on this host. Each is `node <execArgv>
 * <worker script>`, reads its settings and the cookie on standard input, listens on a private
 * abstract Unix socket (no file anywhere, so no crash can leave one behind), and announces it.
 *
 * Its fourth stdio stream (fd 3) is the worker's lifeline, given to the runtime as
 * `config.lifeline`: the master writes interrupt records there (cluster/interrupt-record.ts), and
 * the worker's addon treats the pipe's end as the master's death, so a worker exits with its master
 * even when it is stuck in a synchronous loop.
 */
export class LocalManager implements ClusterManager {
  /** How many workers `launch` starts. */
  readonly np: number;
  /**
   * As given (default true), for Julia compatibility: local workers listen on private Unix
   * sockets, reachable from this host only, either way.
   */
  readonly restrict: boolean;

  /** `np` workers (a positive integer, else RangeError `ERR_INVALID_ARG`). */
  constructor(np: number, opts: { restrict?: boolean } = {}) {
    if (!Number.isSafeInteger(np) || np < 1) throw coded(RangeError, 'ERR_INVALID_ARG', `LocalManager(np): np must be a positive integer, got ${String(np)}`);
    this.np = np;
    // Local workers always listen on private Unix sockets, reachable only from this host.
    this.restrict = opts.restrict ?? true;
  }

  launch(ctx: LaunchContext): Promise<WorkerConfig[]> {
    const opts = ctx.options as { execArgv?: string[]; env?: Record<string, string>; cwd?: string };
    const configs = Array.from({ length: this.np }, () => {
      const child = spawn(ctx.node, [...(opts.execArgv ?? ctx.execArgv), ctx.workerScript], {
        cwd: opts.cwd ?? process.cwd(),
        env: { ...process.env, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      });
      liveChildren.add(child);
      killWorkersAtExit();
      void once(child, 'exit').then(() => liveChildren.delete(child));
      const lifeline = child.stdio[3] as Writable;
      lifeline.on('error', () => undefined);
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(ctx.settingsLine({ listen: { kind: 'unix' }, lifeline: 3 }));
      const config: WorkerConfig = { host: 'localhost', io: child.stdout!, errio: child.stderr!, lifeline, userdata: child };
      if (child.pid !== undefined) config.ospid = child.pid;
      return config;
    });
    return Promise.resolve(configs);
  }

  manage(_pid: number, config: WorkerConfig, op: ManageOp): void {
    const child = childOf(config);
    switch (op) {
      case 'register':
        // Let the master exit while workers run: they follow it when their lifeline closes.
        child.unref();
        for (const s of [child.stdout, child.stderr, config.lifeline]) (s as { unref?: () => void } | null | undefined)?.unref?.();
        return;
      case 'interrupt':
        // The runtime has written the record into config.lifeline itself.
        return;
      case 'deregister':
        // The connection is gone: make sure the process is too.
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        return;
      case 'finalize':
        return;
    }
  }

  /** Wait for the worker to exit after it was asked to; then SIGTERM, then SIGKILL, saying so. */
  kill(pid: number, config: WorkerConfig): Promise<void> {
    const child = childOf(config);
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined);
    return escalate(pid, exited, (signal) => child.kill(signal));
  }
}

function childOf(config: WorkerConfig): ChildProcess {
  return config.userdata as ChildProcess;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A master that exits takes its local workers along, even ones busy in synchronous code. */
function killWorkersAtExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGTERM');
  });
}
