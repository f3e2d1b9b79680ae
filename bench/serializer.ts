/**
 * Which serializer should carry remote-call arguments and results?
 *
 * Compares Node's built-in v8 serializer (v8.serialize, and the
 * v8.DefaultSerializer class API with a hand-written call envelope) against
 * msgpackr (structuredClone mode, and record mode with moreTypes, with and
 * without `sequential`) on encode+decode round trips, then checks fidelity:
 * what each one round-trips exactly and what it does with values that must be
 * rejected.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/serializer.js [--rounds N] [--time MS]
 *
 * The machine is shared and noisy, so every task is run in several rounds with
 * the codec order rotated per round, and the speed ratios are computed within
 * each round and reported as the median (and min–max) over rounds.
 */
import v8 from 'node:v8';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { Packr, Unpackr, addExtension, isNativeAccelerationEnabled } from 'msgpackr';

/** Stands in for our handle classes (Future, RemoteChannel, SharedArray): travels as (owner, id). */
class RemoteRef {
  constructor(
    readonly whence: number,
    readonly id: number,
  ) {}
}

// msgpackr extensions are process-global, so every Packr/Unpackr below knows RemoteRef.
// v8 has no equivalent hook for JS classes (see the fidelity table).
addExtension({
  Class: RemoteRef,
  type: 1,
  write: (r: RemoteRef) => [r.whence, r.id],
  read: (d: [number, number]) => new RemoteRef(d[0], d[1]),
});

interface CallMsg {
  kind: number;
  id: number;
  fn: number;
  args: unknown[];
}

interface Codec {
  name: string;
  encode(v: unknown): Uint8Array;
  decode(b: Uint8Array): unknown;
  /** Only the envelope codec is restricted (to call messages). */
  onlyCalls?: boolean;
}

/**
 * A msgpackr codec with distinct encoder and decoder instances, as the two
 * ends of a socket would have; sharing one instance would let the decoder see
 * the encoder's record structures and flatter record mode.
 */
function msgpackr(name: string, opts: ConstructorParameters<typeof Packr>[0]): Codec {
  const enc = new Packr(opts);
  const dec = new Unpackr(opts);
  return { name, encode: (v) => enc.pack(v), decode: (b) => dec.unpack(b) };
}

const V8 = 'v8.serialize';
const codecs: Codec[] = [
  { name: V8, encode: (v) => v8.serialize(v), decode: (b) => v8.deserialize(b) },
  {
    // The class API lets the fixed-schema envelope be written as raw varints so
    // only `args` goes through the generic value path. DefaultSerializer (not
    // the bare Serializer) because it is the one that handles typed arrays.
    name: 'v8 class, raw envelope',
    onlyCalls: true,
    encode(v) {
      const m = v as CallMsg;
      const s = new v8.DefaultSerializer();
      s.writeHeader();
      s.writeUint32(m.kind);
      s.writeUint32(m.id);
      s.writeUint32(m.fn);
      s.writeValue(m.args);
      return s.releaseBuffer();
    },
    decode(b) {
      const d = new v8.DefaultDeserializer(b as Buffer);
      d.readHeader();
      const kind = d.readUint32();
      const id = d.readUint32();
      const fn = d.readUint32();
      return { kind, id, fn, args: d.readValue() as unknown[] };
    },
  },
  msgpackr('msgpackr structuredClone', { structuredClone: true }),
  msgpackr('msgpackr useRecords+moreTypes', { useRecords: true, moreTypes: true }),
  // What a per-connection stream would do: record definitions are sent once and
  // referenced afterwards; requires in-order decoding of every message.
  msgpackr('msgpackr records+sequential', { useRecords: true, moreTypes: true, sequential: true }),
];

// ---------------------------------------------------------------- speed cases

interface SpeedCase {
  key: string;
  label: string;
  call: boolean;
  value: unknown;
}

function makeError(): Error {
  // A realistic stack: a few frames deep, like a failure inside a remote function.
  const inner = (): never => {
    throw new TypeError('remote failure: index 10 out of range 1:9');
  };
  const outer = (): never => inner();
  try {
    outer();
  } catch (e) {
    return e as Error;
  }
  throw new Error('unreachable');
}

const speedCases: SpeedCase[] = [
  { key: 'a', label: 'tiny call {kind,id,fn,args:[]}', call: true, value: { kind: 1, id: 12345, fn: 7, args: [] } },
  {
    key: 'b',
    label: "call, args [42,'hello',[1,2,3]]",
    call: true,
    value: { kind: 1, id: 12345, fn: 7, args: [42, 'hello', [1, 2, 3]] },
  },
  {
    key: 'c',
    label: '1000 numbers (half ints, half fractions)',
    call: false,
    value: Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? i : i / 3)),
  },
  {
    key: 'd',
    label: 'Float64Array(1e6), 8 MB',
    call: false,
    value: Float64Array.from({ length: 1_000_000 }, (_, i) => i * 0.001),
  },
  {
    key: 'e',
    label: 'nested obj: Map, Set, Date, bigint',
    call: false,
    value: {
      id: 7,
      name: 'job-7',
      meta: {
        tags: new Set(['a', 'b', 'c']),
        index: new Map<string, number>([
          ['x', 1],
          ['y', 2],
          ['z', 3],
        ]),
        created: new Date(1_700_000_000_123),
        seq: 9_007_199_254_740_993n,
      },
      items: [1, 2, 3],
    },
  },
  { key: 'f', label: 'TypeError with stack', call: false, value: makeError() },
];

// ------------------------------------------------------------ deep comparison

function ctorName(v: object): string {
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === null) return 'null-proto';
  return (proto as { constructor?: { name?: string } }).constructor?.name ?? '?';
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v);
  if (typeof v !== 'object' || v === null) return String(v);
  if (Array.isArray(v)) return `Array(${v.length})`;
  const keys = Object.keys(v);
  return `${ctorName(v)}{${keys.slice(0, 3).join(',')}${keys.length > 3 ? ',…' : ''}}`;
}

/**
 * Differences between the original `a` and the round-tripped `b`, pushed to
 * `out` (empty when `b` is an exact structural copy). `seen` maps original
 * objects to their copies so shared and circular references must map
 * one-to-one.
 */
function diff(a: unknown, b: unknown, path: string, seen: Map<object, unknown>, out: string[]): void {
  if (typeof a !== typeof b || (a === null) !== (b === null)) {
    out.push(`${path}: ${describe(a)} → ${describe(b)}`);
    return;
  }
  if (typeof a !== 'object' || a === null) {
    if (!Object.is(a, b)) out.push(`${path}: ${describe(a)} → ${describe(b)}`);
    return;
  }
  const o = b as object;
  if (seen.has(a)) {
    if (seen.get(a) !== o) out.push(`${path}: reference identity lost`);
    return;
  }
  seen.set(a, o);
  if (ctorName(a) !== ctorName(o)) {
    out.push(`${path}: ${ctorName(a)} → ${ctorName(o)}`);
    if (!(a instanceof Error && o instanceof Error)) return;
  }

  if (Array.isArray(a)) {
    const bb = o as unknown[];
    if (a.length !== bb.length) out.push(`${path}: length ${a.length} → ${bb.length}`);
    for (let i = 0; i < Math.min(a.length, bb.length); i++) {
      if (i in a !== i in bb) out.push(`${path}[${i}]: hole → ${describe(bb[i])}`);
      else diff(a[i], bb[i], `${path}[${i}]`, seen, out);
    }
    return;
  }
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = o as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) out.push(`${path}: length ${x.length} → ${y.length}`);
    const i = Array.from({ length: Math.min(x.length, y.length) }, (_, k) => k).find((k) => !Object.is(x[k], y[k]));
    if (i !== undefined) out.push(`${path}[${i}]: ${describe(x[i])} → ${describe(y[i])}`);
    return;
  }
  if (a instanceof Date) {
    const t = (o as Date).getTime();
    if (!Object.is(a.getTime(), t)) out.push(`${path}: time ${a.getTime()} → ${t}`);
    return;
  }
  if (a instanceof RegExp) {
    const r = o as RegExp;
    if (a.source !== r.source || a.flags !== r.flags) out.push(`${path}: ${String(a)} → ${String(r)}`);
    return;
  }
  if (a instanceof Map || a instanceof Set) {
    const x = [...a.entries()];
    const y = [...(o as Map<unknown, unknown>).entries()];
    if (x.length !== y.length) out.push(`${path}: size ${x.length} → ${y.length}`);
    for (let i = 0; i < Math.min(x.length, y.length); i++) diff(x[i], y[i], `${path}<entry ${i}>`, seen, out);
    return;
  }
  if (a instanceof Error) {
    const e = o as Error;
    diff(a.name, e.name, `${path}.name`, seen, out);
    diff(a.message, e.message, `${path}.message`, seen, out);
    diff(a.cause, e.cause, `${path}.cause`, seen, out);
    if (a.stack !== e.stack) out.push(`${path}.stack: replaced by the decoder's own stack`);
  }
  // Error's own name/message/stack/cause were compared above.
  const skip = a instanceof Error ? ['name', 'message', 'stack', 'cause'] : [];
  const ka = Object.keys(a).filter((k) => !skip.includes(k));
  const kb = Object.keys(o).filter((k) => !skip.includes(k));
  for (const k of ka) {
    if (!(k in o)) out.push(`${path}.${k}: dropped`);
    else diff((a as Record<string, unknown>)[k], (o as Record<string, unknown>)[k], `${path}.${k}`, seen, out);
  }
  const extra = kb.filter((k) => !ka.includes(k));
  if (extra.length) out.push(`${path}: extra keys ${extra.join(',')}`);
}

function differences(a: unknown, b: unknown): string | null {
  const out: string[] = [];
  diff(a, b, '$', new Map(), out);
  return out.length ? out.join('; ') : null;
}

// ------------------------------------------------------------- fidelity rows

class P {
  x: number;
  constructor() {
    this.x = 1;
  }
}
class MyErr extends Error {
  override name = 'MyErr';
}

const mustRoundTrip: [string, () => unknown][] = [
  ['Map (number, string, object keys)', () => new Map<unknown, unknown>([[1, 'one'], ['1', 'str'], [{ k: 1 }, [2]]])],
  ['Set', () => new Set<unknown>([1, '1', 2n])],
  ['Date', () => new Date(1_700_000_000_123)],
  ['invalid Date', () => new Date(NaN)],
  ['bigint 42n', () => 42n],
  ['bigint -(2^63)', () => -(2n ** 63n)],
  ['bigint 2^100', () => 2n ** 100n],
  ['number 2^40 (int > 32 bits)', () => 2 ** 40],
  ['number 2^53-1', () => Number.MAX_SAFE_INTEGER],
  ['-0', () => -0],
  ['[NaN, Infinity, -Infinity]', () => [NaN, Infinity, -Infinity]],
  ['undefined (top level)', () => undefined],
  ['null (top level)', () => null],
  ['{u: undefined, n: null, a: [undefined, null]}', () => ({ u: undefined, n: null, a: [undefined, null] })],
  [
    'sparse [1,,3] length 5',
    () => {
      const a = [1, , 3];
      a.length = 5;
      return a;
    },
  ],
  ['Float64Array [1.5, -0, NaN]', () => Float64Array.from([1.5, -0, NaN])],
  ['Int32Array', () => Int32Array.from([-1, 2 ** 31 - 1])],
  ['BigInt64Array', () => BigInt64Array.from([-1n, 2n ** 62n])],
  ['Uint8Array view at offset 3', () => new Uint8Array(Uint8Array.from({ length: 16 }, (_, i) => i).buffer, 3, 5)],
  ['Buffer', () => Buffer.from('hi')],
  ['Error (name, message, stack)', () => new Error('boom')],
  ['TypeError', () => new TypeError('bad type')],
  ['Error subclass MyErr', () => new MyErr('mine')],
  ['Error with cause Error', () => new Error('outer', { cause: new Error('inner') })],
  ['Error with own prop code', () => Object.assign(new Error('io'), { code: 'ENOENT' })],
  [
    'circular object',
    () => {
      const o: Record<string, unknown> = { name: 'o' };
      o['self'] = o;
      return o;
    },
  ],
  [
    'shared ref [s, s]',
    () => {
      const s = { v: 1 };
      return [s, s];
    },
  ],
  ['RegExp /a+/gi', () => /a+/gi],
  ['string with lone surrogate', () => 'a\uD800b'],
  ['handle class RemoteRef', () => new RemoteRef(1, 99)],
];

const mustReject: [string, () => unknown][] = [
  ['function', () => () => 1],
  ['object with a method', () => ({ f: () => 1 })],
  ['symbol', () => Symbol('s')],
  ['class P instance', () => new P()],
  ['Promise (missing await)', () => Promise.resolve(1)],
];

function short(s: string, n = 48): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}

function fidelityCell(c: Codec, make: () => unknown, reject: boolean): string {
  const v = make();
  let bytes: Uint8Array;
  try {
    bytes = c.encode(v);
  } catch (e) {
    return `THROWS ${short((e as Error).message)}`;
  }
  let out: unknown;
  try {
    out = c.decode(bytes);
  } catch (e) {
    return `DECODE THROWS ${short((e as Error).message)}`;
  }
  if (reject) return `silently → ${describe(out)}${typeof out === 'object' && out !== null && 'f' in out ? ` (f=${describe(out.f)})` : ''}`;
  const d = differences(v, out);
  return d === null ? 'exact' : `LOSSY ${short(d, 90)}`;
}

function printTable(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

// --------------------------------------------------------------------- speed

interface Sample {
  mean: number;
  p50: number;
  p99: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

function runSpeed(rounds: number, time: number): void {
  // results[case][codec] = one Sample per round (µs)
  const results = new Map<string, Map<string, Sample[]>>();
  for (const sc of speedCases) {
    results.set(sc.key, new Map());
    for (const c of codecs) {
      if (c.onlyCalls && !sc.call) continue;
      const out = c.decode(c.encode(sc.value));
      const d = differences(sc.value, out);
      if (d !== null) console.log(`note: ${c.name} on (${sc.key}) is not exact: ${d}`);
    }
  }
  for (let r = 0; r < rounds; r++) {
    // Rotating the codec order each round spreads slow drift (other tenants,
    // thermal) over all codecs instead of always penalizing the last one.
    const order = codecs.map((_, i) => codecs[(i + r) % codecs.length] as Codec);
    const bench = new Bench({ time, warmupTime: Math.min(100, time), timestampProvider: 'hrtimeNow' });
    for (const sc of speedCases) {
      for (const c of order) {
        if (c.onlyCalls && !sc.call) continue;
        const v = sc.value;
        bench.add(`${sc.key}\u0000${c.name}`, () => {
          c.decode(c.encode(v));
        });
      }
    }
    bench.runSync();
    for (const t of bench.tasks) {
      const res = t.result;
      if (res.state !== 'completed') throw new Error(`task ${t.name} ${res.state}`);
      const [key, name] = t.name.split('\u0000') as [string, string];
      const perCase = results.get(key) as Map<string, Sample[]>;
      const arr = perCase.get(name) ?? [];
      arr.push({ mean: res.latency.mean * 1e3, p50: res.latency.p50 * 1e3, p99: res.latency.p99 * 1e3 });
      perCase.set(name, arr);
    }
    process.stderr.write(`round ${r + 1}/${rounds} done\n`);
  }

  const fmt = (x: number, d = 2) => (x >= 100 ? x.toFixed(0) : x.toFixed(d));
  for (const sc of speedCases) {
    console.log(`\n(${sc.key}) ${sc.label}`);
    const perCase = results.get(sc.key) as Map<string, Sample[]>;
    const base = perCase.get(V8) as Sample[];
    const rows: string[][] = [];
    for (const c of codecs) {
      const s = perCase.get(c.name);
      if (!s) continue;
      // Within-round ratio of medians: speed of v8.serialize ÷ speed of this codec.
      const ratios = s.map((x, i) => x.p50 / (base[i] as Sample).p50);
      rows.push([
        c.name,
        String(c.encode(sc.value).byteLength),
        fmt(1e6 / median(s.map((x) => x.mean)), 0),
        fmt(median(s.map((x) => x.p50))),
        fmt(median(s.map((x) => x.p99))),
        c.name === V8 ? '1 (base)' : `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      ]);
    }
    printTable(['codec', 'bytes', 'ops/s', 'p50 µs', 'p99 µs', 'v8 ÷ this speed, p50 (min–max)'], rows);
  }
}

function main(): void {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '3' }, time: { type: 'string', default: '400' } },
  });
  const rounds = Number(values.rounds);
  const time = Number(values.time);
  console.log(`node ${process.version}, msgpackr native acceleration: ${isNativeAccelerationEnabled}`);
  console.log(`round trip = encode + decode; ${rounds} rounds × ${time} ms per task; values are medians over rounds`);
  runSpeed(rounds, time);

  const fid = codecs.filter((c) => !c.onlyCalls && !c.name.includes('sequential'));
  fid.push(msgpackr('msgpackr useRecords (no moreTypes)', { useRecords: true }));
  console.log('\nFidelity: values that must round-trip exactly');
  printTable(
    ['value', ...fid.map((c) => c.name)],
    mustRoundTrip.map(([label, make]) => [label, ...fid.map((c) => fidelityCell(c, make, false))]),
  );
  console.log('\nFidelity: values that must be rejected');
  printTable(
    ['value', ...fid.map((c) => c.name)],
    mustReject.map(([label, make]) => [label, ...fid.map((c) => fidelityCell(c, make, true))]),
  );
}

main();
