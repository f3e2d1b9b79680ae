import type { DType, TypedArrayOf } from '../shared/dtype.js';
import type { DArray } from './darray.js';
import { allocate } from './typed.js';

/**
 * This process's block of `D` (DistributedArrays.jl's `localpart`): the stored typed array
 * itself, zero-copy and writable; an empty array where this process owns no block.
 */
export function localpart<D extends DType>(D: DArray<D>): TypedArrayOf<D> {
  return D.localBlock() ?? allocate(D.dtype, 0);
}
