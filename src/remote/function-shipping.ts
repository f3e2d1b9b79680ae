import { coded } from '../core/errors.js';
import { type CodecContext, decodeArgs, encodeArgs, type FunctionCodec, type HandOvers, type NestedDecoder, type NestedEncoder } from '../transport/codec.js';
import type { Payload } from '../transport/payload.js';
import { type Captured, capturedOf, markCaptured } from './capture.js';
import { functionNamed, loadedExport, moduleRefOf, nameOf } from './function-names.js';
import { compileFunction, compileMaker, type Maker, sourceOf, sourceText } from './function-source.js';
import { forgetEverywhere, keepReceived, knownShippedId, notePeerHolds, peerHolds, receivedFrom, shippedId } from './shipped.js';
import { isCurrentTemplate, type TemplateText, templateOf } from './templates.js';

/**
 * How functions reach other processes:
 *  1. by name, when every process knows them (function-names.ts);
 *  2. by module URL and export name, for exports of modules loaded with `everywhere(specifier)`;
 *  3. otherwise as source text, compiled in the receiving process with the values of
 *     `capture(env, f)` in scope (function-source.ts).
 *
 * Source text crosses once per peer: a function's text (with its env's names) is a template
 * (templates.ts), and a function of a known template travels as the template's id and its values,
 * so a loop that captures anew at every step sends only the step's values. Handles in a `capture`
 * env (a SharedArray, a Future, ...: HandleType.referable) also cross once: the peer keeps its
 * copy, and later functions refer to it by id. Plain data in an env (objects, arrays, typed
 * arrays) travels with each new function that crosses, as a copy of its value then; a function
 * the peer keeps (a call's target, or a captured argument from its second trip to that peer on,
 * below) is not sent again, so the peer does not see later changes to objects it captured:
 * capture anew to send new values.
 *
 * A call's function is kept by the peer under its id (shipped.ts), so a function and its captured
 * values cross once per peer, however many calls use it (Julia's CachingPool lesson,
 * julia#28949); a captured function passed as an argument is kept from its second trip to a peer
 * on (once is the common case: a new capture per step, which the peer then need not keep).
 */

/**
 * A function inside a payload. `id` 0: build it, use it, drop it. Otherwise the peer keeps it under
 * `id`, and `def` is null once the peer holds it already.
 */
interface FnRecord {
  id: number;
  def: FnRecordDef | null;
}

type FnRecordDef =
  | { k: 'pkg'; path: string }
  | { k: 'mod'; url: string; name: string }
  /**
   * Source: its template (with the text unless the peer holds the template), and one env entry
   * per env name: a value, `undefined` for a function given by source, or, where `refs` gives an
   * id, a referable handle (null when the peer holds it).
   */
  | { k: 'src'; tpl: number; text: TemplateText | null; env: unknown[]; refs: number[] | null };

const NO_NAMES: readonly string[] = [];

/** A function in a `capture` env that travels as source inside that env's scope (see capture.ts). */
function travelsAsSource(v: unknown): v is Function {
  return typeof v === 'function' && !capturedOf(v) && nameOf(v) === undefined && moduleRefOf(v) === undefined;
}

/** The source of a captured function and of the functions in its env that travel as source (read once). */
function textOf(c: Captured): NonNullable<Captured['text']> {
  if (c.text) return c.text;
  const envSrc = c.names.map((n) => (travelsAsSource(c.env[n]) ? sourceOf(c.env[n] as Function) : null));
  c.text = { src: sourceText(c.f), envSrc };
  return c.text;
}

/**
 * What a function is, as it travels: a name every process knows, a module export, or source text
 * with its `capture` env, whose values are given as they are here (`undefined` where the value is
 * a function travelling as source in `envSrc`). Worker threads of this process receive it as it
 * is (src/threads/body.ts); other processes receive it encoded.
 */
export type FunctionDescription =
  | { kind: 'src'; src: string; envNames: string[]; envValues: unknown[]; envSrc: (string | null)[] }
  | { kind: 'mod'; url: string; name: string }
  | { kind: 'pkg'; path: string };

/** How `f` travels; a TypeError (ERR_UNSHIPPABLE_FUNCTION) when it cannot. */
export function describeFunction(f: Function): FunctionDescription {
  const c = capturedOf(f);
  if (c) {
    const { src, envSrc } = textOf(c);
    const envValues = c.names.map((n, i) => (envSrc[i] === null ? c.env[n] : undefined));
    return { kind: 'src', src, envNames: [...c.names], envValues, envSrc: [...envSrc] };
  }
  const path = nameOf(f);
  if (path) return { kind: 'pkg', path };
  const m = moduleRefOf(f);
  if (m) return { kind: 'mod', url: m.url, name: m.name };
  return { kind: 'src', src: sourceOf(f), envNames: [], envValues: [], envSrc: [] };
}

/** Check on the caller's side, before anything is sent, that `f` can travel. */
export function assertShippable(f: unknown, what = 'f'): asserts f is Function {
  if (typeof f !== 'function') throw coded(TypeError, 'ERR_INVALID_ARG', `${what} must be a function, got ${typeof f}`);
  const c = capturedOf(f);
  if (c) textOf(c);
  else if (nameOf(f) === undefined && moduleRefOf(f) === undefined) sourceOf(f);
}

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
      return compileFunction(d.src, { names: d.envNames, values: d.envValues, sources: d.envSrc });
  }
}

// --- the sending side ------------------------------------------------------------------------------

/** The call's function being encoded by functionRef: the peer keeps it under its id. */
let callTarget: Function | null = null;

function encodeFunction(f: Function, ctx: CodecContext, nested: NestedEncoder): FnRecord {
  const peer = ctx.peer;
  const known = knownShippedId(f);
  if (known !== undefined && peerHolds(peer, known)) return { id: known, def: null };
  const c = capturedOf(f);
  if (f === callTarget || (c?.sentTo?.includes(peer) ?? false)) {
    const id = shippedId(f);
    const def = recordDef(f, c, peer, nested);
    nested.onEncoded(() => notePeerHolds(peer, id));
    return { id, def };
  }
  const def = recordDef(f, c, peer, nested);
  if (c) nested.onEncoded(() => void (c.sentTo ??= []).push(peer));
  return { id: 0, def };
}

function recordDef(f: Function, c: Captured | undefined, peer: number, nested: NestedEncoder): FnRecordDef {
  if (!c) {
    const path = nameOf(f);
    if (path) return { k: 'pkg', path };
    const m = moduleRefOf(f);
    if (m) return { k: 'mod', url: m.url, name: m.name };
    return { k: 'src', ...templateRef(sourceOf(f), NO_NAMES, NO_NAMES, peer, nested), env: [], refs: null };
  }
  const { src, envSrc } = textOf(c);
  const names = c.names;
  const env: unknown[] = new Array(names.length);
  let refs: number[] | null = null;
  for (let i = 0; i < names.length; i++) {
    env[i] = undefined;
    if (envSrc[i] !== null) continue;
    const v = c.env[names[i]!];
    if (nested.referable(v)) {
      const rid = shippedId(v as object);
      (refs ??= new Array<number>(names.length).fill(0))[i] = rid;
      if (peerHolds(peer, rid)) {
        env[i] = null;
        continue;
      }
      nested.onEncoded(() => notePeerHolds(peer, rid));
    }
    // Encoded like a top-level argument, so a captured value may itself be a (named, module or captured) function.
    env[i] = nested.value(v, `the captured ${names[i]}`);
  }
  return { k: 'src', ...templateRef(src, names, envSrc, peer, nested), env, refs };
}

/** The template of this text for `peer`: its id, and its text unless the peer holds it already. */
function templateRef(
  src: string,
  names: readonly string[],
  envSrc: readonly (string | null)[],
  peer: number,
  nested: NestedEncoder,
): { tpl: number; text: TemplateText | null } {
  const t = templateOf(src, names, envSrc);
  if (peerHolds(peer, t.id)) return { tpl: t.id, text: null };
  nested.onEncoded(() => {
    notePeerHolds(peer, t.id);
    // Evicted while this message encoded (it carried more new templates than the table holds):
    // the peer will hold it all the same, so it is told to forget it, after this message.
    if (!isCurrentTemplate(t.id)) forgetEverywhere(t.id);
  });
  return { tpl: t.id, text: t.text };
}

/**
 * The function as a call's target for `pid`: its id, and its definition (a payload holding its
 * record) unless `pid` holds it. Hand-overs (reference counts, what the peer holds) go to
 * `handOvers`, for the caller to apply once its whole message encoded.
 */
export function functionRef(f: Function, pid: number, handOvers: HandOvers): { fnId: number; fnDef: Payload | null } {
  const fnId = shippedId(f);
  if (peerHolds(pid, fnId)) return { fnId, fnDef: null };
  callTarget = f;
  try {
    return { fnId, fnDef: encodeArgs([f], { peer: pid }, 'the function', handOvers) };
  } finally {
    callTarget = null;
  }
}

// --- the receiving side ------------------------------------------------------------------------------

/**
 * What this process keeps of a peer's thing, by the peer's id. A definition that cannot be built
 * here is kept as its error, and every use of it fails the same way (its values were decoded once
 * and must not be decoded again: a Future's copy is counted); a module export whose module is not
 * loaded here yet is looked up again at each use.
 */
type Kept =
  | { kind: 'fn'; fn: Function }
  | { kind: 'mod'; url: string; name: string }
  | { kind: 'failed'; error: unknown }
  | { kind: 'tpl'; make: Maker; text: TemplateText }
  | { kind: 'value'; value: unknown };

function malformed(what: string): Error {
  return coded(Error, 'ERR_PROTOCOL', `malformed message from peer: ${what}`);
}

const isId = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0;
const isName = (n: unknown): boolean => typeof n === 'string' && /^[A-Za-z_$][\w$]*$/.test(n);

function kept(from: number, id: number, what: string): Kept {
  const k = receivedFrom(from, id) as Kept | undefined;
  if (!k) throw coded(Error, 'ERR_PROTOCOL', `process ${from} referred to ${what} #${id}, whose definition never arrived`);
  return k;
}

function decodeFunction(data: unknown, ctx: CodecContext, nested: NestedDecoder): Function {
  const r = data as Partial<FnRecord> | null;
  if (typeof r !== 'object' || r === null || !(r.id === 0 || isId(r.id))) throw malformed('a function without an id');
  if (r.def === null || r.def === undefined) {
    if (r.id === 0) throw malformed('a function with neither an id nor a definition');
    return usable(kept(ctx.peer, r.id, 'function'));
  }
  if (r.id === 0) return usable(build(r.def, ctx.peer, nested));
  let k: Kept;
  try {
    k = build(r.def, ctx.peer, nested);
  } catch (e) {
    k = { kind: 'failed', error: e };
  }
  keepReceived(ctx.peer, r.id, k);
  return usable(k);
}

function usable(k: Kept): Function {
  switch (k.kind) {
    case 'fn':
      return k.fn;
    case 'mod':
      return loadedExport(k.url, k.name);
    case 'failed':
      throw k.error;
    default:
      throw malformed('a reference to something that is not a function');
  }
}

function build(def: unknown, from: number, nested: NestedDecoder): Kept {
  const d = def as Record<string, unknown>;
  if (typeof d !== 'object' || d === null) throw malformed('a function definition of unknown form');
  if (d.k === 'pkg' && typeof d.path === 'string') return { kind: 'fn', fn: functionNamed(d.path) };
  if (d.k === 'mod' && typeof d.url === 'string' && typeof d.name === 'string') {
    // Looked up at each use: its module may be loaded here after it arrived.
    return { kind: 'mod', url: d.url, name: d.name };
  }
  if (d.k !== 'src') throw malformed('a function definition of unknown form');
  // The sender believes this process now holds every handle and the template this definition
  // carries, and a Future's copy is counted once decoded: so every value is decoded, and the
  // template received, before any check or failure can end the build.
  const env: unknown[] = Array.isArray(d.env) ? d.env : [];
  const refs = d.refs as unknown;
  const values: unknown[] = new Array(env.length);
  let failure: { e: unknown } | null = null;
  for (let i = 0; i < env.length; i++) {
    try {
      const rid = Array.isArray(refs) && isId(refs[i]) ? (refs[i] as number) : 0;
      values[i] = rid === 0 ? nested.value(env[i]) : heldValue(from, rid, env[i], nested);
    } catch (e) {
      failure ??= { e };
    }
  }
  let tpl: Extract<Kept, { kind: 'tpl' }> | null = null;
  if (isId(d.tpl)) {
    try {
      tpl = templateMaker(from, d.tpl, d.text);
    } catch (e) {
      failure = { e };
    }
  }
  if (!isId(d.tpl) || !Array.isArray(d.env)) throw malformed('a function definition of unknown form');
  if (refs !== null && (!Array.isArray(refs) || refs.length !== env.length || !refs.every((x) => x === 0 || isId(x)))) {
    throw malformed('a captured env with bad references');
  }
  if (failure) throw failure.e;
  if (tpl === null) throw malformed('a function definition of unknown form');
  const names = tpl.text.envNames;
  if (env.length !== names.length) throw malformed('a captured env whose names and values do not match');
  const fn = tpl.make(values);
  // Passed on from here (to a thread, to another process), it must bring its values again.
  if (names.length > 0) markCaptured(fn, names, values, tpl.text);
  return { kind: 'fn', fn };
}

/**
 * The compiled template `id` from `from`: compiled now from its text, or kept from before. One
 * that cannot be compiled here is kept as its error too (the sender believes this process holds
 * it, and later functions of it arrive without its text): each of them fails the same way.
 */
function templateMaker(from: number, id: number, text: unknown): Extract<Kept, { kind: 'tpl' }> {
  if (text === null || text === undefined) {
    const k = kept(from, id, 'template');
    if (k.kind === 'failed') throw k.error;
    if (k.kind !== 'tpl') throw malformed('a reference to something that is not a template');
    return k;
  }
  let k: Kept;
  try {
    k = compiledTemplate(from, text);
  } catch (e) {
    k = { kind: 'failed', error: e };
  }
  keepReceived(from, id, k);
  if (k.kind === 'failed') throw k.error;
  return k as Extract<Kept, { kind: 'tpl' }>;
}

function compiledTemplate(from: number, text: unknown): Extract<Kept, { kind: 'tpl' }> {
  const t = text as Partial<TemplateText>;
  const names = t.envNames;
  const sources = t.envSrc;
  if (
    typeof t.src !== 'string' ||
    !Array.isArray(names) ||
    !names.every(isName) ||
    !Array.isArray(sources) ||
    sources.length !== names.length ||
    !sources.every((s) => s === null || typeof s === 'string')
  ) {
    throw malformed('a function template of unknown form');
  }
  let make: Maker;
  try {
    make = compileMaker(t.src, names, sources);
  } catch (e) {
    // The sender checks that the source compiles in strict mode and that the names can be
    // declared (function-source.ts, capture.ts): this one came from another version, or another
    // Node.js with other syntax.
    throw coded(
      TypeError,
      'ERR_UNSHIPPABLE_FUNCTION',
      `a function sent by process ${from} does not compile here in strict mode (${(e as Error)?.message ?? String(e)}); ` +
        'run the same Node.js and sharedarrays versions on every process, or define the function in a module loaded with everywhere()',
      { cause: e },
    );
  }
  return { kind: 'tpl', make, text: { src: t.src, envNames: names, envSrc: sources } };
}

/** A referable handle of `from`'s env: decoded now from its record (and kept), or kept from before. */
function heldValue(from: number, id: number, rec: unknown, nested: NestedDecoder): unknown {
  if (rec === null) {
    const k = kept(from, id, 'captured value');
    if (k.kind === 'value') return k.value;
    if (k.kind === 'failed') throw k.error;
    throw malformed('a reference to something that is not a captured value');
  }
  let k: Kept;
  try {
    k = { kind: 'value', value: nested.value(rec) };
  } catch (e) {
    k = { kind: 'failed', error: e };
  }
  keepReceived(from, id, k);
  if (k.kind === 'failed') throw k.error;
  return k.value;
}

/** The function a call from `from` names: defined in the call (`def`), or kept from before. */
export function resolveFunction(from: number, fnId: number, def: Payload | null): Function {
  if (def === null) return usable(kept(from, fnId, 'function'));
  const [f] = decodeArgs(def, { peer: from });
  if (typeof f !== 'function') throw malformed('a call whose function is not one');
  return f;
}

/** How functions inside values travel (listed in the runtime's codec tables). */
export const functionCodec: FunctionCodec = {
  encode: encodeFunction,
  decode: decodeFunction,
};
