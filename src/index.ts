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
