/**
 * Making sure a worker asked to exit is gone: wait a grace period, then SIGTERM, then SIGKILL,
 * saying so on stderr (as Julia does: a worker that ignores exit is usually stuck in a loop).
 * `exited` settles when the process is gone; `signal` delivers a signal to it.
 */
export async function escalate(pid: number, exited: Promise<void>, signal: (s: NodeJS.Signals) => void): Promise<void> {
  for (const s of ['SIGTERM', 'SIGKILL'] as const) {
    if (await settlesWithin(exited, GRACE_MS)) return;
    process.stderr.write(`rmprocs: worker ${pid} did not exit; sending ${s}\n`);
    signal(s);
  }
  await exited;
}

const GRACE_MS = 2000;

/** Whether `p` settles within `ms` (the timer keeps the master alive while it waits). */
function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
