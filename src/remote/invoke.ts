/**
 * Running a user function so that `interrupt()` can stop it. On a worker started with a control
 * pipe, calls go through the addon's interruptible call (a synchronous endless loop can be
 * cancelled there); elsewhere they are plain calls.
 */
export type Invoker = (fn: Function, args: unknown[]) => unknown;

const direct: Invoker = (fn, args) => fn(...args);
let current: Invoker = direct;

export function setInvoker(inv: Invoker): void {
  current = inv;
}

export function invoke(fn: Function, args: unknown[]): unknown {
  return current(fn, args);
}
