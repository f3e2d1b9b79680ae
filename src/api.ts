/**
 * The public names of sharedarrays, and only those: this file re-exports. Shipped functions run
 * on workers with these names in scope, and functions among them travel by name.
 */
export { range, Range } from './core/range.js';
export {
  RemoteException,
  ProcessExitedException,
  InvalidStateException,
  CompositeException,
  type ErrorCode,
} from './core/errors.js';

// Processes
export { myid } from './core/identity.js';
export { clusterCookie } from './core/cookie.js';
export { workers, nprocs, nworkers } from './core/process-table.js';
export { procs } from './core/procs.js';
export { addprocs, rmprocs, interrupt, type AddprocsOptions } from './cluster/master.js';
export type { Topology } from './core/process-table.js';
export { LocalManager } from './cluster/local-manager.js';
export { hostname } from './cluster/hostname.js';
export { SSHManager, type SSHOptions } from './cluster/ssh-manager.js';
export { SlurmManager, type SlurmOptions } from './cluster/slurm-manager.js';
export type { MachineSpec, Machine } from './cluster/machine-spec.js';
export type { ClusterManager, WorkerConfig, LaunchContext, WorkerSettings, ListenAt, ManageOp } from './cluster/cluster-manager.js';
export type { Carrier } from './transport/connection.js';

// Remote calls, references and channels
export { remotecall, remotecallFetch, remotecallWait, remoteDo, spawnat, fetchfrom } from './remote/calls.js';
export { everywhere, type EverywhereOptions } from './remote/everywhere.js';
export { capture } from './remote/capture.js';
export { Future } from './refs/future.js';
export { RemoteChannel } from './refs/remote-channel.js';
export type { ChannelLike } from './refs/channel-like.js';
export { fetch, wait, isready, put, take, close } from './refs/verbs.js';
export { Channel } from './refs/channel.js';

// Parallel loops and maps
export { splitrange } from './parallel/splitrange.js';
export { distributed, type Widened } from './parallel/distributed.js';
export { pmap, type PmapOptions, type RetryState } from './parallel/pmap.js';
export type { ProgressCallback } from './parallel/progress.js';
export { WorkerPool, CachingPool, defaultWorkerPool } from './parallel/pool.js';

// SharedArray
export { SharedArray, sdata, type SharedArrayOptions } from './shared/shared-array.js';
export type { FileOptions, FileMode } from './shared/file.js';
export { localindices, indexpids } from './shared/localindices.js';
export type { DType, TypedArrayOf, Element } from './shared/dtype.js';

// Array operations: views, native elementwise operations and reductions
export { SharedArrayView, type ViewIndex } from './shared/view.js';
export { fill, copyTo, add, sub, mul, div, axpy, map, sum, min, max, mean, dot, norm, type ReductionValue } from './ops/api.js';
export type { OpsOptions } from './ops/run.js';
export type { MapOp } from './ops/elementwise.js';
export type { NumericArray } from './ops/operand.js';

// Threads and synchronisation
export { threads, nthreads, threadid, type Threads } from './threads/threads.js';
export {
  atomicAdd,
  atomicSub,
  atomicCas,
  atomicXchg,
  atomicMax,
  atomicMin,
  atomicLoad,
  atomicStore,
  atomicWait,
  atomicNotify,
  type AtomicArray,
  type IntegerDType,
  type WaitResult,
} from './threads/atomics.js';
export { Barrier, type BarrierOptions } from './threads/barrier.js';
export { threadcall } from './threads/threadcall.js';
// DArray
export { DArray, type DArrayOptions } from './darray/darray.js';
export { dzeros, dones, dfill, drand, drandn, distribute, type DistributeOptions, type DTypeOfSource } from './darray/constructors.js';
export { localpart } from './darray/localpart.js';
