/**
 * Who this process is in the cluster. The master is pid 1; a worker starts as 0 (not a member
 * yet) and learns its pid from the master's join message (cluster/worker-control.ts), before
 * running any user code.
 */
let selfPid = 1;

/** This process's pid in the cluster: 1 on the master, 2, 3, ... on workers. */
export function myid(): number {
  return selfPid;
}

/** Set by the worker side of the cluster when the master tells it its pid. */
export function setMyid(pid: number): void {
  selfPid = pid;
}
