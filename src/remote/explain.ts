import { myid } from '../core/identity.js';

/**
 * A free name a shipped function uses is missing on the process that runs it (Julia's
 * UndefVarError): say where it is missing and the three ways to provide it. Applied wherever user
 * code's errors are caught on the running side (a call, a pmap item), so every path says the same.
 */
export function explainMissingName(e: unknown): unknown {
  if (e instanceof ReferenceError && !e.message.includes('capture(')) {
    const name = /^(\S+) is not defined$/.exec(e.message)?.[1];
    if (name) {
      e.message =
        `${name} is not defined on worker ${myid()}: define it there with everywhere(), ` +
        `pass it as an argument, or capture it: capture({ ${name} }, f) (a function captured next to ${name} sees it too)`;
      if (e.stack) e.stack = `ReferenceError: ${e.message}\n${e.stack.split('\n').slice(1).join('\n')}`;
    }
  }
  return e;
}
