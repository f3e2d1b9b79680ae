/**
 * Who this process is in the cluster. The master is pid 1; a worker learns its pid from the
 * master's join message (see cluster/worker-main.ts) and sets it once, before running user code.
 */
let selfPid = 1;

/** This process's pid in the cluster: 1 on the master, 2, 3, ... on workers. */
export function myid(): number {
  return selfPid;
}

/** Set once by the worker entry point when the master tells it its pid. */
export function setMyid(pid: number): void {
  selfPid = pid;
}
