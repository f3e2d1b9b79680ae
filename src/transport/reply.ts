import { errorShape } from '../core/errors.js';
import { encodeValue } from './codec.js';
import { send } from './connections.js';
import { EMPTY_PAYLOAD, type Payload } from './payload.js';

/**
 * Answering a request (a call or an owner operation that carries a request id): a value, "done",
 * or an error as its shape. The caller may be gone meanwhile; then nobody waits for the answer.
 */
export function reply(to: number, reqId: number, ok: boolean, value: Payload): void {
  try {
    send(to, { kind: 'result', reqId, ok, value });
  } catch {
    // The caller is gone; nobody is waiting for this answer.
  }
}

/** Answer with `v`; a value that cannot travel becomes the error that says why. */
export function replyValue(to: number, reqId: number, v: unknown): void {
  let value: Payload;
  try {
    value = encodeValue(v, { peer: to }, 'the result');
  } catch (e) {
    return replyError(to, reqId, e);
  }
  reply(to, reqId, true, value);
}

export function replyDone(to: number, reqId: number): void {
  reply(to, reqId, true, EMPTY_PAYLOAD);
}

export function replyError(to: number, reqId: number, e: unknown): void {
  reply(to, reqId, false, encodeValue(errorShape(e), { peer: to }));
}
