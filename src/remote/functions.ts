import { coded } from '../errors.js';
import { decodeArgs, encodeArgs, setFunctionCodec, type CodecContext, type HandOvers } from '../transport/codec.js';
import type { FnDef } from '../transport/messages.js';
import { wire } from './wire.js';

/**
 * How functions reach other processes (API.md, "Remote calls"):
 *  1. this package's exports and JavaScript built-ins (Math.sqrt, ...) by name;
 *  2. exports of modules loaded with `everywhere(specifier)` by module URL and export name;
 *  3. anything else as source text, compiled once per receiving process and cached there, with
 *     this package's exports in scope, plus the variables given to `capture(env, f)`.
 *
 * Each function object gets an id on first send; a peer that has its definition later receives
 * the id alone, so a function (and its captured values) crosses once per peer, not once per call
 * (Julia's CachingPool lesson, julia#28949). When the sender garbage-collects the function, the
 * peers that hold its compiled copy are told to forget it.
 */

interface PeerFns {
  /** Ids whose definition this process has sent to the peer as a call's function: later calls send the id alone. */
  sent: Set<number>;
  /** Ids the peer may hold a copy of (as a call's function, an argument or a captured value): told to forget them. */
  held: Set<number>;
  /**
   * Functions received from the peer, by the peer's ids. A definition that failed to materialize
   * (a module not loaded here yet, a free name missing) is kept as is and tried again on each
   * call: the sender believes it delivered it and will send the id alone from now on.
   */
  received: Map<number, Function | FnDef>;
}

const peers = new Map<number, PeerFns>();
const ids = new WeakMap<Function, number>();
let nextFnId = 1;

function peerFns(pid: number): PeerFns {
  let p = peers.get(pid);
  if (!p) {
    p = { sent: new Set(), held: new Set(), received: new Map() };
    peers.set(pid, p);
  }
  return p;
}

/** A peer went away: its functions and what we sent it are both gone. */
export function dropPeerFunctions(pid: number): void {
  peers.delete(pid);
}

// --- forgetting -------------------------------------------------------------------------------

const pendingForget = new Map<number, number[]>();
let forgetScheduled = false;

/** Note that every peer holding function `id` must drop it. */
function queueForget(id: number): void {
  for (const [pid, p] of peers) {
    p.sent.delete(id);
    if (!p.held.delete(id)) continue;
    let list = pendingForget.get(pid);
    if (!list) pendingForget.set(pid, (list = []));
    list.push(id);
  }
}

const collected = new FinalizationRegistry<number>((id) => {
  queueForget(id);
  if (!forgetScheduled && pendingForget.size > 0) {
    forgetScheduled = true;
    setImmediate(flushForget).unref();
  }
});

function flushForget(): void {
  forgetScheduled = false;
  for (const [pid, fnIds] of pendingForget) {
    try {
      wire().send(pid, { kind: 'forget', fnIds });
    } catch {
      // The peer is gone, and its copies with it.
    }
  }
  pendingForget.clear();
}

/** Make every peer forget these functions now (CachingPool.clear), as if they were collected. */
export function forgetSentFunctions(fns: Function[]): void {
  for (const f of fns) {
    const id = ids.get(f);
    if (id !== undefined) queueForget(id);
  }
  flushForget();
}

/** The peer `from` garbage-collected these functions. */
export function forgetFunctions(from: number, fnIds: number[]): void {
  const p = peers.get(from);
  if (p) for (const id of fnIds) p.received.delete(id);
}

function idOf(f: Function): number {
  let id = ids.get(f);
  if (id === undefined) {
    id = nextFnId++;
    ids.set(f, id);
    collected.register(f, id);
  }
  return id;
}

// --- what a function is, seen from the sender ---------------------------------------------------

interface Captured {
  env: Record<string, unknown>;
  f: Function;
}
/**
 * This package's exports, handed over by src/scope.ts once the entry point has loaded (a static
 * import of the entry from here would be a cycle that breaks direct imports of submodules).
 */
let api: Record<string, unknown> = {};

export function setPackageScope(ns: Record<string, unknown>): void {
  api = ns;
  byName = null;
  scope = null;
}

const captured = new WeakMap<Function, Captured>();
const moduleRefs = new WeakMap<Function, { url: string; name: string }>();
const loadedModules = new Map<string, Record<string, unknown>>();
let byName: Map<Function, string> | null = null;

/**
 * `capture(env, f)`: ship `f` together with the values of the variables it closes over, since
 * JavaScript cannot read a closure's scope. The values travel once per receiving process and are
 * in scope there under their names. Calling the result locally simply calls `f`.
 */
export function capture<F extends Function>(env: Record<string, unknown>, f: F): F {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'capture(env, f): env must be a plain object such as { a, b }');
  }
  if (typeof f !== 'function') throw coded(TypeError, 'ERR_INVALID_ARG', 'capture(env, f): f must be a function');
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
      throw coded(TypeError, 'ERR_INVALID_ARG', `capture(env, f): "${name}" is not a valid variable name`);
    }
  }
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    return f.apply(this, args);
  };
  Object.defineProperty(wrapped, 'name', { value: f.name || 'captured' });
  captured.set(wrapped, { env: { ...env }, f });
  return wrapped as unknown as F;
}

/** Record a module loaded with everywhere(): its exported functions travel by reference. */
export function registerModule(url: string, ns: Record<string, unknown>): void {
  loadedModules.set(url, ns);
  for (const [name, v] of Object.entries(ns)) {
    if (typeof v === 'function' && !moduleRefs.has(v)) moduleRefs.set(v, { url, name });
  }
}

const builtinRoots = ['Math', 'JSON', 'Object', 'Array', 'Number', 'String', 'Reflect', 'Atomics', 'BigInt', 'Date', 'Promise', 'console'];

/** Names of functions every process has: this package's exports and common built-ins. */
function functionsByName(): Map<Function, string> {
  if (byName) return byName;
  byName = new Map();
  for (const [name, v] of Object.entries(api)) {
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
  for (const key of ['parseInt', 'parseFloat', 'isNaN', 'isFinite', 'structuredClone', 'queueMicrotask', 'setTimeout']) {
    if (typeof g[key] === 'function') byName.set(g[key] as Function, key);
  }
  return byName;
}

const internals = new Map<string, Function>();

/**
 * A runtime function every process has (e.g. everywhere's module loader): it travels by name
 * without being part of the public surface.
 */
export function registerInternal(name: string, f: Function): void {
  internals.set(`internal.${name}`, f);
  byName = null;
}

const sources = new WeakMap<Function, string>();
/**
 * The same check by source text: a loop that creates its function anew each time (a closure
 * literal inside the loop) would otherwise re-parse the same text on every call. Bounded.
 */
const expressions = new Map<string, string>();
const MAX_EXPRESSIONS = 1024;

function compiles(expr: string): boolean {
  try {
    new Function(`return (${expr}\n);`);
    return true;
  } catch {
    return false;
  }
}

/** The function's source as an expression, or a TypeError saying why it cannot travel. */
function sourceOf(f: Function): string {
  const known = sources.get(f);
  if (known !== undefined) return known;
  const src = Function.prototype.toString.call(f);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
    throw coded(
      TypeError,
      'ERR_UNSHIPPABLE_FUNCTION',
      `cannot send ${f.name ? `the function ${f.name}` : 'this function'} to another process: it is built-in or bound, so it has no source to ship; wrap it: (...args) => ${f.name || 'f'}(...args), and load what it needs with everywhere()`,
    );
  }
  let expr = expressions.get(src);
  if (expr === undefined) {
    // Method shorthand (`name() {}`) is not an expression on its own: wrap it in an object literal.
    const wrapped = `Object.values({ ${src} })[0]`;
    if (compiles(src)) expr = src;
    else if (compiles(wrapped)) expr = wrapped;
    else {
      throw coded(TypeError, 'ERR_UNSHIPPABLE_FUNCTION', `cannot send ${f.name || 'this function'} to another process: its source text does not compile on its own`);
    }
    if (expressions.size >= MAX_EXPRESSIONS) expressions.delete(expressions.keys().next().value as string);
    expressions.set(src, expr);
  }
  sources.set(f, expr);
  return expr;
}

function defOf(f: Function, ctx: CodecContext, handOvers?: HandOvers): FnDef {
  const c = captured.get(f);
  if (c) {
    const names = Object.keys(c.env);
    // Encoded like an argument list, so a captured value may itself be a function.
    return { kind: 'src', src: sourceOf(c.f), envNames: names, env: encodeArgs(names.map((n) => c.env[n]), ctx, 'captured values', handOvers) };
  }
  const path = functionsByName().get(f);
  if (path) return { kind: 'pkg', path };
  const m = moduleRefs.get(f);
  if (m) return { kind: 'mod', url: m.url, name: m.name };
  return { kind: 'src', src: sourceOf(f), envNames: [], env: null };
}

/** Check on the caller's side, before anything is sent, that `f` can travel. */
export function assertShippable(f: unknown, what = 'f'): asserts f is Function {
  if (typeof f !== 'function') throw coded(TypeError, 'ERR_INVALID_ARG', `${what} must be a function, got ${typeof f}`);
  if (!captured.has(f) && !functionsByName().has(f) && !moduleRefs.has(f)) sourceOf(f);
}

/**
 * The function as a call's target for `pid`: its id, and its definition if `pid` lacks it. With
 * `handOvers`, handles among captured values are counted by the caller once its message encoded.
 */
export function fnWire(f: Function, pid: number, handOvers?: HandOvers): { fnId: number; fnDef: FnDef | null } {
  const fnId = idOf(f);
  const p = peerFns(pid);
  if (p.sent.has(fnId)) return { fnId, fnDef: null };
  const fnDef = defOf(f, { peer: pid }, handOvers);
  p.sent.add(fnId);
  p.held.add(fnId);
  return { fnId, fnDef };
}

// --- the receiving side ---------------------------------------------------------------------------

const compiled = new Map<string, Function>();
const COMPILE_CACHE = 1024;
let scope: { names: string[]; values: unknown[] } | null = null;

function packageScope(): { names: string[]; values: unknown[] } {
  if (scope) return scope;
  const entries = Object.entries(api).filter(([name]) => /^[A-Za-z_$][\w$]*$/.test(name));
  scope = { names: entries.map(([n]) => n), values: entries.map(([, v]) => v) };
  return scope;
}

function compile(src: string, envNames: string[], envValues: unknown[]): Function {
  const sc = packageScope();
  const shadowed = new Set(envNames);
  const names = sc.names.filter((n) => !shadowed.has(n));
  const key = `${envNames.join(',')}\n${src}`;
  let factory = compiled.get(key);
  if (!factory) {
    // Strict, as the ES modules most functions come from are: an assignment to a name the
    // worker lacks then fails (ReferenceError) instead of silently creating a global there.
    factory = new Function(...names, ...envNames, `'use strict'; return (${src}\n);`);
    if (compiled.size >= COMPILE_CACHE) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, factory);
  }
  const values = sc.values.filter((_, i) => !shadowed.has(sc.names[i]!));
  return factory(...values, ...envValues) as Function;
}

function lookupPath(path: string): Function {
  const internal = internals.get(path);
  if (internal) return internal;
  if (path.startsWith('sharedarrays.')) {
    const v = api[path.slice('sharedarrays.'.length)];
    if (typeof v === 'function') return v;
  } else {
    let v: unknown = globalThis;
    for (const part of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
    if (typeof v === 'function') return v;
  }
  throw new ReferenceError(`${path} is not defined on this process`);
}

function materialize(def: FnDef, ctx: CodecContext): Function {
  switch (def.kind) {
    case 'pkg':
      return lookupPath(def.path);
    case 'mod': {
      const ns = loadedModules.get(def.url);
      const f = ns?.[def.name];
      if (typeof f !== 'function') {
        throw new ReferenceError(
          `${def.name} from ${def.url} is not loaded on this process: load the module here with everywhere(specifier) (processes added later do not get it automatically)`,
        );
      }
      return f;
    }
    case 'src': {
      const env = def.env ? decodeArgs(def.env, ctx) : [];
      return compile(def.src, def.envNames, env);
    }
  }
}

/** The function a call from `from` names. */
export function resolveFn(from: number, fnId: number, def: FnDef | null): Function {
  const p = peerFns(from);
  const known = def ?? p.received.get(fnId);
  if (!known) throw coded(Error, 'ERR_PROTOCOL', `process ${from} called function #${fnId}, whose definition never arrived`);
  if (typeof known === 'function') return known;
  p.received.set(fnId, known);
  const f = materialize(known, { peer: from });
  p.received.set(fnId, f);
  return f;
}

// Functions passed as top-level arguments travel with their definition every time: the
// receiver caches by id, and an argument list that fails to encode half-way cannot leave a peer
// believing it has a definition it never received.
setFunctionCodec({
  encode: (f, ctx) => {
    const fnId = idOf(f);
    // Remembered so the peer is told to drop its copy once `f` is collected here (or cleared).
    peerFns(ctx.peer).held.add(fnId);
    return { fnId, fnDef: defOf(f, ctx) };
  },
  decode: (d, ctx) => {
    const { fnId, fnDef } = d as { fnId: number; fnDef: FnDef };
    return resolveFn(ctx.peer, fnId, fnDef);
  },
});
