// Workers for a test file: started before its tests run, and every worker removed after them
// (those a test added too), so each file starts and ends with a master alone.
import { afterAll, beforeAll } from 'vitest';
import * as sa from 'sharedarrays';

/** Remove every worker there is (an afterAll of every multi-process test file). */
export async function removeAllWorkers(): Promise<void> {
  if (sa.workers()[0] !== 1) await sa.rmprocs(sa.workers());
}

/**
 * Add `n` workers before the file's tests and remove all workers after them. Returns the new pids
 * as an array that is filled in once the workers have joined (read it inside tests and hooks).
 */
export function useWorkers(n: number, opts?: sa.AddprocsOptions): readonly number[] {
  const pids: number[] = [];
  beforeAll(async () => {
    pids.push(...(await sa.addprocs(n, opts)));
  });
  afterAll(removeAllWorkers);
  return pids;
}
