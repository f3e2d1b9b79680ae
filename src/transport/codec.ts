import v8 from 'node:v8';
import { coded } from '../core/errors.js';
import { compactBytes, compactValue } from './compact.js';
import { EMPTY_PAYLOAD, type Payload, PayloadKind } from './payload.js';

/**
 * Values that cross processes: Node's v8 serializer (chosen by measurement, docs/serializer.md),
 * or for small plain values a compact form that costs a fraction of it (compact.ts), behind a walk
 * that does what v8 cannot:
 *  - reject what must not travel (functions nested in data, symbols, class instances that v8
 *    would silently flatten into plain objects, promises) on the caller's side, naming the path;
 *  - replace this package's handles (the classes of the handle-type table the runtime installs:
 *    Future, RemoteChannel, SharedArray, WorkerPool, ...; and functions at the top level of an
 *    argument list) by small reference records, and revive them on arrival.
 *
 * A reference record is a plain object whose only key is REF_KEY (a NUL-prefixed name no user
 * data carries). The receiver walks a payload for records only when the sender flagged that it
 * holds some, so plain data pays nothing on arrival.
 */

const REF_KEY = '\u0000sharedarrays.ref';

/** Who is on the other end, for handles that count references or resolve functions. */
export interface CodecContext {
  /** The process the payload goes to (encode) or came from (decode). */
  peer: number;
}

/**
 * How one handle class travels. `encode` describes the handle; `handOver`, if given, records that
 * the peer now holds it (reference counting) and runs only once the whole message has encoded, so
 * a message that fails half-way counts nothing.
 */
export interface HandleType<T extends object> {
  tag: string;
  classes: Function[];
  encode(value: T, ctx: CodecContext): unknown;
  handOver?(value: T, ctx: CodecContext): void;
  decode(data: unknown, ctx: CodecContext): T;
  /**
   * A peer may keep its decoded copy and be sent a reference to it afterwards (inside a `capture`
   * env, see remote/function-shipping.ts): true for handles that name something living in one
   * place (a Future, a channel, a pool, shared memory), whose copy never goes stale.
   */
  referable?: boolean;
}

/** Hand-overs to apply once a message has fully encoded (see HandleType.handOver). */
export type HandOvers = (() => void)[];

/**
 * Functions may travel only at the top level of an argument list or a capture env. A function's
 * record may hold values (its captured env): `nested` encodes them within the same message and
 * revives them on arrival.
 */
export interface FunctionCodec {
  encode(f: Function, ctx: CodecContext, nested: NestedEncoder): unknown;
  decode(data: unknown, ctx: CodecContext, nested: NestedDecoder): Function;
}

/** Encoding values inside a function's record, as part of the message being encoded. */
export interface NestedEncoder {
  /** `v` prepared as a top-level argument is (a function may be one); `path` names it in errors. */
  value(v: unknown, path: string): unknown;
  /**
   * Is `v` a handle of a referable type (HandleType.referable)? If so, its type's `encode` has run
   * (a closed SharedArray throws here), so a reference to a copy the peer holds is as valid as the
   * handle itself.
   */
  referable(v: unknown): boolean;
  /** Run `h` once the whole message has encoded (with the message's other hand-overs). */
  onEncoded(h: () => void): void;
}

/** Reviving values encoded with a NestedEncoder. */
export interface NestedDecoder {
  /** Throws what a handle inside fails with. */
  value(v: unknown): unknown;
}

/** What the codec needs from the layers above it; installed once by the runtime (src/runtime.ts). */
export interface CodecTables {
  handleTypes: readonly HandleType<object>[];
  functions: FunctionCodec;
}

const typesByTag = new Map<string, HandleType<object>>();
const typesByProto = new Map<object, HandleType<object>>();
let functionCodec: FunctionCodec | null = null;

/** Install the handle types and the function codec (the runtime does, once per process). */
export function configureCodec(tables: CodecTables): void {
  typesByTag.clear();
  typesByProto.clear();
  for (const type of tables.handleTypes) {
    if (typesByTag.has(type.tag)) throw new Error(`two handle types share the tag ${type.tag}`);
    typesByTag.set(type.tag, type as HandleType<object>);
    for (const C of type.classes) typesByProto.set(C.prototype as object, type as HandleType<object>);
  }
  functionCodec = tables.functions;
}

const plainProtos = new Set<object | null>([Object.prototype, null]);

interface WalkState {
  ctx: CodecContext;
  refs: boolean;
  seen: Map<object, unknown>;
  handOvers: HandOvers;
}

function unsendable(path: string, what: string, fix: string): TypeError {
  return coded(TypeError, 'ERR_UNSERIALIZABLE', `cannot send ${what} at ${path} to another process: ${fix}`);
}

function nestedEncoder(st: WalkState): NestedEncoder {
  return {
    value: (v, path) => prepare(v, path, st, true),
    referable: (v) => {
      if (typeof v !== 'object' || v === null) return false;
      const type = typesByProto.get(Object.getPrototypeOf(v) as object);
      if (!type?.referable) return false;
      type.encode(v, st.ctx);
      return true;
    },
    onEncoded: (h) => void st.handOvers.push(h),
  };
}

function describeFn(f: Function): string {
  return f.name ? `the function ${f.name}` : 'an anonymous function';
}

/** Replace handles by records and reject what cannot travel; returns `v` itself when nothing changed. */
function prepare(v: unknown, path: string, st: WalkState, topLevelFn: boolean): unknown {
  switch (typeof v) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return v;
    case 'symbol':
      throw unsendable(path, `a symbol (${String(v)})`, 'symbols are unique to one process; send a string instead');
    case 'function':
      if (topLevelFn && functionCodec) {
        st.refs = true;
        return { [REF_KEY]: 'fn', d: functionCodec.encode(v, st.ctx, nestedEncoder(st)) };
      }
      throw unsendable(
        path,
        describeFn(v),
        'functions travel only as the function of a call, a top-level argument, or a capture() value; define it with everywhere() and refer to it by name',
      );
  }
  const obj = v as object | null;
  if (obj === null) return null;
  const done = st.seen.get(obj);
  if (done !== undefined) return done;
  const proto = Object.getPrototypeOf(obj) as object | null;
  const handle = typesByProto.get(proto as object);
  if (handle) {
    st.refs = true;
    const rec: Record<string, unknown> = { [REF_KEY]: handle.tag, d: undefined };
    st.seen.set(obj, rec);
    // A handle's record may carry values that hold handles themselves (a fetched Future travels
    // with its value inline, and that value may be a SharedArray): walk it like any other data.
    rec.d = prepare(handle.encode(obj, st.ctx), `${path}<${handle.tag}>`, st, false);
    if (handle.handOver) st.handOvers.push(() => handle.handOver!(obj, st.ctx));
    return rec;
  }
  if (Array.isArray(obj)) return prepareArray(obj, path, st);
  if (plainProtos.has(proto)) return prepareObject(obj as Record<string, unknown>, path, st);
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer || obj instanceof Date || obj instanceof RegExp) return obj;
  if (obj instanceof Error) return obj;
  if (obj instanceof Map) return prepareMap(obj, path, st);
  if (obj instanceof Set) return prepareSet(obj, path, st);
  if (obj instanceof Number || obj instanceof String || obj instanceof Boolean) return obj;
  if (obj instanceof Promise) {
    throw unsendable(path, 'a Promise', 'await it first and send its value');
  }
  const name = (proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'unknown';
  throw unsendable(
    path,
    `an instance of class ${name}`,
    'only structured-cloneable values (numbers, strings, arrays, plain objects, Map, Set, Date, typed arrays, Error) and sharedarrays handles travel; send a plain object with its fields instead',
  );
}

function prepareArray(a: unknown[], path: string, st: WalkState): unknown[] {
  st.seen.set(a, a);
  let out: unknown[] | null = null;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'object' && typeof x !== 'function' && typeof x !== 'symbol') continue;
    const y = prepare(x, `${path}[${i}]`, st, false);
    if (y !== x) {
      out ??= a.slice();
      out[i] = y;
    }
  }
  if (out) st.seen.set(a, out);
  return out ?? a;
}

function prepareObject(o: Record<string, unknown>, path: string, st: WalkState): Record<string, unknown> {
  st.seen.set(o, o);
  let out: Record<string, unknown> | null = null;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (typeof x !== 'object' && typeof x !== 'function' && typeof x !== 'symbol') continue;
    const y = prepare(x, `${path}.${k}`, st, false);
    if (y !== x) {
      out ??= { ...o };
      out[k] = y;
    }
  }
  if (out) st.seen.set(o, out);
  return out ?? o;
}

function prepareMap(m: Map<unknown, unknown>, path: string, st: WalkState): Map<unknown, unknown> {
  st.seen.set(m, m);
  let changed = false;
  const entries: [unknown, unknown][] = [];
  for (const [k, x] of m) {
    const k2 = prepare(k, `${path}<key>`, st, false);
    const x2 = prepare(x, `${path}.get(${typeof k === 'string' ? JSON.stringify(k) : '…'})`, st, false);
    changed ||= k2 !== k || x2 !== x;
    entries.push([k2, x2]);
  }
  if (!changed) return m;
  const out = new Map(entries);
  st.seen.set(m, out);
  return out;
}

function prepareSet(s: Set<unknown>, path: string, st: WalkState): Set<unknown> {
  st.seen.set(s, s);
  let changed = false;
  const items: unknown[] = [];
  for (const x of s) {
    const x2 = prepare(x, `${path}<item>`, st, false);
    changed ||= x2 !== x;
    items.push(x2);
  }
  if (!changed) return s;
  const out = new Set(items);
  st.seen.set(s, out);
  return out;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** Apply the walk's hand-overs now, or pass them to the caller's list to apply with the rest of its message. */
function settleHandOvers(st: WalkState, into: HandOvers | undefined): void {
  if (into) into.push(...st.handOvers);
  else for (const h of st.handOvers) h();
}

/**
 * Encode one value. `path` names it in error messages (e.g. `args[1]`). With `handOvers`, the
 * reference counting for handles inside is left to the caller (once its whole message encoded).
 */
export function encodeValue(v: unknown, ctx: CodecContext, path = 'value', handOvers?: HandOvers): Payload {
  if (v === undefined) return EMPTY_PAYLOAD;
  if (typeof v === 'number') {
    f64[0] = v;
    return { kind: PayloadKind.Number, bytes: f64Bytes.slice() };
  }
  const st: WalkState = { ctx, refs: false, seen: new Map(), handOvers: [] };
  const payload = bytesOf(prepare(v, path, st, false), path, st.refs);
  settleHandOvers(st, handOvers);
  return payload;
}

/**
 * Encode an argument list. Functions are allowed as top-level arguments (they travel like the
 * call's own function); elsewhere they are rejected.
 */
export function encodeArgs(args: readonly unknown[], ctx: CodecContext, what = 'args', handOvers?: HandOvers): Payload {
  if (args.length === 0) return EMPTY_PAYLOAD;
  if (args.length <= MAX_NUMBER_ARGS && allNumbers(args)) return { kind: PayloadKind.Numbers, bytes: new Uint8Array(Float64Array.from(args as number[]).buffer) };
  const st: WalkState = { ctx, refs: false, seen: new Map(), handOvers: [] };
  let out: unknown[] | null = null;
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    if (typeof x !== 'object' && typeof x !== 'function' && typeof x !== 'symbol') continue;
    const y = prepare(x, `${what}[${i}]`, st, true);
    if (y !== x) {
      out ??= args.slice();
      out[i] = y;
    }
  }
  // An argument list is a plain, dense array by construction (a rest parameter, or a slice of one).
  const payload = bytesOf(out ?? args, what, st.refs, true);
  settleHandOvers(st, handOvers);
  return payload;
}

/** Short lists of numbers (owner operations, chunk bounds) skip the serializer both ways. */
const MAX_NUMBER_ARGS = 8;

function allNumbers(args: readonly unknown[]): boolean {
  for (let i = 0; i < args.length; i++) if (typeof args[i] !== 'number') return false;
  return true;
}

/** A prepared value's bytes: the compact form when it fits, the v8 serializer's otherwise. */
function bytesOf(prepared: unknown, path: string, refs: boolean, list = false): Payload {
  const compact = compactBytes(prepared, list);
  if (compact) return { kind: refs ? PayloadKind.CompactRefs : PayloadKind.Compact, bytes: compact };
  return { kind: refs ? PayloadKind.V8Refs : PayloadKind.V8, bytes: serialize(prepared, path) };
}

function serialize(v: unknown, path: string): Buffer {
  try {
    return v8.serialize(v);
  } catch (e) {
    throw coded(TypeError, 'ERR_UNSERIALIZABLE', `cannot send ${path} to another process: ${(e as Error).message}`);
  }
}

/** Decode a payload made by encodeValue. */
export function decodeValue(p: Payload, ctx: CodecContext): unknown {
  switch (p.kind) {
    case PayloadKind.None:
      return undefined;
    case PayloadKind.Number:
      if (p.bytes.length !== 8) throw coded(Error, 'ERR_PROTOCOL', 'malformed message from peer: a number is not 8 bytes');
      f64Bytes.set(p.bytes);
      return f64[0];
    case PayloadKind.V8:
      return v8.deserialize(p.bytes);
    case PayloadKind.V8Refs:
      return reviveAll(v8.deserialize(p.bytes), ctx);
    case PayloadKind.Compact:
      return compactValue(p.bytes);
    case PayloadKind.CompactRefs:
      return reviveAll(compactValue(p.bytes), ctx);
    case PayloadKind.Numbers:
      return numbersOf(p.bytes);
  }
}

function reviveAll(v: unknown, ctx: CodecContext): unknown {
  const st: ReviveState = { ctx, seen: new Map(), error: null };
  const out = revive(v, st);
  if (st.error) throw st.error.e;
  return out;
}

function numbersOf(bytes: Uint8Array): number[] {
  if (bytes.length % 8 !== 0) throw coded(Error, 'ERR_PROTOCOL', 'malformed message from peer: a list of numbers has a partial entry');
  // Copied into an aligned buffer: the bytes are a view into a received frame at any offset.
  return Array.from(new Float64Array(Uint8Array.from(bytes).buffer));
}

/** Decode a payload made by encodeArgs; a peer's payload that is not a list is a protocol error. */
export function decodeArgs(p: Payload, ctx: CodecContext): unknown[] {
  if (p.kind === PayloadKind.None) return [];
  const args = decodeValue(p, ctx);
  if (!Array.isArray(args)) throw coded(Error, 'ERR_PROTOCOL', 'malformed message from peer: arguments are not a list');
  return args;
}

/**
 * What reviving one payload needs. A record that fails to revive does not stop the walk: every
 * other record is still revived, so each function and value the payload defines is kept where the
 * sender believes it is (remote/shipped.ts); the first failure is thrown once the walk is done.
 */
interface ReviveState {
  ctx: CodecContext;
  seen: Map<object, unknown>;
  error: { e: unknown } | null;
}

function revive(v: unknown, st: ReviveState): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const seen = st.seen;
  const done = seen.get(v);
  if (done !== undefined) return done;
  if (Array.isArray(v)) {
    seen.set(v, v);
    for (let i = 0; i < v.length; i++) v[i] = revive(v[i], st);
    return v;
  }
  if (v instanceof Map) {
    seen.set(v, v);
    const entries = [...v].map(([k, x]) => [revive(k, st), revive(x, st)] as const);
    v.clear();
    for (const [k, x] of entries) v.set(k, x);
    return v;
  }
  if (v instanceof Set) {
    seen.set(v, v);
    const items = [...v].map((x) => revive(x, st));
    v.clear();
    for (const x of items) v.add(x);
    return v;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  const rec = v as Record<string, unknown>;
  const tag = rec[REF_KEY];
  if (typeof tag === 'string') {
    let value: unknown;
    try {
      // Handles inside a handle's record (see prepare) are revived before the handle itself.
      value = tag === 'fn' ? decodeFunction(rec.d, st) : decodeHandle(tag, revive(rec.d, st), st.ctx);
    } catch (e) {
      st.error ??= { e };
      value = undefined;
    }
    seen.set(v, value);
    return value;
  }
  seen.set(v, v);
  for (const k of Object.keys(rec)) rec[k] = revive(rec[k], st);
  return v;
}

function decodeFunction(d: unknown, st: ReviveState): Function {
  if (!functionCodec) throw coded(Error, 'ERR_PROTOCOL', 'received a function but no function codec is installed');
  return functionCodec.decode(d, st.ctx, {
    value: (x) => {
      if (typeof x !== 'object' || x === null) return x;
      // A nested failure is the caller's to handle (the function codec catches it): report it alone.
      const inner: ReviveState = { ctx: st.ctx, seen: st.seen, error: null };
      const out = revive(x, inner);
      if (inner.error) throw inner.error.e;
      return out;
    },
  });
}

function decodeHandle(tag: string, d: unknown, ctx: CodecContext): object {
  const type = typesByTag.get(tag);
  if (!type) throw coded(Error, 'ERR_PROTOCOL', `received a reference of unknown kind "${tag}"`);
  return type.decode(d, ctx);
}
