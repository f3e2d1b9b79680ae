/**
 * sharedarrays: Julia's Distributed and SharedArrays for Node.js.
 * This file only re-exports; each concept lives in its own module.
 */
export { range, Range } from './range.js';
export {
  RemoteException,
  ProcessExitedException,
  InvalidStateException,
  CompositeException,
  type ErrorCode,
} from './errors.js';
export { Channel } from './channel.js';
export { splitrange } from './parallel/splitrange.js';
export { SharedArray, sdata, type SharedArrayOptions } from './shared/shared-array.js';
export { localindices, indexpids } from './shared/localindices.js';
export type { DType, TypedArrayOf, Element } from './shared/dtype.js';
