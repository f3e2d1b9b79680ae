// The addon's worker-control half (native/process.cc): tagged calls that interrupts stop, and the
// control pipe. Interrupt and master-death cases run in child processes (test/fixtures/interrupt-*.mjs)
// started like real workers, with the control pipe on fd 3; the test plays the master, writing
// interrupt records on the pipe and sending each interrupt's marker (which the real master sends on
// the connection) on the child's stdin. Every wait is a handshake on a line the child prints, or a
// poll with a deadline; nothing sleeps.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { interruptRecord } from '../dist/src/cluster/interrupt-record.js';
import { admitCall, runCall, startControlWatch } from '../dist/src/native.js';
import { startFixture, type Child } from './helpers/child.js';
import { gone, waitFor } from './helpers/wait.js';

const started: ChildProcess[] = [];
const strays: number[] = [];

function start(script: string, args: string[], stdio: ('pipe' | 'ignore')[]): Child {
  const child = startFixture(script, args, { stdio });
  started.push(child.proc);
  return child;
}

/** Write interrupt `id`'s record to the child's control pipe (its fd 3), handed to the kernel. */
function record(child: Child, id: number): Promise<void> {
  const pipe = child.proc.stdio[3] as Writable;
  return new Promise((resolve, reject) => pipe.write(interruptRecord(id), (e) => (e ? reject(e) : resolve())));
}

/** Send interrupt `id`'s marker, as the master's connection would. */
function marker(child: Child, id: number): void {
  child.proc.stdin!.write(`marker ${id}\n`);
}

const stats = async (child: Child): Promise<unknown> => JSON.parse((await child.line()).replace(/^stats /, ''));

afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const pid of strays.splice(0)) if (!gone(pid)) process.kill(pid, 'SIGKILL');
});

describe('runCall passes calls through unchanged', () => {
  const run = <T>(fn: (...args: never[]) => T, thisArg: unknown, args: unknown[]): T => runCall(admitCall(true), fn, thisArg, args);

  it('returns values and passes this and arguments', () => {
    const obj = { v: 1 };
    expect(run(() => obj, undefined, [])).toBe(obj);
    expect(run(() => undefined, undefined, [])).toBeUndefined();
    expect(run((a: number, b: number) => a - b, undefined, [10, 3])).toBe(7);
    expect(run(function (this: { v: number }) { return this.v; }, obj, [])).toBe(1);
    const many = Array.from({ length: 20 }, (_, i) => i); // more than the native inline buffer
    expect(run((...xs: number[]) => xs, undefined, many)).toEqual(many);
  });

  it('returns a Promise as is', async () => {
    const p = Promise.resolve(5);
    expect(run(() => p, undefined, [])).toBe(p);
    await expect(run(async (x: number) => x + 1, undefined, [1])).resolves.toBe(2);
  });

  it('rethrows the very exception the user threw, whatever it is', () => {
    const err = new RangeError('mine');
    for (const thrown of [err, 'a string', null, undefined, 0]) {
      let caught: unknown = 'nothing';
      try {
        run(() => {
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
    const r = run(
      (x: number) => {
        const inner = run((y: number) => y * 2, undefined, [x]);
        try {
          run(() => {
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
    expect(() => run(() => run(() => { throw err; }, undefined, []), undefined, [])).toThrow(err);
  });

  it('checks its arguments', () => {
    expect(() => runCall(admitCall(true), 42 as never, undefined, [])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => runCall(admitCall(true), () => 1, undefined, 'x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => runCall(0, () => 1, undefined, [])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => interruptRecord(-1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(interruptRecord(0x01020304)).toEqual(Buffer.from([0x49, 4, 3, 2, 1]));
    expect(() => startControlWatch(1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => startControlWatch(987)).toThrow(expect.objectContaining({ code: 'EBADF' })); // not open
  });
});

describe('interrupts through the control pipe', () => {
  it('stop calls spinning in their first stretch, nested ones too; refuse calls sent before the interrupt', async () => {
    const w = start('interrupt-calls.mjs', ['sync'], ['pipe', 'pipe', 'pipe', 'pipe']);
    for (let id = 1; id <= 2; id++) {
      expect(await w.line()).toBe('looping'); // printed from inside the call
      await record(w, id);
      expect(await w.line()).toBe('call ERR_INTERRUPTED');
      // Master calls arriving before the marker were sent before the interrupt: refused (tag 0).
      expect(await w.line()).toBe('before marker: master 0 other cancelled false');
      marker(w, id);
      expect(await w.line()).toBe(`result ${6 * (id + 6)}`); // runs normally after the marker
    }
    expect(await w.line()).toBe('looping');
    await record(w, 3);
    // The inner call is stopped and its caller sees a catchable ERR_INTERRUPTED; the caller is
    // cancelled too, so it is stopped in turn: when it spins on, or (on a loaded machine, when the
    // next stop lands first) in its own code right after catching, before it prints.
    let line = await w.line();
    const caught = line === 'inner ERR_INTERRUPTED';
    if (caught) line = await w.line();
    expect(line).toBe('outer ERR_INTERRUPTED');
    marker(w, 3);
    const st = (await stats(w)) as { stopped: number };
    expect(st).toEqual({ watching: true, microtaskStops: true, received: 3, applied: 3, refused: 2, stopped: st.stopped });
    expect(st.stopped).toBe(caught ? 4 : 3);
    expect(await w.exited).toEqual([0, null]);
  });

  it('stop a call spinning after an await, and nothing queued behind it is lost', async () => {
    const w = start('interrupt-calls.mjs', ['await'], ['pipe', 'pipe', 'pipe', 'pipe']);
    expect(await w.line()).toBe('spinning');
    await record(w, 1);
    expect(await w.line()).toBe('behind: reaction queueMicrotask nextTick');
    expect(await w.line()).toBe('call pending; cancelled true'); // stopped, not settled
    marker(w, 1);
    expect(await w.line()).toBe('later 42'); // a later call runs, awaits included
    expect(await stats(w)).toMatchObject({ applied: 1, refused: 0, stopped: 1 });
    expect(await w.exited).toEqual([0, null]);
  });

  it('keep a cancelled call suspended at an await from ever running again', async () => {
    const w = start('interrupt-calls.mjs', ['resume'], ['pipe', 'pipe', 'pipe', 'pipe']);
    expect(await w.line()).toBe('suspended');
    await record(w, 1);
    marker(w, 1);
    expect(await w.line()).toBe('cancelled true');
    expect(await w.line()).toBe('others: ran');
    expect(await stats(w)).toMatchObject({ applied: 1, stopped: 1 });
    expect(w.lines.join('\n')).not.toContain('RESUMED');
    expect(await w.exited).toEqual([0, null]);
  });

  it('cancel calls from other processes admitted before the record, not after', async () => {
    const w = start('interrupt-calls.mjs', ['others'], ['pipe', 'pipe', 'pipe', 'pipe']);
    expect(await w.line()).toBe('admitted');
    await record(w, 1);
    expect(await w.line()).toBe('before true after false');
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
