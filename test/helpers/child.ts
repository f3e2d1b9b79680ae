// Run a fixture script in its own Node process and read its output line by line.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readChild } from './read-child.js';

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
  return readChild(proc, script);
}
