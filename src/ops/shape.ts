import { coded } from '../core/errors.js';
import { formatDims } from '../shared/layout.js';
import { columnMajorStrides, type ArrayOperand } from './operand.js';

/** The most dimensions an operation's shape may have (numpy's limit as well). */
const MAX_DIMS = 32;

/**
 * The shape an operation runs over: the array operands' common dims. Shaped operands (SharedArrays
 * and views) must have equal dims; a plain typed array fits any shape with as many elements.
 * Only typed arrays: they must have equal lengths, and the shape is 1-d.
 */
export function commonShape(op: string, arrays: readonly ArrayOperand[]): readonly number[] {
  // Plain loops: this runs on every call, and small arrays make its cost visible.
  let shaped: ArrayOperand | undefined;
  for (const o of arrays) if (shaped === undefined && o.dims !== null) shaped = o;
  const dims = shaped?.dims ?? [arrays[0]?.length ?? 0];
  if (dims.length > MAX_DIMS) {
    throw coded(RangeError, 'ERR_INVALID_DIMS', `${op}: ${shaped?.name} has ${dims.length} dimensions; the operations take at most ${MAX_DIMS}`);
  }
  let length = 1;
  for (let d = 0; d < dims.length; d++) length *= dims[d] as number;
  for (const o of arrays) {
    if (o.dims !== null && shaped && !sameDims(o.dims, dims)) {
      throw coded(
        RangeError,
        'ERR_SHAPE_MISMATCH',
        `${op}: ${shaped.name} is ${shapeText(dims)} but ${o.name} is ${shapeText(o.dims)}; the operands must have the same shape (take a view, or reshape)`,
      );
    }
    if (o.dims === null && o.length !== length) {
      const other = shaped ?? arrays[0];
      throw coded(
        RangeError,
        'ERR_SHAPE_MISMATCH',
        `${op}: ${o.name} has ${o.length} elements but ${other?.name} has ${length}${shaped ? ` (${shapeText(dims)})` : ''}; the operands must have the same number of elements`,
      );
    }
  }
  return dims;
}

/** The strides of an operand over the operation's shape (a typed array: contiguous, column-major). */
export function stridesOver(o: ArrayOperand, dims: readonly number[]): readonly number[] {
  return o.strides ?? columnMajorStrides(dims);
}

/**
 * The layout the native loops read (native/ops.cc): [nd, dims..., then per slot: offset,
 * strides...]; a null slot is a scalar (the addon gives it stride 0). Written into one buffer
 * reused by every call (allocating a typed array per call cost more than a small operation's
 * loop): call this right before the native call that reads it, with nothing in between.
 */
export function layoutOf(dims: readonly number[], slots: readonly (ArrayOperand | null)[]): Float64Array {
  const nd = dims.length;
  const out = scratch;
  out[0] = nd;
  for (let d = 0; d < nd; d++) out[1 + d] = dims[d] as number;
  for (let k = 0; k < slots.length; k++) {
    const o = slots[k];
    const at = 1 + nd + k * (1 + nd);
    if (!o) {
      out[at] = 0;
      continue;
    }
    const strides = stridesOver(o, dims);
    out[at] = o.offset;
    for (let d = 0; d < nd; d++) out[at + 1 + d] = strides[d] as number;
  }
  return out;
}

/** Room for the largest layout: MAX_DIMS dims and three operand slots. */
const scratch = new Float64Array(1 + MAX_DIMS + 3 * (1 + MAX_DIMS));

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
}

function shapeText(dims: readonly number[]): string {
  return dims.length === 0 ? '0-dimensional' : dims.length === 1 ? `a ${dims[0]}-element vector` : formatDims(dims);
}
