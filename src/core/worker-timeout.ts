import { coded } from './errors.js';

/** Seconds a worker gets when SHAREDARRAYS_WORKER_TIMEOUT is not set. */
const DEFAULT_SECONDS = 60;
/** setTimeout's longest delay is 2^31 - 1 ms; a longer one would fire at once. */
const MAX_SECONDS = Math.floor(0x7fff_ffff / 1000);

/**
 * How long a worker may take to start, in milliseconds: `addprocs` waits that long for each
 * worker to announce itself, and a started worker waits that long for its master to connect.
 * Set in seconds by SHAREDARRAYS_WORKER_TIMEOUT (default 60; fractions allowed; empty counts as
 * unset), read at each call, so a master and its workers each read their own environment.
 * Anything but a number of seconds above 0 and at most 2147483 throws RangeError
 * `ERR_INVALID_ARG` naming the variable.
 */
export function workerTimeoutMs(setting: string | undefined = process.env.SHAREDARRAYS_WORKER_TIMEOUT): number {
  if (setting === undefined || setting.trim() === '') return DEFAULT_SECONDS * 1000;
  const seconds = Number(setting);
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
    throw coded(
      RangeError,
      'ERR_INVALID_ARG',
      `SHAREDARRAYS_WORKER_TIMEOUT must be a number of seconds above 0 and at most ${MAX_SECONDS}, got ${JSON.stringify(setting)}; ` +
        `set it to, say, 120, or unset it for the default (${DEFAULT_SECONDS})`,
    );
  }
  return seconds * 1000;
}
