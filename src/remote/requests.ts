import type { Msg } from '../transport/messages.js';
import type { Payload } from '../transport/codec.js';
import { wire } from './wire.js';

/**
 * Requests awaiting a reply: each outgoing call or reference operation that expects an answer
 * gets a request id; the reply (a `result` message) settles it. When a process dies, every
 * request waiting on it fails with the error the cluster gives (ProcessExitedException).
 */
export interface Reply {
  ok: boolean;
  value: Payload;
}

interface Pending {
  pid: number;
  resolve(r: Reply): void;
  reject(e: Error): void;
}

const pending = new Map<number, Pending>();
let nextReqId = 1;

export function nextRequestId(): number {
  const id = nextReqId;
  nextReqId = nextReqId >= 0xffff_fffe ? 1 : nextReqId + 1;
  return id;
}

/** Send the message built for a fresh request id and wait for its reply. */
export function request(pid: number, build: (reqId: number) => Msg): Promise<Reply> {
  const reqId = nextRequestId();
  const msg = build(reqId);
  return new Promise<Reply>((resolve, reject) => {
    wire().send(pid, msg);
    pending.set(reqId, { pid, resolve, reject });
    wire().awaiting(pid, 1);
  });
}

/** A reply arrived. Unknown ids (already failed or cancelled) are ignored. */
export function settleRequest(reqId: number, reply: Reply): void {
  const p = pending.get(reqId);
  if (!p) return;
  pending.delete(reqId);
  wire().awaiting(p.pid, -1);
  p.resolve(reply);
}

/** Fail everything awaiting `pid`. */
export function failRequestsTo(pid: number, makeError: () => Error): void {
  for (const [id, p] of pending) {
    if (p.pid !== pid) continue;
    pending.delete(id);
    wire().awaiting(pid, -1);
    p.reject(makeError());
  }
}

/** The highest request id issued so far (interrupt cancels calls up to it). */
export function lastRequestId(): number {
  return nextReqId - 1;
}
