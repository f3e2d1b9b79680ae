/**
 * Opt-in diagnostics: `SHAREDARRAYS_DEBUG=1` (or a comma-separated list of topics, e.g.
 * `connections,launch`) prints what the runtime does to standard error, one line per event,
 * prefixed with the process's cluster id. Off, it costs one boolean test per call site.
 */
import { myid } from './identity.js';

export type DebugTopic = 'connections' | 'launch' | 'calls' | 'protocol';

const setting = (process.env.SHAREDARRAYS_DEBUG ?? '').trim();
const all = setting === '1' || setting === 'all' || setting === 'true';
const topics = new Set(all ? [] : setting.split(',').map((t) => t.trim()).filter(Boolean));

/** Whether `topic` is being traced (check before building an expensive message). */
export function debugging(topic: DebugTopic): boolean {
  return all || topics.has(topic);
}

/** Print one diagnostic line for `topic` when it is traced. */
export function debug(topic: DebugTopic, message: string): void {
  if (debugging(topic)) process.stderr.write(`sharedarrays[${myid()}] ${topic}: ${message}\n`);
}
