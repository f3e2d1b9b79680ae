import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SharedArray } from 'sharedarrays';

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const segmentsIn = (pid: number | 'self'): string[] =>
  readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`/dev/shm/sa${pid === 'self' ? process.pid : pid}_`));
const linked = (pid: number): string[] => readdirSync('/dev/shm').filter((n) => n.startsWith(`sa${pid}_`));

// Collect until `done()` holds, giving finalizers a turn of the event loop between collections.
async function collectUntil(done: () => boolean): Promise<boolean> {
  for (let round = 0; round < 50 && !done(); round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return done();
}

async function dropped(dims: number[]): Promise<void> {
  const S = await SharedArray.create('float64', dims);
  S.data.fill(1);
}

describe('SharedArray memory lifetime', () => {
  it('is unmapped by the garbage collector when never closed', async () => {
    expect(typeof gc).toBe('function');
    const before = segmentsIn('self').length;
    await dropped([256, 256]);
    expect(segmentsIn('self').length).toBe(before + 1);
    expect(await collectUntil(() => segmentsIn('self').length === before)).toBe(true);
  });

  it('keeps the mapping while a reshape sibling or a view is alive', async () => {
    const before = segmentsIn('self').length;
    let R: SharedArray<'int32'> | undefined;
    let view: Int32Array | undefined;
    await (async () => {
      const S = await SharedArray.create('int32', [8, 8], { init: (A) => A.data.fill(5) });
      R = S.reshape(64);
      view = (await SharedArray.create('int32', 4, { init: (A) => A.data.fill(6) })).data;
    })();
    await collectUntil(() => false); // collect everything collectable
    expect(segmentsIn('self').length).toBe(before + 2);
    expect(R?.get(63)).toBe(5);
    expect([...(view as Int32Array)]).toEqual([6, 6, 6, 6]);
    await R?.close(); // the last open user: unmapped now, though its sibling was only collected
    expect(segmentsIn('self').length).toBe(before + 1);
    view = undefined;
    expect(await collectUntil(() => segmentsIn('self').length === before)).toBe(true);
  });

  it('never unmaps twice: close, then collection, then a new mapping stays valid', async () => {
    for (let round = 0; round < 20; round++) {
      const A = await SharedArray.create('float64', 4096);
      await A.close();
      const B = await SharedArray.create('float64', 4096, { init: (S) => S.data.fill(round) });
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      // Had A's finalizer munmapped again, B (possibly at A's old address) would be gone.
      expect(B.data[4095]).toBe(round);
      expect(B.data.length).toBe(4096);
      await B.close();
    }
  });

  it('leaves nothing in /dev/shm when the holder is killed with SIGKILL', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/shared-hold.mjs', import.meta.url));
    const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout });
    // The first line, or the exit if the child dies before printing one (a failure, not a hang).
    const first = await Promise.race([once(lines, 'line').then(([l]) => l as string), exited.then(([code]) => `exited ${code}`)]);
    expect(first).toBe('ready');
    const pid = child.pid as number;
    expect(segmentsIn(pid)).toHaveLength(1); // the child really holds the memory...
    expect(linked(pid)).toEqual([]); // ...yet no name is left that could outlive it
    child.kill('SIGKILL');
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');
    expect(linked(pid)).toEqual([]);
  });
});
