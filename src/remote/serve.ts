import { coded, errorShape, InvalidStateException, type ErrorShape } from '../errors.js';
import { myid } from '../cluster/identity.js';
import { decodeArgs, decodeValue, encodeValue, EMPTY_PAYLOAD, type Payload } from '../transport/codec.js';
import { CallMode, RefOp, type Msg } from '../transport/messages.js';
import { isChannelLike, type ChannelLike } from './channel-like.js';
import { forgetFunctions, resolveFn } from './functions.js';
import { invoke } from './invoke.js';
import { addChannel, changeClients, futureEntry, lookupEntry, settleFuture, whenSettled } from './ref-store.js';
import { localOp, notAChannel } from './remote-channel.js';
import { settleRequest } from './requests.js';
import { wire } from './wire.js';

/**
 * Serving what other processes ask of this one: calls, reference operations, replies and
 * reference-count changes. Every call runs inside a try: its error travels back as data (the
 * caller raises RemoteException), and nothing a peer sends can take this process down.
 */

type CallMsg = Extract<Msg, { kind: 'call' }>;
type RefMsg = Extract<Msg, { kind: 'ref' }>;

/** Calls in flight here, so `interrupt` can cancel them. */
interface Running {
  from: number;
  reqId: number;
  cancel(error: Error): void;
}
const running = new Set<Running>();

export function serve(from: number, m: Msg): void {
  switch (m.kind) {
    case 'call':
      return serveCall(from, m);
    case 'ref':
      return void serveRef(from, m);
    case 'result':
      return settleRequest(m.reqId, m.ok, m.value);
    case 'clients': {
      const d = m.deltas;
      for (let i = 0; i + 3 < d.length; i += 4) changeClients({ whence: d[i]!, id: d[i + 1]! }, d[i + 2]!, d[i + 3]!);
      return;
    }
    case 'forget':
      return forgetFunctions(from, m.fnIds);
    default:
      throw coded(Error, 'ERR_PROTOCOL', `message ${m.kind} is not served by the remote layer`);
  }
}

/** Cancel calls running here: all of them, or those from the master numbered up to `upTo`. */
export function interruptRunning(upTo: number): number {
  let n = 0;
  for (const r of running) {
    if (r.from === 1 && r.reqId > upTo) continue;
    r.cancel(coded(Error, 'ERR_INTERRUPTED', `call interrupted on worker ${myid()}`));
    n++;
  }
  return n;
}

/** A free name the function uses is missing here: say how to provide it (API.md, Remote calls 3). */
function explain(e: unknown): unknown {
  if (e instanceof ReferenceError && !e.message.includes('capture(')) {
    const name = /^(\S+) is not defined$/.exec(e.message)?.[1];
    if (name) {
      e.message =
        `${name} is not defined on worker ${myid()}: define it there with everywhere(), ` +
        `pass it as an argument, or capture it: capture({ ${name} }, f)`;
      if (e.stack) e.stack = `ReferenceError: ${e.message}\n${e.stack.split('\n').slice(1).join('\n')}`;
    }
  }
  return e;
}

function reply(to: number, reqId: number, ok: boolean, value: Payload): void {
  try {
    wire().send(to, { kind: 'result', reqId, ok, value });
  } catch {
    // The caller is gone; nobody is waiting for this answer.
  }
}

function replyError(to: number, reqId: number, e: unknown): void {
  reply(to, reqId, false, encodeValue(errorShape(e), { peer: to }));
}

function replyValue(to: number, reqId: number, v: unknown): void {
  let value: Payload;
  try {
    value = encodeValue(v, { peer: to }, 'the result');
  } catch (e) {
    return replyError(to, reqId, e);
  }
  reply(to, reqId, true, value);
}

function serveCall(from: number, m: CallMsg): void {
  let fn: Function;
  let args: unknown[];
  const entry = m.rr && (m.mode === CallMode.Store || m.mode === CallMode.Wait) ? futureEntry(m.rr) : null;
  // The caller holds the Future it got from remotecall: count it before anything can release it.
  if (entry && m.rr) changeClients(m.rr, from, 1);
  try {
    fn = resolveFn(from, m.fnId, m.fnDef);
    args = decodeArgs(m.args, { peer: from });
  } catch (e) {
    return finishCall(from, m, undefined, e, true);
  }
  let result: unknown;
  try {
    result = invoke(fn, args);
  } catch (e) {
    return finishCall(from, m, undefined, explain(e), true);
  }
  if (!isThenable(result)) return finishCall(from, m, result, null, false);
  let done = false;
  const r: Running = {
    from,
    reqId: m.reqId,
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
      finishCall(from, m, v, null, false);
    },
    (e: unknown) => r.cancel(explain(e) as Error),
  );
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

function finishCall(from: number, m: CallMsg, value: unknown, error: unknown, failed: boolean): void {
  switch (m.mode) {
    case CallMode.Fetch:
      return failed ? replyError(from, m.reqId, error) : replyValue(from, m.reqId, value);
    case CallMode.Store:
    case CallMode.Wait: {
      const shape: ErrorShape | null = failed ? errorShape(error) : null;
      settleFuture(futureEntry(m.rr!), failed ? undefined : value, shape);
      if (m.mode === CallMode.Wait) {
        if (failed) replyError(from, m.reqId, error);
        else reply(from, m.reqId, true, EMPTY_PAYLOAD);
      }
      return;
    }
    case CallMode.Do:
      if (failed) console.error(`Error in remoteDo on worker ${myid()}:`, error);
      return;
    case CallMode.Channel: {
      if (failed) return replyError(from, m.reqId, error);
      if (!isChannelLike(value)) return replyError(from, m.reqId, notAChannel());
      addChannel(m.rr!, value as ChannelLike, from);
      return reply(from, m.reqId, true, EMPTY_PAYLOAD);
    }
  }
}

async function serveRef(from: number, m: RefMsg): Promise<void> {
  try {
    const e = lookupEntry(m.rr);
    if (e?.kind === 'channel') {
      const v = m.op === RefOp.Put ? decodeValue(m.value, { peer: from }) : undefined;
      const out = await localOp(e.chan, m.op, v);
      return replyValue(from, m.reqId, out);
    }
    if (!e && m.op !== RefOp.Fetch && m.op !== RefOp.Put && m.op !== RefOp.IsReady && m.op !== RefOp.Wait) {
      throw coded(Error, 'ERR_REF_FINALIZED', `reference (${m.rr.whence}, ${m.rr.id}) no longer exists on ${myid()}`);
    }
    const f = futureEntry(m.rr);
    switch (m.op) {
      case RefOp.Fetch:
        await whenSettled(f);
        if (f.error) reply(from, m.reqId, false, encodeValue(f.error, { peer: from }));
        else replyValue(from, m.reqId, f.value);
        if (m.count > 0) changeClients(m.rr, from, -m.count);
        return;
      case RefOp.Put: {
        const v = decodeValue(m.value, { peer: from });
        if (!settleFuture(f, v, null)) throw coded(Error, 'ERR_FUTURE_SET', 'Future can be set only once');
        reply(from, m.reqId, true, EMPTY_PAYLOAD);
        if (m.count > 0) changeClients(m.rr, from, -m.count);
        return;
      }
      case RefOp.IsReady:
        return replyValue(from, m.reqId, f.settled);
      case RefOp.Wait:
        await whenSettled(f);
        if (f.error) return reply(from, m.reqId, false, encodeValue(f.error, { peer: from }));
        return reply(from, m.reqId, true, EMPTY_PAYLOAD);
      default:
        throw new InvalidStateException(`operation ${m.op} is not defined on a Future`);
    }
  } catch (e) {
    replyError(from, m.reqId, e);
  }
}
