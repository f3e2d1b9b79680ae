// Shared memory in threads keeps SharedArray's lifetime guarantees: threads get the memory as a
// second mapping of the same pages (one per process and array, however many threads and calls),
// close() lets go of it at once everywhere, a thread that kept a view past close() writes into
// private memory instead of crashing, garbage collection unmaps it when never closed, and no
// file is ever left in /dev/shm. The pool is started once, and idle threads let a process exit.
process.env.SHAREDARRAYS_NUM_THREADS = '3';

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { useWorkers } from './helpers/cluster.js';

const { remotecallFetch, capture, range, threads, threadid, SharedArray } = sa;

const gc = (globalThis as { gc?: () => void }).gc as () => void;
/** Mappings of this process's segments in /proc/<pid>/maps (names start with sa<creator pid>_). */
const segmentsIn = (pid: number | 'self', creator = process.pid): number =>
  readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`/dev/shm/sa${creator}_`)).length;
const linked = (): string[] => readdirSync('/dev/shm').filter((n) => n.startsWith(`sa${process.pid}_`));
const osThreads = (): number => readdirSync('/proc/self/task').length;

/** Collect in this thread and in the pool threads until `done()` holds. */
async function collectUntil(done: () => boolean): Promise<boolean> {
  for (let round = 0; round < 50 && !done(); round++) {
    await threads.for(range(0, 3), () => (globalThis as { gc?: () => void }).gc?.());
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return done();
}

const ws = useWorkers(1, { env: { SHAREDARRAYS_NUM_THREADS: '2' } });
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sa-threads-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mappings', () => {
  it('threads add one mapping per array and process, for every thread and call; close() removes both', async () => {
    expect(typeof gc).toBe('function');
    const before = segmentsIn('self');
    const S = await SharedArray.create('float64', 1 << 16);
    expect(segmentsIn('self')).toBe(before + 1);
    for (let call = 0; call < 5; call++) {
      await threads.for(range(0, 3), capture({ S }, (i: number) => {
        S.data[i]! += 1;
      }));
    }
    expect([...S.data.subarray(0, 3)]).toEqual([5, 5, 5]);
    expect(segmentsIn('self')).toBe(before + 2);
    expect(linked()).toEqual([]);
    await S.close();
    expect(segmentsIn('self')).toBe(before);
    expect(linked()).toEqual([]);
  });

  it('a thread that kept a view past close() writes into private memory, without a crash and unseen elsewhere', async () => {
    const before = segmentsIn('self');
    const S = await SharedArray.create('int32', 1024);
    const other = await SharedArray.create('int32', 1024);
    await threads.for(range(0, 3), capture({ S }, () => {
      if (threadid() === 2) (globalThis as Record<string, unknown>).__kept = S.data;
    }));
    await S.close();
    const after = await SharedArray.create('int32', 2);
    await threads.for(range(0, 3), capture({ after }, () => {
      if (threadid() !== 2) return;
      const kept = (globalThis as Record<string, unknown>).__kept as Int32Array;
      kept[5] = 99;
      after.data[0] = kept[5]!;
      after.data[1] = kept.length;
    }));
    expect([...after.data]).toEqual([99, 1024]);
    expect(other.data.every((x) => x === 0)).toBe(true);
    await threads.for(range(0, 3), () => void delete (globalThis as Record<string, unknown>).__kept);
    await Promise.all([other.close(), after.close()]);
    expect(await collectUntil(() => segmentsIn('self') === before)).toBe(true);
  });

  it("a worker's threads let go of the memory when the creator closes the array", async () => {
    const w = ws[0]!;
    const countOnWorker = (creator: number): Promise<number> =>
      remotecallFetch(
        capture({ creator }, () =>
          process
            .getBuiltinModule('node:fs')
            .readFileSync('/proc/self/maps', 'utf8')
            .split('\n')
            .filter((l: string) => l.includes(`/dev/shm/sa${creator}_`)).length,
        ),
        w,
      );
    const S = await SharedArray.create('float64', 4096);
    await remotecallFetch(
      (A: sa.SharedArray<'float64'>) =>
        threads.for(range(0, 2), capture({ A }, (i: number) => {
          A.data[i] = threadid();
        })),
      w,
      S,
    );
    expect([...S.data.subarray(0, 2)]).toEqual([1, 2]);
    expect(await countOnWorker(process.pid)).toBe(2);
    await S.close();
    expect(await countOnWorker(process.pid)).toBe(0);
  });

  it('an array never closed is unmapped by garbage collection, here and in the threads', async () => {
    const before = segmentsIn('self');
    await (async () => {
      const S = await SharedArray.create('float64', 1 << 14);
      await threads.for(range(0, 3), capture({ S }, (i: number) => {
        S.data[i] = i;
      }));
    })();
    expect(segmentsIn('self')).toBe(before + 2);
    expect(await collectUntil(() => segmentsIn('self') === before)).toBe(true);
  });

  it('a read-only file mapping cannot go to threads (it is a private copy); r+ can', async () => {
    const path = join(dir, 'f.bin');
    writeFileSync(path, Buffer.alloc(64));
    const R = await SharedArray.fromFile(path, 'uint8', 64, { mode: 'r' });
    await expect(threads.for(range(0, 3), capture({ R }, () => R.data[0]))).rejects.toMatchObject({
      code: 'ERR_UNSERIALIZABLE',
      message: expect.stringContaining('r+'),
    });
    const W = await SharedArray.fromFile(path, 'uint8', 64, { mode: 'r+' });
    await threads.for(range(0, 3), capture({ W }, (i: number) => {
      W.data[i] = 7 + i;
    }));
    await Promise.all([R.close(), W.close()]);
    expect([...readFileSync(path).subarray(0, 4)]).toEqual([7, 8, 9, 0]);
  });
});

describe('the pool', () => {
  it('starts its threads once and reuses them', async () => {
    await threads.for(range(0, 3), () => undefined);
    const n = osThreads();
    for (let call = 0; call < 20; call++) await threads.for(range(0, 3), () => undefined);
    expect(osThreads()).toBe(n);
  });

  it('does not keep a process alive once its work is done', () => {
    const entry = fileURLToPath(new URL('../dist/src/index.js', import.meta.url));
    const script = `import { threads, range, capture, SharedArray } from ${JSON.stringify(entry)};
      const S = await SharedArray.create('int32', 4);
      await threads.for(range(0, 4), capture({ S }, (i) => { S.data[i] = i + 1; }));
      console.log([...S.data].join(','));`;
    // Run as `node --input-type=module -e`, which threads must cope with too.
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, SHAREDARRAYS_NUM_THREADS: '4' },
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(r.stderr).toBe('');
    expect([r.status, r.signal, r.stdout.trim()]).toEqual([0, null, '1,2,3,4']);
  });
});
