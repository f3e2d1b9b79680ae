/**
 * The map a Node user writes by hand, the baseline for pmap's per-item cost beside Python's
 * Pool.map: child processes forked once, the items cut into Pool.map's chunks (len / (4 × procs)),
 * each chunk posted (structured clone) to whichever child is free, and the results put back in
 * order. The children run this file with `--child`; `x + 1` is the only function they know.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Chunk {
  id: number;
  items: number[];
}

if (process.argv.includes('--child')) {
  process.on('message', ({ id, items }: Chunk) => process.send!({ id, items: items.map((x) => x + 1) }));
}

export interface ChunkedRpc {
  map(items: readonly number[]): Promise<number[]>;
  close(): void;
}

/** Fork `procs` children and wait until each answered once. */
export async function startChunkedRpc(procs: number): Promise<ChunkedRpc> {
  const file = fileURLToPath(import.meta.url);
  const children: ChildProcess[] = Array.from({ length: procs }, () => fork(file, ['--child'], { serialization: 'advanced' }));
  const call = (c: ChildProcess, chunk: Chunk): Promise<Chunk> =>
    new Promise((resolve) => {
      c.once('message', (m) => resolve(m as Chunk));
      c.send(chunk);
    });
  await Promise.all(children.map((c) => call(c, { id: 0, items: [0] })));
  return {
    async map(items) {
      const size = Math.ceil(items.length / (4 * procs));
      const parts: number[][] = [];
      let next = 0;
      // Each child takes the next chunk as soon as it has answered the last one.
      await Promise.all(
        children.map(async (c) => {
          while (next < items.length) {
            const start = next;
            next += size;
            const r = await call(c, { id: start / size, items: items.slice(start, start + size) });
            parts[r.id] = r.items;
          }
        }),
      );
      return parts.flat();
    },
    close() {
      for (const c of children) c.kill();
    },
  };
}
