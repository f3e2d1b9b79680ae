/**
 * The package's error taxonomy. Every error this package raises itself carries a stable `code`
 * string, so callers can branch on `err.code` instead of parsing messages.
 *
 * Built-in error classes (TypeError, RangeError) are used where JavaScript users expect them;
 * `coded()` attaches the code. The four exception classes below are Julia's. Every code, with its
 * meaning and its fix, is listed in docs/errors.md.
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
  | 'ERR_MODULE_NOT_LOADED'
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
  | 'ERR_PROTOCOL'
  | 'ERR_FRAME_TOO_LARGE'
  | 'ERR_VERSION_MISMATCH'
  | 'ERR_NOT_SAME_HOST'
  | 'ERR_THREAD_EXITED'
  | 'ERR_THREAD_NOT_IN_CLUSTER'
  | 'ERR_BARRIER_BROKEN'
  | 'ERR_BARRIER_TIMEOUT'
  | 'ERR_FFI_LIBRARY'
  | 'ERR_FFI_SYMBOL'
  | 'ERR_FFI_TYPE'
  | 'ERR_SHAPE_MISMATCH'
  | 'ERR_DTYPE_MISMATCH'
  | 'ERR_OVERLAP'
  | 'ERR_EMPTY'
  | 'ERR_DIVIDE_BY_ZERO';

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

/**
 * What crosses processes for an error, on every path (a failed call, a stored Future's error, a
 * pmap item): plain strings, plus the `pid` of the process an error is about when it names one
 * (a ProcessExitedException), so it can be rebuilt as the same class on the other side.
 */
export interface ErrorShape {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: string | undefined;
  pid?: number | undefined;
}

/**
 * Rebuild an error from its shape: a ProcessExitedException stays one (with its pid), built-in
 * classes (TypeError, ReferenceError, ...) are rebuilt as such, and any other name becomes an
 * `Error` with that name. Message, stack and code are kept.
 */
export function reviveError(shape: ErrorShape): Error {
  let err: Error;
  if (shape.code === 'ERR_PROCESS_EXITED' && shape.pid !== undefined) {
    err = new ProcessExitedException(shape.pid);
    err.message = shape.message;
  } else {
    const Ctor = builtinErrors[shape.name] ?? Error;
    err = new Ctor(shape.message);
    if (err.name !== shape.name) Object.defineProperty(err, 'name', { value: shape.name, configurable: true, writable: true });
    if (shape.code !== undefined) (err as CodedError).code = shape.code;
  }
  if (shape.stack !== undefined) err.stack = shape.stack;
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

/** The shape of any thrown value (non-Error throws become an Error message). */
export function errorShape(e: unknown): ErrorShape {
  // Total: whatever was thrown, this returns plain strings and numbers (it runs on paths that
  // must answer, and its result must always serialize: a `code` that is a Symbol is dropped).
  try {
    if (e instanceof Error) {
      const { code, pid } = e as Partial<CodedError> & { pid?: unknown };
      return {
        name: String(e.name),
        message: String(e.message),
        stack: typeof e.stack === 'string' ? e.stack : undefined,
        code: typeof code === 'string' ? code : undefined,
        pid: typeof pid === 'number' && Number.isSafeInteger(pid) ? pid : undefined,
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
  /** Always `ERR_REMOTE`: the error happened in the called function, not in this process. */
  readonly code = 'ERR_REMOTE' as const;
  /** The process the function ran on. */
  readonly pid: number;
  /**
   * The error the function raised there, rebuilt here: same name (built-in classes such as
   * TypeError come back as themselves), message, stack and `code`.
   */
  declare readonly cause: Error;
  /** `cause`, raised on process `pid`; the message and stack show both. */
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
  /** Always `ERR_PROCESS_EXITED`. */
  readonly code = 'ERR_PROCESS_EXITED' as const;
  /** The process that has exited. */
  readonly pid: number;
  /** Process `pid` has exited; `detail` (why, when known) is added to the message. */
  constructor(pid: number, detail?: string) {
    super(`process ${pid} has exited${detail ? ` (${detail})` : ''}`);
    this.name = 'ProcessExitedException';
    this.pid = pid;
  }
}

/** `put` on a closed channel, `take`/`fetch` on a closed and empty one. */
export class InvalidStateException extends Error {
  /** Always `ERR_CHANNEL_CLOSED`. */
  readonly code = 'ERR_CHANNEL_CLOSED' as const;
  /** The channel's state that refused the operation (Julia's `:closed`). */
  readonly state = 'closed' as const;
  /** The message defaults to Julia's: `Channel is closed.` */
  constructor(message = 'Channel is closed.') {
    super(message);
    this.name = 'InvalidStateException';
  }
}

/** Several errors at once (`everywhere`), ordered by pid. */
export class CompositeException extends AggregateError {
  /** Always `ERR_COMPOSITE`; the errors themselves are in `errors`. */
  readonly code = 'ERR_COMPOSITE' as const;
  /** The message defaults to the first error's, with how many more there are. */
  constructor(errors: Error[], message?: string) {
    super(errors, message ?? compositeMessage(errors));
    this.name = 'CompositeException';
  }
}

/**
 * The error a caller sees for an error raised on process `pid`: a RemoteException around it,
 * except a ProcessExitedException, which is never wrapped (the process it names is gone; which
 * process noticed does not matter).
 */
export function asRemote(pid: number, shape: ErrorShape): Error {
  const err = reviveError(shape);
  return err instanceof ProcessExitedException ? err : new RemoteException(pid, err);
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
