import { coded } from '../core/errors.js';

/**
 * A compact binary form for small plain values: what most calls carry (a few numbers and short
 * strings, a function's record with its captured values). Node's v8 serializer costs a few
 * microseconds however small the value (a serializer object, a header, a fresh external buffer
 * the garbage collector must track), which a call pays on both sides; this writer costs a few
 * hundred nanoseconds. It takes only what it reproduces exactly as the v8 serializer would:
 * undefined, null, booleans, numbers (-0 and NaN kept), strings (any code units), and arrays and
 * plain objects of them that are small, dense and acyclic. For anything else (or anything larger)
 * it answers null, and the caller uses the v8 serializer: both decode to the same value.
 *
 * Layout: one tag byte per value, little-endian.
 *   0 undefined | 1 null | 2 false | 3 true | 4 int32 (4) | 5 float64 (8)
 *   6 latin1 string: u16 length, bytes | 7 UTF-16 string: u16 length, 2 bytes per code unit
 *   8 array: u16 length, items | 9 plain object: u16 count, (key as a string value, value) pairs
 *   10 a string of the KNOWN list: its index (1 byte)
 */
const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  Int32 = 4,
  Float64 = 5,
  Latin1 = 6,
  Utf16 = 7,
  Array = 8,
  Object = 9,
  Known = 10,
}

/**
 * Strings this package's own records are made of (the codec's reference records, the function
 * records of remote/function-shipping.ts, the fields of a SharedArray's handle), written as one
 * byte and read back as the very string constant: reading a key as new text would make a string
 * and look it up in the engine's string table, for every key of every message. Only an
 * optimisation: a string not listed travels as text. Every process runs the same version, so the
 * same list; append only.
 */
const KNOWN: readonly string[] = [
  '\u0000sharedarrays.ref',
  'd',
  'fn',
  'id',
  'def',
  'k',
  'src',
  'tpl',
  'text',
  'env',
  'refs',
  'pkg',
  'mod',
  'path',
  'url',
  'name',
  'envNames',
  'envSrc',
  'sarr',
  'sid',
  'dtype',
  'dims',
  'pids',
  'bytes',
  'share',
  'file',
  'ospid',
  'fd',
  'dev',
  'ino',
  'future',
  'rchan',
  'pool',
  'owner',
  'members',
  'where',
  'whence',
  'float64',
  'float32',
  'int32',
  'uint8',
];
const knownIndex = new Map(KNOWN.map((k, i) => [k, i]));

const MAX_BYTES = 2048;
const MAX_ITEMS = 32;
const MAX_STRING = 256;
const MAX_DEPTH = 8;

/**
 * Values are written straight into a slab, and each result is a view of it: payload bytes live
 * only until their message is encoded, and one slab for many payloads spares the garbage
 * collector a buffer per message. A new slab starts when the current one has less than
 * MAX_BYTES left.
 */
const SLAB_BYTES = 64 * 1024;
let out = Buffer.allocUnsafeSlow(SLAB_BYTES);
let start = 0;
let pos = 0;
let end = 0;
const visited: object[] = [];

/**
 * `v` in the compact form, or null when it does not fit (use the v8 serializer then). `list`: `v`
 * is an array known to be dense with nothing but its elements (an argument list), so that check
 * is skipped for it.
 */
export function compactBytes(v: unknown, list = false): Uint8Array | null {
  if (start + MAX_BYTES > SLAB_BYTES) {
    out = Buffer.allocUnsafeSlow(SLAB_BYTES);
    start = 0;
  }
  pos = start;
  end = start + MAX_BYTES;
  visited.length = 0;
  let ok: boolean;
  try {
    ok = list ? writeArray(v as unknown[], 0, true) : write(v, 0);
  } catch {
    // A getter that throws: the v8 serializer runs it again and reports the failure.
    ok = false;
  }
  visited.length = 0;
  if (!ok) return null;
  const bytes = out.subarray(start, pos);
  start = pos;
  return bytes;
}

function room(n: number): boolean {
  return pos + n <= end;
}

function write(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'undefined':
      return tag(Tag.Undefined);
    case 'boolean':
      return tag(v ? Tag.True : Tag.False);
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) {
        if (!room(5)) return false;
        out[pos] = Tag.Int32;
        out.writeInt32LE(v, pos + 1);
        pos += 5;
        return true;
      }
      if (!room(9)) return false;
      out[pos] = Tag.Float64;
      out.writeDoubleLE(v, pos + 1);
      pos += 9;
      return true;
    case 'string':
      return writeString(v);
    case 'object':
      if (v === null) return tag(Tag.Null);
      return writeObject(v, depth);
    default:
      return false;
  }
}

function tag(t: Tag): boolean {
  if (!room(1)) return false;
  out[pos++] = t;
  return true;
}

function writeString(s: string): boolean {
  const known = knownIndex.get(s);
  if (known !== undefined) {
    if (!room(2)) return false;
    out[pos] = Tag.Known;
    out[pos + 1] = known;
    pos += 2;
    return true;
  }
  const n = s.length;
  if (n > MAX_STRING) return false;
  let latin1 = true;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0xff) {
      latin1 = false;
      break;
    }
  }
  const bytes = latin1 ? n : 2 * n;
  if (!room(3 + bytes)) return false;
  out[pos] = latin1 ? Tag.Latin1 : Tag.Utf16;
  out[pos + 1] = n & 0xff;
  out[pos + 2] = n >>> 8;
  pos += 3;
  if (latin1 && n <= 32) {
    // Short keys and names: a loop costs less than a call into Buffer.write.
    for (let i = 0; i < n; i++) out[pos + i] = s.charCodeAt(i);
    pos += n;
  } else {
    pos += out.write(s, pos, bytes, latin1 ? 'latin1' : 'utf16le');
  }
  return true;
}

function writeArray(o: unknown[], depth: number, plain: boolean): boolean {
  const n = o.length;
  if (n > MAX_ITEMS || !room(3)) return false;
  // Dense, with no other own properties: Object.keys lists the indices first, in order, so its
  // last index key sits at n - 1 exactly when none is missing and nothing else is there.
  if (!plain) {
    const keys = Object.keys(o);
    if (keys.length !== n || (n > 0 && keys[n - 1] !== String(n - 1))) return false;
  }
  out[pos] = Tag.Array;
  out[pos + 1] = n;
  out[pos + 2] = 0;
  pos += 3;
  for (let i = 0; i < n; i++) if (!write(o[i], depth + 1)) return false;
  return true;
}

function writeObject(o: object, depth: number): boolean {
  // The v8 serializer keeps shared and cyclic references; this form does not.
  if (depth >= MAX_DEPTH || visited.includes(o)) return false;
  visited.push(o);
  if (Array.isArray(o)) return writeArray(o, depth, false);
  const proto = Object.getPrototypeOf(o) as object | null;
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(o);
  if (keys.length > MAX_ITEMS || !room(3)) return false;
  out[pos] = Tag.Object;
  out[pos + 1] = keys.length;
  out[pos + 2] = 0;
  pos += 3;
  for (const k of keys) {
    if (k === '__proto__' || !writeString(k)) return false;
    if (!write((o as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

// --- reading -------------------------------------------------------------------------------------

function malformed(): Error {
  return coded(Error, 'ERR_PROTOCOL', 'malformed message from peer: an unreadable compact value');
}

/** The value of bytes made by compactBytes (a peer's bytes: ERR_PROTOCOL when they are not). */
export function compactValue(bytes: Uint8Array): unknown {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = { b, at: 0 };
  const v = read(r, 0);
  if (r.at !== b.length) throw malformed();
  return v;
}

interface Reader {
  b: Buffer;
  at: number;
}

function need(r: Reader, n: number): void {
  if (r.at + n > r.b.length) throw malformed();
}

function read(r: Reader, depth: number): unknown {
  need(r, 1);
  const t = r.b[r.at++];
  switch (t) {
    case Tag.Undefined:
      return undefined;
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Int32:
      need(r, 4);
      r.at += 4;
      return r.b.readInt32LE(r.at - 4);
    case Tag.Float64:
      need(r, 8);
      r.at += 8;
      return r.b.readDoubleLE(r.at - 8);
    case Tag.Latin1:
    case Tag.Utf16:
    case Tag.Known:
      return readString(r, t);
    case Tag.Array: {
      if (depth >= MAX_DEPTH) throw malformed();
      need(r, 2);
      const n = r.b.readUInt16LE(r.at);
      r.at += 2;
      const a: unknown[] = [];
      for (let i = 0; i < n; i++) a.push(read(r, depth + 1));
      return a;
    }
    case Tag.Object: {
      if (depth >= MAX_DEPTH) throw malformed();
      need(r, 2);
      const n = r.b.readUInt16LE(r.at);
      r.at += 2;
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        need(r, 1);
        const kt = r.b[r.at++]!;
        if (kt !== Tag.Latin1 && kt !== Tag.Utf16 && kt !== Tag.Known) throw malformed();
        const k = readString(r, kt);
        if (k === '__proto__') throw malformed();
        o[k] = read(r, depth + 1);
      }
      return o;
    }
    default:
      throw malformed();
  }
}

function readString(r: Reader, t: number): string {
  if (t === Tag.Known) {
    need(r, 1);
    const k = KNOWN[r.b[r.at++]!];
    if (k === undefined) throw malformed();
    return k;
  }
  need(r, 2);
  const n = r.b.readUInt16LE(r.at);
  const bytes = t === Tag.Latin1 ? n : 2 * n;
  need(r, 2 + bytes);
  const at = r.at + 2;
  r.at = at + bytes;
  if (t === Tag.Latin1 && n <= 16) {
    // A short name: a loop costs less than a call into Buffer.toString.
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(r.b[at + i]!);
    return s;
  }
  return r.b.toString(t === Tag.Latin1 ? 'latin1' : 'utf16le', at, at + bytes);
}
