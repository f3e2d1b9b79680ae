// The examples: every one runs as `node dist/examples/NN-name.js` from the repo root, exits 0 and
// prints what its seed section prints. Two examples run at a time (a 2-core machine); sizes are
// kept small with the examples' own options. Lines from workers arrive as `      From worker
// N:\t<line>`; where the seed's order depends on timing, checks ignore order.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const PER_EXAMPLE_LIMIT_MS = 30_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout lines written by the master. */
  lines: string[];
  /** stdout lines relayed from workers, as [pid, text]. */
  fromWorkers: [number, string][];
}

const WORKER_LINE = /^ {6}From worker (\d+):\t(.*)$/;

// At most two examples at a time.
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(f: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await f();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function runExample(name: string, args: string[]): Promise<Run> {
  const script = `dist/examples/${name}.js`;
  if (!existsSync(`${root}/${script}`)) {
    return Promise.reject(new Error(`${script} is missing: build with \`npx tsc -p tsconfig.json\` first`));
  }
  return slot(
    () =>
      new Promise<Run>((resolve) => {
        // A hung example must not hang the suite: spawn kills it at the limit (its workers follow their master).
        const child = spawn(process.execPath, [script, ...args], {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: PER_EXAMPLE_LIMIT_MS,
          killSignal: 'SIGKILL',
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('close', (code, signal) => {
          const all = stdout.split('\n').filter((l) => l !== '');
          const fromWorkers: [number, string][] = [];
          const lines: string[] = [];
          for (const l of all) {
            const m = WORKER_LINE.exec(l);
            if (m) fromWorkers.push([Number(m[1]), m[2] as string]);
            else lines.push(l);
          }
          resolve({ code, signal, stdout, stderr, lines, fromWorkers });
        });
      }),
  );
}

const examples: Record<string, string[]> = {
  '01-remotecall-spawnat': [],
  '02-code-availability-rand2': [],
  '03-everywhere-dummy-module': [],
  '04-data-movement': ['--n', '120'],
  '05-global-variables-capture': [],
  '06-count-heads': ['--n', '200000'],
  '07-pmap-svdvals': ['--n', '30'],
  '08-remote-channel-jobs': [],
  '09-local-invocations': [],
  '10-shared-arrays-init': [],
  '11-shared-conflict': ['--n', '200000'],
  '12-advection': ['--n', '24', '--verbose'],
  '13-channels': [],
  '14-remote-references': [],
  '15-cluster-management': [],
  '16-darray-life': ['--n', '120', '--generations', '30'],
  '17-threads': ['--sleep-ms', '300'],
};

const runs = new Map<string, Promise<Run>>();
beforeAll(() => {
  for (const [name, args] of Object.entries(examples)) {
    const p = runExample(name, args);
    p.catch(() => {}); // reported by the example's own test
    runs.set(name, p);
  }
});

/** The example's run, asserted to have exited 0. */
async function ran(name: string): Promise<Run> {
  const r = await runs.get(name)!;
  // Exit code 13 is Node's "unsettled top-level await": the process ran out of things keeping it
  // alive while the example still awaited something.
  const hint = r.code === 13 ? ' (exit 13: top-level await never settled, nothing kept the process alive)' : '';
  expect({ code: r.code, signal: r.signal }, `${name} failed${hint}; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toEqual({ code: 0, signal: null });
  return r;
}

/** The lines right after the first line equal to `header`. */
function block(lines: string[], header: string, n: number, from = 0): string[] {
  const at = lines.indexOf(header, from);
  expect(at, `no line "${header}" in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
  return lines.slice(at + 1, at + 1 + n);
}

const numberAfter = (lines: string[], prefix: string): number => {
  const l = lines.find((x) => x.startsWith(prefix));
  expect(l, `no line starting "${prefix}"`).toBeDefined();
  return Number(/-?\d+(\.\d+)?/.exec(l!.slice(prefix.length))![0]);
};

describe('examples', () => {
  it('01: remotecall, spawnat, remotecallFetch(getindex), spawnat(any)', async () => {
    const { lines } = await ran('01-remotecall-spawnat');
    expect(lines[0]).toBe('addprocs(2) = [ 2, 3 ]');
    expect(lines[1]).toMatch(/^r = Future\(2, 1, \d+\)$/);
    expect(lines[2]).toMatch(/^s = Future\(2, 1, \d+\)$/);
    expect(lines.filter((l) => l.endsWith('2×2 Matrix{Float64}:'))).toHaveLength(2);
    expect(lines).toContain('fetch(s)[0, 0] === 1 + r[0, 0]: true');
    expect(lines).toContainEqual(expect.stringMatching(/^r = spawnat\('any', rand, 2, 2\) = Future\(2, 1, \d+\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^s = spawnat\('any', 1 \.\+ fetch\(r\)\) = Future\(3, 1, \d+\)$/));
    expect(lines).toContain('r ran on worker 2, s on worker 3');
  });

  it('02: rand2 is not defined on the worker (RemoteException caused by a ReferenceError), and the fixes', async () => {
    const { lines } = await ran('02-code-availability-rand2');
    expect(lines).toContainEqual(expect.stringMatching(/^ERROR: RemoteException \(worker [23]\): ReferenceError: rand2 is not defined on worker [23]/));
    expect(lines).toContain('instanceof RemoteException: true | cause instanceof ReferenceError: true');
    expect(lines).toContain('after everywhere(): 2×2 Matrix{Float64}:');
    expect(lines).toContain('with capture(): 2×2 Matrix{Float64}:');
    expect(lines).toContain('all results in [0, 2): true');
  });

  it('03: DummyModule loaded with everywhere: "loaded" on every process, names in scope only where imported', async () => {
    const { lines, fromWorkers } = await ran('03-everywhere-dummy-module');
    expect(lines.filter((l) => l === 'loaded')).toHaveLength(1);
    expect(fromWorkers.filter(([, l]) => l === 'loaded').map(([p]) => p).sort()).toEqual([2, 3]);
    expect(lines).toContain('MyType(7) = { a: 7 }');
    expect(lines).toContainEqual(expect.stringMatching(/^ERROR: On worker 2: ReferenceError: MyType is not defined on worker 2/));
    expect(lines).toContain('fetch(spawnat(2, MyType, 7)) = { a: 7 }');
    expect(lines).toContain('fetch(spawnat(2, capture({ MyType }, () => MyType(7)))) = { a: 7 }');
    expect(lines).toContain('remotecallFetch(f, 2, 3) = 10 | ran on 2');
    expect(lines).toContainEqual(expect.stringMatching(/^put\(RemoteChannel on 2, MyType\(7\)\) -> RemoteChannel\(2, 1, \d+\)$/));
    expect(lines).toContain('take(rc) = { a: 7 }');
    expect(lines).toContain('remotecallFetch(() => id, 2) = 2');
    expect(lines).toContain('id on process 1 = 1');
  });

  it('04: the two data-movement methods give the same kind of result', async () => {
    const { lines } = await ran('04-data-movement');
    expect(lines).toContainEqual(expect.stringMatching(/^Method 1: A \(120×120, 113 KiB\) built on 1, sent to worker [23]; fetched B \(113 KiB\)/));
    expect(lines).toContain('Method 1: B equals A^2 computed locally: true');
    expect(lines).toContainEqual(expect.stringMatching(/^Method 2: A built and squared on worker [23]; fetched B \(113 KiB\)/));
    expect(lines).toContain('Method 2: B is 120×120');
  });

  it('05: globals and let-style capture', async () => {
    const { lines } = await ran('05-global-variables-capture');
    // The seed's sum is the example's helper matsum: the package's own sum is in scope on every worker.
    expect(lines).toContainEqual(expect.stringMatching(/^remotecallFetch\(\(\) => matsum\(A\), 2\): matsum is not defined on worker 2/));
    expect(lines).toContainEqual(expect.stringMatching(/^remotecallFetch\(capture\(\{ matsum \}, \(\) => matsum\(A\)\), 2\): A is not defined on worker 2/));
    expect(lines).toContain('remotecallFetch(capture({ A, matsum }, () => matsum(A)), 2) equals matsum(A) here: true');
    expect(lines).toContainEqual(expect.stringMatching(/^matsum\(A\) on worker 2 = [\d.]+, on worker 3 = [\d.]+, A on process 1 = null$/));
    expect(lines).toContain('worker 2 and worker 3 hold different A: true');
    // varinfo on worker 2: A is a global there, B (captured) is not.
    expect(block(lines, 'name           size summary', 2)).toEqual(['A         800 bytes 10×10 Matrix{Float64}', 'after clearing A on worker 2, its matrix globals: []']);
  });

  it('06: count_heads, @distributed (+), plain array vs SharedArray, read-only sample', async () => {
    const { lines } = await ran('06-count-heads');
    const flips = 400_000;
    expect(lines[0]).toMatch(/^a = Future\(2, 1, \d+\) \| b = Future\(3, 1, \d+\)$/);
    for (const prefix of ['fetch(a) + fetch(b) = ', 'nheads = ']) {
      const heads = numberAfter(lines, prefix);
      expect(heads).toBeGreaterThan(0.48 * flips);
      expect(heads).toBeLessThan(0.52 * flips);
    }
    expect(lines).toContain('plain array after the loop:  0 0 0 0 0 0 0 0 0 0');
    expect(lines).toContain('SharedArray after the loop: 0 1 2 3 4 5 6 7 8 9');
    const mean = numberAfter(lines, 'mean of f(a[rand]) over 100000 draws = ');
    expect(mean).toBeGreaterThan(0.7);
    expect(mean).toBeLessThan(1.3);
  });

  it('07: pmap(svdvals, M) and the hand-written feeder pmap', async () => {
    const { lines } = await ran('07-pmap-svdvals');
    expect(lines).toContain('equals (3 ± √5) / 2: true');
    expect(lines).toContainEqual(expect.stringMatching(/^pmap\(svdvals, M\): 10 results, largest singular values:( [\d.]+){10}$/));
    expect(lines).toContain('sum(σ²) == norm(A)² for every matrix: true');
    expect(lines).toContain('pmap and the hand-written pmap agree: true');
  });

  it('08: jobs/results RemoteChannels on 4 workers: 12 jobs finished', async () => {
    const { lines } = await ran('08-remote-channel-jobs');
    const done = lines.map((l) => /^(\d+) finished in (\d+\.\d\d) seconds on worker (\d+)$/.exec(l)).filter((m) => m !== null);
    expect(done.map((m) => Number(m[1])).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const m of done) {
      expect([2, 3, 4, 5]).toContain(Number(m[3]));
      expect(Number(m[2])).toBeLessThanOrEqual(1);
    }
    expect(lines.at(-1)).toMatch(/^\d+\.\d+ seconds elapsed$/);
  });

  it('09: local invocations: one object locally, copies remotely', async () => {
    const { lines } = await ran('09-local-invocations');
    expect(lines).toEqual([
      '[[3], [3], [3]]',
      'Num Unique objects : 1',
      '[[1], [2], [3]]',
      'Num Unique objects : 3',
      'v=[1], v2=[1], true',
      'v=[0], v2=[1], false',
    ]);
  });

  it('10: SharedArray init by localindices and by indexpids stride, S.set(2, 1, 7)', async () => {
    const { lines } = await ran('10-shared-arrays-init');
    const header = '3×4 SharedArray{int32,2}:';
    const first = lines.indexOf(header);
    expect(block(lines, header, 3)).toEqual([' 2  2  3  4', ' 2  3  3  4', ' 2  3  4  4']);
    expect(lines[first + 4]).toBe('S.set(2, 1, 7)');
    expect(block(lines, header, 3, first + 1)).toEqual([' 2  2  3  4', ' 2  3  3  4', ' 2  7  4  4']);
    expect(lines).toContain('procs(S) = [2, 3, 4], indexpids(S) on process 1 = -1, sdata(S) === S.data: true');
    expect(block(lines, header, 3, lines.indexOf(header, first + 5) + 1)).toEqual([' 2  2  2  2', ' 3  3  3  3', ' 4  4  4  4']);
    expect(lines).toContain('the same by myid() - 2 : nworkers(): true');
  });

  it('11: every participant fills the whole array: runs without error, each element keeps some pid', async () => {
    const { lines } = await ran('11-shared-conflict');
    const rows = block(lines, '3×4 SharedArray{int32,2}:', 3);
    for (const row of rows) expect(row).toMatch(/^( [234]){1}( {2}[234]){3}$/);
    expect(lines.filter((l) => l === 'every element holds one of procs(S): true')).toHaveLength(2);
    const kept = lines.map((l) => /^200000 elements: pid ([234]) retained in (\d+)$/.exec(l)).filter((m) => m !== null);
    expect(kept.reduce((s, m) => s + Number(m[2]), 0)).toBe(200_000);
  });

  it('12: advection: serial, distributed per step and shared chunks agree; the chunks as the seed shows them', async () => {
    const { lines, fromWorkers } = await ran('12-advection');
    expect(lines).toContain('(irange, jrange, trange) = (range(0, 24), range(0, 24), range(0, 23))');
    expect(fromWorkers.sort((x, y) => x[0] - y[0])).toEqual([
      [2, '(irange, jrange, trange) = (range(0, 24), range(0, 6), range(0, 23))'],
      [3, '(irange, jrange, trange) = (range(0, 24), range(6, 12), range(0, 23))'],
      [4, '(irange, jrange, trange) = (range(0, 24), range(12, 18), range(0, 23))'],
      [5, '(irange, jrange, trange) = (range(0, 24), range(18, 24), range(0, 23))'],
    ]);
    expect(lines).toContain('serial, parallel and shared agree: true');
  });

  it('13: local Channels: closed-channel errors, iteration, four tasks on one jobs channel', async () => {
    const { lines } = await ran('13-channels');
    expect(lines.slice(0, 8)).toEqual([
      'put(c, 1) succeeded; isready(c): true',
      'put(c, 2): ERROR: InvalidStateException("Channel is closed.", :closed)',
      'fetch(c) = 1',
      'fetch(c) = 1',
      'take(c) = 1',
      'take(c): ERROR: InvalidStateException("Channel is closed.", :closed)',
      'iterating an open channel, after 100 ms: still waiting',
      'after close(c): data = [ 1, 2, 3 ]',
    ]);
    const done = lines.map((l) => /^(\d+) finished in \d+\.\d\d seconds$/.exec(l)).filter((m) => m !== null);
    expect(done.map((m) => Number(m[1])).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('14: remote references: spawnat(any), RemoteChannel on a worker, wait, finalize, fetch caching', async () => {
    const { lines } = await ran('14-remote-references');
    expect(lines).toEqual([
      "spawnat('any', ...) ran on workers [ 2, 3, 2, 3 ]",
      expect.stringMatching(/^RemoteChannel on 2: RemoteChannel\(2, 1, \d+\) \| isready: false$/),
      'isready: true | fetch: 1 | 11th put done while full: false',
      'taken: 1 2 3 4 5 6 7 8 9 10 11 | isready: false',
      'wait(rc) returned; take(rc) = 42',
      'after finalize(rc): ERR_REF_FINALIZED',
      'after finalize(future): ERR_REF_FINALIZED',
      'fetched again after rmprocs(3): true | workers: [ 2 ]',
    ]);
  });

  it('15: cluster management, cookie, master_worker topology', async () => {
    const { lines } = await ran('15-cluster-management');
    expect(lines.slice(0, 9)).toEqual([
      'myid() = 1, procs() = [1], workers() = [1], nworkers() = 1',
      "clusterCookie('examples-cookie-0001') = examples-cookie-0001",
      'addprocs(2) = [ 2, 3 ]',
      'procs() = [1, 2, 3], workers() = [2, 3], nprocs() = 3, nworkers() = 2',
      'clusterCookie() on worker 2 = examples-cookie-0001',
      'worker 2 asks worker 3 for its id: 3',
      'addprocs on worker 2: Only process 1 can add and remove workers',
      'after rmprocs(3): workers() = [ 2 ]',
      'addprocs(1) = [ 4 ] (pids are never reused)',
    ]);
    expect(lines).toContain("addprocs(2, { topology: 'master_worker' }) = [5, 6]");
    expect(lines).toContain('worker 5 calls process 1: 1');
    expect(lines).toContainEqual(expect.stringMatching(/^worker 5 calls worker 6: ERROR: .*not connected/));
  });

  it('17: threads.for writes threadid() into a as the seed shows, and four threadcalls overlap while a timer ticks', async () => {
    const { lines } = await ran('17-threads');
    expect(lines.slice(0, 2)).toEqual(['nthreads() = 4', 'threadid() = 1']);
    expect(block(lines, '10-element SharedArray{float64,1}:', 10)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 4, 4].map((t) => ` ${t}.0`));
    const done = lines.filter((l) => /^ {2}call [1-4] done at \d+ ms$/.test(l));
    expect(done).toHaveLength(4);
    // The event loop ran while the calls slept in C: the timer ticked before the first one returned.
    const firstDone = lines.indexOf(done[0]!);
    expect(lines.slice(0, firstDone)).toContainEqual(expect.stringMatching(/^ {2}tick 1 at \d+ ms$/));
    expect(lines.at(-1)).toMatch(/^all four done at \d+ ms \(one call sleeps 300 ms\); the timer ticked \d+ times meanwhile$/);
  });

  it('16: DArray: the seed\'s dfill and life_step, checked against the serial board', async () => {
    const { lines } = await ran('16-darray-life');
    expect(block(lines, '4×6 DArray{float64,2}:', 4)).toEqual(new Array(4).fill(' 0.5  0.5  0.5  0.5  0.5  0.5'));
    expect(lines).toContain('sum = 12; localindices on process 1: [range(0, 0), range(0, 0)] (it owns no block)');
    expect(lines).toContain(
      '120×120 board over workers [2, 3, 4, 5], blocks [range(0, 60), range(0, 60)] [range(60, 120), range(0, 60)] [range(0, 60), range(60, 120)] [range(60, 120), range(60, 120)]',
    );
    expect(lines.filter((l) => /^generation \d+: \d+ live cells$/.test(l)).map((l) => l.split(':')[0])).toEqual(['generation 1', 'generation 25', 'generation 30']);
    expect(lines.at(-1)).toBe('DArray and serial agree cell for cell for 30 generations: true');
  });
});
