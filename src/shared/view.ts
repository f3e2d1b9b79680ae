import { coded } from '../core/errors.js';
import { Range } from '../core/range.js';
import type { DType, Element, TypedArrayOf } from './dtype.js';
import { dtypeInfo } from './dtype.js';
import { showArray, summary } from './inspect.js';
import { formatDims, lengthOf, linearIndex } from './layout.js';
import type { SharedArray } from './shared-array.js';

/**
 * One index per dimension when taking a view: a `Range` (any step, negative included), a number
 * (that single index; the dimension is dropped, as Julia's `S[:, 3]` drops it), or `':'` (the
 * whole dimension).
 */
export type ViewIndex = Range | number | ':';

/**
 * A zero-copy, strided window onto a SharedArray (Julia's `view(S, ...)`, a `SubArray`): it reads
 * and writes the parent's shared memory directly. Column-major and 0-based like its parent; its
 * element (i0, i1, ...) is the parent's element `offset + i0 * strides[0] + i1 * strides[1] + ...`
 * of `parent.data`. Sent to another process it travels as a view (the parent's handle and the
 * indices), never as a copy, and arrives over that process's own mapping of the parent.
 */
export class SharedArrayView<D extends DType> {
  /** The SharedArray whose memory this view shows. */
  readonly parent: SharedArray<D>;
  /** Per parent dimension, the parent indices taken: a Range (kept dimension) or a number (dropped). */
  readonly indices: readonly (Range | number)[];
  /** The element type, the parent's. */
  readonly dtype: D;
  /** The size of each dimension of the view (the parent's dimensions indexed by a number are dropped). */
  readonly dims: readonly number[];
  /** Element strides into `parent.data`, one per dimension of the view (negative for reversed ranges). */
  readonly strides: readonly number[];
  /** Index in `parent.data` of the view's first element (0 when the view is empty). */
  readonly offset: number;
  /** The number of elements: the product of `dims` (1 for a 0-d view). */
  readonly length: number;

  /** @internal Use `S.view(...)`; the indices are checked by {@link viewOf}. */
  constructor(parent: SharedArray<D>, indices: readonly (Range | number)[]) {
    this.parent = parent;
    this.indices = Object.freeze([...indices]);
    this.dtype = parent.dtype;
    const dims: number[] = [];
    const strides: number[] = [];
    let offset = 0;
    let parentStride = 1;
    parent.dims.forEach((n, d) => {
      const ix = indices[d] as Range | number;
      if (typeof ix === 'number') offset += ix * parentStride;
      else {
        if (ix.length > 0) offset += ix.start * parentStride;
        dims.push(ix.length);
        strides.push(ix.step * parentStride);
      }
      parentStride *= n;
    });
    this.dims = Object.freeze(dims);
    this.strides = Object.freeze(strides);
    this.length = lengthOf(dims);
    this.offset = this.length === 0 ? 0 : offset;
  }

  /** The participants of the parent: a parallel operation on the view splits over them. */
  get pids(): readonly number[] {
    return this.parent.pids;
  }

  /** True when the elements are one unbroken run of `parent.data`, in order. */
  get isContiguous(): boolean {
    let expected = 1;
    for (let d = 0; d < this.dims.length; d++) {
      const n = this.dims[d] as number;
      if (n !== 1 && this.strides[d] !== expected) return false;
      expected *= n;
    }
    return true;
  }

  /** A view of this view (indices relative to this view); it refers to the parent directly. */
  view(...idx: ViewIndex[]): SharedArrayView<D> {
    if (idx.length !== this.dims.length) throw indexCount(this.dims, idx.length);
    let k = 0;
    const composed = this.indices.map((ix) => {
      if (typeof ix === 'number') return ix;
      const j = k++;
      return compose(ix, checkIndex(idx[j], this.dims[j] as number, j, this.dims));
    });
    return new SharedArrayView(this.parent, composed);
  }

  /** The element at (i0, i1, ...), or at one column-major linear index; bounds-checked. */
  get(...idx: number[]): Element<D> {
    return this.parent.get(this.#parentIndex(idx, idx.length));
  }

  /** `V.set(i, j, value)`: the indices, then the value; writes the parent's shared memory. */
  set(...idxThenValue: [...number[], Element<D>]): void {
    if (idxThenValue.length < 1) {
      throw coded(TypeError, 'ERR_INVALID_ARG', 'set expects indices followed by a value: V.set(i, j, value)');
    }
    const k = this.#parentIndex(idxThenValue, idxThenValue.length - 1);
    this.parent.set(k, idxThenValue[idxThenValue.length - 1] as Element<D>);
  }

  /** A copy of the elements, column-major, in a new typed array of the view's dtype. */
  toArray(): TypedArrayOf<D> {
    const data = this.#data();
    const out = dtypeInfo(this.dtype).view(new ArrayBuffer(this.length * dtypeInfo(this.dtype).bytes), 0, this.length) as TypedArrayOf<D>;
    if (this.length === 0) return out;
    const rows = this.dims.length === 0 ? 1 : (this.dims[0] as number);
    const step = this.dims.length === 0 ? 1 : (this.strides[0] as number);
    const dst = out as unknown as Record<number, unknown> & { set(src: ArrayLike<unknown>, at: number): void };
    const src = data as unknown as Record<number, unknown> & { subarray(a: number, b: number): ArrayLike<unknown> };
    let pos = 0;
    this.#forEachRow((base) => {
      // A contiguous row is one memcpy; a strided one is copied element by element.
      if (step === 1) dst.set(src.subarray(base, base + rows), pos);
      else for (let i = 0; i < rows; i++) dst[pos + i] = src[base + i * step];
      pos += rows;
    });
    return out;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const typeName = `view(::SharedArray{${this.dtype},${this.parent.dims.length}}, ${this.#indexText()}) with eltype ${this.dtype}`;
    if (this.parent.isClosed) return `${summary(typeName, this.dims)} (closed)`;
    if (!this.parent.isMapped) return `${summary(typeName, this.dims)} (not mapped in this process; participants: ${this.pids.join(', ')})`;
    const data = this.parent.data as unknown as ArrayLike<number | bigint>;
    return showArray(typeName, this.dtype, this.dims, (k) => data[this.#offsetOfLinear(k)] as number | bigint);
  }

  /** Index into `parent.data` of the view's element given by `count` indices (one: linear). */
  #parentIndex(idx: readonly unknown[], count: number): number {
    if (count === 1 && this.dims.length !== 1) return this.#offsetOfLinear(linearIndex(this.dims, this.length, idx, 1));
    linearIndex(this.dims, this.length, idx, count);
    let k = this.offset;
    for (let d = 0; d < count; d++) k += (idx[d] as number) * (this.strides[d] as number);
    return k;
  }

  #offsetOfLinear(linear: number): number {
    let k = this.offset;
    let rest = linear;
    for (let d = 0; d < this.dims.length; d++) {
      const n = this.dims[d] as number;
      k += (rest % n) * (this.strides[d] as number);
      rest = Math.floor(rest / n);
    }
    return k;
  }

  /** Calls `row(base)` with the parent index of the first element of every row (dimension 0). */
  #forEachRow(row: (base: number) => void): void {
    const nd = this.dims.length;
    if (nd <= 1) return row(this.offset);
    const idx = new Array<number>(nd).fill(0);
    for (;;) {
      let base = this.offset;
      for (let d = 1; d < nd; d++) base += (idx[d] as number) * (this.strides[d] as number);
      row(base);
      let d = 1;
      while (d < nd && ++(idx[d] as number) === this.dims[d]) idx[d++] = 0;
      if (d === nd) return;
    }
  }

  /** The parent's data, mapped and open; the parent's own errors otherwise. */
  #data(): TypedArrayOf<D> {
    const data = this.parent.data;
    if (!this.parent.isMapped) this.parent.get(0); // throws ERR_NOT_MAPPED, naming the participants
    return data;
  }

  #indexText(): string {
    return this.indices
      .map((ix, d) => {
        if (typeof ix === 'number') return String(ix);
        return ix.start === 0 && ix.step === 1 && ix.length === this.parent.dims[d] ? ':' : ix.toString();
      })
      .join(', ');
  }
}

/**
 * `S.view(...idx)`: checks one index per dimension of `parent` and makes the view. Errors:
 * wrong count (RangeError ERR_INVALID_ARG), an index that is not a Range, an integer or ':'
 * (TypeError ERR_INVALID_ARG), an index outside the dimension (RangeError ERR_INDEX_OUT_OF_RANGE).
 */
export function viewOf<D extends DType>(parent: SharedArray<D>, idx: readonly unknown[]): SharedArrayView<D> {
  const dims = parent.dims;
  if (idx.length !== dims.length) throw indexCount(dims, idx.length);
  return new SharedArrayView(
    parent,
    idx.map((ix, d) => checkIndex(ix, dims[d] as number, d, dims)),
  );
}

/** A checked index for a dimension of length `n`: a number, or a Range whose elements all lie in [0, n). */
function checkIndex(ix: unknown, n: number, d: number, dims: readonly number[]): Range | number {
  if (ix === ':') return new Range(0, n);
  if (typeof ix === 'number') {
    if (!Number.isInteger(ix)) throw badIndex(ix, d);
    if (ix < 0 || ix >= n) throw outside(String(ix), d, dims);
    return ix;
  }
  if (ix instanceof Range) {
    const last = ix.last;
    if (last !== undefined && (ix.start < 0 || ix.start >= n || last < 0 || last >= n)) throw outside(ix.toString(), d, dims);
    return ix;
  }
  throw badIndex(ix, d);
}

/** The parent indices `inner` picks out of the parent range `outer` (its positions are view indices). */
function compose(outer: Range, inner: Range | number): Range | number {
  if (typeof inner === 'number') return outer.at(inner);
  const start = outer.start + inner.start * outer.step;
  const step = outer.step * inner.step;
  // Stop just past the last element, as one writes a range by hand.
  return new Range(start, inner.length === 0 ? start : start + (inner.length - 1) * step + Math.sign(step), step);
}

function indexCount(dims: readonly number[], got: number): RangeError {
  return coded(
    RangeError,
    'ERR_INVALID_ARG',
    `a view of a ${dims.length}-d array (${formatDims(dims) || 'no dims'}) takes ${dims.length} indices, one per dimension, got ${got}; use ':' for a whole dimension`,
  );
}

function badIndex(ix: unknown, d: number): TypeError {
  const shown = typeof ix === 'string' ? JSON.stringify(ix) : typeof ix === 'bigint' ? `${ix}n` : String(ix);
  return coded(TypeError, 'ERR_INVALID_ARG', `view index ${d} is ${shown}: expected range(start, stop, step?), an integer or ':'`);
}

function outside(shown: string, d: number, dims: readonly number[]): RangeError {
  return coded(
    RangeError,
    'ERR_INDEX_OUT_OF_RANGE',
    `view index ${d} (${shown}) is outside dimension ${d} of a ${formatDims(dims)} array: ` +
      (dims[d] === 0 ? 'that dimension is empty (only an empty range fits)' : `indices there run from 0 to ${(dims[d] as number) - 1}`),
  );
}
