import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { coded, CompositeException, RemoteException } from '../errors.js';
import { myid } from '../cluster/identity.js';
import { allProcs } from '../cluster/process-table.js';
import { remotecallWait } from './calls.js';
import { registerInternal, registerModule } from './functions.js';

/**
 * Julia's @everywhere: load a module on every process (its exported functions then travel by
 * reference), or run a function on every process, the master included. Errors are collected in a
 * CompositeException ordered by pid. Processes added later do not get what ran before.
 */
export interface EverywhereOptions {
  procs?: number[];
}

/** Import `url` here and remember its exports. */
async function loadModuleHere(url: string): Promise<void> {
  registerModule(url, (await import(url)) as Record<string, unknown>);
}
registerInternal('loadModule', loadModuleHere);

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

export async function everywhere(target: string | URL | (() => unknown), opts: EverywhereOptions = {}): Promise<void> {
  const pids = opts.procs ?? allProcs();
  if (!Array.isArray(pids) || pids.some((p) => !Number.isSafeInteger(p) || p < 1)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'everywhere: procs must be an array of pids');
  }
  const [fn, args] = typeof target === 'function' ? [target, [] as unknown[]] : [loadModuleHere, [moduleUrl(target)]];
  // Remote processes first (concurrently), this one last, as Julia does.
  const remote = pids.filter((p) => p !== myid());
  const results = new Map<number, PromiseSettledResult<unknown>>();
  // Only completion matters: release each result at once rather than leaving it stored on its
  // worker until this process happens to garbage-collect the Future.
  const settled = await Promise.allSettled(
    remote.map((p) => remotecallWait(fn as () => unknown, p, ...(args as [])).then((f) => f.finalize())),
  );
  remote.forEach((p, i) => results.set(p, settled[i]!));
  if (pids.includes(myid())) {
    try {
      await fn(...(args as [string]));
      results.set(myid(), { status: 'fulfilled', value: undefined });
    } catch (e) {
      results.set(myid(), { status: 'rejected', reason: new RemoteException(myid(), e as Error) });
    }
  }
  // The caller refers to the module's functions, so it must know them as module exports even when
  // it is not among `procs`: import it here too (a module it already imported does not run again).
  if (typeof target !== 'function' && !pids.includes(myid()) && errorsIn(results).length === 0) {
    try {
      await loadModuleHere(args[0] as string);
    } catch (e) {
      results.set(myid(), { status: 'rejected', reason: e });
    }
  }
  const errors = errorsIn(results);
  if (errors.length > 0) throw new CompositeException(errors);
}

function errorsIn(results: Map<number, PromiseSettledResult<unknown>>): Error[] {
  return [...results.entries()]
    .sort(([a], [b]) => a - b)
    .filter(([, r]) => r.status === 'rejected')
    .map(([, r]) => (r as PromiseRejectedResult).reason as Error);
}
