import { asRemote, type ErrorShape, InvalidStateException, reviveError } from '../core/errors.js';
import { decodeValue } from '../transport/codec.js';
import type { Payload } from '../transport/payload.js';

/**
 * Reading a reply into a value or the error a caller sees. An error raised over there arrives as
 * a RemoteException (a ProcessExitedException is never wrapped: see asRemote); the runtime's own
 * errors about a reference itself keep their class: a closed channel (InvalidStateException) and
 * a reference that no longer exists (ERR_REF_FINALIZED).
 */
export function readValue(ok: boolean, value: Payload, pid: number): unknown {
  if (!ok) throw replyError(pid, value);
  return decodeValue(value, { peer: pid });
}

/** Reads a reply that only says "done" (or carries an error). */
export function readDone(ok: boolean, value: Payload, pid: number): void {
  if (!ok) throw replyError(pid, value);
}

/** The error a failed reply from `pid` stands for. */
export function replyError(pid: number, payload: Payload): Error {
  return errorFrom(pid, decodeValue(payload, { peer: pid }) as ErrorShape);
}

/** The error a caller sees for an error shape raised on `pid`. */
export function errorFrom(pid: number, shape: ErrorShape): Error {
  if (shape.code === 'ERR_CHANNEL_CLOSED') return new InvalidStateException(shape.message);
  if (shape.code === 'ERR_REF_FINALIZED') return reviveError(shape);
  return asRemote(pid, shape);
}
