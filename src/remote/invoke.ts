/**
 * How this process runs the calls it serves, and how `interrupt` reaches them. A worker installs
 * the addon's runner (cluster/call-interrupts.ts): calls are tagged, and an interrupt stops their
 * code wherever it runs. Elsewhere (the master, which is never interrupted) calls are plain.
 */
export interface CallRunner {
  /**
   * A call from process `from` has arrived (called in arrival order). Returns its tag, or 0 when an
   * interrupt issued after it was sent has already cancelled it: then it must not run.
   */
  admit(from: number): number;
  /** Run `fn(...args)` as the call `tag`; throws ERR_INTERRUPTED if an interrupt stops it. */
  run(tag: number, fn: Function, args: unknown[]): unknown;
  /**
   * The marker of interrupt `id` arrived on the master's connection: which calls does it cancel?
   * (The runner keeps their code from running again; the caller answers them.)
   */
  interrupt(id: number): (tag: number) => boolean;
}

const plain: CallRunner = {
  admit: () => 1,
  run: (_tag, fn, args) => fn(...args),
  interrupt: () => () => true,
};
let current: CallRunner = plain;

/** Install this process's runner (a worker does, before serving its first call). */
export function setCallRunner(runner: CallRunner): void {
  current = runner;
}

/** The runner calls are served with. */
export function callRunner(): CallRunner {
  return current;
}
