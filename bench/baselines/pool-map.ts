/**
 * Python's Pool.map (bench/baselines/pool_map.py) driven from a Node benchmark, so that its rounds
 * interleave with ours: the pool starts once, and each `run()` times one map of the trivial items
 * in Python. Null when `python3` is not there.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface PythonPoolMap {
  /** Python's version, as it reports it. */
  version: string;
  /** Seconds one Pool.map over the items took, as timed inside Python. */
  run(): Promise<number>;
  close(): void;
}

export async function startPythonPoolMap(items: number, procs: number): Promise<PythonPoolMap | null> {
  const script = fileURLToPath(new URL('../../../bench/baselines/pool_map.py', import.meta.url));
  const py = spawn('python3', [script, '--items', String(items), '--procs', String(procs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const started = await new Promise<boolean>((resolve) => {
    py.once('spawn', () => resolve(true));
    py.once('error', () => resolve(false));
  });
  if (!started) return null;
  const lines = createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await lines.next();
    if (r.done) throw new Error('python3 pool_map.py ended early');
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const ready = await next();
  return {
    version: String(ready.python),
    async run() {
      py.stdin!.write('run\n');
      return Number((await next()).seconds);
    },
    close() {
      py.stdin!.end('quit\n');
    },
  };
}
