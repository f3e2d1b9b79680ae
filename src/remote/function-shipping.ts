import { coded } from '../core/errors.js';
import { type CodecContext, decodeArgs, encodeArgs, type FunctionCodec, type HandOvers } from '../transport/codec.js';
import { send } from '../transport/connections.js';
import { checkFnDef, type FnDef } from '../transport/messages.js';
import { capturedOf } from './capture.js';
import { functionNamed, loadedExport, moduleRefOf, nameOf } from './function-names.js';
import { compileFunction, sourceOf } from './function-source.js';

/**
 * How functions reach other processes:
 *  1. by name, when every process knows them (function-names.ts);
 *  2. by module URL and export name, for exports of modules loaded with `everywhere(specifier)`;
 *  3. otherwise as source text, compiled once per receiving process and cached there, with the
 *     values of `capture(env, f)` (function-source.ts).
 *
 * Each function object gets an id on first send; a peer that has its definition later receives
 * the id alone, so a function (and its captured values) crosses once per peer, not once per call
 * (Julia's CachingPool lesson, julia#28949). When the sender garbage-collects the function, the
 * peers that hold its compiled copy are told to forget it.
 */

interface PeerFunctions {
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

const peers = new Map<number, PeerFunctions>();
const ids = new WeakMap<Function, number>();
let nextFnId = 1;

function peerFunctions(pid: number): PeerFunctions {
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
      send(pid, { kind: 'forget', fnIds });
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
export function forgetFunctions(from: number, fnIds: readonly number[]): void {
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

// --- the sending side ------------------------------------------------------------------------------

/** A function in a capture env that travels as source inside that env's scope (see capture.ts). */
function travelsAsSource(v: unknown): v is Function {
  return typeof v === 'function' && !capturedOf(v) && nameOf(v) === undefined && moduleRefOf(v) === undefined;
}

/**
 * What a function is, as it travels: a name every process knows, a module export, or source text
 * with its `capture` env, whose values are given as they are here (not encoded; `undefined` where
 * the value is a function travelling as source in `envSrc`). Other processes receive it encoded
 * (a FnDef); worker threads of this process receive it as it is (src/threads/body.ts).
 */
export type FunctionDescription =
  | { kind: 'src'; src: string; envNames: string[]; envValues: unknown[]; envSrc: (string | null)[] }
  | { kind: 'mod'; url: string; name: string }
  | { kind: 'pkg'; path: string };

/** How `f` travels; a TypeError (ERR_UNSHIPPABLE_FUNCTION) when it cannot. */
export function describeFunction(f: Function): FunctionDescription {
  const c = capturedOf(f);
  if (c) {
    const names = Object.keys(c.env);
    const envValues = names.map((n) => (travelsAsSource(c.env[n]) ? undefined : c.env[n]));
    const envSrc = names.map((n) => (travelsAsSource(c.env[n]) ? sourceOf(c.env[n] as Function) : null));
    return { kind: 'src', src: sourceOf(c.f), envNames: names, envValues, envSrc };
  }
  const path = nameOf(f);
  if (path) return { kind: 'pkg', path };
  const m = moduleRefOf(f);
  if (m) return { kind: 'mod', url: m.url, name: m.name };
  return { kind: 'src', src: sourceOf(f), envNames: [], envValues: [], envSrc: [] };
}

function defOf(f: Function, ctx: CodecContext, handOvers?: HandOvers): FnDef {
  const d = describeFunction(f);
  if (d.kind !== 'src') return d;
  // Encoded like an argument list, so a captured value may itself be a (named, module or captured) function.
  const env = capturedOf(f) ? encodeArgs(d.envValues, ctx, 'captured values', handOvers) : null;
  return { kind: 'src', src: d.src, envNames: d.envNames, env, envSrc: d.envSrc };
}

/** Check on the caller's side, before anything is sent, that `f` can travel. */
export function assertShippable(f: unknown, what = 'f'): asserts f is Function {
  if (typeof f !== 'function') throw coded(TypeError, 'ERR_INVALID_ARG', `${what} must be a function, got ${typeof f}`);
  const c = capturedOf(f);
  if (c) {
    sourceOf(c.f);
    for (const v of Object.values(c.env)) if (travelsAsSource(v)) sourceOf(v);
  } else if (nameOf(f) === undefined && moduleRefOf(f) === undefined) {
    sourceOf(f);
  }
}

/**
 * The function as a call's target for `pid`: its id, and its definition if `pid` lacks it. With
 * `handOvers`, handles among captured values are counted by the caller once its message encoded.
 */
export function functionRef(f: Function, pid: number, handOvers?: HandOvers): { fnId: number; fnDef: FnDef | null } {
  const fnId = idOf(f);
  const p = peerFunctions(pid);
  if (p.sent.has(fnId)) return { fnId, fnDef: null };
  const fnDef = defOf(f, { peer: pid }, handOvers);
  p.sent.add(fnId);
  p.held.add(fnId);
  return { fnId, fnDef };
}

// --- the receiving side ------------------------------------------------------------------------------

/**
 * The function a description names, looked up or compiled here (a module export needs its module
 * loaded here first). Values and sources of the env must match its names one for one.
 */
export function materializeFunction(d: FunctionDescription): Function {
  switch (d.kind) {
    case 'pkg':
      return functionNamed(d.path);
    case 'mod':
      return loadedExport(d.url, d.name);
    case 'src':
      if (d.envNames.length === 0) return compileFunction(d.src);
      return compileFunction(d.src, { names: d.envNames, values: d.envValues, sources: d.envSrc });
  }
}

function materialize(def: FnDef, ctx: CodecContext): Function {
  if (def.kind !== 'src') return materializeFunction(def);
  const envValues = def.env && def.envNames.length > 0 ? decodeArgs(def.env, ctx) : [];
  if (def.envNames.length > 0 && (envValues.length !== def.envNames.length || def.envSrc.length !== def.envNames.length)) {
    throw coded(Error, 'ERR_PROTOCOL', 'malformed message from peer: a captured env whose names and values do not match');
  }
  return materializeFunction({ kind: 'src', src: def.src, envNames: def.envNames, envValues, envSrc: def.envSrc });
}

/** The function a call from `from` names. */
export function resolveFunction(from: number, fnId: number, def: FnDef | null): Function {
  const p = peerFunctions(from);
  const known = def ?? p.received.get(fnId);
  if (!known) throw coded(Error, 'ERR_PROTOCOL', `process ${from} called function #${fnId}, whose definition never arrived`);
  if (typeof known === 'function') return known;
  p.received.set(fnId, known);
  const f = materialize(known, { peer: from });
  p.received.set(fnId, f);
  return f;
}

/**
 * Functions passed as top-level arguments (and captured values) travel with their definition
 * every time: the receiver caches by id, and an argument list that fails to encode half-way
 * cannot leave a peer believing it has a definition it never received.
 */
export const functionCodec: FunctionCodec = {
  encode: (f, ctx) => {
    const fnId = idOf(f);
    // Remembered so the peer is told to drop its copy once `f` is collected here (or cleared).
    peerFunctions(ctx.peer).held.add(fnId);
    return { fnId, fnDef: defOf(f, ctx) };
  },
  decode: (d, ctx) => {
    const { fnId, fnDef } = (d ?? {}) as { fnId?: unknown; fnDef?: unknown };
    if (!Number.isSafeInteger(fnId)) throw coded(Error, 'ERR_PROTOCOL', 'malformed message from peer: a function argument without an id');
    return resolveFunction(ctx.peer, fnId as number, checkFnDef(fnDef));
  },
};
