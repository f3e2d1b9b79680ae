import { createRequire } from 'node:module';
import { coded } from './core/errors.js';

/**
 * The native addon, loaded once: shared-memory segments and file mappings (native/segment.cc),
 * futex waits across processes (native/futex.cc) and, for workers, interruptible calls and the
 * control-pipe watcher (native/process.cc). It is mechanism only: every check and every message a
 * user reads is made in TypeScript before or after calling it. Its errors carry the errno name as
 * `code` (ENOSPC, EEXIST, ENOENT, ...).
 */
export type NativeAddon = NativeSegments & NativeFutex;

/** Shared-memory segments and file mappings (native/segment.cc). */
export interface NativeSegments {
  /**
   * Create, size, reserve (posix_fallocate) and map a new segment. Its name is already unlinked;
   * `fd` stays open so other processes can map it (/proc/<pid>/fd/<fd>) until the caller closes it.
   */
  create(size: number): { name: string; fd: number; buffer: ArrayBuffer };
  /** A new segment as `create` makes it, not mapped here: its open descriptor, for the caller to share and then close. */
  createPart(size: number): number;
  /** Segments (open descriptors, their sizes; every size but the last whole pages) mapped side by side as one buffer. */
  mapParts(fds: number[], sizes: number[]): ArrayBuffer;
  /** Map `length` bytes of an open file from byte `offset`; read-only maps are private copies. */
  mapFd(fd: number, offset: number, length: number, writable: boolean): ArrayBuffer;
  /** Detach the buffer and munmap now; false when it was already unmapped. */
  unmap(buffer: ArrayBuffer): boolean;
  /** Bytes free for an unprivileged user in /dev/shm. */
  shmFreeBytes(): number;
  /**
   * What `buffer` is to the addon: not a mapping it made (`none`), one already unmapped, a private
   * copy-on-write one (a read-only file map) or a shared one, which threads can map too.
   */
  mappingKind(buffer: ArrayBufferLike): 'none' | 'unmapped' | 'private' | 'shared';
  /**
   * A shared mapping's memory as a SharedArrayBuffer for worker threads: a second mapping of the
   * same pages, made on the first call and the same one after. `unmap` swaps its pages for private
   * zero pages (threads still holding views write into memory nobody shares); V8 unmaps it once
   * no thread holds it.
   */
  shareMapping(buffer: ArrayBuffer): SharedArrayBuffer;
}

/** Futex waits and wakes on an int32 in shared memory, across processes (native/futex.cc). */
export interface NativeFutex {
  /**
   * Block while `a[index] === expected`: 0 woken (or spuriously: re-check), 1 the value was not
   * `expected`, 2 `timeoutMs` passed (Infinity: no limit).
   */
  futexWait(a: Int32Array, index: number, expected: number, timeoutMs: number): 0 | 1 | 2;
  /** Wake up to `count` waiters on `a[index]`, in any process mapping the memory; how many woke. */
  futexWake(a: Int32Array, index: number, count: number): number;
  /** The calling thread's kernel id (gettid); the process id on a main thread. */
  threadId(): number;
}

let loaded: NativeAddon | undefined;

/** The addon; throws a coded error naming the fix when it was never built. */
export function native(): NativeAddon {
  if (loaded) return loaded;
  // Relative to the compiled file: dist/src/native.js -> build/Release/sharedarrays.node.
  const require = createRequire(import.meta.url);
  try {
    loaded = require('../../build/Release/sharedarrays.node') as NativeAddon;
  } catch (e) {
    const err = coded(
      Error,
      'ERR_NATIVE_MISSING',
      'the sharedarrays native addon is not built (build/Release/sharedarrays.node): ' +
        'run `npm install` or `npm run build:native` in the package directory',
    );
    err.cause = e;
    throw err;
  }
  return loaded;
}

/**
 * The addon's worker-control half (native/process.cc): interruptible user calls and the watch on
 * the control pipe. Separate from NativeSegments because it is used by the worker runtime only.
 */
interface NativeProcessBindings {
  callInterruptible(fn: (...args: never[]) => unknown, thisArg: unknown, ...args: unknown[]): unknown;
  startControlWatch(fd: number, socketPath: string, dir: string): boolean;
  controlStats(): ControlStats;
}

/** What the control-pipe watcher has seen; for tests and diagnostics. */
export interface ControlStats {
  /** The watcher thread runs (startControlWatch succeeded in this process). */
  watching: boolean;
  /** Interrupt requests (`I` bytes) read from the control pipe. */
  received: number;
  /** Requests that interrupted a running call (the others arrived while idle and were dropped). */
  delivered: number;
}

/** Options of {@link startControlWatch}: what the worker owns on disk, removed if the master dies. */
export interface ControlWatchOptions {
  /** A Unix socket path to unlink. */
  socketPath?: string;
  /** A directory to rmdir (after socketPath is unlinked); only removed when empty. */
  dir?: string;
}

let processBindings: NativeProcessBindings | undefined;
const bindings = (): NativeProcessBindings => (processBindings ??= native() as unknown as NativeProcessBindings);

/**
 * `fn.apply(thisArg, args)`, interruptible: if an interrupt request (`I` on the control pipe, see
 * {@link startControlWatch}) arrives while it runs, even in an endless synchronous loop, V8 stops
 * it and this throws `Error('call interrupted')` with code `ERR_INTERRUPTED`; the process keeps
 * serving. Exceptions and return values pass through unchanged. Only the synchronous part is
 * covered: a returned Promise is returned as is, and its continuations run uninterruptibly.
 * Nested calls are fine; the interrupt then unwinds to the outermost one (user `catch` and
 * `finally` blocks on the way do not run, as with vm timeouts). Costs about 0.1 us per call
 * (bench/interrupt-overhead.ts), mostly the two N-API boundary crossings.
 */
export function callInterruptible<T>(fn: (...args: never[]) => T, thisArg: unknown, args: readonly unknown[]): T {
  if (typeof fn !== 'function') throw coded(TypeError, 'ERR_INVALID_ARG', 'callInterruptible: fn must be a function');
  if (!Array.isArray(args)) throw coded(TypeError, 'ERR_INVALID_ARG', 'callInterruptible: args must be an array');
  return (processBindings ?? bindings()).callInterruptible(fn, thisArg, ...args) as T;
}

/**
 * Start the worker's control-pipe watcher on `fd` (3: the master spawns workers with
 * `stdio: ['pipe', 'pipe', 'pipe', 'pipe']` and owns the other end; the fd then belongs to the
 * addon alone). A native thread reads it for the life of the process: `I` interrupts the running
 * {@link callInterruptible} call (ignored when none runs); EOF or a read error means the master is
 * gone, and the thread unlinks `socketPath`, removes `dir` (best effort) and `_exit(1)`s at once,
 * even while JavaScript is stuck in a loop. Once per process: false when already started.
 * Throws with an errno `code` (EBADF, ...) when the fd is unusable.
 */
export function startControlWatch(fd: number, opts: ControlWatchOptions = {}): boolean {
  if (!Number.isInteger(fd) || fd < 0) throw coded(TypeError, 'ERR_INVALID_ARG', `startControlWatch: fd must be a non-negative integer, got ${fd}`);
  for (const key of ['socketPath', 'dir'] as const) {
    const v = opts[key];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.includes('\0'))) {
      throw coded(TypeError, 'ERR_INVALID_ARG', `startControlWatch: ${key} must be a non-empty path`);
    }
  }
  return bindings().startControlWatch(fd, opts.socketPath ?? '', opts.dir ?? '');
}

/** Counters of the control-pipe watcher (see {@link ControlStats}). */
export function controlStats(): ControlStats {
  return bindings().controlStats();
}
