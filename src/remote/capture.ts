import { coded } from '../core/errors.js';
import { declarable } from './function-source.js';

/**
 * `capture(env, f)`: ship `f` together with the values of the variables it closes over, since
 * JavaScript cannot read a closure's scope. The values travel once per receiving process and are
 * in scope there under their names. Functions among the values share that scope: a helper
 * captured next to the values it uses sees them (`capture({ scale, N }, (x) => scale(x))`, where
 * `scale` uses `N`), and a captured value that is itself a `capture(...)` brings its own values.
 * Calling the result locally simply calls `f`.
 */
export function capture<F extends Function>(env: Record<string, unknown>, f: F): F {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'capture(env, f): env must be a plain object such as { a, b }');
  }
  if (typeof f !== 'function') throw coded(TypeError, 'ERR_INVALID_ARG', 'capture(env, f): f must be a function');
  const names = Object.keys(env);
  for (const name of names) {
    if (validNames.has(name)) continue;
    if (!VALID_NAME.test(name)) throw coded(TypeError, 'ERR_INVALID_ARG', `capture(env, f): "${name}" is not a valid variable name`);
    // The receiver declares each name in strict mode (function-source.ts): a reserved word would fail there.
    if (!declarable(name)) {
      throw coded(
        TypeError,
        'ERR_INVALID_ARG',
        `capture(env, f): "${name}" cannot name a captured variable: it is reserved in strict-mode JavaScript, which shipped functions are compiled in; ` +
          `rename the key (e.g. to ${name}_) and use that name in f`,
      );
    }
    if (validNames.size < 4096) validNames.add(name);
  }
  // Named after f (a computed key names the function expression), for stacks and messages.
  const name = f.name || 'captured';
  const wrapped = {
    [name]: function (this: unknown, ...args: unknown[]): unknown {
      return f.apply(this, args);
    },
  }[name]!;
  // Kept on the function itself rather than in a WeakMap: a loop that captures anew at every step
  // (the seed's @distributed per time step) would otherwise give the garbage collector one
  // ephemeron per step to trace. Assigned rather than defined: a capture costs about half.
  (wrapped as unknown as Record<symbol, Captured>)[CAPTURED] = { env: { ...env }, names, f, text: null, sentTo: null };
  return wrapped as unknown as F;
}

const VALID_NAME = /^[A-Za-z_$][\w$]*$/;
/** Names already checked (a loop captures the same few names at every step). */
const validNames = new Set<string>();
const CAPTURED = Symbol('sharedarrays.captured');

/** What `capture` recorded for a function it returned. */
export interface Captured {
  env: Record<string, unknown>;
  /** The env's names, in order. */
  names: readonly string[];
  f: Function;
  /**
   * The source of `f` and of the functions in `env` that travel as source (null for the other
   * names), as they travel, once read (function-shipping.ts).
   */
  text: { src: string; envSrc: readonly (string | null)[] } | null;
  /** The peers this function went to once without being kept there (function-shipping.ts). */
  sentTo: number[] | null;
}

/**
 * Record on `fn`, a function compiled here from a peer's captured function (the names of its env,
 * their values, and its source as it travelled), what `capture` would have recorded: passed on
 * (to this process's threads, to another process) it then travels with its values again.
 */
export function markCaptured(fn: Function, names: readonly string[], values: readonly unknown[], text: NonNullable<Captured['text']>): void {
  const env: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) env[names[i]!] = values[i];
  (fn as unknown as Record<symbol, Captured>)[CAPTURED] = { env, names, f: fn, text, sentTo: null };
}

/** The env and function behind a `capture(...)` result, if `f` is one. */
export function capturedOf(f: Function): Captured | undefined {
  return (f as unknown as { [CAPTURED]?: Captured })[CAPTURED];
}
