import { detached, onCancelled } from '../core/call-scope.js';
import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { hasExited, workerInfo, workerPids } from '../core/process-table.js';
import { readDone, readValue } from '../refs/replies.js';
import { remotecallFetch } from '../remote/calls.js';
import { forgetShippedNow } from '../remote/shipped.js';
import type { HandleType } from '../transport/codec.js';
import type { RRID } from '../transport/messages.js';
import { callOn } from '../transport/owner-calls.js';

/**
 * Julia's worker pools. A pool hands out idle workers: `take()` waits for one, `put(pid)` gives
 * it back, so a worker stays busy until its call finishes. Dead workers are dropped on the way.
 * A pool sent to another process is a reference: its operations run on the pool's owner.
 */
export class WorkerPool {
  #members = new Set<number>();
  #idle: number[] = [];
  #waiters: (() => void)[] = [];
  /**
   * Set for a pool that arrived from another process: take/put go to its owner. `members` is the
   * owner's membership when the pool was sent (as Julia serializes a WorkerPool's worker set);
   * null for the default pool, whose members are the cluster's workers, which every process
   * mirrors.
   */
  #remote: { owner: number; id: number; members: number[] | null } | null = null;
  #id = 0;

  /** A pool of `pids` (each checked as by `push`), all idle. */
  constructor(pids: Iterable<number> = []) {
    for (const p of pids) this.push(p);
  }

  /** Add a worker (idle). */
  push(pid: number): this {
    if (!Number.isSafeInteger(pid) || pid < 1) throw coded(TypeError, 'ERR_INVALID_ARG', `WorkerPool: ${String(pid)} is not a pid`);
    if (pid !== 1 && pid !== myid() && !workerInfo(pid) && !hasExited(pid)) {
      throw coded(RangeError, 'ERR_NO_SUCH_PROCESS', `WorkerPool: there is no process ${pid} in this cluster (workers: ${workerPids().join(', ') || 'none'})`);
    }
    if (this.#remote) throw coded(Error, 'ERR_INVALID_ARG', 'push is only possible on the process that owns the pool');
    if (!this.#members.has(pid)) {
      this.#members.add(pid);
      this.put(pid);
    }
    return this;
  }

  /** The live workers of the pool. */
  workers(): number[] {
    if (this.#remote?.members === null) return workerPids();
    this.#dropDead();
    return [...this.#members].sort((a, b) => a - b);
  }

  /** How many live workers the pool has. */
  get length(): number {
    return this.workers().length;
  }

  /**
   * Is a worker idle now? Only the owner knows, synchronously: on a pool received from another
   * process this throws; ask with `isreadyAsync()` there.
   */
  isready(): boolean {
    if (this.#remote) {
      throw coded(Error, 'ERR_INVALID_ARG', `this pool lives on process ${this.#remote.owner}: use await pool.isreadyAsync() here`);
    }
    this.#dropDead();
    return this.#idle.length > 0;
  }

  /** `isready()` that also works on a pool received from another process (asks its owner). */
  async isreadyAsync(): Promise<boolean> {
    const r = this.#remote;
    if (r) return callOn(r.owner, poolIsready, { whence: r.owner, id: r.id }, [], readValue) as Promise<boolean>;
    return this.isready();
  }

  /**
   * Wait for an idle worker and take it. With `avoid`, prefer any other live worker (a retry goes
   * elsewhere when it can).
   */
  async take(opts: { avoid?: number } = {}): Promise<number> {
    const r = this.#remote;
    if (r) return callOn(r.owner, poolTake, { whence: r.owner, id: r.id }, [opts.avoid ?? 0], readValue) as Promise<number>;
    for (;;) {
      this.#dropDead();
      if (this.#members.size === 0) throw coded(Error, 'ERR_NO_WORKERS', 'No active worker available in pool');
      const k = this.#idle.findIndex((p) => p !== opts.avoid);
      if (k >= 0) return this.#idle.splice(k, 1)[0]!;
      // Only the worker to avoid is idle, and no other could ever come back: take it after all.
      if (this.#idle.length > 0 && this.#members.size === 1) return this.#idle.shift()!;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Give a worker back. */
  put(pid: number): void {
    if (this.#remote) {
      const r = this.#remote;
      void callOn(r.owner, poolPut, { whence: r.owner, id: r.id }, [pid], readDone).catch(() => undefined);
      return;
    }
    if (this.#members.has(pid) && !hasExited(pid) && !this.#idle.includes(pid)) this.#idle.push(pid);
    // Wake waiters even for a dead worker: they re-check, and may now settle for the one to avoid.
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Run `f(...args)` on an idle worker of the pool, which is busy until the call finishes. The
   * worker goes back to the pool when the call finishes even if the calling call was interrupted
   * meanwhile (core/call-scope.ts): taking and giving back are the pool's work, not the caller's.
   */
  async remotecallFetch<R>(f: (...args: never[]) => R, ...args: unknown[]): Promise<Awaited<R>> {
    // Until the call is sent, the worker taken is this caller's to give back, or, if an interrupt
    // cancels the caller before then, the cleanup's (or the take's, if it comes after).
    let taken = 0;
    let cancelled = false;
    const disarm = onCancelled(() => {
      cancelled = true;
      if (taken !== 0) this.put(taken);
    });
    let pid: number;
    try {
      pid = await detached(() =>
        this.take().then((p) => {
          if (cancelled) this.put(p);
          else taken = p;
          return p;
        }),
      );
    } finally {
      disarm();
    }
    const call = remotecallFetch(f as (...a: unknown[]) => R, pid, ...args);
    const back = (): void => this.put(pid);
    detached(() => call.then(back, back));
    return call;
  }

  #dropDead(): void {
    for (const p of this.#members) {
      if (p !== myid() && hasExited(p)) {
        this.#members.delete(p);
        this.#idle = this.#idle.filter((q) => q !== p);
      }
    }
    // A member leaving may leave waiters with no worker at all: let them see it.
    if (this.#members.size === 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** @internal Keep pools that were sent elsewhere reachable by id on their owner. */
  static register(pool: WorkerPool): number {
    if (pool.#id === 0) {
      pool.#id = nextPoolId++;
      pools.set(pool.#id, new WeakRef(pool));
    }
    return pool.#id;
  }

  /** @internal */
  static remote(owner: number, id: number, members: number[] | null): WorkerPool {
    if (owner === myid()) {
      const p = pools.get(id)?.deref();
      if (p) return p;
    }
    const p = new WorkerPool();
    p.#remote = { owner, id, members };
    if (members) for (const m of members) p.#members.add(m);
    return p;
  }

  /** @internal The owner's view, sent along with the pool. */
  static snapshot(pool: WorkerPool): number[] {
    return pool.workers();
  }

  /** @internal Where a received pool lives (null for a pool owned here). */
  static remoteOf(pool: WorkerPool): { owner: number; id: number; members: number[] | null } | null {
    const r = pool.#remote;
    return r && { owner: r.owner, id: r.id, members: r.members === null ? null : pool.workers() };
  }

  /** `WorkerPool([2, 3])`, or `WorkerPool(on 1)` for a pool received from process 1. */
  toString(): string {
    return this.#remote ? `WorkerPool(on ${this.#remote.owner})` : `WorkerPool([${this.workers().join(', ')}])`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * A pool that remembers which functions it shipped, so `clear()` can make its workers forget
 * them (and the values they captured). Every function already travels once per worker and is
 * cached there (Julia's CachingPool behaviour is the default here); this pool adds the explicit
 * release.
 */
export class CachingPool extends WorkerPool {
  readonly #shipped = new Set<Function>();

  /** @internal Note a function sent through this pool. */
  noteShipped(f: Function): void {
    this.#shipped.add(f);
  }

  /** Make the workers drop the functions shipped through this pool. */
  clear(): void {
    forgetShippedNow([...this.#shipped]);
    this.#shipped.clear();
  }
}

let nextPoolId = 1;
const pools = new Map<number, WeakRef<WorkerPool>>();

function ownedPool(id: number): WorkerPool {
  const p = id === 0 ? defaultWorkerPool() : pools.get(id)?.deref();
  if (!p) throw coded(Error, 'ERR_REF_FINALIZED', `worker pool #${id} no longer exists on process ${myid()}`);
  return p;
}

// What a pool's owner does for a process that received the pool (owner operations; the pool is
// named by its owner and its id there, 0 for the default pool).
export function poolTake(_from: number, rr: RRID, avoid: number): Promise<number> {
  return ownedPool(rr.id).take(avoid ? { avoid } : {});
}

export function poolPut(_from: number, rr: RRID, pid: number): void {
  ownedPool(rr.id).put(pid);
}

export function poolIsready(_from: number, rr: RRID): boolean {
  return ownedPool(rr.id).isready();
}

/** The owner operations of worker pools, for the runtime's owner-operation table. */
export const poolOps = [poolTake, poolPut, poolIsready] as const;

let defaultPool: WorkerPool | null = null;

/**
 * The pool of every worker (new workers join it; removed ones leave). With no workers it holds
 * the master, which then does the work. On a worker it is the master's pool.
 */
export function defaultWorkerPool(): WorkerPool {
  if (myid() !== 1) {
    defaultPool ??= WorkerPool.remote(1, 0, null);
    return defaultPool;
  }
  defaultPool ??= new WorkerPool();
  const live = workerPids();
  for (const p of live.length > 0 ? live : [1]) defaultPool.push(p);
  if (live.length > 0) {
    // The master only stands in while there are no workers.
    const current = defaultPool.workers();
    if (current.includes(1)) {
      defaultPool = new WorkerPool(live);
    }
  }
  return defaultPool;
}

/** How a worker pool travels: as a reference to its owner's pool (listed in the runtime's handle-type table). */
export const workerPoolHandleType: HandleType<WorkerPool> = {
  tag: 'pool',
  classes: [WorkerPool, CachingPool],
  encode(pool) {
    // A received pool forwards as the owner's reference: ids are the owner's, so any process
    // can reach it, and back on the owner it is the owner's own object.
    const fwd = WorkerPool.remoteOf(pool);
    if (fwd) return { owner: fwd.owner, id: fwd.id, members: fwd.members };
    const id = pool === defaultPool ? 0 : WorkerPool.register(pool);
    return { owner: myid(), id, members: id === 0 ? null : WorkerPool.snapshot(pool) };
  },
  decode(d) {
    const { owner, id, members } = d as { owner: number; id: number; members: number[] | null };
    return id === 0 && owner === 1 && myid() !== 1 ? defaultWorkerPool() : WorkerPool.remote(owner, id, members ?? null);
  },
  referable: true,
};
