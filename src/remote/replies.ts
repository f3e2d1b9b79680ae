import { InvalidStateException, ProcessExitedException, RemoteException, reviveError, type ErrorShape } from '../errors.js';
import { decodeValue, type Payload } from '../transport/codec.js';

/**
 * How a reply becomes what the caller sees: a value, or the error it carries. Remote failures
 * arrive as RemoteException (pid, cause); the runtime's own errors about references and channels,
 * and ProcessExitedException, arrive as themselves.
 */

/** An error stored on the owner, as the caller sees it. */
export function asRemote(pid: number, shape: ErrorShape): Error {
  if (shape.code === 'ERR_PROCESS_EXITED') {
    // Never wrapped (API.md, Errors), and a real ProcessExitedException with the dead pid, so
    // `instanceof` and `.pid` work on the caller as they do for a direct call.
    const dead = /^process (\d+) has exited/.exec(shape.message);
    if (dead) {
      const err = new ProcessExitedException(Number(dead[1]));
      if (shape.stack !== undefined) err.stack = shape.stack;
      return err;
    }
    return reviveError(shape);
  }
  return new RemoteException(pid, reviveError(shape));
}

/** Reads a reply carrying a value. */
export function readValue(ok: boolean, value: Payload, pid: number): unknown {
  if (!ok) throw replyError(pid, value);
  return decodeValue(value, { peer: pid });
}

/** Reads a reply that only says "done" (or carries an error). */
export function readDone(ok: boolean, value: Payload, pid: number): void {
  if (!ok) throw replyError(pid, value);
}

/** A failed reply's error: RemoteException, except errors raised by the runtime itself about refs. */
export function replyError(pid: number, payload: Payload): Error {
  const shape = decodeValue(payload, { peer: pid }) as ErrorShape;
  if (shape.code === 'ERR_CHANNEL_CLOSED') return new InvalidStateException(shape.message);
  if (shape.code === 'ERR_FUTURE_SET' || shape.code === 'ERR_REF_FINALIZED') return reviveError(shape);
  return asRemote(pid, shape);
}
