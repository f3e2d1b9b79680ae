/**
 * Who this process is in the cluster. The master is pid 1; a worker starts as 0 (not a member
 * yet) and learns its pid from the master's join message (cluster/worker-control.ts), before
 * running any user code. A pool thread of `threads.for` takes its process's pid, but it has no
 * connections: it is not a member of the cluster itself (src/thread-main.ts).
 */
let selfPid = 1;
let poolThread = false;

/** This process's pid in the cluster: 1 on the master, 2, 3, ... on workers. */
export function myid(): number {
  return selfPid;
}

/** Set by the worker side of the cluster when the master tells it its pid. */
export function setMyid(pid: number): void {
  selfPid = pid;
}

/** Make this JavaScript thread a pool thread of `threads.for` with its process's pid (src/thread-main.ts). */
export function setPoolThread(pid: number): void {
  selfPid = pid;
  poolThread = true;
}

/** True in a pool thread of `threads.for`, which cannot reach other processes (threads do not join the cluster). */
export function isPoolThread(): boolean {
  return poolThread;
}
