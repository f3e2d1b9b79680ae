import { readdirSync, readFileSync } from 'node:fs';

/**
 * Processes found by a token in their environment: the chaos bench gives one to each master it
 * starts, its workers inherit it, so it finds (and may kill) exactly what it started, even after
 * they were orphaned.
 */
export function processesWith(token: string): number[] {
  const needle = Buffer.from(`SHAREDARRAYS_CHAOS=${token}\0`);
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`).includes(needle)) out.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return out;
}

/** Shared-memory segments in /dev/shm made by one of `pids` (their names carry the creator's pid: native/segment.cc). */
export function segmentsOf(pids: ReadonlySet<number>): string[] {
  return readdirSync('/dev/shm').filter((n) => {
    const m = /^sa(\d+)_[0-9a-f]{16}$/.exec(n);
    return m !== null && pids.has(Number(m[1]));
  });
}
