// Run a fixture script in its own Node process and read its output line by line.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface Child {
  proc: ChildProcess;
  /** The next stdout line; rejects (with stderr) if the child exits first. */
  line(): Promise<string>;
  /** Every stdout line so far. */
  lines: string[];
  stderr(): string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

export interface FixtureOptions {
  /** Default: stdin ignored, stdout and stderr piped (both must stay piped: they are read). */
  stdio?: ('pipe' | 'ignore')[];
  env?: Record<string, string>;
}

export function startFixture(script: string, args: string[] = [], opts: FixtureOptions = {}): Child {
  const proc = spawn(process.execPath, [fixture(script), ...args], {
    stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const queue: string[] = [];
  const lines: string[] = [];
  const waiting: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  let ended = false;
  const rl = createInterface({ input: proc.stdout! });
  rl.on('line', (l) => {
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
    for (const w of waiting.splice(0)) w.reject(new Error(`${script} exited (${code ?? signal}) early; stderr:\n${stderr}`));
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
          ? Promise.reject(new Error(`${script} has exited; stderr:\n${stderr}`))
          : new Promise((resolve, reject) => waiting.push({ resolve, reject })),
  };
}
