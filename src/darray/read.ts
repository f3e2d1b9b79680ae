import { coded } from '../core/errors.js';
import { Range } from '../core/range.js';
import { type DType, dtypeInfo, type TypedArrayOf } from '../shared/dtype.js';
import { formatDims } from '../shared/layout.js';
import { maxFrameBytes } from '../transport/frame.js';
import { blockRead, flatSelection } from './block-ops.js';
import { copyBox, type Elements, splitSelection } from './box.js';
import { blockNumber, pieceOf } from './grid.js';
import { type BlockLayout, onOwner } from './on-owner.js';
import { settleAll } from './settle.js';
import { allocate } from './typed.js';

/** What reading needs of a DArray: its layout, dtype and cut points. */
export interface ReadLayout extends BlockLayout {
  readonly dtype: DType;
  readonly cuts: readonly (readonly number[])[];
}

/**
 * The largest piece one answer carries: under the frame limit (one message may not exceed it)
 * with room for the message around it, and at most 64 MiB, so that a big block streams as
 * several messages instead of one copy of it all at once in each buffer on the way.
 */
export function pieceBytes(): number {
  return Math.min(maxFrameBytes() - 64 * 1024, 64 * 1024 * 1024);
}

/**
 * The elements of the selection `sel` (one ascending range per dimension, checked), column-major
 * in a new typed array: one request per block the selection touches (more only for a block part
 * above the piece size), all in flight at once, each copied into place as it arrives.
 */
export async function readSelection<D extends DType>(D: ReadLayout & { dtype: D }, sel: readonly Range[]): Promise<TypedArrayOf<D>> {
  const lens = sel.map((r) => r.length);
  const out = allocate(D.dtype, lens.reduce((a, b) => a * b, 1));
  if (out.length === 0) return out;
  const maxElements = Math.floor(pieceBytes() / dtypeInfo(D.dtype).bytes);
  const dist = D.cuts.map((c) => c.length - 1);
  const perDim = sel.map((r, d) => touched(r, D.cuts[d] as readonly number[]));
  const reads: Promise<void>[] = [];
  for (const combo of product(perDim)) {
    const k = blockNumber(dist, combo.map((t) => t.piece));
    const part = combo.map((t) => t.sel);
    const origin = combo.map((t) => t.at);
    for (const piece of splitSelection(part, maxElements)) {
      const at = piece.at.map((a, d) => a + (origin[d] as number));
      const pieceLens = piece.sel.map((r) => r.length);
      reads.push(
        onOwner<Elements>(D, k, blockRead, flatSelection(piece.sel)).then((data) => {
          copyBox(data, pieceLens, pieceLens.map((n) => new Range(0, n)), out as Elements, lens, at);
        }),
      );
    }
  }
  await settleAll(reads);
  return out;
}

/** One dimension's share of a selection within one piece of the grid. */
interface Touch {
  piece: number;
  /** The selected indices in that piece (whole-array coordinates). */
  sel: Range;
  /** Where they start within the selection. */
  at: number;
}

/** The pieces of a dimension (cut at `cuts`) that the ascending range `r` touches. */
function touched(r: Range, cuts: readonly number[]): Touch[] {
  const out: Touch[] = [];
  if (r.length === 0) return out;
  const last = pieceOf(cuts, r.last as number);
  for (let p = pieceOf(cuts, r.start); p <= last; p++) {
    const from = Math.max(0, Math.ceil(((cuts[p] as number) - r.start) / r.step));
    const to = Math.min(r.length, Math.ceil(((cuts[p + 1] as number) - r.start) / r.step));
    if (to > from) out.push({ piece: p, sel: r.slice(from, to), at: from });
  }
  return out;
}

function* product<T>(lists: readonly (readonly T[])[]): Generator<T[]> {
  if (lists.some((l) => l.length === 0)) return;
  const idx = lists.map(() => 0);
  for (;;) {
    yield idx.map((i, d) => (lists[d] as readonly T[])[i] as T);
    let d = 0;
    while (d < idx.length && ++(idx[d] as number) === (lists[d] as readonly T[]).length) idx[d++] = 0;
    if (d === idx.length) return;
  }
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
