// The compact form of small plain values: what it takes decodes to exactly what the v8
// serializer would give, what it cannot reproduce falls back, and bytes a peer could forge are
// refused with ERR_PROTOCOL.
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { compactBytes, compactValue } from '../../src/transport/compact.js';

const viaV8 = (v: unknown): unknown => v8.deserialize(v8.serialize(v));
const viaCompact = (v: unknown): unknown => {
  const bytes = compactBytes(v);
  expect(bytes).not.toBeNull();
  return compactValue(bytes!);
};

describe('what the compact form takes', () => {
  const cases: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['booleans', [true, false]],
    ['int32 edges', [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)]],
    ['doubles', [2 ** 31, 0.1, -2.5e300, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity]],
    ['latin1 and wider strings', ['', 'plain', 'caf\u00e9', '\u4e2d\u6587', '\u{1f600}', `${'x'.repeat(40)}\u00ff`]],
    ['lone surrogates', ['\ud800', 'a\udc00b']],
    ['the names of its own records, as keys and values', { refs: 'src', env: ['d', 'fn', 'float64'], '\u0000sharedarrays.ref': 'sarr' }],
    ['nested plain data', { a: [1, { b: 'c', d: [null, undefined] }], e: {}, f: [] }],
    ['integer-like keys keep their order', { b: 1, 2: 'two', a: 3, 1: 'one' }],
    ['a record of a function with its env', { '\u0000sharedarrays.ref': 'fn', d: { id: 0, def: { k: 'src', tpl: 7, text: null, env: [null, 3, undefined], refs: [12, 0, 0] } } }],
  ];
  for (const [what, v] of cases) {
    it(`${what}: as the v8 serializer gives it`, () => {
      expect(viaCompact(v)).toStrictEqual(viaV8(v));
    });
  }

  it('writes the names of its own records as one byte, and reads them back as the same strings', () => {
    const bytes = compactBytes({ tpl: 1 })!;
    expect(bytes.length).toBe(3 + 2 + 5);
    expect(compactValue(bytes)).toEqual({ tpl: 1 });
  });

  it('keeps -0 and NaN', () => {
    const [z, n] = viaCompact([-0, Number.NaN]) as [number, number];
    expect(Object.is(z, -0)).toBe(true);
    expect(Number.isNaN(n)).toBe(true);
  });

  it('turns a null-prototype object into a plain one, as v8 does', () => {
    const o = Object.assign(Object.create(null) as object, { a: 1 });
    expect(Object.getPrototypeOf(viaCompact(o))).toBe(Object.prototype);
    expect(viaCompact(o)).toStrictEqual(viaV8(o));
  });
});

describe('what it leaves to the v8 serializer', () => {
  const extra = Object.assign([1, 2], { label: 'x' });
  // A hole and an extra property: as many keys as elements, which must not pass for dense.
  // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
  const holeAndExtra = Object.assign([1, , 3], { x: 1 });
  const shared = { s: 1 };
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const cases: [string, unknown][] = [
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    ['a holey array', [1, , 3]],
    ['an array with another property', extra],
    ['an array with a hole and another property', holeAndExtra],
    ['an object seen twice', [shared, shared]],
    ['a cycle', cyclic],
    ['a Map, a Date, a typed array, an Error', [new Map(), new Date(0), new Float64Array(2), new Error('e')]],
    ['a bigint', 10n],
    ['a long array', Array.from({ length: 100 }, (_, i) => i)],
    ['a long string', 'x'.repeat(1000)],
    ['a __proto__ own key', JSON.parse('{"__proto__": {"polluted": true}}')],
    ['deep nesting', [[[[[[[[[[1]]]]]]]]]]],
    ['a class instance', new (class P {})()],
  ];
  for (const [what, v] of cases) {
    it(what, () => {
      expect(compactBytes(v)).toBeNull();
    });
  }

  it('a getter that throws: falls back (v8 then reports it)', () => {
    const o = {
      get boom(): never {
        throw new Error('boom');
      },
    };
    expect(compactBytes(o)).toBeNull();
  });

  it('values written one after another keep their own bytes', () => {
    const a = compactBytes({ a: 1 })!;
    const b = compactBytes(['b', 2])!;
    expect(compactValue(a)).toEqual({ a: 1 });
    expect(compactValue(b)).toEqual(['b', 2]);
  });
});

describe('bytes a peer could forge', () => {
  const refused = (bytes: number[]): void => {
    expect(() => compactValue(Uint8Array.from(bytes))).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
  };

  it('unknown tags, truncation, trailing bytes', () => {
    refused([42]);
    refused([10, 250]);
    refused([10]);
    refused([]);
    refused([4, 1, 0]);
    refused([6, 5, 0, 97]);
    refused([8, 2, 0, 1]);
    refused([1, 1]);
  });

  it('a __proto__ key, a key that is not a string, nesting deeper than written', () => {
    refused([9, 1, 0, 6, 9, 0, ...Buffer.from('__proto__'), 9, 0, 0]);
    refused([9, 1, 0, 4, 1, 0, 0, 0, 1]);
    refused([...Array(20).fill([8, 1, 0]).flat(), 1]);
  });
});
