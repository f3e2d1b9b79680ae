// The command: `sharedarrays -p N -L file script.js args` runs the script as a master whose
// workers are already there, with the -L module loaded everywhere; flags are checked.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
const fixture = (f: string): string => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('sharedarrays (the command)', () => {
  it('-p 2 -L file script args: workers added, the module loaded everywhere, argv as the script expects', () => {
    const r = run('-p', '2', '-L', fixture('cli-load.mjs'), fixture('cli-script.mjs'), 'a', 'b');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({
      argv: ['a', 'b'],
      workers: [2, 3],
      loaded: ['loaded on 2', 'loaded on 3'],
      here: 'loaded on 1',
    });
  });

  it('-p auto starts one worker per core', () => {
    const r = run('-p', 'auto', fixture('cli-script.mjs'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`"workers":[${Array.from({ length: availableParallelism() }, (_, i) => i + 2).join(',')}]`);
  });

  it('--help lists every flag; bad input exits 2 with the reason', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    for (const flag of ['-p, --procs', '--machine-file', '-L, --load', '--sshflags', '-h, --help']) expect(help.stdout).toContain(flag);
    for (const [args, why] of [
      [['-p', 'many', 'x.js'], '-p takes a positive number'],
      [['--frobnicate', 'x.js'], 'Unknown option'],
      [['-p', '1'], 'no script given'],
      [['--machine-file', '/nonexistent', 'x.js'], 'cannot read the machine file'],
    ] as const) {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(why);
    }
  });
});
