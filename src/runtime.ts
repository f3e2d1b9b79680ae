/**
 * The composition root: the one module that does work when the package is loaded. It builds this
 * process's runtime from the tables below, in the order they are listed. Every other module only
 * defines things; to see how a message, a handle or a function travels, start here.
 *
 * The same runtime serves the master and the workers: a process is the master (pid 1) until a
 * master's join makes it a worker (the worker entry, src/worker.ts, waits for that join).
 */
import * as api from './api.js';
import { ProcessExitedException } from './core/errors.js';
import { myid } from './core/identity.js';
import { masterControl, masterLostWorker, ping } from './cluster/master.js';
import { workerControl, workerLostPeer } from './cluster/worker-control.js';
import { runArrayChunk, runRangeChunk } from './parallel/chunk-runner.js';
import { runBatch } from './parallel/batch-runner.js';
import { darrayOps } from './darray/block-ops.js';
import { dropBlocksOf } from './darray/block-store.js';
import { darrayHandleType } from './darray/darray.js';
import { opsOwnerOps } from './ops/darray.js';
import { opsInternals } from './ops/internals.js';
import { poolOps, workerPoolHandleType } from './parallel/pool.js';
import { channelOps } from './refs/channel-ops.js';
import { futureOps } from './refs/future-ops.js';
import { futureHandleType } from './refs/future.js';
import { applyClientDeltas } from './refs/holds.js';
import { remoteChannelHandleType } from './refs/remote-channel.js';
import { dropClient } from './refs/store.js';
import { createDispatcher } from './remote/dispatch.js';
import { loadModule } from './remote/everywhere.js';
import { configureFunctionNames } from './remote/function-names.js';
import { functionCodec } from './remote/function-shipping.js';
import { interruptCalls, serveCall } from './remote/serve.js';
import { dropPeerShipped, forgetReceived } from './remote/shipped.js';
import { attachSharedArray, forgetArraysOf, releaseSharedArray } from './shared/family.js';
import { createSharedPart, dropPartsOf, stopSharingParts } from './shared/parts.js';
import { sharedArrayHandleType } from './shared/shared-array-handle.js';
import { sharedArrayViewHandleType } from './shared/view-handle.js';
import { barrierHandleType } from './threads/barrier-handle.js';
import { configureCodec } from './transport/codec.js';
import { configureConnections, dropConnection } from './transport/connections.js';
import { configureOwnerOps, serveOwnerCall } from './transport/owner-calls.js';
import { replyError } from './transport/reply.js';
import { failRequestsTo, settleRequest } from './transport/requests.js';

// 1. Functions every process knows by name: the public API (also the scope shipped source runs
//    in) and the runtime's internal functions.
configureFunctionNames({
  scope: api as unknown as Record<string, unknown>,
  internals: { loadModule, runBatch, runRangeChunk, runArrayChunk, attachSharedArray, createSharedPart, stopSharingParts, ...opsInternals },
});

// 2. Classes that travel as handles (references to something that stays where it is), and how
//    functions inside values travel.
configureCodec({
  handleTypes: [futureHandleType, remoteChannelHandleType, sharedArrayHandleType, sharedArrayViewHandleType, workerPoolHandleType, barrierHandleType, darrayHandleType],
  functions: functionCodec,
});

// 3. Operations on an object's owner (Distributed.jl's call_on_owner), by index: the same list,
//    in the same order, in every process.
configureOwnerOps([ping, ...futureOps, ...channelOps, ...poolOps, releaseSharedArray, ...darrayOps, ...opsOwnerOps]);

// 4. Everything a process can be asked to do: one handler per message kind.
const dispatch = createDispatcher({
  call: serveCall,
  owner: serveOwnerCall,
  result: (_from, m) => settleRequest(m.reqId, m.ok, m.value),
  clients: (_from, m) => applyClientDeltas(m.deltas),
  forget: (from, m) => forgetReceived(from, m.fnIds),
  interrupt: (_from, m) => void interruptCalls(m.id),
  join: workerControl.join,
  peers: workerControl.peers,
  connectTo: workerControl.connectTo,
  exit: workerControl.exit,
  joinAck: masterControl.joinAck,
  requestConnect: masterControl.requestConnect,
  refuseRequest: replyError,
  dropPeer: dropConnection,
});

// 5. When a connection is lost, what waited on it fails; when the process behind it is gone,
//    what it held is released, what it shared is let go (the DArrays it created: their blocks
//    here, which nobody can count any more; the parts of arrays it was creating, which it will
//    never say to stop sharing), and the role reacts (a master reports a
//    dead worker; a worker without its master exits).
function peerLost(pid: number, _error: Error | null, gone: boolean): void {
  failRequestsTo(pid, () => new ProcessExitedException(pid));
  if (!gone) return;
  dropClient(pid);
  dropPeerShipped(pid);
  forgetArraysOf(pid);
  dropPartsOf(pid);
  dropBlocksOf(pid);
  if (myid() === 1) masterLostWorker(pid);
  else workerLostPeer(pid);
}

configureConnections({ frame: dispatch, lost: peerLost });
