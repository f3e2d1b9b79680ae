// A worker exits when its master goes away: after kill -9 of the master, even while a worker is
// stuck in synchronous code, and when the master's script simply ends (the workers must not keep
// the master alive either). Local workers listen on abstract sockets: no file is left anywhere.
import { afterEach, describe, expect, it } from 'vitest';
import { type Child, startFixture } from './helpers/child.js';
import { gone, waitFor } from './helpers/wait.js';

const strays: number[] = [];
const children: Child[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  for (const pid of strays.splice(0)) if (!gone(pid)) process.kill(pid, 'SIGKILL');
});

async function startMaster(mode: string): Promise<{ c: Child; ospids: number[] }> {
  const c = startFixture('runtime-master.mjs', [mode]);
  children.push(c);
  const [word, p1, p2, address] = (await c.line()).split(' ') as [string, string, string, string];
  expect(word).toBe('workers');
  expect(address).toBe('abstract');
  const ospids = [Number(p1), Number(p2)];
  strays.push(...ospids);
  if (mode !== 'end') {
    // (A master in "end" mode may be gone, workers and all, by the time its line is read.)
    for (const p of ospids) expect(gone(p)).toBe(false);
  }
  return { c, ospids };
}

describe('the master goes away', () => {
  for (const mode of ['kill', 'busy'] as const) {
    it(`kill -9 of the master leaves no worker alive${mode === 'busy' ? ' (one stuck in a synchronous loop)' : ''}`, async () => {
      const { c, ospids } = await startMaster(mode);
      c.proc.kill('SIGKILL');
      expect((await c.exited)[1]).toBe('SIGKILL');
      await waitFor(() => ospids.every(gone), { what: 'both workers to exit' });
    });
  }

  it('a master whose script ends exits, and takes its workers along', async () => {
    const { c, ospids } = await startMaster('end');
    const [code, signal] = await c.exited;
    expect(c.stderr()).toBe('');
    expect([code, signal]).toEqual([0, null]);
    await waitFor(() => ospids.every(gone), { what: 'both workers to exit' });
  });
});
