import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { detached } from '../core/call-scope.js';
import { coded, CompositeException, RemoteException } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { allProcs } from '../core/process-table.js';
import { remotecallWait } from './calls.js';
import { registerModule } from './function-names.js';

/** Options of {@link everywhere}. */
export interface EverywhereOptions {
  /** The processes to run on (default: every process, the master included: `procs()`). */
  procs?: number[];
}

/**
 * Import `url` here and remember its exports (an internal function: it travels by name). The
 * import itself is node's, shared by every later import of the same module: started as part of
 * no call, so that an interrupt of the call loading it cannot leave it pending for good.
 */
export async function loadModule(url: string): Promise<void> {
  registerModule(url, (await detached(() => import(url))) as Record<string, unknown>);
}

/** A relative or absolute path becomes a file URL (relative to process.cwd()); other specifiers stay. */
export function moduleUrl(specifier: string | URL): string {
  if (specifier instanceof URL) return specifier.href;
  if (typeof specifier !== 'string' || specifier.length === 0) {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'everywhere(specifier): specifier must be a module path, URL or package name');
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return specifier;
  if (specifier.startsWith('.') || isAbsolute(specifier)) return pathToFileURL(resolve(process.cwd(), specifier)).href;
  return specifier;
}

/**
 * Julia's `@everywhere`: load a module on every process (its exported functions then travel by
 * reference), or run a function on every process, the master included. `target` is a module
 * path (relative to the current directory), a URL or a package name, or a function. Each listed
 * occurrence of a pid runs once (a pid listed twice runs twice, as in Julia). Errors are
 * collected in a CompositeException ordered by pid (each a RemoteException naming its process).
 * Processes added later do not get what ran before.
 */
export async function everywhere(target: string | URL | (() => unknown), opts: EverywhereOptions = {}): Promise<void> {
  const pids = opts.procs ?? allProcs();
  if (!Array.isArray(pids) || pids.some((p) => !Number.isSafeInteger(p) || p < 1)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'everywhere: procs must be an array of pids');
  }
  const [fn, args] = typeof target === 'function' ? [target, [] as unknown[]] : [loadModule, [moduleUrl(target)]];
  // Remote occurrences first (concurrently), this process's last, as Julia does.
  const remote = pids.filter((p) => p !== myid());
  const results: [number, PromiseSettledResult<unknown>][] = [];
  // Only completion matters: release each result at once rather than leaving it stored on its
  // worker until this process happens to garbage-collect the Future.
  const settled = await Promise.allSettled(
    remote.map((p) => remotecallWait(fn as () => unknown, p, ...(args as [])).then((f) => f.finalize())),
  );
  for (const [i, p] of remote.entries()) results.push([p, settled[i]!]);
  for (const p of pids.filter((q) => q === myid())) {
    try {
      await fn(...(args as [string]));
      results.push([p, { status: 'fulfilled', value: undefined }]);
    } catch (e) {
      results.push([p, { status: 'rejected', reason: new RemoteException(p, e as Error) }]);
    }
  }
  // The caller refers to the module's functions, so it must know them as module exports even when
  // it is not among `procs`: import it here too (a module it already imported does not run again).
  if (typeof target !== 'function' && !pids.includes(myid()) && errorsIn(results).length === 0) {
    try {
      await loadModule(args[0] as string);
    } catch (e) {
      results.push([myid(), { status: 'rejected', reason: e }]);
    }
  }
  const errors = errorsIn(results);
  if (errors.length > 0) throw new CompositeException(errors);
}

function errorsIn(results: [number, PromiseSettledResult<unknown>][]): Error[] {
  return [...results]
    .sort(([a], [b]) => a - b)
    .filter(([, r]) => r.status === 'rejected')
    .map(([, r]) => (r as PromiseRejectedResult).reason as Error);
}
