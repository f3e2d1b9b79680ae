import type { ArrayOperand } from './operand.js';
import { stridesOver } from './shape.js';

/**
 * How an output and an input share memory, over the operation's shape:
 *  - 'none':    no element in common (different buffers, or byte ranges that do not meet);
 *  - 'same':    the very same elements in the same order (in place, as in add(x, x, y)): safe,
 *               since every element is read before it is written;
 *  - 'partial': anything else that may overlap (a shifted or reversed window of the same memory).
 *               Serial operations then read a copy of the input; parallel ones refuse.
 * The test is by byte ranges, so interleaved views that never share an element also count as
 * 'partial': that costs a copy, never a wrong result.
 *
 * Memory is compared within one mapping (one ArrayBuffer) only. Two mappings of the same pages in
 * one process, as two SharedArray.fromFile arrays over the same file, are different buffers and
 * count as 'none', so a shifted copy between them reads elements already overwritten. Seeing
 * through that would need each array to carry its file's identity (device, inode) and offset;
 * the README's Array operations section states the limit.
 */
export type Overlap = 'none' | 'same' | 'partial';

/** How `out` and `input` share memory over the operation's shape `dims` (see Overlap). */
export function overlap(out: ArrayOperand, input: ArrayOperand, dims: readonly number[]): Overlap {
  if (out.data.buffer !== input.data.buffer) return 'none';
  const so = stridesOver(out, dims);
  const si = stridesOver(input, dims);
  // Element ranges [lo, hi] each operand reaches, relative to its typed array (plain loops: hot path).
  let oLo = out.offset;
  let oHi = out.offset;
  let iLo = input.offset;
  let iHi = input.offset;
  let sameSteps = true;
  for (let d = 0; d < dims.length; d++) {
    const n = dims[d] as number;
    if (n === 0) return 'none';
    const ro = (n - 1) * (so[d] as number);
    const ri = (n - 1) * (si[d] as number);
    if (ro < 0) oLo += ro;
    else oHi += ro;
    if (ri < 0) iLo += ri;
    else iHi += ri;
    sameSteps &&= n === 1 || so[d] === si[d];
  }
  const bytes = out.data.BYTES_PER_ELEMENT;
  const oBase = out.data.byteOffset;
  const iBase = input.data.byteOffset;
  if (oBase + (oHi + 1) * bytes <= iBase + iLo * bytes || iBase + (iHi + 1) * bytes <= oBase + oLo * bytes) return 'none';
  return sameSteps && oBase + out.offset * bytes === iBase + input.offset * bytes ? 'same' : 'partial';
}
