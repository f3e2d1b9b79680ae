// Workers on other machines over the system ssh: simulated hosts (test/multihost), each with its
// own sshd, network, PID namespace and /dev/shm. The master runs inside hostA.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeMultihost, useHosts } from './helpers/multihost.js';
import { fixture } from './helpers/child.js';
import { waitFor } from './helpers/wait.js';

describeMultihost('SSHManager on simulated hosts', () => {
  const hosts = useHosts(3);

  /** Run the master fixture on hostA and collect its JSON lines until "done". */
  let lines: string[] = [];
  let errors = '';
  async function master(scenario: string, ...args: string[]): Promise<Record<string, unknown>> {
    const c = hosts().node('hostA', fixture('cluster-master.mjs'), [scenario, hosts().sshConfig, ...args]);
    lines = c.lines;
    const out: Record<string, unknown> = {};
    for (;;) {
      const line = await c.line().catch((e: Error) => {
        throw new Error(`${e.message}\nafter: ${c.lines.join('\n')}`);
      });
      if (line === 'done') break;
      if (line.startsWith('{')) Object.assign(out, JSON.parse(line));
    }
    const [code] = await c.exited;
    errors = c.stderr();
    expect(code, errors).toBe(0);
    return out;
  }

  it('a machine file "2*hostB hostC": workers on each host, calls between hosts, one table', async () => {
    const r = await master('hosts');
    const [b1, b2, c] = r.added as number[];
    expect(r.hostnames).toEqual(['hostB', 'hostB', 'hostC']);
    expect(r.remote).toEqual(['hostB', 'hostB', 'hostC']);
    expect(r.crossHost).toBe(c);
    expect(r.sameHost).toBe(b2);
    for (const t of r.table as number[][]) expect(t).toEqual([b1, b2, c]);
    expect(r.left).toEqual([1]);
    // What a worker on another host prints reaches the master's stdout, labelled.
    expect(lines).toContain(`      From worker ${c}:\tprinted on ${c}`);
  });

  it('tunnel: workers listening on their loopback only are reached through ssh forwarding', async () => {
    const r = await master('tunnel');
    expect(r.addresses).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/), expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
    expect(r.hostnames).toEqual(['hostB', 'hostB']);
    expect(r.sameHost).toBe((r.added as number[])[1]);
    expect(r.left).toEqual([1]);
  });

  it("SharedArray participants are one host's processes; other hosts' are refused or unmapped", async () => {
    const r = await master('shared');
    expect(r.masterPids).toEqual([1]);
    const [onB, onC] = r.perHost as { pids: number[]; seen: number[] }[];
    expect(onB!.pids).toEqual([2, 3]);
    expect(onC!.pids).toEqual([4, 5]);
    expect(onB!.seen).toEqual([2, 2, 2, 2, 3, 3, 3, 3]);
    expect(onC!.seen).toEqual([4, 4, 4, 4, 5, 5, 5, 5]);
    expect(r.crossHost).toMatchObject({ code: 'ERR_NOT_SAME_HOST', message: expect.stringMatching(/hostA.*2 on hostB, 4 on hostC/s) });
    expect(r.fromWorker).toBe('ERR_NOT_SAME_HOST');
    expect(r.unmapped).toEqual([-1, 0]);
  });

  it('an unknown host, a refused key and a missing node are clear errors, and leave nothing running', async () => {
    const r = await master('errors');
    expect(r.badHost).toMatchObject({ code: 'ERR_WORKER_START', message: expect.stringMatching(/nohost\.invalid.*ssh failed/s) });
    expect(r.refusedKey).toMatchObject({ code: 'ERR_WORKER_START', message: expect.stringMatching(/Permission denied/) });
    expect(r.noNode).toMatchObject({ code: 'ERR_WORKER_START', message: expect.stringMatching(/not found/) });
    expect(r.mixed).toMatchObject({ code: 'ERR_WORKER_START', message: expect.stringContaining('nohost.invalid') });
    expect(r.left).toEqual([1]);
    await waitFor(() => ['hostB', 'hostC'].every((h) => hosts().processes(h).filter(isSharedarrays).length === 0), {
      what: 'nothing of a failed addprocs to be left on any host',
    });
  });

  it('interrupt cancels a loop on a worker of another host (first stretch, after an await), which serves on; rmprocs escalates there', async () => {
    const r = await master('interrupt');
    expect(r.interrupted).toBe('ERR_INTERRUPTED');
    expect(r.after).toBe(2);
    expect(r.afterAwait).toBe('ERR_INTERRUPTED');
    expect(r.idleThenCall).toBe(42);
    expect(r.removed).toEqual([1]);
    expect(errors).toContain('rmprocs: worker 2 did not exit; sending SIGTERM');
  });

  it('the command with --machine-file "2*hostB hostC" runs the script with those workers', async () => {
    const file = join(hosts().state, 'cli-machines');
    writeFileSync(file, '# two on B, one on C\n2*hostB\nhostC\n');
    const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
    const c = hosts().node('hostA', cli, ['--machine-file', file, `--sshflags=-F ${hosts().sshConfig}`, fixture('cli-hosts.mjs')]);
    expect(JSON.parse(await c.line())).toEqual({ workers: [2, 3, 4], hosts: ['hostB', 'hostB', 'hostC'] });
    expect((await c.exited)[0]).toBe(0);
  });

  it('kill -9 of the master leaves no process on any host within 5 s, a busy worker included', async () => {
    const c = hosts().node('hostA', fixture('cluster-master.mjs'), ['hold', hosts().sshConfig]);
    while ((await c.line()) !== 'ready');
    for (const h of ['hostB', 'hostC']) expect(hosts().processes(h).filter(isSharedarrays).length).toBeGreaterThan(0);
    // The master itself (c.proc is nsenter, which forked it into hostA).
    process.kill(await c.ospid(), 'SIGKILL');
    await waitFor(() => ['hostB', 'hostC'].every((h) => hosts().processes(h).filter(isSharedarrays).length === 0), {
      what: 'every worker and agent to exit',
      timeoutMs: 5_000,
    });
  });
});

/** A process of this package (a worker or a host agent), by its command line. */
function isSharedarrays(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('worker.js') || cmd.includes('host-agent.js');
  } catch {
    return false;
  }
}
