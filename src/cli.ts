#!/usr/bin/env node
/**
 * `sharedarrays [-p N|auto] [--machine-file F] [-L file]... script.js [args...]`: Julia's
 * `julia -p N --machine-file F -L file script.jl args`. Starts the workers, loads each `-L` file
 * on every process, then runs the script as this process (the master), with `process.argv` set
 * to `[node, script, ...args]`; the script finds its workers already added.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { addprocs, everywhere } from './index.js';
import { parseMachineFile } from './cluster/machine-spec.js';
import { SSHManager } from './cluster/ssh-manager.js';

const HELP = `Usage: sharedarrays [options] script.js [args...]

Runs script.js as the master of a cluster, with its workers already started (Julia's julia -p).

Options:
  -p, --procs N|auto        start N local workers (auto: one per core)
  --machine-file FILE       start workers over ssh on the machines listed in FILE, one per line:
                            [count*][user@]host[:port] [bind_addr[:port]]   (# starts a comment)
  -L, --load FILE           load FILE (a module) on every process before the script; repeatable
  --sshflags="FLAGS"        extra ssh options for --machine-file (e.g. --sshflags="-F ~/.ssh/cluster")
  -h, --help                show this help

Environment: SHAREDARRAYS_WORKER_TIMEOUT (seconds a worker may take to start, default 60),
SHAREDARRAYS_DEBUG, SHAREDARRAYS_MAX_FRAME (see the README).`;

function fail(message: string): never {
  process.stderr.write(`sharedarrays: ${message}\n(see sharedarrays --help)\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const options = {
    procs: { type: 'string', short: 'p' },
    'machine-file': { type: 'string' },
    load: { type: 'string', short: 'L', multiple: true },
    sshflags: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ options, allowPositionals: true, strict: true });
  } catch (e) {
    fail((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const [script, ...args] = positionals;
  if (script === undefined) fail('no script given');
  if (values.procs !== undefined) {
    const n = values.procs === 'auto' ? availableParallelism() : Number(values.procs);
    if (!Number.isSafeInteger(n) || n < 1) fail(`-p takes a positive number of workers or auto, got ${values.procs}`);
    await addprocs(n);
  }
  const machineFile = values['machine-file'];
  if (machineFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(machineFile, 'utf8');
    } catch (e) {
      fail(`cannot read the machine file: ${(e as Error).message}`);
    }
    const machines = parseMachineFile(text, machineFile);
    const sshflags = values.sshflags?.split(/\s+/).filter(Boolean) ?? [];
    if (machines.length > 0) await addprocs(new SSHManager(machines, { sshflags }));
  }
  for (const file of values.load ?? []) await everywhere(pathToFileURL(resolve(file)));
  process.argv = [process.argv[0]!, resolve(script), ...args];
  await import(pathToFileURL(resolve(script)).href);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
