import { coded } from '../core/errors.js';
import { checkElement, type DType, dtypeInfo, type TypedArrayOf } from '../shared/dtype.js';
import { formatDims, lengthOf, normalizeDims } from '../shared/layout.js';
import { SharedArray } from '../shared/shared-array.js';
import type { BlockFill } from './block-init.js';
import { blockWrite, flatSelection } from './block-ops.js';
import { copyBox, type Elements, splitSelection } from './box.js';
import { DArray, type DArrayOptions, layoutFor } from './darray.js';
import { onOwner } from './on-owner.js';
import { PIECES_IN_FLIGHT, pieceBytes } from './read.js';
import { inLanes, settleAll } from './settle.js';
import { allocate, dtypeOfArray } from './typed.js';

/**
 * The `d...` constructors of the seed (`dzeros(100, 100, 10)`, `dfill(x, ...)`, ...) and
 * `distribute`. Each picks a distribution unless `procs`/`dist` say otherwise; the fillings are
 * data, made on the owners, so nothing of the array is built here.
 */

/** A DArray of zeros (default float64). */
export async function dzeros<D extends DType = 'float64'>(dims: number | number[], opts: DArrayOptions<D> = {}): Promise<DArray<D>> {
  return DArray.filled(layoutFor<D>(dims, opts), { kind: 'zeros' });
}

/** A DArray of ones (1n for the 64-bit integer dtypes). */
export async function dones<D extends DType = 'float64'>(dims: number | number[], opts: DArrayOptions<D> = {}): Promise<DArray<D>> {
  const layout = layoutFor<D>(dims, opts);
  return DArray.filled(layout, { kind: 'fill', value: dtypeInfo(layout.dtype).bigint ? 1n : 1 });
}

/**
 * A DArray with every element `v` (the seed's `dfill(v, args) = DArray(I -> fill(v, map(length,
 * I)), args)`); the dtype defaults to float64, or bigint64 for a bigint `v`.
 */
export async function dfill<D extends DType = 'float64'>(v: number | bigint, dims: number | number[], opts: DArrayOptions<D> = {}): Promise<DArray<D>> {
  const dtype = (opts.dtype ?? (typeof v === 'bigint' ? 'bigint64' : 'float64')) as D;
  const layout = layoutFor<D>(dims, { ...opts, dtype });
  checkElement(layout.dtype, v);
  return DArray.filled(layout, { kind: 'fill', value: v });
}

/** Uniform random numbers in [0, 1) (floats), or over the whole range of an integer dtype. */
export async function drand<D extends DType = 'float64'>(dims: number | number[], opts: DArrayOptions<D> = {}): Promise<DArray<D>> {
  return DArray.filled(layoutFor<D>(dims, opts), { kind: 'rand' });
}

/** Standard normal random numbers (float64 or float32). */
export async function drandn<D extends DType = 'float64'>(dims: number | number[], opts: DArrayOptions<D> = {}): Promise<DArray<D>> {
  const layout = layoutFor<D>(dims, opts);
  if (!dtypeInfo(layout.dtype).float) {
    throw coded(TypeError, 'ERR_INVALID_DTYPE', `drandn makes normally distributed floats: dtype must be float64 or float32, got ${layout.dtype}`);
  }
  const fill: BlockFill = { kind: 'randn' };
  return DArray.filled(layout, fill);
}

/** Options of `distribute`: the DArray's dims (default the source's), owners and grid. */
export interface DistributeOptions {
  /** The DArray's dims (default: the source's; a typed array's are [length]), with as many elements. */
  dims?: number[];
  /** The owners, one block each (default: the workers, at most as many as the longest dimension). */
  procs?: number[];
  /** Pieces per dimension; their product is the number of procs (default: a balanced grid). */
  dist?: number[];
}

/** The dtype of a typed array type (or a SharedArray's), for distribute's result. */
export type DTypeOfSource<A> = A extends SharedArray<infer D>
  ? D
  : A extends Float64Array
    ? 'float64'
    : A extends Float32Array
      ? 'float32'
      : A extends Int8Array
        ? 'int8'
        : A extends Int16Array
          ? 'int16'
          : A extends Int32Array
            ? 'int32'
            : A extends Uint8ClampedArray
              ? 'uint8clamped'
              : A extends Uint8Array
                ? 'uint8'
                : A extends Uint16Array
                  ? 'uint16'
                  : A extends Uint32Array
                    ? 'uint32'
                    : A extends BigInt64Array
                      ? 'bigint64'
                      : A extends BigUint64Array
                        ? 'biguint64'
                        : DType;

/**
 * A DArray holding a copy of `a` (a typed array, read column-major with `dims`, or a SharedArray
 * mapped here): each block is sent to its owner, in pieces under the message size limit.
 */
export async function distribute<A extends ArrayBufferView | SharedArray<DType>>(a: A, opts: DistributeOptions = {}): Promise<DArray<DTypeOfSource<A>>> {
  const { data, dtype, dims } = source(a, opts.dims);
  const layout = layoutFor(dims, { procs: opts.procs, dist: opts.dist, dtype } as DArrayOptions);
  const D = await DArray.filled(layout, { kind: 'zeros' });
  const maxElements = Math.floor(pieceBytes() / dtypeInfo(dtype).bytes);
  try {
    await settleAll(
      layout.grid.indices.map(async (I, k) => {
        await inLanes(splitSelection(I, maxElements), PIECES_IN_FLIGHT, async (piece) => {
          const lens = piece.sel.map((r) => r.length);
          const chunk = allocate(dtype, lens.reduce((x, y) => x * y, 1));
          copyBox(data as Elements, dims, piece.sel, chunk as Elements, lens, lens.map(() => 0));
          await onOwner(D, k, blockWrite, [flatSelection(piece.sel), chunk]);
        });
      }),
    );
  } catch (e) {
    await D.close();
    throw e;
  }
  return D as DArray<DTypeOfSource<A>>;
}

function source(a: unknown, dims: unknown): { data: TypedArrayOf<DType>; dtype: DType; dims: readonly number[] } {
  let data: TypedArrayOf<DType>;
  let dtype: DType;
  let shape: readonly number[];
  if (a instanceof SharedArray) {
    if (!a.isMapped) {
      throw coded(RangeError, 'ERR_NOT_MAPPED', `distribute: this SharedArray is not mapped in this process (participants ${a.pids.join(', ')}); call distribute on a participant`);
    }
    data = a.data;
    dtype = a.dtype;
    shape = dims === undefined ? a.dims : normalizeDims(dims);
  } else {
    const found = dtypeOfArray(a);
    if (found === undefined) {
      throw coded(TypeError, 'ERR_INVALID_ARG', `distribute takes a typed array (Float64Array, Int32Array, ...) or a SharedArray, got ${describe(a)}`);
    }
    data = a as TypedArrayOf<DType>;
    dtype = found;
    shape = dims === undefined ? [data.length] : normalizeDims(dims);
  }
  if (lengthOf(shape) !== data.length) {
    throw coded(RangeError, 'ERR_INVALID_DIMS', `distribute: dims ${formatDims(shape)} describe ${lengthOf(shape)} elements, but the array has ${data.length}`);
  }
  return { data, dtype, dims: shape };
}

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return `${typeof v} ${String(v)}`;
  return `an instance of ${(v as object).constructor?.name ?? 'unknown'}`;
}
