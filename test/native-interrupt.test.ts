// The addon's worker-control half (native/process.cc): interruptible calls and the control pipe.
// Interrupt and master-death cases run in child processes (test/fixtures/interrupt-*.mjs) started
// like real workers, with the control pipe on fd 3. Every wait is a handshake on a line the child
// prints, or a poll with a deadline; nothing sleeps.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { callInterruptible, startControlWatch } from '../dist/src/native.js';
import { startFixture, type Child } from './helpers/child.js';
import { gone, waitFor } from './helpers/wait.js';

const started: ChildProcess[] = [];
const strays: number[] = [];

function start(script: string, args: string[], stdio: ('pipe' | 'ignore')[]): Child {
  const child = startFixture(script, args, { stdio });
  started.push(child.proc);
  return child;
}

/** Write to the child's control pipe (its fd 3) and wait until the bytes are handed to the kernel. */
function control(child: Child, bytes: string): Promise<void> {
  const pipe = child.proc.stdio[3] as Writable;
  return new Promise((resolve, reject) => pipe.write(bytes, (e) => (e ? reject(e) : resolve())));
}

afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const pid of strays.splice(0)) if (!gone(pid)) process.kill(pid, 'SIGKILL');
});

describe('callInterruptible passes calls through unchanged', () => {
  it('returns values and passes this and arguments', () => {
    const obj = { v: 1 };
    expect(callInterruptible(() => obj, undefined, [])).toBe(obj);
    expect(callInterruptible(() => undefined, undefined, [])).toBeUndefined();
    expect(callInterruptible((a: number, b: number) => a - b, undefined, [10, 3])).toBe(7);
    expect(callInterruptible(function (this: { v: number }) { return this.v; }, obj, [])).toBe(1);
    const many = Array.from({ length: 20 }, (_, i) => i); // more than the native inline buffer
    expect(callInterruptible((...xs: number[]) => xs, undefined, many)).toEqual(many);
  });

  it('returns a Promise as is', async () => {
    const p = Promise.resolve(5);
    expect(callInterruptible(() => p, undefined, [])).toBe(p);
    await expect(callInterruptible(async (x: number) => x + 1, undefined, [1])).resolves.toBe(2);
  });

  it('rethrows the very exception the user threw, whatever it is', () => {
    const err = new RangeError('mine');
    for (const thrown of [err, 'a string', null, undefined, 0]) {
      let caught: unknown = 'nothing';
      try {
        callInterruptible(() => {
          throw thrown;
        }, undefined, []);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe(thrown);
    }
  });

  it('nests: inner results and exceptions reach the outer call', () => {
    const err = new Error('inner');
    const r = callInterruptible(
      (x: number) => {
        const inner = callInterruptible((y: number) => y * 2, undefined, [x]);
        try {
          callInterruptible(() => {
            throw err;
          }, undefined, []);
        } catch (e) {
          return [inner, e];
        }
        return [inner, undefined];
      },
      undefined,
      [21],
    );
    expect(r).toEqual([42, err]);
    expect(() => callInterruptible(() => callInterruptible(() => { throw err; }, undefined, []), undefined, [])).toThrow(err);
  });

  it('checks its arguments', () => {
    expect(() => callInterruptible(42 as never, undefined, [])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => callInterruptible(() => 1, undefined, 'x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => startControlWatch(1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => startControlWatch(987)).toThrow(expect.objectContaining({ code: 'EBADF' })); // not open
  });
});

describe('interrupt through the control pipe', () => {
  it('aborts an endless loop with ERR_INTERRUPTED, and the worker keeps serving', async () => {
    const w = start('interrupt-loop.mjs', ['loop'], ['pipe', 'pipe', 'pipe', 'pipe']);
    for (let round = 0; round < 2; round++) {
      expect(await w.line()).toBe('looping'); // printed from inside the interruptible call
      await control(w, 'I');
      expect(await w.line()).toBe('interrupted ERR_INTERRUPTED call interrupted');
      expect(await w.line()).toBe('result 42'); // the isolate runs normally after the cancel
    }
    // Nested two deep behind user try/catch: neither catch runs, the outermost call throws.
    expect(await w.line()).toBe('looping');
    await control(w, 'I');
    expect(await w.line()).toBe('nested interrupted ERR_INTERRUPTED');
    expect(await w.line()).toBe('result 43');
    expect(JSON.parse((await w.line()).replace(/^stats /, ''))).toEqual({ watching: true, received: 3, delivered: 3 });
    expect(await w.exited).toEqual([0, null]);
  });

  it('ignores a request that arrives while no call runs', async () => {
    const w = start('interrupt-loop.mjs', ['idle'], ['pipe', 'pipe', 'pipe', 'pipe']);
    expect(await w.line()).toBe('ready');
    await control(w, 'I');
    w.proc.stdin?.write('sent\n');
    expect(await w.line()).toBe(`sum ${1e7 + 1000}`);
    expect(JSON.parse((await w.line()).replace(/^stats /, ''))).toEqual({ watching: true, received: 1, delivered: 0 });
    expect(await w.exited).toEqual([0, null]);
  });
});

describe('a worker whose master is SIGKILLed', () => {
  async function masterDies(): Promise<{ pid: number; socketPath: string; dir: string }> {
    const master = start('interrupt-middle.mjs', [], ['ignore', 'pipe', 'pipe']);
    const [word, pid, socketPath, dir] = (await master.line()).split(' ') as [string, string, string, string];
    expect(word).toBe('worker');
    strays.push(Number(pid));
    expect(gone(Number(pid))).toBe(false);
    expect(existsSync(socketPath)).toBe(true);
    master.proc.kill('SIGKILL');
    await master.exited;
    // The worker spins in a synchronous loop: only the native layer can end it.
    await waitFor(() => gone(Number(pid)), { timeoutMs: 10_000, what: `the spinning grandchild ${pid} to die` });
    return { pid: Number(pid), socketPath, dir };
  }

  it('exits at once on EOF of the control pipe and removes its socket and directory', async () => {
    const { socketPath, dir } = await masterDies();
    expect(existsSync(socketPath)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

});
