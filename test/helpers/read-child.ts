// Reading a child process's stdout line by line, for a process started any way (child.ts starts
// fixtures with it in mind; machines.ts starts processes inside simulated machines).
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Child } from './child.js';

/** A `Child` over `proc`, whose stdout and stderr must be pipes; `label` names it in errors. */
export function readChild(proc: ChildProcess, label: string): Child {
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const queue: string[] = [];
  const lines: string[] = [];
  const waiting: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  let ended = false;
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    lines.push(l);
    if (waiting.length > 0) waiting.shift()!.resolve(l);
    else queue.push(l);
  });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    // 'close' (not 'exit'): all of stdout has been read by then.
    void once(proc, 'close').then(() => resolve([proc.exitCode, proc.signalCode]));
  });
  void exited.then(([code, signal]) => {
    ended = true;
    for (const w of waiting.splice(0)) w.reject(new Error(`${label} exited (${code ?? signal}) early; stderr:\n${stderr}`));
  });
  return {
    proc,
    lines,
    stderr: () => stderr,
    exited,
    line: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : ended
          ? Promise.reject(new Error(`${label} has exited; stderr:\n${stderr}`))
          : new Promise((resolve, reject) => waiting.push({ resolve, reject })),
  };
}
