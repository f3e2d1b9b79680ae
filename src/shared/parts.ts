import { detached, onCancelled } from '../core/call-scope.js';
import { ProcessExitedException, RemoteException } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { hasExited } from '../core/process-table.js';
import { remotecallFetch } from '../remote/calls.js';
import { localRange } from './localindices.js';
import { checkShmSpace, createPart, type Mapping, openParts, type SharedPart, translate } from './segment.js';

/**
 * A large array in parts, one per participant: each participant creates and reserves the part
 * holding its `localindices`, all at the same time, and every process maps the parts side by side
 * in one address range, so the array is still one buffer (`S.data`). Reserving memory
 * (posix_fallocate, which zeroes it) is most of what creating a large array costs, and tmpfs does
 * it one file at a time: one segment per participant is what lets `create` + `init` split over
 * the participants.
 *
 * Every guarantee of a single segment holds: each part's name is unlinked the moment it exists
 * and it is shared through its creator's open descriptor until every participant has mapped it;
 * the whole size is checked against /dev/shm before any part exists (ERR_SHM_NOSPACE); when a
 * part cannot be made, the others are let go before `create` fails.
 */

/** Arrays from this size up, over two participants or more, are made in parts. */
export const PARTS_FROM_BYTES = 16 * 2 ** 20;
/** Part boundaries fall on this alignment: a whole number of pages on every page size Linux uses. */
const PART_ALIGN = 64 * 1024;

/** Which participant makes which part, in order. */
export interface PartPlan {
  pid: number;
  bytes: number;
}

/**
 * The parts of an array of `length` elements of `elemBytes` each over `pids`: participant k's
 * part starts where its localindices start, rounded down to the alignment, and ends where the
 * next one's starts. Null when one segment suits better (a small array, one participant).
 */
export function partPlan(length: number, elemBytes: number, pids: readonly number[]): PartPlan[] | null {
  const bytes = length * elemBytes;
  if (pids.length < 2 || bytes < PARTS_FROM_BYTES) return null;
  const starts = pids.map((_, k) => Math.floor((localRange(length, pids.length, k).start * elemBytes) / PART_ALIGN) * PART_ALIGN);
  const plan: PartPlan[] = [];
  for (let k = 0; k < pids.length; k++) {
    const end = k + 1 < pids.length ? starts[k + 1]! : bytes;
    if (end > starts[k]!) plan.push({ pid: pids[k]!, bytes: end - starts[k]! });
  }
  return plan.length >= 2 ? plan : null;
}

// --- on each participant ------------------------------------------------------------------------

/**
 * The parts this process is sharing until stopSharingParts: by the pid of the array's creator,
 * then by part id. Keyed by creator so that a creator lost before it said stop does not leave its
 * parts' descriptors (and memory) held here for this process's lifetime (dropPartsOf).
 */
const sharing = new Map<number, Map<number, () => void>>();
let nextPartId = 1;

/** Create and reserve a part here for `creator`, and share it (an internal function: it travels by name). */
export function createSharedPart(bytes: number, creator: number): { id: number; part: SharedPart } {
  // A request that arrives after its creator was found gone would be kept forever: refuse it.
  if (hasExited(creator)) throw new ProcessExitedException(creator);
  const { source, stopSharing } = createPart(bytes);
  const id = nextPartId++;
  let mine = sharing.get(creator);
  if (!mine) sharing.set(creator, (mine = new Map()));
  mine.set(id, stopSharing);
  return { id, part: source };
}

/** Every participant has mapped these parts of `creator`'s, or the array failed: close them here (an internal function). */
export function stopSharingParts(creator: number, ids: readonly number[]): void {
  const mine = sharing.get(creator);
  if (!mine) return;
  for (const id of ids) {
    mine.get(id)?.();
    mine.delete(id);
  }
  if (mine.size === 0) sharing.delete(creator);
}

/** Process `pid` is gone: nobody will stop sharing the parts it asked for, so close them now. */
export function dropPartsOf(pid: number): void {
  const mine = sharing.get(pid);
  if (!mine) return;
  sharing.delete(pid);
  for (const stop of mine.values()) stop();
}

// --- on the creator -------------------------------------------------------------------------------

/** The parts made, mapped here; `stop()` ends their sharing (call it once every participant mapped them). */
export interface MadeParts {
  mapping: Mapping;
  parts: SharedPart[];
  stop(): Promise<void>;
}

/**
 * Have each participant of `plan` create its part (in parallel), then map them all here. Fails
 * with ERR_SHM_NOSPACE before anything is made when /dev/shm cannot hold them all; a part that
 * cannot be made fails the whole, once the parts made are let go. If an interrupt cancels the
 * calling call before `stop()`, the interrupt's cleanup stops sharing the parts: the call's own
 * code never runs again to do it (core/call-scope.ts).
 */
export async function makeParts(plan: readonly PartPlan[]): Promise<MadeParts> {
  const bytes = plan.reduce((a, p) => a + p.bytes, 0);
  checkShmSpace(bytes);
  const me = myid();
  // Detached: the parts must be let go even once the call that asked for them is cancelled.
  const making = detached(() =>
    Promise.allSettled(
      // The local part as a promise too: a synchronous throw here (EMFILE, ENOSPC) must become
      // its rejection, or the parts already asked of the other participants would never be let go.
      plan.map(({ pid, bytes: n }) =>
        pid === me ? new Promise<{ id: number; part: SharedPart }>((resolve) => resolve(createSharedPart(n, me))) : remotecallFetch(createSharedPart, pid, n, me),
      ),
    ),
  );
  let stopping: Promise<void> | null = null;
  let disarm = (): void => {};
  const stop = (): Promise<void> => {
    disarm();
    stopping ??= detached(() => making.then((made) => stopMade(plan, made, me)));
    return stopping;
  };
  disarm = onCancelled(() => void stop());
  const made = await making;
  const failed = made.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw partFailure(failed.reason, bytes);
  }
  const parts = made.map((r) => (r as PromiseFulfilledResult<{ id: number; part: SharedPart }>).value.part);
  try {
    return { mapping: openParts(parts), parts, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** End the sharing of every part that was made, on the participant that made it. */
async function stopMade(plan: readonly PartPlan[], made: PromiseSettledResult<{ id: number }>[], me: number): Promise<void> {
  await Promise.allSettled(
    made.map((r, k) => {
      if (r.status === 'rejected') return undefined;
      const pid = plan[k]!.pid;
      return pid === me ? stopSharingParts(me, [r.value.id]) : remotecallFetch(stopSharingParts, pid, me, [r.value.id]);
    }),
  );
}

/** A part's failure as the array's: running out of /dev/shm is ERR_SHM_NOSPACE for the whole size. */
function partFailure(e: unknown, bytes: number): unknown {
  const cause = e instanceof RemoteException ? (e.cause as unknown) : e;
  if ((cause as { code?: string } | null)?.code === 'ERR_SHM_NOSPACE') {
    const free = (cause as { free?: number }).free;
    return translate(Object.assign(new Error('not enough space in /dev/shm'), { code: 'ENOSPC', free }), bytes);
  }
  return e;
}
