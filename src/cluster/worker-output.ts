import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { coded } from '../core/errors.js';

/**
 * A worker's output as the master shows it: its first line announcing where it listens
 * (`sharedarrays_worker:<address>`), then every line it prints, forwarded to this process's
 * stdout as `      From worker N:\t<line>` (Julia's format). Lines printed before the worker has
 * a pid are held, and shown with the error if the worker fails to start.
 */
export const ANNOUNCE = 'sharedarrays_worker:';

export interface WorkerOutput {
  /** Where the worker listens, once it says; rejects if it exits or stays silent past the deadline. */
  address: Promise<string>;
  /** From now on, forward lines as those of worker `pid`. */
  forwardAs(pid: number): void;
}

/** Where forwarded lines go (the master's stdout); one place, so a progress bar can share it. */
export type LineSink = (line: string) => void;
let sink: LineSink = (line) => process.stdout.write(`${line}\n`);

/** Send forwarded worker lines elsewhere (e.g. through a progress bar that redraws around them). */
export function setWorkerLineSink(s: LineSink | null): void {
  sink = s ?? ((line) => process.stdout.write(`${line}\n`));
}

export function readWorkerOutput(io: Readable, errio: Readable | undefined, timeoutMs: number, what: string): WorkerOutput {
  let pid = 0;
  const early: string[] = [];
  const show = (line: string): void => {
    if (pid === 0) early.push(line);
    else sink(`      From worker ${pid}:\t${line}`);
  };
  const address = new Promise<string>((resolve, reject) => {
    let announced = false;
    const fail = (why: string): void => {
      if (announced) return;
      announced = true;
      clearTimeout(timer);
      const tail = early.slice(-10).join('\n');
      reject(coded(Error, 'ERR_WORKER_START', `${what} ${why}${tail ? `:\n${tail}` : ''}`));
    };
    const timer = setTimeout(() => fail(`did not announce itself within ${timeoutMs / 1000} s (set SHAREDARRAYS_WORKER_TIMEOUT, in seconds, to wait longer)`), timeoutMs);
    const out = createInterface({ input: io, crlfDelay: Infinity });
    out.on('line', (line) => {
      if (!announced && line.startsWith(ANNOUNCE)) {
        announced = true;
        clearTimeout(timer);
        resolve(line.slice(ANNOUNCE.length));
      } else {
        show(line);
      }
    });
    // Failed once both streams have ended, so the error shows what the worker printed last.
    let open = errio ? 2 : 1;
    const ended = (): void => {
      if (--open === 0) fail('exited before it was ready');
    };
    out.once('close', ended);
    if (errio) {
      const err = createInterface({ input: errio, crlfDelay: Infinity });
      err.on('line', show);
      err.once('close', ended);
    }
  });
  return {
    address,
    forwardAs(p) {
      pid = p;
      for (const line of early.splice(0)) show(line);
    },
  };
}
