import { myid } from '../core/identity.js';
import { emptyRange, Range } from '../core/range.js';

/**
 * Julia's SharedArrays split rule (`range_1dim`), 0-based: participant k of n gets
 * [k * p, (k + 1) * p) with p = floor(length / n), and the last one also takes the remainder.
 * With fewer elements than participants, participant k < length gets [k, k + 1), the rest nothing.
 * (This is not `distributed`'s splitrange, which hands the extra elements to the first chunks.)
 */
export function localRange(length: number, participants: number, k: number): Range {
  if (k < 0 || k >= participants) return emptyRange;
  if (length < participants) return k < length ? new Range(k, k + 1) : emptyRange;
  const part = Math.floor(length / participants);
  return new Range(k * part, k === participants - 1 ? length : (k + 1) * part);
}

/**
 * What the free functions need of a SharedArray (kept structural to avoid an import cycle).
 * @inline
 */
interface Participated {
  readonly pids: readonly number[];
  readonly length: number;
}

/** This process's 0-based position in `S.pids`; -1 when it is not a participant. */
export function indexpids(S: Participated): number {
  return S.pids.indexOf(myid());
}

/**
 * What they need of a DArray (src/darray/): a block per process, `indices[k]` owned by `pids[k]`
 * (structural, so that this module needs nothing from there).
 * @inline
 */
interface Blocked {
  readonly pids: readonly number[];
  readonly dims: readonly number[];
  readonly indices: readonly (readonly Range[])[];
}

/**
 * `localindices(S)`: this process's share of [0, S.length) of a SharedArray; empty when it is not
 * a participant. `localindices(D)`: the index ranges of this process's block of a DArray, one per
 * dimension; empty ranges where it owns no block.
 */
export function localindices(D: Blocked): Range[];
export function localindices(S: Participated): Range;
export function localindices(S: Participated | Blocked): Range | Range[] {
  if ('indices' in S) {
    const k = S.pids.indexOf(myid());
    return k < 0 ? S.dims.map(() => emptyRange) : [...(S.indices[k] as readonly Range[])];
  }
  return localRange(S.length, S.pids.length, indexpids(S));
}
