/**
 * Seed: "Starting and managing worker processes", "Cluster Cookie" and "Specifying Network
 * Topology".
 *
 *     julia> addprocs(2)
 *     2-element Array{Int64,1}:
 *      2
 *      3
 *   - "When there is only one process, process 1 is considered a worker."
 *   - `cluster_cookie()` returns the cookie, `cluster_cookie(cookie)` sets it; all processes
 *     in a cluster share it.
 *   - `addprocs(...; topology=:master_worker)`: only pid 1 is connected to the workers;
 *     "sending a message between unconnected workers results in an error".
 *   - Only the master can add or remove workers; pids are not reused.
 *
 *   node dist/examples/15-cluster-management.js
 */
import { addprocs, clusterCookie, myid, nprocs, nworkers, procs, remotecallFetch, type RemoteException, rmprocs, workers } from '../src/index.js';

console.log(`myid() = ${myid()}, procs() = [${procs().join(', ')}], workers() = [${workers().join(', ')}], nworkers() = ${nworkers()}`);

// The cookie can be set before any worker starts; workers are started with it.
console.log("clusterCookie('examples-cookie-0001') =", clusterCookie('examples-cookie-0001'));

console.log('addprocs(2) =', await addprocs(2));
console.log(`procs() = [${procs().join(', ')}], workers() = [${workers().join(', ')}], nprocs() = ${nprocs()}, nworkers() = ${nworkers()}`);
console.log('clusterCookie() on worker 2 =', await remotecallFetch(() => clusterCookie(), 2));
console.log('worker 2 asks worker 3 for its id:', await remotecallFetch((p: number) => remotecallFetch(() => myid(), p), 2, 3));

// Only process 1 can add and remove workers.
try {
  await remotecallFetch(() => addprocs(1), 2);
} catch (e) {
  console.log('addprocs on worker 2:', (e as InstanceType<typeof RemoteException>).cause.message);
}

await rmprocs(3);
console.log('after rmprocs(3): workers() =', workers());
console.log('addprocs(1) =', await addprocs(1), '(pids are never reused)');
await rmprocs(workers());
console.log('after rmprocs(workers()): workers() =', workers());

// topology: 'master_worker': workers are not connected to each other.
const [a, b] = (await addprocs(2, { topology: 'master_worker' })) as [number, number];
console.log(`addprocs(2, { topology: 'master_worker' }) = [${a}, ${b}]`);
console.log(`worker ${a} calls process 1:`, await remotecallFetch(() => remotecallFetch(() => myid(), 1), a));
try {
  await remotecallFetch((p: number) => remotecallFetch(() => myid(), p), a, b);
} catch (e) {
  console.log(`worker ${a} calls worker ${b}: ERROR:`, (e as InstanceType<typeof RemoteException>).cause.message);
}
await rmprocs(workers());
