/**
 * What the master and a host agent (src/host-agent.ts) say to each other over one ssh session's
 * standard streams. The agent starts that host's workers, so a host costs one ssh connection
 * however many workers it runs (sshd's MaxStartups bites when there is one per worker).
 *
 *   master → agent, first line: AgentSettings as JSON (the cookie is in it: never on a command line)
 *   master → agent, then:       `I <k> <id>` interrupt `id` for worker k: write its record into
 *                               worker k's lifeline (cluster/interrupt-record.ts)
 *                               `K <k> <SIGNAL>` signal worker k
 *   agent → master:             `agent <ospid> <count>` once its workers are starting
 *                               `<k> <line>` a line worker k printed (stdout or stderr)
 *                               `<k> exit <code|signal>` worker k has exited
 * The end of the agent's standard input is the master's end: the agent closes every worker's
 * lifeline (they exit at once, even in a synchronous loop) and exits.
 */
import type { WorkerSettings } from './cluster-manager.js';

export interface AgentSettings {
  cookie: string;
  /** Workers to start; 'auto': this host's core count. */
  count: number | 'auto';
  /** The Node executable and arguments of each worker, and the worker script. */
  node: string;
  execArgv: string[];
  workerScript: string;
  /** Added to each worker's environment. */
  env: Record<string, string>;
  /** Where each worker listens (port 0: any; several workers never share a fixed port). */
  listen: WorkerSettings['listen'];
}

/** What the master asks an agent to do to one of its workers. */
export type AgentCommand = { kind: 'interrupt'; worker: number; id: number } | { kind: 'signal'; worker: number; signal: NodeJS.Signals };

/** A command as the line the master sends. */
export function formatCommand(c: AgentCommand): string {
  return c.kind === 'interrupt' ? `I ${c.worker} ${c.id}\n` : `K ${c.worker} ${c.signal}\n`;
}

/** The command a line says, or null for anything else (ignored: the agent carries on). */
export function parseCommand(line: string): AgentCommand | null {
  let m = /^I (\d+) (\d+)$/.exec(line.trim());
  if (m) {
    const id = Number(m[2]);
    return id <= 0xffff_ffff ? { kind: 'interrupt', worker: Number(m[1]), id } : null;
  }
  m = /^K (\d+) (SIG[A-Z0-9]+)$/.exec(line.trim());
  return m ? { kind: 'signal', worker: Number(m[1]), signal: m[2] as NodeJS.Signals } : null;
}

export type AgentReport =
  | { kind: 'started'; ospid: number; count: number }
  | { kind: 'line'; worker: number; line: string }
  | { kind: 'exit'; worker: number; how: string };

export function parseReport(line: string): AgentReport | null {
  let m = /^agent (\d+) (\d+)$/.exec(line);
  if (m) return { kind: 'started', ospid: Number(m[1]), count: Number(m[2]) };
  m = /^(\d+) exit (\S+)$/.exec(line);
  if (m) return { kind: 'exit', worker: Number(m[1]), how: m[2]! };
  m = /^(\d+) (.*)$/s.exec(line);
  if (m) return { kind: 'line', worker: Number(m[1]), line: m[2]! };
  return null;
}
