// Starting an instance of simulated machines (test/multihost/hosts-up.sh or slurm-up.sh) so that
// it cannot outlive this process. Plain JavaScript: the vitest helpers (multihost.ts, slurm.ts)
// and the fixture that proves the guarantee under kill -9 (fixtures/multihost-owner.mjs) share it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the shell harness. */
export const harnessDir = fileURLToPath(new URL('../multihost/', import.meta.url));

/** The checkout's root: every machine sees it at this same path. */
export const checkoutDir = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** The prefix node is installed under (…/bin/node): every machine sees it at this same path. */
export const nodePrefix = dirname(dirname(process.execPath));

/** The environment the harness's scripts run in: ours, with the sbin directories on PATH (ip, sshd). */
export const harnessEnv = { ...process.env, PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/local/sbin:/usr/sbin:/sbin` };

/**
 * Run `script` (a file of harnessDir) with `args` and resolve to the instance it describes (its
 * JSON file) and the socket that holds it. The script gets the socket's other end as fd 3 and
 * `--until-closed 3`: its reaper tears the instance down when this end closes, which the kernel
 * does when this process dies, however it dies. SA_MH_OWNER names this process as the owner, so
 * that a later start sweeps the instance away should the reaper have been killed as well.
 * Rejects with the script's stderr when the start fails (the script has then torn down).
 */
export async function bringUp(script, args = [], env = {}) {
  const proc = spawn(`${harnessDir}${script}`, ['--until-closed', '3', ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: {
      ...harnessEnv,
      SA_MH_OWNER: String(process.pid),
      SA_MH_SHARED: [checkoutDir, nodePrefix].join(':'),
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  // Not 'close': that waits for fd 3 too, which stays open as long as the instance lives.
  const [[code, signal]] = await Promise.all([once(proc, 'exit'), once(proc.stdout, 'end'), once(proc.stderr, 'end')]);
  const hold = proc.stdio[3];
  if (code !== 0) {
    hold.destroy();
    throw new Error(`${script} ${args.join(' ')} failed (${code ?? signal}):\n${stderr}`);
  }
  hold.unref(); // holding the instance must not keep this process alive
  const info = JSON.parse(readFileSync(stdout.trim().split('\n').at(-1), 'utf8'));
  return { info, hold, log: stderr };
}
