import type { Range } from '../core/range.js';
import { RefTable } from '../refs/ref-table.js';
import type { DType, TypedArrayOf } from '../shared/dtype.js';
import type { RRID } from '../transport/messages.js';

/**
 * The DArray blocks this process owns, by the DArray's reference id. A block is ordinary memory
 * of this process (a typed array), reached by other processes through the owner operations of
 * block-ops.ts; here `localpart` hands it out as it is.
 */
export interface Block {
  readonly dtype: DType;
  readonly data: TypedArrayOf<DType>;
  /** The block's index ranges in the whole array, one per dimension. */
  readonly I: readonly Range[];
  /** The block's own dims (the lengths of I). */
  readonly dims: readonly number[];
}

const blocks = new RefTable<Block>();

/** Store this process's block of DArray `rr`. */
export function keepBlock(rr: RRID, block: Block): void {
  blocks.set(rr, block);
}

/** This process's block of DArray `rr`, if it owns one. */
export function findBlock(rr: RRID): Block | undefined {
  return blocks.get(rr);
}

/** Free this process's block of DArray `rr` (nothing if there is none). */
export function dropBlock(rr: RRID): void {
  blocks.delete(rr);
}

/**
 * Process `pid` is gone: the DArrays it created can no longer be counted (their reference
 * record lived there), so their blocks here are freed.
 */
export function dropBlocksOf(pid: number): void {
  for (const [rr] of [...blocks.entries()]) if (rr.whence === pid) blocks.delete(rr);
}

/** How many blocks this process holds (diagnostics and tests). */
export function blockCount(): number {
  return blocks.size;
}
