/**
 * The C baseline of the advection benchmark (bench/baselines/advection.c): the same kernel
 * compiled with the system compiler (`cc -O3 -march=native -fopenmp`), serial and on OpenMP
 * threads. It runs in its own process over memfd shared memory that this process maps too (as a
 * file-backed SharedArray over /proc/<pid>/fd/<fd>), so the benchmark fills its inputs and checks
 * its q bit for bit like every other version; a run is one line each way on its pipes.
 * Without a C compiler (or without OpenMP) the rows are skipped with a note.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { myid, SharedArray } from '../../src/index.js';

/** One row of the table, with the q it writes (checked against the other versions). */
export interface CVersion {
  name: string;
  run: () => Promise<void>;
  q: Float64Array;
}

export interface CBaseline {
  readonly versions: CVersion[];
  /** End the C process and unmap its arrays. Idempotent. */
  close(): Promise<void>;
}

const source = fileURLToPath(new URL('../../../bench/baselines/advection.c', import.meta.url));
const binary = fileURLToPath(new URL('../../../build/bench/advection-c', import.meta.url));

/** Build the C program if its binary is missing or older than the source; which flags worked, or null. */
function build(log: (line: string) => void): { openmp: boolean } | null {
  const fresh = (): boolean => {
    try {
      return statSync(binary).mtimeMs >= statSync(source).mtimeMs;
    } catch {
      return false;
    }
  };
  mkdirSync(dirname(binary), { recursive: true });
  for (const openmp of [true, false]) {
    if (openmp && fresh()) return { openmp: true };
    const flags = ['-O3', '-march=native', ...(openmp ? ['-fopenmp'] : []), source, '-o', binary, '-lm'];
    try {
      execFileSync('cc', flags, { stdio: ['ignore', 'ignore', 'pipe'] });
      if (!openmp) log('  (C baseline: the compiler has no OpenMP; only the serial C row is shown)');
      return { openmp };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        log('  (C baseline skipped: no C compiler `cc` on PATH)');
        return null;
      }
    }
  }
  log('  (C baseline skipped: `cc` could not build bench/baselines/advection.c)');
  return null;
}

/**
 * Start the C program for n×n×n arrays with `threads` OpenMP threads and copy the inputs (u, and
 * q's first time plane) into its memory. Null, after a note on `log`, when it cannot be built.
 */
export async function startCBaseline(
  q: SharedArray<'float64'>,
  u: SharedArray<'float64'>,
  threads: number,
  log: (line: string) => void = console.log,
): Promise<CBaseline | null> {
  const built = build(log);
  if (!built) return null;
  const [n] = q.dims as [number];
  const child = spawn(binary, [String(n), String(threads)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  let failed: Error | null = null;
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  child.on('exit', (code, signal) => {
    failed = new Error(`the C baseline exited (${signal ?? `code ${code}`})`);
    for (const w of waiting.splice(0)) w.reject(failed);
  });
  child.on('error', (e) => {
    failed = e;
    for (const w of waiting.splice(0)) w.reject(e);
  });
  const nextLine = (): Promise<string> =>
    failed ? Promise.reject(failed) : new Promise((resolve, reject) => waiting.push({ resolve, reject }));

  const [word, pid, qfd, ufd] = (await nextLine()).split(' ');
  if (word !== 'ready') throw new Error(`the C baseline said ${word}, expected ready`);
  const map = (fd: string | undefined): Promise<SharedArray<'float64'>> =>
    SharedArray.fromFile(`/proc/${pid}/fd/${fd}`, 'float64', [...q.dims], { mode: 'r+', pids: [myid()] });
  const cq = await map(qfd);
  const cu = await map(ufd);
  cu.data.set(u.data);
  cq.data.set(q.data.subarray(0, n * n));

  const run = async (command: string): Promise<void> => {
    const reply = nextLine();
    child.stdin.write(`${command}\n`);
    const line = await reply;
    if (line !== 'done') throw new Error(`the C baseline answered ${line}`);
  };
  let closed = false;
  return {
    versions: [
      { name: 'C serial', run: () => run('serial'), q: cq.data },
      ...(built.openmp ? [{ name: `C OpenMP ${threads} threads`, run: () => run('parallel'), q: cq.data }] : []),
    ],
    async close() {
      if (closed) return;
      closed = true;
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      child.stdin.end();
      await exited;
      await cq.close();
      await cu.close();
    },
  };
}
