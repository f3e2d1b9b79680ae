import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { hostOf } from '../core/process-table.js';

/**
 * The name of the machine process `pid` runs on (default: this one), for display. Which
 * processes share memory is decided from kernel facts, not from this name (see core/host.ts).
 */
export async function hostname(pid: number = myid()): Promise<string> {
  if (!Number.isSafeInteger(pid) || pid < 1) throw coded(TypeError, 'ERR_INVALID_ARG', `hostname(pid): ${String(pid)} is not a pid`);
  const host = hostOf(pid, myid());
  if (!host) throw coded(RangeError, 'ERR_NO_SUCH_PROCESS', `hostname: there is no process ${pid} in this cluster`);
  return host.name;
}
