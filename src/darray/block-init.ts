import { randomFillSync } from 'node:crypto';
import { coded } from '../core/errors.js';
import type { Range } from '../core/range.js';
import { checkElement, type DType, dtypeInfo, type TypedArrayOf } from '../shared/dtype.js';
import { allocate, dtypeOfArray, ownsBufferAs } from './typed.js';

/**
 * What fills a new block on its owner: the user's `init(I)` (DArray.create), or one of the
 * built-in fillings of the `d...` constructors, which travel as data and need no function.
 */
export type BlockFill = { kind: 'zeros' } | { kind: 'fill'; value: number | bigint } | { kind: 'rand' } | { kind: 'randn' };

/** A user's init: the block's index ranges in, the block's data (or one value filling it) out. */
export type BlockInit = (I: Range[]) => unknown;

/** Build the data of a block with ranges `I` (column-major, `n` elements). */
export async function fillBlock(dtype: DType, I: Range[], n: number, init: BlockInit | BlockFill): Promise<TypedArrayOf<DType>> {
  if (typeof init === 'function') return fromInit(dtype, I, n, await init(I));
  const data = allocate(dtype, n);
  switch (init.kind) {
    case 'zeros':
      return data;
    case 'fill':
      checkElement(dtype, init.value);
      (data as { fill(v: unknown): unknown }).fill(init.value);
      return data;
    case 'rand':
      return random(dtype, data);
    case 'randn':
      return normal(dtype, data);
  }
}

/** The block `init` returned, checked against the block it is for; kept as is when it can be. */
function fromInit(dtype: DType, I: Range[], n: number, made: unknown): TypedArrayOf<DType> {
  if (typeof made === 'number' || typeof made === 'bigint') {
    const data = allocate(dtype, n);
    checkElement(dtype, made);
    (data as { fill(v: unknown): unknown }).fill(made);
    return data;
  }
  const what = `init(${showRanges(I)})`;
  const isList = Array.isArray(made) || dtypeOfArray(made) !== undefined;
  if (!isList) {
    throw coded(
      TypeError,
      'ERR_INVALID_VALUE',
      `${what} returned ${describe(made)}: return a typed array of the block's ${n} elements (column-major) or one value to fill it with`,
    );
  }
  const list = made as ArrayLike<unknown>;
  if (list.length !== n) {
    throw coded(
      RangeError,
      'ERR_INVALID_VALUE',
      `${what} returned ${list.length} elements for a block of ${n} (${I.map((r) => r.length).join('×')}): return exactly one element per index of the block`,
    );
  }
  if (ownsBufferAs(made, dtype)) return made as TypedArrayOf<DType>;
  const data = allocate(dtype, n);
  try {
    (data as unknown as { set(a: ArrayLike<unknown>): void }).set(list);
  } catch (e) {
    throw coded(TypeError, 'ERR_INVALID_VALUE', `${what} returned elements a ${dtype} block cannot hold: ${(e as Error).message}`);
  }
  return data;
}

function random(dtype: DType, data: TypedArrayOf<DType>): TypedArrayOf<DType> {
  if (dtypeInfo(dtype).float) {
    const f = data as Float64Array;
    for (let i = 0; i < f.length; i++) f[i] = Math.random();
  } else {
    // Integers of the whole range of their type, as Julia's rand(Int32, n).
    randomFillSync(data);
  }
  return data;
}

// Box-Muller: two uniform numbers give two independent standard normal ones.
function normal(dtype: DType, data: TypedArrayOf<DType>): TypedArrayOf<DType> {
  if (!dtypeInfo(dtype).float) {
    throw coded(TypeError, 'ERR_INVALID_DTYPE', `drandn makes normally distributed floats: dtype must be float64 or float32, got ${dtype}`);
  }
  const f = data as Float64Array;
  for (let i = 0; i < f.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - Math.random()));
    const t = 2 * Math.PI * Math.random();
    f[i] = r * Math.cos(t);
    if (i + 1 < f.length) f[i + 1] = r * Math.sin(t);
  }
  return data;
}

/** `[range(0, 2), range(2, 4)]`: a block's ranges as the user's own Range objects print. */
export function showRanges(I: readonly Range[]): string {
  return `[${I.map(String).join(', ')}]`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return `an object of class ${(v as object).constructor?.name ?? 'unknown'}`;
  return `${typeof v} ${String(v)}`;
}
