/**
 * Values on their way to a pool thread of this process, and back into objects there.
 *
 * postMessage copies what it clones, except SharedArrayBuffers, which it shares. So before a
 * message is posted, shared memory is replaced by records that carry a SharedArrayBuffer over
 * the same pages (threadShareOf in src/shared/segment.ts: a second mapping, zero-copy):
 *  - a SharedArray (the thread gets a SharedArray over the same memory; closing it there only
 *    closes the thread's object: the memory belongs to the process's array);
 *  - a typed array, DataView or ArrayBuffer over a SharedArray's memory (S.data, a subarray):
 *    the same view over the shared pages, not a copy;
 *  - a Barrier (its state is a SharedArray);
 *  - a Range (a class postMessage would flatten);
 *  - a function at the top level of a capture env that travels by name, by module or with its
 *    own capture env (it travels like the body itself; other functions of the env travel as
 *    source inside the env's scope, as to other processes).
 * Everything else must be structured-cloneable; functions elsewhere, symbols, promises and
 * class instances are refused here with a TypeError naming the path, as for other processes.
 * Threads do not join the cluster, so Futures and RemoteChannels cannot go there.
 */
import { coded } from '../core/errors.js';
import { Range } from '../core/range.js';
import type { DType } from '../shared/dtype.js';
import type { Family } from '../shared/family.js';
import { Mapping, threadShareOf } from '../shared/segment.js';
import { SharedArray } from '../shared/shared-array.js';
import { Barrier } from './barrier.js';
import { describeBody, materializeBody, type BodyDescription } from './body.js';

const TAG = '\u0000sharedarrays.thread';

interface SharedArrayRecord {
  [TAG]: 'sarr';
  dtype: DType;
  dims: readonly number[];
  pids: readonly number[];
  sid: [number, number];
  bytes: number;
  /** Null when this process does not map the array (not a participant): it arrives unmapped. */
  share: SharedArrayBuffer | null;
}
type ViewName = 'Int8Array' | 'Uint8Array' | 'Uint8ClampedArray' | 'Int16Array' | 'Uint16Array' | 'Int32Array' | 'Uint32Array'
  | 'Float32Array' | 'Float64Array' | 'BigInt64Array' | 'BigUint64Array' | 'DataView';
type ThreadRecord =
  | SharedArrayRecord
  | { [TAG]: 'view'; view: ViewName; share: SharedArrayBuffer; byteOffset: number; length: number }
  | { [TAG]: 'buffer'; share: SharedArrayBuffer }
  | { [TAG]: 'barrier'; state: SharedArrayRecord; parties: number; timeoutMs: number }
  | { [TAG]: 'range'; start: number; stop: number; step: number }
  | { [TAG]: 'fn'; body: BodyDescription };

/** A value (or a body) ready to post, and what the thread must do before using it. */
export interface Outgoing<T> {
  value: T;
  /** The walk replaced something: the thread must rebuild records (`fromThread`). */
  records: boolean;
  /** Modules whose exports travel by reference: the thread imports them first. */
  modules: string[];
}

interface WalkState {
  records: boolean;
  modules: Set<string>;
  seen: Map<object, unknown>;
}

/** Prepare a function for a thread: its description, captured values walked. */
export function bodyToThread(f: Function, what = 'body'): Outgoing<BodyDescription> {
  const st: WalkState = { records: false, modules: new Set(), seen: new Map() };
  return { value: describe(f, what, st), records: st.records, modules: [...st.modules] };
}

/** Prepare a value (an argument, a chunk of items) for a thread. */
export function valueToThread<T>(v: T, path: string): Outgoing<T> {
  const st: WalkState = { records: false, modules: new Set(), seen: new Map() };
  return { value: prepare(v, path, st, false) as T, records: st.records, modules: [...st.modules] };
}

function describe(f: Function, path: string, st: WalkState): BodyDescription {
  const d = describeBody(f);
  if (d.kind === 'mod') st.modules.add(d.url);
  if (d.kind !== 'src' || d.envValues.length === 0) return d;
  const envValues = d.envValues.map((v, i) => prepare(v, `${path}: captured ${d.envNames[i]}`, st, true));
  return { ...d, envValues };
}

function refuse(path: string, what: string, fix: string): TypeError {
  return coded(TypeError, 'ERR_UNSERIALIZABLE', `cannot send ${what} at ${path} to a thread: ${fix}`);
}

function prepare(v: unknown, path: string, st: WalkState, topLevelFn: boolean): unknown {
  switch (typeof v) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return v;
    case 'symbol':
      throw refuse(path, `a symbol (${String(v)})`, 'symbols are unique to one thread; send a string instead');
    case 'function':
      if (!topLevelFn) {
        throw refuse(path, 'a function', 'functions travel only as the body or as a capture() value; load shared code with everywhere() instead');
      }
      st.records = true;
      return { [TAG]: 'fn', body: describe(v, path, st) } satisfies ThreadRecord;
  }
  const obj = v as object | null;
  if (obj === null) return null;
  const done = st.seen.get(obj);
  if (done !== undefined) return done;
  const out = prepareObject(obj, path, st);
  st.seen.set(obj, out);
  return out;
}

function prepareObject(obj: object, path: string, st: WalkState): unknown {
  if (obj instanceof SharedArray) {
    st.records = true;
    return sharedArrayRecord(obj, path);
  }
  if (obj instanceof Barrier) {
    st.records = true;
    const { state, parties, timeoutMs } = obj;
    return { [TAG]: 'barrier', state: sharedArrayRecord(state, `${path}<barrier>`), parties, timeoutMs } satisfies ThreadRecord;
  }
  if (obj instanceof Range) {
    st.records = true;
    return { [TAG]: 'range', start: obj.start, stop: obj.stop, step: obj.step } satisfies ThreadRecord;
  }
  if (ArrayBuffer.isView(obj)) {
    const share = obj.buffer instanceof SharedArrayBuffer ? null : threadShareOf(obj.buffer);
    if (!share) return obj;
    st.records = true;
    const view = viewName(obj);
    const length = obj instanceof DataView ? obj.byteLength : (obj as unknown as { length: number }).length;
    return { [TAG]: 'view', view, share, byteOffset: obj.byteOffset, length } satisfies ThreadRecord;
  }
  if (obj instanceof ArrayBuffer) {
    const share = threadShareOf(obj);
    if (!share) return obj;
    st.records = true;
    return { [TAG]: 'buffer', share } satisfies ThreadRecord;
  }
  if (Array.isArray(obj)) {
    st.seen.set(obj, obj);
    let out: unknown[] | null = null;
    for (let i = 0; i < obj.length; i++) {
      const x: unknown = obj[i];
      if (typeof x !== 'object' && typeof x !== 'function' && typeof x !== 'symbol') continue;
      const y = prepare(x, `${path}[${i}]`, st, false);
      if (y !== x) (out ??= obj.slice())[i] = y;
    }
    return out ?? obj;
  }
  const proto = Object.getPrototypeOf(obj) as object | null;
  if (proto === Object.prototype || proto === null) {
    st.seen.set(obj, obj);
    const o = obj as Record<string, unknown>;
    let out: Record<string, unknown> | null = null;
    for (const k of Object.keys(o)) {
      const x = o[k];
      if (typeof x !== 'object' && typeof x !== 'function' && typeof x !== 'symbol') continue;
      const y = prepare(x, `${path}.${k}`, st, false);
      if (y !== x) (out ??= { ...o })[k] = y;
    }
    return out ?? obj;
  }
  if (obj instanceof Map) {
    let changed = false;
    const entries: [unknown, unknown][] = [];
    for (const [k, x] of obj) {
      const k2 = prepare(k, `${path}<key>`, st, false);
      const x2 = prepare(x, `${path}<value>`, st, false);
      changed ||= k2 !== k || x2 !== x;
      entries.push([k2, x2]);
    }
    return changed ? new Map(entries) : obj;
  }
  if (obj instanceof Set) {
    let changed = false;
    const items: unknown[] = [];
    for (const x of obj) {
      const x2 = prepare(x, `${path}<item>`, st, false);
      changed ||= x2 !== x;
      items.push(x2);
    }
    return changed ? new Set(items) : obj;
  }
  if (obj instanceof SharedArrayBuffer || obj instanceof Date || obj instanceof RegExp || obj instanceof Error) return obj;
  if (obj instanceof Number || obj instanceof String || obj instanceof Boolean) return obj;
  if (obj instanceof Promise) throw refuse(path, 'a Promise', 'await it first and send its value');
  const name = (proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'unknown';
  throw refuse(
    path,
    `an instance of class ${name}`,
    'threads receive structured-cloneable values (numbers, strings, arrays, plain objects, Map, Set, typed arrays), SharedArrays, Barriers and Ranges; ' +
      'threads do not join the cluster, so fetch Futures and RemoteChannels first and send their values',
  );
}

const viewNames: ViewName[] = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'DataView'];

/** The built-in class of a view, subclasses (Buffer) included: the thread rebuilds that class. */
function viewName(v: ArrayBufferView): ViewName {
  const name = viewNames.find((n) => v instanceof (globalThis[n] as Function));
  if (!name) throw coded(TypeError, 'ERR_UNSERIALIZABLE', `cannot send a ${v.constructor.name} over shared memory to a thread`);
  return name;
}

function sharedArrayRecord(S: SharedArray<DType>, path: string): SharedArrayRecord {
  if (S.isClosed) throw coded(Error, 'ERR_ARRAY_CLOSED', `cannot send a closed SharedArray (at ${path}) to a thread`);
  const f = S.family;
  const share = S.isMapped && S.length > 0 ? threadShareOf(S.data.buffer) : null;
  return { [TAG]: 'sarr', dtype: S.dtype, dims: S.dims, pids: S.pids, sid: f.sid, bytes: f.bytes, share };
}

// --- in the thread ---------------------------------------------------------------------------

/**
 * A thread's view of a process's mapping: the thread never unmaps or releases anything (the
 * process's SharedArray owns the memory); its SharedArrayBuffer goes away with the last view.
 */
class ThreadMapping extends Mapping {
  constructor(share: SharedArrayBuffer) {
    // A Mapping's views are built from its buffer alone, which a SharedArrayBuffer serves as well.
    super(share as unknown as ArrayBuffer, true);
  }

  override release(): boolean {
    return false;
  }

  override forget(): void {}
}

/** Rebuild a body posted with bodyToThread (its modules already loaded). */
export function bodyFromThread(d: BodyDescription, records: boolean): Function {
  if (!records || d.kind !== 'src') return materializeBody(d);
  const seen = new Map<object, unknown>();
  return materializeBody({ ...d, envValues: d.envValues.map((v) => revive(v, seen)) });
}

/** Rebuild a value posted with valueToThread. */
export function valueFromThread<T>(v: T, records: boolean): T {
  return records ? (revive(v, new Map()) as T) : v;
}

function revive(v: unknown, seen: Map<object, unknown>): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const done = seen.get(v);
  if (done !== undefined) return done;
  if (Array.isArray(v)) {
    seen.set(v, v);
    for (let i = 0; i < v.length; i++) v[i] = revive(v[i], seen);
    return v;
  }
  if (v instanceof Map) {
    seen.set(v, v);
    const entries = [...v].map(([k, x]) => [revive(k, seen), revive(x, seen)] as const);
    v.clear();
    for (const [k, x] of entries) v.set(k, x);
    return v;
  }
  if (v instanceof Set) {
    seen.set(v, v);
    const items = [...v].map((x) => revive(x, seen));
    v.clear();
    for (const x of items) v.add(x);
    return v;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  const rec = v as Record<string, unknown>;
  if (typeof rec[TAG] === 'string') {
    const out = fromRecord(rec as unknown as ThreadRecord);
    seen.set(v, out);
    return out;
  }
  seen.set(v, v);
  for (const k of Object.keys(rec)) rec[k] = revive(rec[k], seen);
  return v;
}

function fromRecord(r: ThreadRecord): unknown {
  switch (r[TAG]) {
    case 'sarr':
      return sharedArrayFrom(r);
    case 'view': {
      const Ctor = globalThis[r.view] as unknown as new (b: SharedArrayBuffer, o: number, n: number) => unknown;
      return new Ctor(r.share, r.byteOffset, r.length);
    }
    case 'buffer':
      return r.share;
    case 'barrier':
      return Barrier.attach(sharedArrayFrom(r.state) as SharedArray<'int32'>, r.parties, r.timeoutMs);
    case 'range':
      return new Range(r.start, r.stop, r.step);
    case 'fn':
      return bodyFromThread(r.body, true);
  }
}

function sharedArrayFrom(r: SharedArrayRecord): SharedArray<DType> {
  const family: Family = { sid: r.sid, bytes: r.bytes, pids: r.pids, share: null, file: null, released: true };
  return SharedArray.attach(r.dtype, r.dims, r.pids, r.share ? new ThreadMapping(r.share) : null, family);
}
