/**
 * The one place src/threads/ reads the function-shipping layer (src/remote/): how a `threads.for`
 * body is described on the main thread and rebuilt in a pool thread. A body reaches a thread as
 * it reaches another process: a name every process knows, an `everywhere`-loaded module export by
 * reference, or source text compiled with the package's exports in scope, with the values given
 * to `capture(env, f)` (functions among them compiled in the same scope, as on other processes).
 */
import { loadModule } from '../remote/everywhere.js';
import { describeFunction, type FunctionDescription, materializeFunction } from '../remote/function-shipping.js';

/** A body as it travels to a thread: a name, a module export, or source text with captured values. */
export type BodyDescription = FunctionDescription;

/** How `f` travels to a thread; a coded TypeError (ERR_UNSHIPPABLE_FUNCTION) when it cannot. */
export function describeBody(f: Function): BodyDescription {
  return describeFunction(f);
}

/** Rebuild a described function in this thread (its modules must be loaded: see loadBodyModule). */
export function materializeBody(d: BodyDescription): Function {
  return materializeFunction(d);
}

const loading = new Map<string, Promise<void>>();

/**
 * Import a module whose exports travel by reference, once per thread: a thread is its own
 * JavaScript realm, so it loads the module as a new process would (its top level runs again).
 */
export function loadBodyModule(url: string): Promise<void> {
  let p = loading.get(url);
  if (!p) {
    p = loadModule(url);
    loading.set(url, p);
    p.catch(() => loading.delete(url));
  }
  return p;
}
