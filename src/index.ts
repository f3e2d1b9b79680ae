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

// Processes
export { myid } from './cluster/identity.js';
export { clusterCookie } from './cluster/cookie.js';
export { workers, nprocs, nworkers } from './cluster/process-table.js';
export { procs } from './cluster/procs.js';
export { addprocs, rmprocs, interrupt, type AddprocsOptions } from './cluster/master.js';

// Remote calls, references and channels
export { remotecall, remotecallFetch, remotecallWait, remoteDo, spawnat, fetchfrom } from './remote/calls.js';
export { everywhere, type EverywhereOptions } from './remote/everywhere.js';
export { capture } from './remote/functions.js';
export { Future } from './remote/future.js';
export { RemoteChannel } from './remote/remote-channel.js';
export { fetch, wait, isready, put, take, close } from './remote/sync.js';
export { Channel } from './channel.js';

// Parallel loops and maps
export { splitrange } from './parallel/splitrange.js';
export { distributed } from './parallel/distributed.js';
export { pmap, type PmapOptions, type RetryState } from './parallel/pmap.js';
export { WorkerPool, CachingPool, defaultWorkerPool } from './parallel/pool.js';

// SharedArray
export { SharedArray, sdata, type SharedArrayOptions } from './shared/shared-array.js';
export { localindices, indexpids } from './shared/localindices.js';
export type { DType, TypedArrayOf, Element } from './shared/dtype.js';

// Last: hands the finished namespace to the function-shipping layer.
import './scope.js';
