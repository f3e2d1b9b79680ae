// A worker exits when its master goes away (API.md "Processes"): after kill -9 of the master,
// even while a worker is stuck in synchronous code, and when the master's script simply ends
// (the workers must not keep the master alive either).
import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Child, startFixture } from './helpers/child.js';
import { gone, waitFor } from './helpers/wait.js';

const strays: number[] = [];
const children: Child[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  for (const pid of strays.splice(0)) if (!gone(pid)) process.kill(pid, 'SIGKILL');
});

async function startMaster(mode: string): Promise<{ c: Child; ospids: number[]; dir: string }> {
  const c = startFixture('runtime-master.mjs', [mode]);
  children.push(c);
  const [word, p1, p2, dir] = (await c.line()).split(' ') as [string, string, string, string];
  expect(word).toBe('workers');
  const ospids = [Number(p1), Number(p2)];
  strays.push(...ospids);
  if (mode !== 'end') {
    // (A master in "end" mode may be gone, workers and all, by the time its line is read.)
    for (const p of ospids) expect(gone(p)).toBe(false);
    expect(existsSync(dir)).toBe(true);
  }
  return { c, ospids, dir };
}

const dirEmptyOrGone = (dir: string): boolean => !existsSync(dir) || readdirSync(dir).length === 0;

describe('the master goes away', () => {
  for (const mode of ['kill', 'busy'] as const) {
    it(`kill -9 of the master leaves no worker alive${mode === 'busy' ? ' (one stuck in a synchronous loop)' : ''}`, async () => {
      const { c, ospids, dir } = await startMaster(mode);
      c.proc.kill('SIGKILL');
      expect((await c.exited)[1]).toBe('SIGKILL');
      await waitFor(() => ospids.every(gone), { what: 'both workers to exit' });
      await waitFor(() => dirEmptyOrGone(dir), { what: "the master's socket directory to be cleaned" });
    });
  }

  it('a master whose script ends exits, and takes its workers along', async () => {
    const { c, ospids, dir } = await startMaster('end');
    const [code, signal] = await c.exited;
    expect(c.stderr()).toBe('');
    expect([code, signal]).toEqual([0, null]);
    await waitFor(() => ospids.every(gone), { what: 'both workers to exit' });
    await waitFor(() => !existsSync(dir), { what: "the master's socket directory to be removed" });
  });
});
