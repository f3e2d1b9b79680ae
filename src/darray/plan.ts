import type { Range } from '../core/range.js';
import { splitSelection } from './box.js';
import { blockNumber, pieceOf } from './grid.js';

/** One request of a read: which block, which of its elements, and where they go in the result. */
export interface BlockRead {
  block: number;
  /** The elements asked for, in whole-array coordinates (ascending ranges). */
  sel: Range[];
  /** Where the first of them lands in the result (one index per dimension). */
  at: number[];
}

/**
 * The requests that read the selection `sel` of an array cut at `cuts`: one per block the
 * selection touches (blocks it skips are not asked), more only where a block's part has more
 * than `maxElements` elements (one message could not carry it).
 */
export function planReads(cuts: readonly (readonly number[])[], sel: readonly Range[], maxElements: number): BlockRead[] {
  const out: BlockRead[] = [];
  const dist = cuts.map((c) => c.length - 1);
  const perDim = sel.map((r, d) => touched(r, cuts[d] as readonly number[]));
  for (const combo of product(perDim)) {
    const block = blockNumber(
      dist,
      combo.map((t) => t.piece),
    );
    for (const piece of splitSelection(
      combo.map((t) => t.sel),
      maxElements,
    )) {
      out.push({ block, sel: piece.sel, at: piece.at.map((a, d) => a + (combo[d] as Touch).at) });
    }
  }
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

/** The pieces of a dimension (cut at `cuts`) that the ascending range `r` has indices in. */
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

/** Every combination of one entry per list (the first list varying fastest). */
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
