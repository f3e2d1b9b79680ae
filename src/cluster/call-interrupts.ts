import { executionAsyncId } from 'node:async_hooks';
import v8 from 'node:v8';
import type { CallScope } from '../core/call-scope.js';
import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { admitCall, applyInterrupt, configureCallInterrupts, currentCall, detached, isCancelled, resumeGuard, runCall } from '../native.js';
import type { CallRunner } from '../remote/invoke.js';

/**
 * A worker's calls, as the addon serves them: `runner` tags every call it serves, so that
 * `interrupt` cancels exactly the calls in flight when it was issued and stops their code wherever
 * it runs: first synchronous stretch, after an `await`, or when a suspended one resumes (then it
 * never runs again). `scope` tells runtime code shared by several calls which call it runs for
 * (core/call-scope.ts). Once per process, before the first call is served. The protocol and the
 * mechanism are described in native/process.cc; docs/interrupt.md has the measurements.
 */
export function workerCalls(): { runner: CallRunner; scope: CallScope } {
  return { runner: workerCallRunner(), scope: { current: currentCall, cancelled: isCancelled, detached } };
}

function workerCallRunner(): CallRunner {
  // This package's runtime modules: an interrupt waits until user code is on top of the stack.
  const runtimePrefix = new URL('..', import.meta.url).href;
  const { microtaskStops } = configureCallInterrupts(runtimePrefix, afterStoppedJob);
  // For the life of the worker: V8 hides from a hook the awaits made before it was installed.
  // (Pointless where continuations cannot be stopped: no tags to check.)
  if (microtaskStops) v8.promiseHooks.onBefore(resumeGuard());
  return {
    admit: (from) => admitCall(from === 1),
    run(tag, fn, args) {
      const context = executionAsyncId();
      try {
        return runCall(tag, fn as (...a: never[]) => unknown, undefined, args);
      } catch (e) {
        if ((e as { code?: unknown } | null)?.code !== 'ERR_INTERRUPTED') throw e;
        balanceAsyncContext(context);
        // The same error as for calls cancelled while awaiting (remote/serve.ts).
        throw coded(Error, 'ERR_INTERRUPTED', `call interrupted on worker ${myid()}`);
      }
    },
    interrupt(id) {
      applyInterrupt(id);
      return isCancelled;
    },
  };
}

/**
 * A job of a cancelled call was stopped inside a microtask checkpoint. The jobs that were queued
 * behind it are back in the queue: a tick makes node run them now rather than after the next I/O
 * event. And the checkpoint ends with node's async context stack empty, as it began.
 */
function afterStoppedJob(): void {
  balanceAsyncContext(0);
  process.nextTick(noop);
}

function noop(): void {}

/**
 * A stop skips the code that would have restored node's async context (async_hooks, behind
 * AsyncLocalStorage): the `after` hook of the stopped promise job, the `finally` of a
 * runInAsyncScope it was in. Node aborts when it finds the stack unbalanced, so do what node itself
 * does when a termination or an uncaught exception cuts callbacks short: clear the stack. (Its
 * enclosing callback scopes accept an empty stack.) Only when it is actually off.
 */
function balanceAsyncContext(expected: number): void {
  if (executionAsyncId() === expected) return;
  asyncWrap().clearAsyncIdStack();
}

interface AsyncWrapBinding {
  clearAsyncIdStack(): void;
}
let asyncWrapBinding: AsyncWrapBinding | undefined;

/** Node's async_hooks binding: the only way to clear the stack from outside node's core. */
function asyncWrap(): AsyncWrapBinding {
  if (asyncWrapBinding) return asyncWrapBinding;
  // process.binding is deprecated (DEP0111), and warns on first use: not this worker's user's concern.
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    asyncWrapBinding = (process as unknown as { binding(name: string): AsyncWrapBinding }).binding('async_wrap');
  } finally {
    process.noDeprecation = quiet;
  }
  return asyncWrapBinding;
}
