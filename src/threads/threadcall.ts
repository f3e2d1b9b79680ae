/**
 * `threadcall(library, symbol, returnType, argTypes, ...args)`: Julia's `@threadcall`. The C
 * function runs on a thread of libuv's pool (its size is UV_THREADPOOL_SIZE, 4 unless set before
 * the process starts) and the returned Promise settles with its result, while this thread's event
 * loop keeps running. Calls beyond what the FFI queues wait here, in order, for a free place.
 *
 * The foreign-function interface is koffi's (npm `koffi`): its binaries ship inside the npm
 * package, it runs async calls as libuv work, and a synchronous call costs ~25 ns against
 * ~1.6-3.6 us for ffi-rs, the other maintained choice (ffi-napi no longer builds on Node 20).
 * It is loaded on the first call only.
 *
 * Types are koffi's C type names: 'void' (results only), 'bool', 'int', 'unsigned int', 'long',
 * 'int8'...'int64', 'uint8'...'uint64', 'size_t', 'float', 'double', 'str' (a NUL-terminated
 * 'const char *', from and to a JavaScript string), and pointers such as 'void *'. 64-bit
 * integers come back as numbers when they fit, else as bigints. The function must not call back
 * into JavaScript.
 */
import { detached, onCancelled } from '../core/call-scope.js';
import { coded } from '../core/errors.js';

// The parts of koffi used here (its own typings are not needed at run time).
interface KoffiFunction {
  (...args: unknown[]): unknown;
  async(...argsThenCallback: unknown[]): void;
}
interface KoffiLibrary {
  func(name: string, result: string, args: string[]): KoffiFunction;
}
interface Koffi {
  load(path: string): KoffiLibrary;
  config(): { max_async_calls: number };
}

let koffi: Promise<Koffi> | null = null;
const libraries = new Map<string, KoffiLibrary>();
const functions = new Map<string, KoffiFunction>();

async function ffi(): Promise<Koffi> {
  // Shared by every later caller: loaded as part of no call, so an interrupted first caller cannot stall it.
  koffi ??= detached(() => import('koffi').then((m: { default?: unknown }) => (m.default ?? m) as Koffi));
  return koffi;
}

/**
 * Calls handed to the FFI and not yet finished, and the calls waiting for room: each waiter takes
 * the room it is offered and says so, or declines (its call was interrupted meanwhile).
 */
let inFlight = 0;
const waiting: (() => boolean)[] = [];

/**
 * Call `symbol` of `library` with `args` on a libuv pool thread; see the module comment. Errors:
 * ERR_FFI_LIBRARY (the library cannot be loaded), ERR_FFI_SYMBOL (no such function in it),
 * ERR_FFI_TYPE (a type name koffi does not know), ERR_INVALID_ARG (bad arguments).
 */
export async function threadcall(library: string, symbol: string, returnType: string, argTypes: string[], ...args: unknown[]): Promise<unknown> {
  if (typeof library !== 'string' || library === '') {
    throw coded(TypeError, 'ERR_INVALID_ARG', `threadcall: library must be a non-empty string such as "libc.so.6" or an absolute path, got ${String(library)}`);
  }
  if (typeof symbol !== 'string' || symbol === '') throw coded(TypeError, 'ERR_INVALID_ARG', `threadcall: symbol must be a function name, got ${String(symbol)}`);
  if (typeof returnType !== 'string') throw coded(TypeError, 'ERR_INVALID_ARG', `threadcall: returnType must be a C type name such as "int", got ${String(returnType)}`);
  if (!Array.isArray(argTypes) || !argTypes.every((t) => typeof t === 'string')) {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'threadcall: argTypes must be an array of C type names, e.g. ["int", "double"]');
  }
  if (args.length !== argTypes.length) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `threadcall: ${symbol} takes ${argTypes.length} argument(s) (${argTypes.join(', ')}), got ${args.length}`);
  }
  const fn = lookup(await ffi(), library, symbol, returnType, argTypes);
  await room((await ffi()).config().max_async_calls);
  const call = new Promise((resolve, reject) => {
    // koffi converts the arguments before the call runs: a value of the wrong kind is a
    // TypeError, thrown or passed to the callback.
    const fail = (e: unknown): void =>
      reject(e instanceof TypeError ? coded(TypeError, 'ERR_INVALID_ARG', `threadcall: bad argument for ${symbol}(${argTypes.join(', ')}): ${e.message}`) : e);
    try {
      fn.async(...args, (err: unknown, result: unknown) => (err ? fail(err) : resolve(result)));
    } catch (e) {
      fail(e);
    }
  });
  // The room goes back when the C function returns, even if this call was interrupted meanwhile
  // (its own code never runs again): bookkeeping of every caller, done as part of none.
  detached(() => call.then(release, release));
  return call;
}

/** Wait for room among the calls in flight, and take it. */
async function room(max: number): Promise<void> {
  if (inFlight < max && waiting.length === 0) {
    inFlight++;
    return;
  }
  // If an interrupt cancels this call while it waits, it declines the room offered later, or
  // gives back the room it was given just before (core/call-scope.ts).
  let granted = false;
  let cancelled = false;
  const disarm = onCancelled(() => {
    cancelled = true;
    if (granted) release();
  });
  try {
    await detached(
      () =>
        new Promise<void>((resolve) =>
          waiting.push(() => {
            if (cancelled) return false;
            granted = true;
            inFlight++;
            resolve();
            return true;
          }),
        ),
    );
  } finally {
    disarm();
  }
}

/** A call has finished: its room goes to the longest waiter that still wants it. */
function release(): void {
  inFlight--;
  for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) if (next()) return;
}

function lookup(k: Koffi, library: string, symbol: string, returnType: string, argTypes: string[]): KoffiFunction {
  const key = `${library}\0${symbol}\0${returnType}\0${argTypes.join('\0')}`;
  const known = functions.get(key);
  if (known) return known;
  let lib = libraries.get(library);
  if (!lib) {
    try {
      lib = k.load(library);
    } catch (e) {
      throw coded(
        Error,
        'ERR_FFI_LIBRARY',
        `threadcall: cannot load the library "${library}" (${(e as Error).message}); give a name the dynamic loader finds, as listed by ldconfig -p (e.g. "libc.so.6", "libm.so.6"), or an absolute path`,
        { cause: e },
      );
    }
    libraries.set(library, lib);
  }
  let fn: KoffiFunction;
  try {
    fn = lib.func(symbol, returnType, argTypes);
  } catch (e) {
    const message = (e as Error).message;
    if (/type/i.test(message)) {
      throw coded(
        TypeError,
        'ERR_FFI_TYPE',
        `threadcall: ${message} in ${returnType} ${symbol}(${argTypes.join(', ')}); use C type names such as int, unsigned int, int64, double, str, void (results only) or void *`,
        { cause: e },
      );
    }
    throw coded(Error, 'ERR_FFI_SYMBOL', `threadcall: there is no function "${symbol}" in "${library}" (${message})`, { cause: e });
  }
  if (functions.size >= 1024) functions.delete(functions.keys().next().value as string);
  functions.set(key, fn);
  return fn;
}
