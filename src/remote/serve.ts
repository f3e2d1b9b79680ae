import { sweepCancelled } from '../core/call-scope.js';
import { debug, debugging } from '../core/debug.js';
import { coded, errorShape } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { changeClients, futureEntry, settleFuture } from '../refs/store.js';
import { decodeArgs } from '../transport/codec.js';
import { CallMode, type Msg } from '../transport/messages.js';
import { replyDone, replyError, replyValue } from '../transport/reply.js';
import { explainMissingName } from './explain.js';
import { resolveFunction } from './function-shipping.js';
import { callRunner } from './invoke.js';

/**
 * Running the calls other processes send this one. Every call runs inside a try: its error
 * travels back as data (the caller raises RemoteException), and nothing a peer sends can take
 * this process down. Calls in flight are tracked so that `interrupt` can cancel them.
 */
type CallMsg = Extract<Msg, { kind: 'call' }>;

/** A call in flight here that awaits something, so that `interrupt` can answer it. */
interface Running {
  /** The call's tag (CallRunner.admit). */
  tag: number;
  cancel(error: Error): void;
}
const running = new Set<Running>();

export function serveCall(from: number, m: CallMsg): void {
  // The caller holds the Future it got from remotecall: count it before anything can release it.
  if (m.rr && (m.mode === CallMode.Store || m.mode === CallMode.Wait)) changeClients(m.rr, from, 1);
  let fn: Function | undefined;
  let args: unknown[] = [];
  let failure: { e: unknown } | null = null;
  try {
    fn = resolveFunction(from, m.fnId, m.fnDef);
  } catch (e) {
    failure = { e };
  }
  // Decoded even when the function failed: every record of a payload is received (codec.ts,
  // ReviveState), as the caller now believes this process holds the templates and handles the
  // arguments carried, and counts it among the holders of the Futures among them.
  try {
    args = decodeArgs(m.args, { peer: from });
  } catch (e) {
    failure ??= { e };
  }
  if (failure || fn === undefined) return finishCall(from, m, undefined, failure?.e, true);
  if (debugging('calls')) debug('calls', `call from ${from}: ${fn.name || 'an anonymous function'} (#${m.fnId}, mode ${m.mode}, ${args.length} arguments)`);
  // Resolved and decoded even when refused: later calls name the function by id, and the
  // arguments' references are counted as for any call.
  const runner = callRunner();
  const tag = runner.admit(from);
  if (tag === 0) return finishCall(from, m, undefined, interrupted(), true);
  let result: unknown;
  try {
    result = runner.run(tag, fn, args);
  } catch (e) {
    return finishCall(from, m, undefined, explainMissingName(e), true);
  }
  if (!isThenable(result)) return finishCall(from, m, result, null, false, fn.name);
  const name = fn.name;
  let done = false;
  const r: Running = {
    tag,
    cancel(error) {
      if (done) return;
      done = true;
      running.delete(r);
      finishCall(from, m, undefined, error, true);
    },
  };
  running.add(r);
  result.then(
    (v) => {
      if (done) return;
      done = true;
      running.delete(r);
      finishCall(from, m, v, null, false, name);
    },
    (e: unknown) => r.cancel(explainMissingName(e) as Error),
  );
}

/**
 * The marker of interrupt `id` arrived from the master: answer the awaiting calls it cancels (code
 * running then was stopped already, and the runner keeps them from running again: see
 * cluster/call-interrupts.ts), and run their cleanups. Returns how many were answered.
 */
export function interruptCalls(id: number): number {
  const cancels = callRunner().interrupt(id);
  let n = 0;
  for (const r of running) {
    if (!cancels(r.tag)) continue;
    r.cancel(interrupted());
    n++;
  }
  // What the cancelled calls held for others goes back (a pool's worker, core/call-scope.ts).
  sweepCancelled();
  return n;
}

function interrupted(): Error {
  return coded(Error, 'ERR_INTERRUPTED', `call interrupted on worker ${myid()}`);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Answer the call as its mode asks. `name`: the function's, for an error about its result. */
function finishCall(from: number, m: CallMsg, value: unknown, error: unknown, failed: boolean, name = ''): void {
  switch (m.mode) {
    case CallMode.Fetch:
      return failed ? replyError(from, m.reqId, error) : replyValue(from, m.reqId, value, name);
    case CallMode.Store:
    case CallMode.Wait:
      settleFuture(futureEntry(m.rr!), failed ? undefined : value, failed ? errorShape(error) : null);
      if (m.mode === CallMode.Wait) {
        if (failed) replyError(from, m.reqId, error);
        else replyDone(from, m.reqId);
      }
      return;
    case CallMode.Do:
      if (failed) console.error(`Error in remoteDo on worker ${myid()}:`, error);
      return;
  }
}
