import { asRemote, type ErrorShape, ProcessExitedException, RemoteException, reviveError } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { formatDims } from '../shared/layout.js';
import { decodeValue } from '../transport/codec.js';
import type { RRID } from '../transport/messages.js';
import { callOn, type OwnerOp } from '../transport/owner-calls.js';
import type { Payload } from '../transport/payload.js';
import { showRanges } from './block-init.js';
import type { Range } from '../core/range.js';

/** What running an operation on a block's owner needs to know of the DArray. */
export interface BlockLayout {
  readonly rr: RRID;
  readonly dims: readonly number[];
  readonly pids: readonly number[];
  readonly indices: readonly (readonly Range[])[];
}

/**
 * Run the block operation `op` on the owner of block `k` — directly when that is this process —
 * and give its answer. Errors read the same either way: the owner's errors arrive as a
 * RemoteException (a closed DArray as itself), and an owner that has exited as a
 * ProcessExitedException that names the block that was lost with it.
 */
export async function onOwner<T>(D: BlockLayout, k: number, op: OwnerOp, args: readonly unknown[]): Promise<T> {
  const pid = D.pids[k] as number;
  if (pid === myid()) {
    try {
      return (await op(pid, D.rr, ...(args as never[]))) as T;
    } catch (e) {
      throw ownerError(pid, e);
    }
  }
  try {
    return (await callOn(pid, op, D.rr, args, readAnswer)) as T;
  } catch (e) {
    if (e instanceof ProcessExitedException && e.pid === pid) throw lostBlock(D, k);
    throw e;
  }
}

/** A reply from a block's owner (see onOwner). */
function readAnswer(ok: boolean, value: Payload, pid: number): unknown {
  const v = decodeValue(value, { peer: pid });
  if (ok) return v;
  const shape = v as ErrorShape;
  throw shape.code === 'ERR_ARRAY_CLOSED' ? reviveError(shape) : asRemote(pid, shape);
}

function ownerError(pid: number, e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof ProcessExitedException || code === 'ERR_ARRAY_CLOSED') return e;
  return new RemoteException(pid, e instanceof Error ? e : new Error(String(e)));
}

/** The error for an operation whose block's owner has exited: it names the lost block. */
export function lostBlock(D: BlockLayout, k: number): ProcessExitedException {
  const pid = D.pids[k] as number;
  const I = D.indices[k] as readonly Range[];
  return new ProcessExitedException(pid, `it owned block ${k} of a ${formatDims(D.dims)} DArray, indices ${showRanges(I)}, which is lost with it`);
}
