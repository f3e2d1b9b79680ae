// SHAREDARRAYS_WORKER_TIMEOUT as addprocs meets it: a bad value in the master's environment
// rejects addprocs before any worker starts; a bad value only in a worker's environment (given
// through addprocs' `env`) fails that worker's start, and addprocs says why.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';

const { addprocs, workers, remotecallFetch } = sa;
const saved = process.env.SHAREDARRAYS_WORKER_TIMEOUT;

afterEach(() => {
  if (saved === undefined) delete process.env.SHAREDARRAYS_WORKER_TIMEOUT;
  else process.env.SHAREDARRAYS_WORKER_TIMEOUT = saved;
});
afterAll(removeAllWorkers);

describe('SHAREDARRAYS_WORKER_TIMEOUT', () => {
  it('not a number in the master: addprocs rejects with ERR_INVALID_ARG naming it, and starts nothing', async () => {
    process.env.SHAREDARRAYS_WORKER_TIMEOUT = 'abc';
    const err = await addprocs(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect((err as Error).message).toMatch(/^SHAREDARRAYS_WORKER_TIMEOUT must be a number of seconds above 0 .*, got "abc"/);
    expect(workers()).toEqual([1]);
  });

  it('not a number in a worker: its start fails with ERR_WORKER_START carrying the worker\'s reason', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const err = await addprocs(1, { env: { SHAREDARRAYS_WORKER_TIMEOUT: '-1' } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_WORKER_START' });
      expect((err as Error).message).toContain('SHAREDARRAYS_WORKER_TIMEOUT must be a number of seconds above 0');
      expect((err as Error).message).toContain('got "-1"');
      expect(workers()).toEqual([1]);
    } finally {
      stderr.mockRestore();
    }
  });

  it('a valid value is used by the master and inherited by workers', async () => {
    process.env.SHAREDARRAYS_WORKER_TIMEOUT = '30';
    const [pid] = await addprocs(1);
    expect(await remotecallFetch(() => process.env.SHAREDARRAYS_WORKER_TIMEOUT, pid!)).toBe('30');
    await sa.rmprocs([pid!]);
  });
});
