import { coded } from '../core/errors.js';
import { Range } from '../core/range.js';
import { type DType, dtypeInfo, type TypedArrayOf } from '../shared/dtype.js';
import { formatDims } from '../shared/layout.js';
import { maxFrameBytes } from '../transport/frame.js';
import { blockRead, flatSelection } from './block-ops.js';
import { copyBox, type Elements } from './box.js';
import { type BlockLayout, onOwner } from './on-owner.js';
import { type BlockRead, planReads } from './plan.js';
import { inLanes, settleAll } from './settle.js';
import { allocate } from './typed.js';

/** What reading needs of a DArray: its layout, dtype and cut points. */
export interface ReadLayout extends BlockLayout {
  readonly dtype: DType;
  readonly cuts: readonly (readonly number[])[];
}

/**
 * The largest piece one message carries: under the frame limit with room for the message around
 * it, and at most 4 MiB. Big messages cost more than their size: Node's serializer grows its
 * buffer by copying, and every fresh large buffer is new memory to fault in. Measured on the
 * benchmark machine, serializing and reading back 64 MiB took 266-430 ms as one piece, 44-118 ms
 * in 16 MiB pieces and 14-21 ms in 4 MiB pieces.
 */
export function pieceBytes(): number {
  const frame = maxFrameBytes();
  return Math.min(4 * 1024 * 1024, Math.max(frame - 4096, Math.floor(frame / 2)));
}

/**
 * How many pieces of one block are on their way at once. Enough to keep the link busy; few enough
 * that an owner does not answer a whole big block in one go (its answers to one batch of
 * requests leave in one write, one more copy of all of them).
 */
export const PIECES_IN_FLIGHT = 4;

/**
 * The elements of the selection `sel` (one ascending range per dimension, checked), column-major
 * in a new typed array: one request per block the selection touches (see planReads), the blocks
 * in parallel, each answer copied into place as it arrives.
 */
export async function readSelection<D extends DType>(D: ReadLayout & { dtype: D }, sel: readonly Range[]): Promise<TypedArrayOf<D>> {
  const lens = sel.map((r) => r.length);
  const out = allocate(D.dtype, lens.reduce((a, b) => a * b, 1));
  if (out.length === 0) return out;
  const byBlock = new Map<number, BlockRead[]>();
  for (const r of planReads(D.cuts, sel, Math.floor(pieceBytes() / dtypeInfo(D.dtype).bytes))) {
    const list = byBlock.get(r.block);
    if (list) list.push(r);
    else byBlock.set(r.block, [r]);
  }
  const read = async (r: BlockRead): Promise<void> => {
    const data = await onOwner<Elements>(D, r.block, blockRead, flatSelection(r.sel));
    const pieceLens = r.sel.map((x) => x.length);
    copyBox(
      data,
      pieceLens,
      pieceLens.map((n) => new Range(0, n)),
      out as Elements,
      lens,
      r.at,
    );
  };
  // Every block at once, a few pieces of each at a time.
  await settleAll([...byBlock.values()].map((reads) => inLanes(reads, PIECES_IN_FLIGHT, read)));
  return out;
}

/**
 * The selection `idx` (per dimension a Range with a positive step, or one index) for an array of
 * `dims`, checked: one entry per dimension, every index inside the array.
 */
export function selectionFor(dims: readonly number[], idx: readonly unknown[]): Range[] {
  if (idx.length !== dims.length) {
    throw coded(
      RangeError,
      'ERR_INVALID_ARG',
      `slice expects one range or index per dimension of a ${formatDims(dims)} DArray (${dims.length}), got ${idx.length}`,
    );
  }
  return idx.map((x, d) => {
    const size = dims[d] as number;
    if (typeof x === 'number') {
      if (!(Number.isInteger(x) && x >= 0 && x < size)) throw outside(dims, d, String(x));
      return new Range(x, x + 1);
    }
    if (!(x instanceof Range)) {
      throw coded(TypeError, 'ERR_INVALID_ARG', `slice: dimension ${d} takes a Range (range(a, b)) or an index, got ${typeof x}`);
    }
    if (x.step < 0) {
      throw coded(RangeError, 'ERR_INVALID_ARG', `slice: dimension ${d} takes ascending ranges, got ${x.toString()}; reverse the result instead`);
    }
    if (x.length > 0 && (x.start < 0 || (x.last as number) >= size)) throw outside(dims, d, x.toString());
    return x;
  });
}

function outside(dims: readonly number[], d: number, what: string): RangeError {
  return coded(
    RangeError,
    'ERR_INDEX_OUT_OF_RANGE',
    `slice: ${what} is out of range for dimension ${d} of a ${formatDims(dims)} DArray (indices 0 to ${(dims[d] as number) - 1})`,
  );
}
