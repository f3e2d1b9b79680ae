/**
 * Figures of the cluster managers on simulated hosts (test/multihost: each host its own network,
 * PID namespace and sshd on this one machine; needs root and openssh-server):
 *  - addprocs of 2 workers on each of 2 hosts over ssh, and the cost of each extra worker;
 *  - a call's round trip and pipelined calls per second to a worker on another host over TCP and
 *    through an ssh tunnel, against a worker on the master's host (Unix socket);
 *  - 16 workers on 4 hosts: start-up, a distributed sum over all of them, memory per worker.
 * The master runs inside hostA; hosts are started and torn down here.
 *   npx tsc -p tsconfig.json && node dist/bench/cluster.js [--rounds 5]
 * Results: bench/results/cluster.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const master = fileURLToPath(new URL('./cluster-master.js', import.meta.url));
const execSh = fileURLToPath(new URL('../../test/multihost/exec.sh', import.meta.url));

// The test harness's starter (the hosts go down when this process ends, however it ends), found
// from dist/bench/ at run time.
const { bringUp } = (await import(new URL('../../test/helpers/machines-up.mjs', import.meta.url).href)) as typeof import('../test/helpers/machines-up.mjs');
const { info } = await bringUp('hosts-up.sh', ['5']);
const state = (info as { state: string }).state;
const child = spawn(execSh, [state, 'hostA', process.execPath, '--expose-gc', master, `${state}/ssh_config`, values.rounds!], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
if (code !== 0) throw new Error(`the benchmark master failed (${code})`);
const r = JSON.parse(out.trim().split('\n').at(-1)!);

const us = (x: number): string => `${x.toFixed(0)} µs`;
console.log(`addprocs, 2 workers on each of 2 hosts over ssh: ${r.addprocs.fourWorkersTwoHostsMs.toFixed(0)} ms (median of ${r.addprocs.rounds}); per extra worker: ${r.addprocs.perExtraWorkerMs.toFixed(0)} ms`);
console.log('calls to one worker              round trip p50 (p99)   pipelined, 200 in flight');
for (const [name, c] of Object.entries(r.calls) as [string, { p50: number; p99: number; perSecond: number }][]) {
  console.log(`  ${name.padEnd(31)} ${us(c.p50).padStart(8)} (${us(c.p99)})   ${(c.perSecond / 1000).toFixed(1)} k calls/s`);
}
const base = r.calls.local;
console.log(`  ratios vs local: TCP ${(r.calls.tcp.p50 / base.p50).toFixed(2)}× / tunnel ${(r.calls.tunnel.p50 / base.p50).toFixed(2)}× round trip; TCP ${(base.perSecond / r.calls.tcp.perSecond).toFixed(2)}× / tunnel ${(base.perSecond / r.calls.tunnel.perSecond).toFixed(2)}× pipelined time`);
console.log(`16 workers on 4 hosts: addprocs ${r.sixteen.addprocsMs.toFixed(0)} ms, distributed sum over 1.6e7 ${r.sixteen.distributedSumMs.toFixed(0)} ms (ok: ${r.sixteen.sumOk}), worker RSS ${r.sixteen.workerRssMiB.toFixed(0)} MiB, master memory per worker ${r.sixteen.masterRssPerWorkerKiB.toFixed(0)} KiB, master connections ${r.sixteen.connections.master}`);
await mkdir(fileURLToPath(new URL('../../bench/results/', import.meta.url)), { recursive: true });
await writeFile(fileURLToPath(new URL('../../bench/results/cluster.json', import.meta.url)), `${JSON.stringify(r, null, 2)}\n`);
process.exit(0);
