import { coded } from '../core/errors.js';

/**
 * Julia's machine specifications: `"[user@]host[:port] [bind_addr[:port]]"`, or a pair
 * `[spec, count]` with a count of workers or `'auto'` (that host's core count); and machine files,
 * one `[count*][user@]host[:port] [bind_addr[:port]]` per line.
 */
export type MachineSpec = string | [spec: string, count: number | 'auto'];

/** One machine of an SSHManager, parsed from its spec. */
export interface Machine {
  /** The host ssh logs in to (a name, an address, or an alias of the user's ssh config). */
  host: string;
  /** The user to log in as (default: ssh's choice, from the user's ssh config or login name). */
  user?: string;
  /** ssh's port on that host. */
  sshPort?: number;
  /** Where the workers listen, and where the master and other workers connect (default: host). */
  bindAddr?: string;
  /** The port the first worker listens on (the next ones count up from it); default: any free port. */
  bindPort?: number;
  /** How many workers to start there; `'auto'`: one per core of that machine. */
  count: number | 'auto';
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`. */
function hostPort(s: string, what: string): { host: string; port?: number } {
  const m = /^(\[[^\]]+\]|[^:\s[\]]+)(?::(\d+))?$/.exec(s);
  if (!m) throw coded(TypeError, 'ERR_INVALID_ARG', `${what}: "${s}" is not host[:port]`);
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && !(port >= 1 && port <= 65535)) throw coded(RangeError, 'ERR_INVALID_ARG', `${what}: port ${m[2]} is not between 1 and 65535`);
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  return port === undefined ? { host } : { host, port };
}

function parseCount(c: unknown, what: string): number | 'auto' {
  if (c === 'auto') return c;
  if (typeof c === 'number' && Number.isSafeInteger(c) && c >= 1) return c;
  throw coded(RangeError, 'ERR_INVALID_ARG', `${what}: the count must be a positive integer or 'auto', got ${JSON.stringify(c)}`);
}

/** One machine from a spec string and a count. */
export function parseSpec(spec: string, count: number | 'auto' = 1): Machine {
  const what = `machine "${spec}"`;
  const parts = spec.trim().split(/\s+/);
  if (parts.length === 0 || parts[0] === '' || parts.length > 2) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `${what}: expected "[user@]host[:port] [bind_addr[:port]]"`);
  }
  const [login, bind] = parts as [string, string | undefined];
  const at = login.lastIndexOf('@');
  const user = at > 0 ? login.slice(0, at) : undefined;
  const { host, port } = hostPort(at > 0 ? login.slice(at + 1) : login, what);
  const m: Machine = { host, count: parseCount(count, what) };
  if (user !== undefined) m.user = user;
  if (port !== undefined) m.sshPort = port;
  if (bind !== undefined) {
    const b = hostPort(bind, `${what} (bind address)`);
    m.bindAddr = b.host;
    if (b.port !== undefined) m.bindPort = b.port;
  }
  return m;
}

/** Machines from `addprocs(machines)`'s list. */
export function parseMachines(list: unknown): Machine[] {
  if (!Array.isArray(list) || list.length === 0) throw coded(TypeError, 'ERR_INVALID_ARG', 'addprocs(machines): give a non-empty list of machine specs');
  return list.map((x: unknown) => {
    if (typeof x === 'string') return parseSpec(x);
    if (Array.isArray(x) && x.length === 2 && typeof x[0] === 'string') return parseSpec(x[0], x[1] as number | 'auto');
    throw coded(TypeError, 'ERR_INVALID_ARG', `addprocs(machines): ${JSON.stringify(x)} is not "host" or ["host", count]`);
  });
}

/** A machine file's text (Julia's `--machine-file`): blank lines and `#` comments are skipped. */
export function parseMachineFile(text: string, file = 'machine file'): Machine[] {
  const out: Machine[] = [];
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const m = /^(?:(\d+|auto)\*)?(.*)$/.exec(line)!;
    try {
      out.push(parseSpec(m[2]!, m[1] === undefined ? 1 : m[1] === 'auto' ? 'auto' : Number(m[1])));
    } catch (e) {
      (e as Error).message = `${file}, line ${n + 1}: ${(e as Error).message}`;
      throw e;
    }
  }
  return out;
}
