import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { type AgentSettings, parseCommand } from './host-agent-protocol.js';
import { interruptRecord } from './interrupt-record.js';

/**
 * The host agent (see host-agent-protocol.ts): started by the master over ssh, it reads its
 * settings from standard input, starts the workers of this host as the LocalManager does (each
 * with a lifeline pipe it holds), relays their output line by line, carries out the master's
 * interrupts and signals, and takes every worker down when the master's end of the session goes.
 */
const GRACE_MS = 2000;

export function runAgent(): void {
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const workers: { child: ChildProcess; lifeline: Writable }[] = [];
  let started = false;
  const say = (s: string): void => void process.stdout.write(`${s}\n`);

  input.on('line', (line) => {
    if (!started) {
      started = true;
      const settings = JSON.parse(line) as AgentSettings;
      const count = settings.count === 'auto' ? availableParallelism() : settings.count;
      say(`agent ${process.pid} ${count}`);
      for (let k = 0; k < count; k++) workers.push(startWorker(settings, k, say));
      return;
    }
    const c = parseCommand(line);
    const w = c ? workers[c.worker] : undefined;
    if (!c || !w) return;
    if (c.kind === 'interrupt') w.lifeline.write(interruptRecord(c.id));
    else w.child.kill(c.signal);
  });

  // The master is gone (it exited, was killed, or the network broke and ssh gave up).
  input.on('close', () => {
    for (const w of workers) w.lifeline.end();
    const live = (): ChildProcess[] => workers.map((w) => w.child).filter((c) => c.exitCode === null && c.signalCode === null);
    if (live().length === 0) process.exit(0);
    setTimeout(() => {
      for (const c of live()) c.kill('SIGKILL');
      process.exit(0);
    }, GRACE_MS).unref();
    for (const c of live()) c.once('exit', () => live().length === 0 && process.exit(0));
  });
}

function startWorker(s: AgentSettings, k: number, say: (line: string) => void): { child: ChildProcess; lifeline: Writable } {
  const child = spawn(s.node, [...s.execArgv, s.workerScript], {
    env: { ...process.env, ...s.env },
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const lifeline = child.stdio[3] as Writable;
  lifeline.on('error', () => undefined);
  child.stdin!.on('error', () => undefined);
  // A fixed port is the first worker's; the others take the ones after it.
  const listen = s.listen.kind === 'tcp' && s.listen.port !== 0 ? { ...s.listen, port: s.listen.port + k } : s.listen;
  child.stdin!.end(`${JSON.stringify({ cookie: s.cookie, listen, lifeline: 3 })}\n`);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => say(`${k} ${line}`));
  }
  child.once('error', (e) => say(`${k} worker could not start: ${e.message}`));
  child.once('close', (code, signal) => say(`${k} exit ${signal ?? code}`));
  return { child, lifeline };
}
