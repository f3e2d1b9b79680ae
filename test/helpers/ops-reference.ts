// Plain JavaScript references for the array operations (src/ops/): the result each element must
// have, computed exactly (BigInt for integers) and then wrapped, clamped or rounded the way the
// operations document. Tests compare the native loops against these element by element.
import type { DType, TypedArrayOf } from 'sharedarrays';

export const DTYPES: DType[] = ['float64', 'float32', 'int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32', 'uint8clamped', 'bigint64', 'biguint64'];
export const FLOATS: DType[] = ['float64', 'float32'];

/** A typed array of some dtype, read element by element as number | bigint. */
export type Typed = TypedArrayOf<DType> & { readonly [k: number]: number | bigint };
type Ctor = new (n: number | ArrayLike<number> | ArrayLike<bigint>) => Typed;
export const ctors: Record<DType, Ctor> = {
  float64: Float64Array,
  float32: Float32Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint8clamped: Uint8ClampedArray,
  bigint64: BigInt64Array,
  biguint64: BigUint64Array,
} as unknown as Record<DType, Ctor>;

export const isBig = (d: DType): boolean => d === 'bigint64' || d === 'biguint64';
export const isFloat = (d: DType): boolean => d === 'float64' || d === 'float32';

const bits: Partial<Record<DType, [number, boolean]>> = {
  int8: [8, true],
  int16: [16, true],
  int32: [32, true],
  uint8: [8, false],
  uint16: [16, false],
  uint32: [32, false],
  bigint64: [64, true],
  biguint64: [64, false],
};

/** The smallest and largest value of an integer dtype, as bigints. */
export function intRange(d: DType): [bigint, bigint] {
  if (d === 'uint8clamped') return [0n, 255n];
  const [b, signed] = bits[d]!;
  return signed ? [-(1n << BigInt(b - 1)), (1n << BigInt(b - 1)) - 1n] : [0n, (1n << BigInt(b)) - 1n];
}

/** A deterministic pseudo-random generator (an LCG): the same samples on every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * n sample elements of a dtype: the dtype's extremes, 0, ±1 and random values (floats: multiples
 * of 1/8 in [-64, 64), exact in float32 too, so sums are exact in any order). `nonzero` avoids 0
 * (divisors).
 */
export function samples(d: DType, n: number, seed: number, nonzero = false): (number | bigint)[] {
  const r = rng(seed);
  const out: (number | bigint)[] = [];
  if (isFloat(d)) {
    const special = [1, -1, 0.5, -64, 63.875];
    for (let i = 0; i < n; i++) {
      let v = i < special.length ? (special[i] as number) : Math.floor(r() * 1024 - 512) / 8;
      if (nonzero && v === 0) v = 0.125;
      out.push(v);
    }
    return out;
  }
  const [lo, hi] = intRange(d);
  const special = [lo, hi, 0n, 1n, lo + 1n, hi - 1n, ...(lo < 0n ? [-1n] : [])];
  for (let i = 0; i < n; i++) {
    let v = i < special.length ? (special[i] as bigint) : lo + (BigInt(Math.floor(r() * 2 ** 30)) * BigInt(Math.floor(r() * 2 ** 30)) + BigInt(Math.floor(r() * 2 ** 30))) % (hi - lo + 1n);
    if (nonzero && v === 0n) v = 1n;
    out.push(isBig(d) ? v : Number(v));
  }
  return out;
}

/** The elements of any typed array (or SharedArray data), as a plain array. */
export function elems(a: TypedArrayOf<DType> | ArrayLike<number | bigint>): (number | bigint)[] {
  return Array.from(a as ArrayLike<number | bigint>);
}

/** A typed array of the dtype holding `values`. */
export function typed(d: DType, values: readonly (number | bigint)[]): Typed {
  return new ctors[d](values as ArrayLike<number>);
}

/** An integer result wrapped modulo 2^bits (uint8clamped: clamped to 0..255), as the dtype holds it. */
export function wrap(d: DType, v: bigint): number | bigint {
  if (d === 'uint8clamped') return Number(v < 0n ? 0n : v > 255n ? 255n : v);
  const [b, signed] = bits[d]!;
  const w = signed ? BigInt.asIntN(b, v) : BigInt.asUintN(b, v);
  return isBig(d) ? w : Number(w);
}

const f32 = (d: DType, v: number): number => (d === 'float32' ? Math.fround(v) : v);

/** Julia's round: to the nearest integer, ties to even (-2.5 → -2, 3.5 → 4). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** out = a ∘ b for one element. */
export function refBinary(d: DType, op: 'add' | 'sub' | 'mul' | 'div', a: number | bigint, b: number | bigint): number | bigint {
  if (isFloat(d)) {
    const x = a as number;
    const y = b as number;
    return f32(d, op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y);
  }
  const x = BigInt(a);
  const y = BigInt(b);
  if (op === 'div' && d === 'uint8clamped') {
    let q = x / y;
    const r = x % y;
    if (2n * r > y || (2n * r === y && q % 2n === 1n)) q++;
    return wrap(d, q);
  }
  // BigInt division truncates toward zero, as the operations do.
  return wrap(d, op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y);
}

/** y = alpha * x + y for one element (float32: each step rounded to float32). */
export function refAxpy(d: DType, alpha: number | bigint, x: number | bigint, y: number | bigint): number | bigint {
  if (isFloat(d)) return f32(d, f32(d, f32(d, alpha as number) * (x as number)) + (y as number));
  return wrap(d, BigInt(alpha) * BigInt(x) + BigInt(y));
}

export const EXACT_UNARY = ['neg', 'abs', 'sign', 'square', 'sqrt', 'floor', 'ceil', 'round', 'trunc'] as const;
export const LIBM_UNARY = ['exp', 'log', 'sin', 'cos', 'tan', 'tanh'] as const;

/** f(x) for one element. Transcendental functions may differ from the C library's by an ulp or two. */
export function refUnary(d: DType, op: string, x: number | bigint): number | bigint {
  if (isFloat(d)) {
    const v = x as number;
    const fns: Record<string, (v: number) => number> = {
      neg: (t) => -t,
      abs: Math.abs,
      sign: (t) => (t > 0 ? 1 : t < 0 ? -1 : t),
      square: (t) => t * t,
      sqrt: Math.sqrt,
      exp: Math.exp,
      log: Math.log,
      sin: Math.sin,
      cos: Math.cos,
      tan: Math.tan,
      tanh: Math.tanh,
      floor: Math.floor,
      ceil: Math.ceil,
      round: roundHalfEven,
      trunc: Math.trunc,
    };
    return f32(d, fns[op]!(v));
  }
  const v = BigInt(x);
  const signed = intRange(d)[0] < 0n;
  switch (op) {
    case 'neg':
      return wrap(d, -v);
    case 'abs':
      return wrap(d, v < 0n ? -v : v);
    case 'sign':
      return wrap(d, v > 0n ? 1n : v < 0n && signed ? -1n : 0n);
    case 'square':
      return wrap(d, v * v);
  }
  throw new Error(`no integer reference for ${op}`);
}

/** Equal as the dtype stores them (NaN equals NaN; -0 and 0 differ). */
export function same(a: unknown, b: unknown): boolean {
  return Object.is(a, b);
}

/** Within `ulps` units in the last place of the dtype (for libm functions). */
export function close(d: DType, a: number, b: number, ulps = 2): boolean {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return true;
  const eps = d === 'float32' ? 2 ** -23 : 2 ** -52;
  return Math.abs(a - b) <= ulps * eps * Math.max(Math.abs(a), Math.abs(b), d === 'float32' ? 2 ** -126 : 2 ** -1022);
}
