/**
 * The package's error taxonomy. Every error this package raises itself carries a stable `code`
 * string, so callers can branch on `err.code` instead of parsing messages.
 *
 * Built-in error classes (TypeError, RangeError) are used where JavaScript users expect them;
 * `coded()` attaches the code. The four classes below are the contract's own (API.md, Errors).
 */

/** Error codes raised by this package. Stable: code may branch on them. */
export type ErrorCode =
  | 'ERR_INVALID_ARG'
  | 'ERR_INVALID_DTYPE'
  | 'ERR_INVALID_DIMS'
  | 'ERR_INDEX_OUT_OF_RANGE'
  | 'ERR_INVALID_VALUE'
  | 'ERR_ARRAY_CLOSED'
  | 'ERR_NOT_MAPPED'
  | 'ERR_SHM_NOSPACE'
  | 'ERR_SHM_TOO_LARGE'
  | 'ERR_FILE'
  | 'ERR_READ_ONLY'
  | 'ERR_NATIVE_MISSING'
  | 'ERR_UNSERIALIZABLE'
  | 'ERR_UNSHIPPABLE_FUNCTION'
  | 'ERR_REMOTE'
  | 'ERR_PROCESS_EXITED'
  | 'ERR_NO_SUCH_PROCESS'
  | 'ERR_NOT_MASTER'
  | 'ERR_CHANNEL_CLOSED'
  | 'ERR_FUTURE_SET'
  | 'ERR_REF_FINALIZED'
  | 'ERR_COMPOSITE'
  | 'ERR_TOPOLOGY'
  | 'ERR_WORKER_START'
  | 'ERR_RMPROCS_TIMEOUT'
  | 'ERR_INTERRUPTED'
  | 'ERR_NO_WORKERS'
  | 'ERR_PROTOCOL';

export interface CodedError extends Error {
  code: ErrorCode | string;
}

type ErrorCtor<E extends Error> = new (message: string, options?: { cause?: unknown }) => E;

/** Build `new Ctor(message)` with `code` set; extra props are copied on. */
export function coded<E extends Error>(
  Ctor: ErrorCtor<E>,
  code: ErrorCode,
  message: string,
  props?: Record<string, unknown>,
): E & { code: ErrorCode } {
  const err = new Ctor(message) as E & { code: ErrorCode };
  Object.defineProperty(err, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  if (props) Object.assign(err, props);
  return err;
}

/** A plain object carrying a remote error's identity: what crosses the wire. */
export interface ErrorShape {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: string | undefined;
}

/**
 * Rebuild a remote error as an instance of the matching built-in class (TypeError, ReferenceError,
 * ...), keeping the remote name, message and stack. Unknown names become `Error` with `name` set.
 */
export function reviveError(shape: ErrorShape): Error {
  const Ctor = builtinErrors[shape.name] ?? Error;
  const err = new Ctor(shape.message);
  if (err.name !== shape.name) Object.defineProperty(err, 'name', { value: shape.name, configurable: true, writable: true });
  if (shape.stack !== undefined) err.stack = shape.stack;
  if (shape.code !== undefined) (err as CodedError).code = shape.code;
  return err;
}

const builtinErrors: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

/** Extract the wire shape of any thrown value (non-Error throws become an Error message). */
export function errorShape(e: unknown): ErrorShape {
  // Total: whatever was thrown, this returns plain strings (it runs on paths that must answer).
  try {
    if (e instanceof Error) {
      const code = (e as Partial<CodedError>).code;
      return {
        name: String(e.name),
        message: String(e.message),
        stack: typeof e.stack === 'string' ? e.stack : undefined,
        code: typeof code === 'string' ? code : undefined,
      };
    }
    return { name: 'Error', message: `non-Error value thrown: ${String(e)}` };
  } catch {
    return { name: 'Error', message: 'an unprintable value was thrown' };
  }
}

/**
 * An error raised by a function running on another process (or on this one through the remote
 * call machinery). `cause` keeps the original name, message and stack.
 */
export class RemoteException extends Error {
  readonly code = 'ERR_REMOTE' as const;
  readonly pid: number;
  declare readonly cause: Error;
  constructor(pid: number, cause: Error) {
    super(`On worker ${pid}:\n${cause.name}: ${cause.message}`, { cause });
    this.name = 'RemoteException';
    this.pid = pid;
    // Show the remote stack under our own: that is where the failure really happened.
    this.stack = `${this.name}: ${this.message}\n${indentStack(cause.stack)}\n${localFrames(this.stack)}`;
  }
}

/** Raised for calls to a process that has exited, including calls in flight when it died. */
export class ProcessExitedException extends Error {
  readonly code = 'ERR_PROCESS_EXITED' as const;
  readonly pid: number;
  constructor(pid: number, detail?: string) {
    super(`process ${pid} has exited${detail ? ` (${detail})` : ''}`);
    this.name = 'ProcessExitedException';
    this.pid = pid;
  }
}

/** `put` on a closed channel, `take`/`fetch` on a closed and empty one. */
export class InvalidStateException extends Error {
  readonly code = 'ERR_CHANNEL_CLOSED' as const;
  readonly state = 'closed' as const;
  constructor(message = 'Channel is closed.') {
    super(message);
    this.name = 'InvalidStateException';
  }
}

/** Several errors at once (`everywhere`), ordered by pid. */
export class CompositeException extends AggregateError {
  readonly code = 'ERR_COMPOSITE' as const;
  constructor(errors: Error[], message?: string) {
    super(errors, message ?? compositeMessage(errors));
    this.name = 'CompositeException';
  }
}

function compositeMessage(errors: Error[]): string {
  const first = errors[0];
  if (!first) return 'no errors';
  const more = errors.length - 1;
  return more > 0 ? `${first.message}\n\n...and ${more} more exception${more > 1 ? 's' : ''}.` : first.message;
}

function indentStack(stack: string | undefined): string {
  return (stack ?? '(no remote stack)')
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function localFrames(stack: string | undefined): string {
  return (stack ?? '')
    .split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .join('\n');
}
