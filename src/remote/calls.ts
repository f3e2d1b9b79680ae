import { coded, errorShape, RemoteException } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { workers } from '../core/process-table.js';
import { Future } from '../refs/future.js';
import { readDone, readValue } from '../refs/replies.js';
import { newRRID } from '../refs/rrid.js';
import { changeClients, futureEntry, settleFuture } from '../refs/store.js';
import { encodeArgs, type HandOvers } from '../transport/codec.js';
import { send } from '../transport/connections.js';
import { CallMode } from '../transport/messages.js';
import type { Payload } from '../transport/payload.js';
import { nextRequestId, request } from '../transport/requests.js';
import { assertShippable, functionRef } from './function-shipping.js';

// The remotecall family: Julia's remotecall, remotecall_fetch, remotecall_wait, remote_do,
// `@spawnat` and `@fetchfrom`. A call to another pid works on copies of its arguments; a call to
// `myid()` runs here with the very same objects (the seed's "Local invocations"), and its errors
// still arrive as RemoteException.
//
// Arguments are encoded before the function, so a call whose arguments cannot travel fails on
// the caller's side without leaving the peer believing it has the function.

/**
 * Any function a remote call can run; its parameters type the call's arguments.
 * @inline
 */
type Fn = (...args: never[]) => unknown;
/**
 * What a call of `F` resolves to: its return value, awaited when it is a promise.
 * @inline
 */
type Result<F extends Fn> = Awaited<ReturnType<F>>;

function checkPid(pid: unknown, what: string): asserts pid is number {
  if (!Number.isSafeInteger(pid) || (pid as number) < 1) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `${what}: pid must be a positive integer, got ${String(pid)}`);
  }
}

/**
 * A call's function and arguments for `pid`, and the hand-overs of handles among them, which the
 * message's send applies once the whole message has encoded: a call that cannot be sent leaves
 * every reference count (and what the peer is believed to hold) as it was.
 */
function encodeCall(f: Function, pid: number, args: readonly unknown[]): { payload: Payload; fnId: number; fnDef: Payload | null; handOvers: HandOvers } {
  const handOvers: HandOvers = [];
  const payload = encodeArgs(args, { peer: pid }, 'args', handOvers);
  const { fnId, fnDef } = functionRef(f, pid, handOvers);
  return { payload, fnId, fnDef, handOvers };
}

/** Run `f(...args)` here as a new task, settling the local Future entry. */
function runLocal(f: Function, args: unknown[], rr: { whence: number; id: number }): void {
  const entry = futureEntry(rr);
  queueMicrotask(() => {
    let r: unknown;
    try {
      r = f(...args);
    } catch (e) {
      settleFuture(entry, undefined, errorShape(e));
      return;
    }
    Promise.resolve(r).then(
      (v) => settleFuture(entry, v, null),
      (e: unknown) => settleFuture(entry, undefined, errorShape(e)),
    );
  });
}

/**
 * Call `f(...args)` on `pid`; returns a Future at once (the call is already on its way). The
 * Future rejects with a RemoteException when `f` throws there, with a ProcessExitedException
 * when `pid` exits first. Throws TypeError `ERR_INVALID_ARG` for a pid that is not a positive
 * integer, `ERR_UNSHIPPABLE_FUNCTION` for a function that cannot travel.
 * @typeParam F - The function's type: its parameters type `args`, its (awaited) result the call's value.
 */
export function remotecall<F extends Fn>(f: F, pid: number, ...args: Parameters<F>): Future<Result<F>> {
  checkPid(pid, 'remotecall');
  assertShippable(f);
  const rr = newRRID();
  if (pid === myid()) {
    changeClients(rr, myid(), 1);
    runLocal(f, args, rr);
    return Future.forCall(pid, rr);
  }
  const { payload, fnId, fnDef, handOvers } = encodeCall(f, pid, args);
  send(pid, { kind: 'call', reqId: 0, mode: CallMode.Store, rr, fnId, fnDef, args: payload }, handOvers);
  return Future.forCall(pid, rr);
}

/**
 * Call `f(...args)` on `pid` and return its value (one round trip). Rejects as remotecall's
 * Future would.
 * @typeParam F - The function's type: its parameters type `args`, its (awaited) result the call's value.
 */
export function remotecallFetch<F extends Fn>(f: F, pid: number, ...args: Parameters<F>): Promise<Result<F>> {
  // Not async: the request's own promise is the one returned (the hot path of every call).
  try {
    checkPid(pid, 'remotecallFetch');
    assertShippable(f);
    if (pid === myid()) return fetchLocal(f, pid, args);
    const { payload, fnId, fnDef, handOvers } = encodeCall(f, pid, args);
    const msg = { kind: 'call', reqId: nextRequestId(), mode: CallMode.Fetch, rr: null, fnId, fnDef, args: payload } as const;
    return request(pid, msg, readValue, true, handOvers) as Promise<Result<F>>;
  } catch (e) {
    return Promise.reject(e);
  }
}

/** A call to this process: the very same argument objects; its errors as RemoteException. */
async function fetchLocal<F extends Fn>(f: F, pid: number, args: Parameters<F>): Promise<Result<F>> {
  try {
    return (await f(...args)) as Result<F>;
  } catch (e) {
    throw new RemoteException(pid, e instanceof Error ? e : new Error(String(e)));
  }
}

/**
 * Call `f(...args)` on `pid`, wait until it is done; the value stays there behind the Future.
 * Rejects as remotecall's Future would.
 * @typeParam F - The function's type: its parameters type `args`, its (awaited) result the call's value.
 */
export async function remotecallWait<F extends Fn>(f: F, pid: number, ...args: Parameters<F>): Promise<Future<Result<F>>> {
  checkPid(pid, 'remotecallWait');
  assertShippable(f);
  if (pid === myid()) return remotecall(f, pid, ...args).wait();
  const { payload, fnId, fnDef, handOvers } = encodeCall(f, pid, args);
  const rr = newRRID();
  const fut = Future.forCall<Result<F>>(pid, rr);
  await request(pid, { kind: 'call', reqId: nextRequestId(), mode: CallMode.Wait, rr, fnId, fnDef, args: payload }, readDone, true, handOvers);
  return fut;
}

/**
 * Fire and forget: run `f(...args)` on `pid`; its errors are printed there.
 * @typeParam F - The function's type: its parameters type `args`, its (awaited) result the call's value.
 */
export function remoteDo<F extends Fn>(f: F, pid: number, ...args: Parameters<F>): void {
  checkPid(pid, 'remoteDo');
  assertShippable(f);
  if (pid === myid()) {
    queueMicrotask(() => {
      Promise.resolve()
        .then(() => f(...args))
        .catch((e: unknown) => console.error(`Error in remoteDo on worker ${pid}:`, e));
    });
    return;
  }
  const { payload, fnId, fnDef, handOvers } = encodeCall(f, pid, args);
  send(pid, { kind: 'call', reqId: 0, mode: CallMode.Do, rr: null, fnId, fnDef, args: payload }, handOvers);
}

let nextAny = 0;

/** Round-robin over workers() (Julia's nextproc; no load balancing). */
export function nextproc(): number {
  const ws = workers();
  const pid = ws[nextAny % ws.length]!;
  nextAny = (nextAny + 1) % ws.length;
  return pid;
}

/**
 * `spawnat(pid, f, ...args)`: remotecall with the pid first; `'any'` picks the next worker in turn.
 * @typeParam F - The function's type: its parameters type `args`, its (awaited) result the call's value.
 */
export function spawnat<F extends Fn>(pid: number | 'any', f: F, ...args: Parameters<F>): Future<Result<F>> {
  return remotecall(f, pid === 'any' ? nextproc() : pid, ...args);
}

/**
 * `fetchfrom(pid, f, ...args)`: remotecallFetch with the pid first.
 * @typeParam F - The function's type: its parameters type `args`, its (awaited) result the call's value.
 */
export function fetchfrom<F extends Fn>(pid: number, f: F, ...args: Parameters<F>): Promise<Result<F>> {
  return remotecallFetch(f, pid, ...args);
}
