import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coded } from './core/errors.js';

/**
 * The native addon, loaded once: shared-memory segments and file mappings (native/segment.cc),
 * futex waits across processes (native/futex.cc) and, for workers, interrupting calls and the
 * lifeline watcher (native/process.cc). It is mechanism only: every check and every message a
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
  /**
   * Allocate the file's blocks for bytes [offset, offset + length), extending it if needed
   * (posix_fallocate; data kept), so that writes through a mapping cannot hit a full filesystem.
   */
  reserveFile(fd: number, offset: number, length: number): void;
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

/** The package root, relative to the compiled file (dist/src/native.js). */
const packageRoot = resolve(fileURLToPath(import.meta.url), '../../..');

/**
 * The addon; throws a coded error naming the fix when it cannot be loaded. `SHAREDARRAYS_ADDON`
 * (an absolute path to a `.node` file) wins: the sanitizer build (scripts/test-native-asan.sh)
 * uses it, and worker processes inherit it with the environment. Otherwise node-gyp-build picks,
 * from the package root, a source build (build/Release) before a prebuilt binary
 * (prebuilds/linux-x64).
 */
export function native(): NativeAddon {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const override = process.env.SHAREDARRAYS_ADDON;
  if (override !== undefined && override !== '') {
    if (!isAbsolute(override)) {
      throw coded(Error, 'ERR_NATIVE_MISSING', `SHAREDARRAYS_ADDON must be an absolute path to a sharedarrays.node file, got "${override}"`);
    }
    loaded = load(require, () => override, `SHAREDARRAYS_ADDON=${override} could not be loaded: point it at a built sharedarrays.node, or unset it`);
  } else {
    loaded = load(
      require,
      () => (require('node-gyp-build') as { path(dir: string): string }).path(packageRoot),
      `no usable sharedarrays native addon in ${packageRoot} (no build/Release, and no prebuild for ` +
        `${process.platform}-${process.arch} loads): build it with \`npm rebuild sharedarrays\` (npm 11 skips ` +
        "dependencies' install scripts, which would have built it) or `npm run build:native` in a clone; " +
        'building needs a C++ compiler, make and Python',
    );
  }
  return loaded;
}

/** `require` the file `find` names; any failure becomes ERR_NATIVE_MISSING saying `problem`. */
function load(require: NodeJS.Require, find: () => string, problem: string): NativeAddon {
  try {
    return require(find()) as NativeAddon;
  } catch (e) {
    const err = coded(Error, 'ERR_NATIVE_MISSING', problem);
    err.cause = e;
    throw err;
  }
}

/**
 * The addon's worker-control half (native/process.cc): interrupting the calls a worker serves, and
 * the watch on the control pipe. Separate from NativeSegments because only workers use most of it.
 */
interface NativeProcessBindings {
  configureCallInterrupts(runtimePrefix: string, afterStop: () => void, continuationTags: boolean): { microtaskStops: boolean };
  admitCall(fromMaster: boolean): number;
  runCall(tag: number, fn: (...args: never[]) => unknown, thisArg: unknown, ...args: unknown[]): unknown;
  applyInterrupt(id: number): void;
  isCancelled(tag: number): boolean;
  checkResume(): void;
  interruptPoint(): void;
  currentCall(): number;
  detached<T>(fn: () => T): T;
  startControlWatch(fd: number, socketPath: string, dir: string): boolean;
  controlStats(): ControlStats;
}

/** What the interrupt machinery has seen; for tests and diagnostics. */
export interface ControlStats {
  /** The watcher thread runs (startControlWatch succeeded in this process). */
  watching: boolean;
  /**
   * Code running after an `await` can be stopped: this V8 build's microtask queue could be
   * checked (see native/microtask-stash.h). Without it only a call's first synchronous stretch is.
   */
  microtaskStops: boolean;
  /** Interrupt records read from the control pipe. */
  received: number;
  /** Distinct interrupts applied (each arrives twice: on the pipe and as a marker on the connection). */
  applied: number;
  /** Calls cancelled on arrival: sent before an interrupt whose record overtook them. */
  refused: number;
  /** Times code of a cancelled call was stopped: running (first stretch, after an `await`) or resuming. */
  stopped: number;
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
 * Make this thread the one whose calls interrupts stop (once per process). `runtimePrefix` is the
 * URL prefix of the runtime's own modules: an interrupt never stops them half-way, it waits until
 * user code is on top of the stack (or the runtime reaches an {@link interruptPoint}). `afterStop`
 * runs after a continuation of a cancelled call was stopped inside a microtask; it must schedule a
 * tick (process.nextTick), so that the jobs that were queued behind the stopped one run at once.
 * Returns whether such continuations can be stopped at all here (see
 * {@link ControlStats.microtaskStops}): not where node keeps AsyncLocalStorage in V8's continuation
 * data itself (see {@link nodeOwnsContinuationData}), nor on a V8 build whose microtask queue could
 * not be checked.
 */
export function configureCallInterrupts(runtimePrefix: string, afterStop: () => void): { microtaskStops: boolean } {
  if (typeof runtimePrefix !== 'string' || runtimePrefix === '') throw coded(TypeError, 'ERR_INVALID_ARG', 'configureCallInterrupts: runtimePrefix must be a non-empty string');
  if (typeof afterStop !== 'function') throw coded(TypeError, 'ERR_INVALID_ARG', 'configureCallInterrupts: afterStop must be a function');
  return bindings().configureCallInterrupts(runtimePrefix, afterStop, !nodeOwnsContinuationData());
}

/**
 * Whether node itself stores AsyncLocalStorage in V8's continuation-preserved embedder data (its
 * AsyncContextFrame: the default from Node 24, a flag on 22). Calls are tagged through that slot;
 * where node owns it, tagging would break AsyncLocalStorage, so only first stretches are stopped.
 */
export function nodeOwnsContinuationData(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (flags.includes('--no-async-context-frame')) return false;
  return Number(process.versions.node.split('.')[0]) >= 24 || flags.includes('--experimental-async-context-frame');
}

/**
 * A call from the master (`fromMaster`) or another process has arrived; call in the order calls
 * arrive on each connection. Returns the call's tag for {@link runCall} and {@link isCancelled},
 * or 0 when an interrupt issued after the call was sent has already cancelled it (the interrupt's
 * pipe record overtook the call): then do not run it.
 */
export function admitCall(fromMaster: boolean): number {
  return (processBindings ?? bindings()).admitCall(fromMaster === true);
}

/**
 * `fn.apply(thisArg, args)` as the call `tag` (from {@link admitCall}). If an interrupt cancels the
 * call while this runs, even in an endless loop, V8 stops it and this throws
 * `Error('call interrupted')` with code `ERR_INTERRUPTED`; the process keeps serving. Exceptions and
 * return values (Promises too) pass through unchanged. Code the call runs later, after an `await`,
 * keeps the tag: an interrupt stops it there too. User `catch` and `finally` blocks on the way out
 * do not run, as with vm timeouts. Costs a few tenths of a microsecond (bench/interrupt-overhead.ts).
 */
export function runCall<T>(tag: number, fn: (...args: never[]) => T, thisArg: unknown, args: readonly unknown[]): T {
  if (typeof fn !== 'function') throw coded(TypeError, 'ERR_INVALID_ARG', 'runCall: fn must be a function');
  if (!Array.isArray(args)) throw coded(TypeError, 'ERR_INVALID_ARG', 'runCall: args must be an array');
  if (typeof tag !== 'number' || tag === 0 || !Number.isInteger(tag)) throw coded(TypeError, 'ERR_INVALID_ARG', `runCall: tag must come from admitCall, got ${String(tag)}`);
  return (processBindings ?? bindings()).runCall(tag, fn, thisArg, ...args) as T;
}

/**
 * The marker of interrupt `id` was read from the master's connection: calls from the master read
 * before it are cancelled, later ones are not. Then cancel the suspended calls {@link isCancelled}
 * reports; running ones were stopped already (the marker cannot be read while code runs).
 */
export function applyInterrupt(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff) throw coded(TypeError, 'ERR_INVALID_ARG', `applyInterrupt: id must be a u32, got ${String(id)}`);
  bindings().applyInterrupt(id);
}

/** Whether an interrupt has cancelled the call `tag`. */
export function isCancelled(tag: number): boolean {
  return bindings().isCancelled(tag);
}

/**
 * The guard that keeps a cancelled call suspended at an `await` from running again: install it as
 * node's before-hook, `v8.promiseHooks.onBefore(resumeGuard())`, before the first call is served
 * (V8 hides continuations of awaits made while no hook was installed). Each promise job of a
 * cancelled call is then terminated before it starts. It costs every promise job a native call:
 * about 2x on a bare `await` (bench/interrupt-overhead.ts), nothing measurable on a remote call.
 */
export function resumeGuard(): () => void {
  const b = bindings();
  return b.checkResume.bind(b);
}

/**
 * A safe place, in the runtime's own code, to stop the running call if an interrupt has cancelled
 * it (interrupts otherwise wait for user code to be on top of the stack). Code that blocks inside
 * the runtime, a futex wait slice after slice, calls it between slices. Does nothing where calls
 * are not served (the master, threads) and when the call goes on.
 */
export function interruptPoint(): void {
  (processBindings ?? bindings()).interruptPoint();
}

/** The tag of the call the calling code belongs to (see {@link runCall}); 0 outside any call. */
export function currentCall(): number {
  return (processBindings ?? bindings()).currentCall();
}

/**
 * `fn()`, as part of no call: the promise reactions it registers carry no call's tag, so the work it
 * starts goes on when the call that happened to start it is cancelled. For runtime work meant to
 * outlive one caller (a fetch other callers share, a cached import, a pool's worker handed back).
 */
export function detached<T>(fn: () => T): T {
  return (processBindings ?? bindings()).detached(fn);
}

/**
 * Start the worker's lifeline watcher on `fd` (3: a local worker's control pipe, whose other end
 * its master or host agent holds; 0: standard input under ssh or srun; the fd then belongs to the
 * addon alone). A native thread reads it for the life of the process: each interrupt record (see
 * cluster/interrupt-record.ts) applies an interrupt and stops the running code of the calls it
 * cancels; EOF or a read error means the master is gone, and the thread unlinks `socketPath`,
 * removes `dir` (best effort) and `_exit(1)`s at once, even while JavaScript is stuck in a loop.
 * Once per process: false when already started. Throws with an errno `code` (EBADF, ...) when the
 * fd is unusable.
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

/** Counters of the interrupt machinery (see {@link ControlStats}). */
export function controlStats(): ControlStats {
  return bindings().controlStats();
}
