// SHAREDARRAYS_WORKER_TIMEOUT: seconds, read at each call; anything else is a coded error that
// names the variable (it used to become NaN: "did not announce itself within NaN s").
import { describe, expect, it } from 'vitest';
import { workerTimeoutMs } from '../../src/core/worker-timeout.js';

describe('workerTimeoutMs', () => {
  it('is 60 s when unset or empty', () => {
    expect(workerTimeoutMs(undefined)).toBe(60_000);
    expect(workerTimeoutMs('')).toBe(60_000);
    expect(workerTimeoutMs('  ')).toBe(60_000);
  });

  it('reads seconds, fractions included', () => {
    expect(workerTimeoutMs('120')).toBe(120_000);
    expect(workerTimeoutMs(' 5 ')).toBe(5_000);
    expect(workerTimeoutMs('0.5')).toBe(500);
    expect(workerTimeoutMs('2147483')).toBe(2_147_483_000);
  });

  it('refuses what is not a positive number of seconds that setTimeout can wait, naming the variable and the value', () => {
    for (const bad of ['abc', '60s', '0', '-5', 'NaN', 'Infinity', '1e10', '2147484']) {
      let err: unknown;
      try {
        workerTimeoutMs(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RangeError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARG' });
      expect((err as Error).message).toContain(`SHAREDARRAYS_WORKER_TIMEOUT must be a number of seconds above 0 and at most 2147483, got ${JSON.stringify(bad)}`);
    }
  });

  it('reads the environment by default, at each call', () => {
    const saved = process.env.SHAREDARRAYS_WORKER_TIMEOUT;
    try {
      process.env.SHAREDARRAYS_WORKER_TIMEOUT = '7';
      expect(workerTimeoutMs()).toBe(7_000);
      process.env.SHAREDARRAYS_WORKER_TIMEOUT = 'soon';
      expect(() => workerTimeoutMs()).toThrow(/SHAREDARRAYS_WORKER_TIMEOUT/);
    } finally {
      if (saved === undefined) delete process.env.SHAREDARRAYS_WORKER_TIMEOUT;
      else process.env.SHAREDARRAYS_WORKER_TIMEOUT = saved;
    }
  });
});
