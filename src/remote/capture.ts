import { coded } from '../core/errors.js';

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
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
      throw coded(TypeError, 'ERR_INVALID_ARG', `capture(env, f): "${name}" is not a valid variable name`);
    }
  }
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    return f.apply(this, args);
  };
  Object.defineProperty(wrapped, 'name', { value: f.name || 'captured' });
  captured.set(wrapped, { env: { ...env }, f });
  return wrapped as unknown as F;
}

/** What `capture` recorded for a function it returned. */
export interface Captured {
  env: Record<string, unknown>;
  f: Function;
}

const captured = new WeakMap<Function, Captured>();

/** The env and function behind a `capture(...)` result, if `f` is one. */
export function capturedOf(f: Function): Captured | undefined {
  return captured.get(f);
}
