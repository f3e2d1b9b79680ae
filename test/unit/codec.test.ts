// Values between processes: round trips of what may travel, the fast paths, handles replaced by
// records and revived by their type, and refusals that name the offending path.
import { beforeAll, describe, expect, it } from 'vitest';
import { configureCodec, decodeArgs, decodeValue, encodeArgs, encodeValue, type HandleType } from '../../src/transport/codec.js';
import { PayloadKind } from '../../src/transport/payload.js';

class Point {
  constructor(readonly x: number) {}
}
const handedOver: number[] = [];
const pointType: HandleType<Point> = {
  tag: 'point',
  classes: [Point],
  encode: (p) => ({ x: p.x }),
  handOver: (p, ctx) => void handedOver.push(p.x * 100 + ctx.peer),
  decode: (d) => new Point((d as { x: number }).x + 1),
};

beforeAll(() => {
  configureCodec({
    handleTypes: [pointType],
    functions: { encode: (f) => ({ name: f.name }), decode: (d) => Object.defineProperty(() => 'revived', 'name', { value: (d as { name: string }).name }) },
  });
});

const ctx = { peer: 3 };
const roundTrip = (v: unknown): unknown => decodeValue(encodeValue(v, ctx), ctx);

describe('values', () => {
  it('round trip structured-cloneable data unchanged', () => {
    const data = { n: 1.5, s: 'x', b: true, big: 10n, nil: null, arr: [1, [2, { three: 3 }]], m: new Map([['k', new Set([1])]]), d: new Date(5), t: new Float32Array([1, 2]) };
    expect(roundTrip(data)).toEqual(data);
    expect(roundTrip(undefined)).toBeUndefined();
  });

  it('a number and a short list of numbers skip the serializer', () => {
    expect(encodeValue(2.5, ctx).kind).toBe(PayloadKind.Number);
    const p = encodeArgs([1, -2, 3.25], ctx);
    expect(p.kind).toBe(PayloadKind.Numbers);
    expect(decodeArgs(p, ctx)).toEqual([1, -2, 3.25]);
    expect(encodeArgs([1, 'x'], ctx).kind).toBe(PayloadKind.Compact);
    expect(encodeArgs([1, new Map()], ctx).kind).toBe(PayloadKind.V8);
  });

  it('handles travel as records, are counted once the message has encoded, and revive by type', () => {
    handedOver.length = 0;
    const v = decodeValue(encodeValue({ where: [new Point(4)] }, ctx), ctx) as { where: Point[] };
    expect(v.where[0]).toBeInstanceOf(Point);
    expect(v.where[0]!.x).toBe(5);
    expect(handedOver).toEqual([403]);
    // A message that fails half-way counts nothing.
    handedOver.length = 0;
    expect(() => encodeValue([new Point(1), Symbol('no')], ctx)).toThrow();
    expect(handedOver).toEqual([]);
  });

  it('functions travel only at the top level of an argument list', () => {
    function named(): void {}
    const args = decodeArgs(encodeArgs([named, 1], ctx), ctx) as [Function, number];
    expect(args[0]()).toBe('revived');
    expect(args[0].name).toBe('named');
    expect(() => encodeValue({ f: named }, ctx, 'value')).toThrow(expect.objectContaining({ code: 'ERR_UNSERIALIZABLE', message: expect.stringContaining('value.f') }));
  });

  it('what cannot travel is refused on the sending side, naming its path and the fix', () => {
    const cases: [unknown, string][] = [
      [{ a: [Symbol('s')] }, 'value.a[0]'],
      [{ p: Promise.resolve(1) }, 'await it first'],
      [{ c: new (class Custom {})() }, 'class Custom'],
    ];
    for (const [v, words] of cases) {
      expect(() => encodeValue(v, ctx)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_UNSERIALIZABLE', message: expect.stringContaining(words) }));
    }
  });

  it('a payload a peer could forge is a protocol error', () => {
    expect(() => decodeValue({ kind: PayloadKind.Number, bytes: new Uint8Array(3) }, ctx)).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
    expect(() => decodeArgs({ kind: PayloadKind.Numbers, bytes: new Uint8Array(12) }, ctx)).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
    expect(() => decodeArgs(encodeValue('not a list', ctx), ctx)).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
    const unknown = encodeValue(new Point(1), ctx);
    configureCodec({ handleTypes: [], functions: { encode: () => 0, decode: () => () => 0 } });
    try {
      expect(() => decodeValue(unknown, ctx)).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL', message: expect.stringContaining('"point"') }));
    } finally {
      configureCodec({ handleTypes: [pointType], functions: { encode: (f) => ({ name: f.name }), decode: () => () => 'revived' } });
    }
  });
});

describe('reviving a payload', () => {
  class Fragile {
    constructor(readonly ok: boolean) {}
  }
  const decoded: boolean[] = [];
  const fragileType: HandleType<Fragile> = {
    tag: 'fragile',
    classes: [Fragile],
    encode: (f) => ({ ok: f.ok }),
    decode: (d) => {
      const ok = (d as { ok: boolean }).ok;
      decoded.push(ok);
      if (!ok) throw new Error('cannot arrive here');
      return new Fragile(ok);
    },
  };

  it('goes on past a record that fails, then throws its error: every other record is revived', () => {
    configureCodec({ handleTypes: [pointType, fragileType], functions: { encode: (f) => ({ name: f.name }), decode: () => () => 'revived' } });
    try {
      decoded.length = 0;
      for (const p of [encodeArgs([new Fragile(false), new Fragile(true), [new Fragile(true)]], ctx), encodeArgs([new Fragile(false), new Map([[1, new Fragile(true)]])], ctx)]) {
        expect(() => decodeArgs(p, ctx)).toThrow('cannot arrive here');
      }
      expect(decoded).toEqual([false, true, true, false, true]);
    } finally {
      configureCodec({ handleTypes: [pointType], functions: { encode: (f) => ({ name: f.name }), decode: (d) => Object.defineProperty(() => 'revived', 'name', { value: (d as { name: string }).name }) } });
    }
  });
});
