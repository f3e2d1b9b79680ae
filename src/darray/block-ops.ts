import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { Range } from '../core/range.js';
import type { DType, TypedArrayOf } from '../shared/dtype.js';
import type { RRID } from '../transport/messages.js';
import { type BlockFill, type BlockInit, fillBlock } from './block-init.js';
import { type Block, dropBlock, findBlock, keepBlock } from './block-store.js';
import { copyBox, type Elements } from './box.js';
import { allocate } from './typed.js';

/**
 * What a block's owner does when asked (owner operations, see transport/owner-calls.ts): each
 * runs on the process that stores the block, as `op(from, rr, ...args)` with `rr` the DArray's
 * id. On the owner itself the DArray calls these same functions directly. Selections travel as
 * flat numbers, `[start, stop, step]` per dimension in the whole array's coordinates.
 */

/** This process's block of `rr`; a closed (or freed) DArray says so. */
export function blockOf(rr: RRID): Block {
  const b = findBlock(rr);
  if (!b) {
    throw coded(
      Error,
      'ERR_ARRAY_CLOSED',
      `process ${myid()} holds no block of DArray (${rr.whence}, ${rr.id}): the DArray was closed, or freed once no process held it`,
    );
  }
  return b;
}

/** The ranges `[start0, stop0, start1, stop1, ...]` as Range objects. */
export function rangesOf(bounds: readonly number[]): Range[] {
  const out: Range[] = [];
  for (let k = 0; k + 1 < bounds.length; k += 2) out.push(new Range(bounds[k] as number, bounds[k + 1] as number));
  return out;
}

/** A selection `[start, stop, step, ...]` as ranges. */
export function selectionOf(flat: readonly number[]): Range[] {
  const out: Range[] = [];
  for (let k = 0; k + 2 < flat.length; k += 3) out.push(new Range(flat[k] as number, flat[k + 1] as number, flat[k + 2] as number));
  return out;
}

/** A selection as the flat numbers it travels as. */
export function flatSelection(sel: readonly Range[]): number[] {
  return sel.flatMap((r) => [r.start, r.stop, r.step]);
}

/** Make and keep this process's block of a new DArray: ranges `bounds`, filled by `init`. */
export async function blockCreate(_from: number, rr: RRID, dtype: DType, bounds: number[], init: BlockInit | BlockFill): Promise<void> {
  const I = rangesOf(bounds);
  const dims = I.map((r) => r.length);
  const data = await fillBlock(dtype, I, dims.reduce((a, b) => a * b, 1), init);
  keepBlock(rr, { dtype, data, I, dims });
}

/** The elements of the selection (within this block), column-major, as a new typed array. */
export function blockRead(_from: number, rr: RRID, ...flat: number[]): TypedArrayOf<DType> {
  const b = blockOf(rr);
  const sel = toLocal(selectionOf(flat), b);
  // The whole block: the message (or, here, the reader) copies it anyway.
  if (sel.every((r, d) => r.step === 1 && r.length === b.dims[d])) return b.data;
  const lens = sel.map((r) => r.length);
  const out = allocate(b.dtype, lens.reduce((x, y) => x * y, 1));
  copyBox(b.data as Elements, b.dims, sel, out as Elements, lens, lens.map(() => 0));
  return out;
}

/** One element, by its linear index within this block. */
export function blockGet(_from: number, rr: RRID, k: number): number | bigint {
  return blockOf(rr).data[k] as number | bigint;
}

/** Write `data` (the elements of the selection, column-major) into this block. */
export function blockWrite(_from: number, rr: RRID, flat: number[], data: TypedArrayOf<DType>): void {
  const b = blockOf(rr);
  const sel = toLocal(selectionOf(flat), b);
  const lens = sel.map((r) => r.length);
  if (data.length !== lens.reduce((x, y) => x * y, 1)) throw coded(Error, 'ERR_PROTOCOL', 'a DArray piece does not match its selection');
  copyBox(data as Elements, lens, lens.map((n) => new Range(0, n)), b.data as Elements, b.dims, sel.map((r) => r.start));
}

/** A new block (of DArray `whence/id`) holding `f` of each element of this block. */
export function blockMap(_from: number, rr: RRID, whence: number, id: number, dtype: DType, f: (x: unknown) => unknown): void {
  const b = blockOf(rr);
  const src = b.data;
  const out = allocate(dtype, src.length);
  for (let i = 0; i < src.length; i++) (out as unknown as unknown[])[i] = f(src[i]);
  keepBlock({ whence, id }, { dtype, data: out, I: b.I, dims: b.dims });
}

/**
 * This block reduced with `op` (after `f` of each element, when given): `[value]`, or `[]` for
 * an empty block, which has nothing to contribute.
 */
export function blockReduce(_from: number, rr: RRID, f: ((x: unknown) => unknown) | null, op: (a: unknown, b: unknown) => unknown): unknown[] {
  const src = blockOf(rr).data;
  if (src.length === 0) return [];
  let acc: unknown = f ? f(src[0]) : src[0];
  for (let i = 1; i < src.length; i++) acc = op(acc, f ? f(src[i]) : src[i]);
  return [acc];
}

/** The sum of this block's elements (0, or 0n for 64-bit integers, when empty). */
export function blockSum(_from: number, rr: RRID): number | bigint {
  const src = blockOf(rr).data;
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    let s = 0n;
    for (const x of src as BigInt64Array) s += x;
    return s;
  }
  const a = src as Float64Array;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return s;
}

/** Run `f(block, I)` on this block (a kernel that may write it). */
export async function blockForEach(_from: number, rr: RRID, f: (block: unknown, I: Range[]) => unknown): Promise<void> {
  const b = blockOf(rr);
  await f(b.data, [...b.I]);
}

/** Free this process's block of `rr` (nothing if already freed). */
export function blockDrop(_from: number, rr: RRID): void {
  dropBlock(rr);
}

/** The owner operations of DArrays, for the runtime's owner-operation table. */
export const darrayOps = [blockCreate, blockRead, blockGet, blockWrite, blockMap, blockReduce, blockSum, blockForEach, blockDrop] as const;

// A selection in the whole array's coordinates, moved into the block's own.
function toLocal(sel: Range[], b: Block): Range[] {
  if (sel.length !== b.I.length) throw coded(Error, 'ERR_PROTOCOL', 'a DArray selection has the wrong number of dimensions');
  return sel.map((r, d) => {
    const origin = (b.I[d] as Range).start;
    const local = new Range(r.start - origin, r.stop - origin, r.step);
    if (local.length > 0 && (local.start < 0 || (local.last as number) >= (b.dims[d] as number))) {
      throw coded(Error, 'ERR_PROTOCOL', 'a DArray selection reaches outside the block it was sent to');
    }
    return local;
  });
}
