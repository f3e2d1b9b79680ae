import { awaiting, send } from './connections.js';
import type { Msg } from './messages.js';
import type { Payload } from './payload.js';

/**
 * Requests awaiting a reply: each outgoing call or owner operation that expects an answer gets a
 * request id; the reply (a `result` message) settles it. When a process dies, every request
 * waiting on it fails with the error the cluster gives (ProcessExitedException).
 */

/**
 * Turns a reply into the request's value, or throws its error. It runs when the reply arrives,
 * so a request costs one promise, and a failed reply becomes a rejection directly.
 */
export type ReplyReader<T> = (ok: boolean, value: Payload, pid: number) => T;

interface Pending {
  pid: number;
  keepAlive: boolean;
  read: ReplyReader<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

const pending = new Map<number, Pending>();
let nextReqId = 1;

export function nextRequestId(): number {
  const id = nextReqId;
  nextReqId = nextReqId >= 0xffff_fffe ? 1 : nextReqId + 1;
  return id;
}

/**
 * Send `msg` (whose reqId came from nextRequestId) and wait for its reply, read by `read`. While
 * it waits, the connection keeps this process alive, unless `keepAlive` is false. `handOvers`: as
 * for `send`.
 */
export function request<T>(pid: number, msg: Msg & { reqId: number }, read: ReplyReader<T>, keepAlive = true, handOvers?: readonly (() => void)[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    send(pid, msg, handOvers);
    pending.set(msg.reqId, { pid, read, resolve: resolve as (v: unknown) => void, reject, keepAlive });
    if (keepAlive) awaiting(pid, 1);
  });
}

/** A reply arrived. Unknown ids (already failed or cancelled) are ignored. */
export function settleRequest(reqId: number, ok: boolean, value: Payload): void {
  const p = pending.get(reqId);
  if (!p) return;
  pending.delete(reqId);
  if (p.keepAlive) awaiting(p.pid, -1);
  try {
    p.resolve(p.read(ok, value, p.pid));
  } catch (e) {
    p.reject(e);
  }
}

/** Fail everything awaiting `pid`. */
export function failRequestsTo(pid: number, makeError: () => Error): void {
  for (const [id, p] of pending) {
    if (p.pid !== pid) continue;
    pending.delete(id);
    if (p.keepAlive) awaiting(pid, -1);
    p.reject(makeError());
  }
}

/** The highest request id issued so far (interrupt cancels calls up to it). */
export function lastRequestId(): number {
  return nextReqId - 1;
}
