import { coded } from '../core/errors.js';

/**
 * Functions every process knows by name, so they travel as a name instead of source text:
 * this package's exports (`sharedarrays.<name>`), the runtime's internal functions
 * (`internal.<name>`, e.g. a pmap batch runner), common JavaScript built-ins (`Math.sqrt`), and
 * the exports of modules loaded with `everywhere(specifier)` (by module URL and export name).
 * The package scope and the internal table are installed by the runtime (src/runtime.ts).
 */
export interface FunctionNameTables {
  /** The package's public exports: names in scope for shipped source, and travelling by name. */
  scope: Readonly<Record<string, unknown>>;
  /** Runtime functions that travel by name without being public. */
  internals: Readonly<Record<string, Function>>;
}

let scope: Readonly<Record<string, unknown>> = {};
const internals = new Map<string, Function>();
let byName: Map<Function, string> | null = null;
let scopeLists: { names: string[]; values: unknown[] } | null = null;

/** Install the package scope and the internal functions (the runtime does, once per process). */
export function configureFunctionNames(t: FunctionNameTables): void {
  scope = t.scope;
  internals.clear();
  for (const [name, f] of Object.entries(t.internals)) internals.set(`internal.${name}`, f);
  byName = null;
  scopeLists = null;
}

const moduleRefs = new WeakMap<Function, { url: string; name: string }>();
const loadedModules = new Map<string, Record<string, unknown>>();

/** Record a module loaded with everywhere(): its exported functions travel by reference. */
export function registerModule(url: string, ns: Record<string, unknown>): void {
  loadedModules.set(url, ns);
  for (const [name, v] of Object.entries(ns)) {
    if (typeof v === 'function' && !moduleRefs.has(v)) moduleRefs.set(v, { url, name });
  }
}

/** The module export `f` is, if it comes from a module loaded with everywhere(). */
export function moduleRefOf(f: Function): { url: string; name: string } | undefined {
  return moduleRefs.get(f);
}

/** Export `name` of the module `url`, which must have been loaded here with everywhere(). */
export function loadedExport(url: string, name: string): Function {
  const f = loadedModules.get(url)?.[name];
  if (typeof f !== 'function') {
    throw coded(
      ReferenceError,
      'ERR_MODULE_NOT_LOADED',
      `${name} from ${url} is not loaded on this process: load the module here with everywhere(specifier) (processes added later do not get it automatically)`,
    );
  }
  return f;
}

const builtinRoots = ['Math', 'JSON', 'Object', 'Array', 'Number', 'String', 'Reflect', 'Atomics', 'BigInt', 'Date', 'Promise', 'console'];
const builtinGlobals = ['parseInt', 'parseFloat', 'isNaN', 'isFinite', 'structuredClone', 'queueMicrotask', 'setTimeout'];

/** The name `f` travels by, if every process knows it. */
export function nameOf(f: Function): string | undefined {
  return functionsByName().get(f);
}

function functionsByName(): Map<Function, string> {
  if (byName) return byName;
  byName = new Map();
  for (const [name, v] of Object.entries(scope)) {
    if (typeof v === 'function') byName.set(v, `sharedarrays.${name}`);
  }
  const g = globalThis as unknown as Record<string, unknown>;
  for (const root of builtinRoots) {
    const obj = g[root] as Record<string, unknown> | undefined;
    if (!obj) continue;
    for (const key of Object.getOwnPropertyNames(obj)) {
      const v = Object.getOwnPropertyDescriptor(obj, key)?.value;
      if (typeof v === 'function' && !byName.has(v)) byName.set(v, `${root}.${key}`);
    }
  }
  for (const [path, f] of internals) byName.set(f, path);
  for (const key of builtinGlobals) {
    if (typeof g[key] === 'function') byName.set(g[key] as Function, key);
  }
  return byName;
}

/** The function a name stands for on this process. */
export function functionNamed(path: string): Function {
  const internal = internals.get(path);
  if (internal) return internal;
  if (path.startsWith('sharedarrays.')) {
    const v = scope[path.slice('sharedarrays.'.length)];
    if (typeof v === 'function') return v;
  } else if (!path.startsWith('internal.')) {
    let v: unknown = globalThis;
    for (const part of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
    if (typeof v === 'function') return v;
  }
  throw coded(ReferenceError, 'ERR_PROTOCOL', `${path} is not defined on this process (is it running the same version of sharedarrays?)`);
}

/** The package's exports as parallel name and value lists: the scope shipped source runs in. */
export function packageScope(): { names: string[]; values: unknown[] } {
  if (scopeLists) return scopeLists;
  const entries = Object.entries(scope).filter(([name]) => /^[A-Za-z_$][\w$]*$/.test(name));
  scopeLists = { names: entries.map(([n]) => n), values: entries.map(([, v]) => v) };
  return scopeLists;
}
