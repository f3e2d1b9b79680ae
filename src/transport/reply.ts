import { coded, errorShape } from '../core/errors.js';
import { encodeValue, type HandOvers } from './codec.js';
import { send } from './connections.js';
import { EMPTY_PAYLOAD, type Payload } from './payload.js';

/**
 * Answering a request (a call or an owner operation that carries a request id): a value, "done",
 * or an error as its shape. The caller may be gone meanwhile; then nobody waits for the answer.
 * An answer over the frame limit is never dropped: the caller waits for one, so it gets the error
 * that says so instead, and the handles in the answer are not handed over (nothing left).
 */

/** The frame error of an answer too large to send; null once the answer left (or its caller is gone). */
function sendAnswer(to: number, reqId: number, ok: boolean, value: Payload, handOvers?: HandOvers): Error | null {
  try {
    send(to, { kind: 'result', reqId, ok, value }, handOvers);
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === 'ERR_FRAME_TOO_LARGE') return e as Error;
    // The caller is gone; nobody is waiting for this answer.
  }
  return null;
}

/**
 * Answer with `v`; a value that cannot travel, or is too large to, becomes the error that says
 * why. `of` names what `v` is the result of, for that error (a function's or operation's name).
 */
export function replyValue(to: number, reqId: number, v: unknown, of = ''): void {
  const handOvers: HandOvers = [];
  let value: Payload;
  try {
    value = encodeValue(v, { peer: to }, 'the result', handOvers);
  } catch (e) {
    return replyError(to, reqId, e);
  }
  const tooLarge = sendAnswer(to, reqId, true, value, handOvers);
  if (!tooLarge) return;
  const { bytes, limit } = tooLarge as unknown as { bytes?: number; limit?: number };
  replyError(
    to,
    reqId,
    coded(
      RangeError,
      'ERR_FRAME_TOO_LARGE',
      `the result of ${of || 'the call'} is ${bytes ?? value.bytes.length} bytes, over SHAREDARRAYS_MAX_FRAME (${limit ?? '?'} bytes), the limit for one message between processes; ` +
        'return less (a large array as a SharedArray on the same host, or a DArray) or raise the limit (SHAREDARRAYS_MAX_FRAME, in bytes, for every process)',
    ),
  );
}

export function replyDone(to: number, reqId: number): void {
  sendAnswer(to, reqId, true, EMPTY_PAYLOAD);
}

/** Answer with the error `e` (as its shape: strings only, no handles). */
export function replyError(to: number, reqId: number, e: unknown): void {
  const shape = errorShape(e);
  if (!sendAnswer(to, reqId, false, encodeValue(shape, { peer: to }))) return;
  // A message or stack of megabytes: cut short, its name, code and the start of its message still say what failed.
  const short = { ...shape, name: shape.name.slice(0, 50), message: `${shape.message.slice(0, 200)}... (cut short: over SHAREDARRAYS_MAX_FRAME)`, stack: undefined };
  sendAnswer(to, reqId, false, encodeValue(short, { peer: to }));
}
