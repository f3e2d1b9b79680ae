// Polling with a deadline instead of sleeping: every wait in the suite ends on an event or on a
// condition becoming true, and fails loudly (naming what it waited for) if the deadline passes.
import { readFileSync } from 'node:fs';

export interface WaitOptions {
  timeoutMs?: number;
  what?: string;
}

/** Yield to the event loop once (I/O and timers of other work get to run). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Poll `pred` until it holds; rejects after `timeoutMs` (default 20 s). */
export async function waitFor(pred: () => boolean | Promise<boolean>, opts: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (await pred()) return;
    if (Date.now() > deadline) throw new Error(`waitFor: ${opts.what ?? 'condition'} did not hold within ${opts.timeoutMs ?? 20_000} ms`);
    await tick();
  }
}

/** Gone: no such OS process, or a zombie nobody has reaped yet (it runs no code any more). */
export function gone(ospid: number): boolean {
  try {
    process.kill(ospid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw e;
  }
  try {
    return readFileSync(`/proc/${ospid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true;
  }
}

/** CPU time (user + system, in clock ticks) an OS process has used so far. */
export function cpuTicks(ospid: number): number {
  const fields = readFileSync(`/proc/${ospid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
