/**
 * The master side of bench/cluster.ts, run inside simulated host hostA: starting workers over
 * ssh, and calls to workers on other hosts (TCP, and through an ssh tunnel) against calls to a
 * local worker (Unix socket), all in one run. Prints one JSON object.
 *   node dist/bench/cluster-master.js <ssh_config> <rounds>
 */
import { addprocs, distributed, range, remotecallFetch, rmprocs } from '../src/index.js';
import { connectedPids } from '../src/transport/connections.js';

const [sshConfig, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 5);
const sshflags = ['-F', sshConfig!];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
}

/** Round trip p50/p99 (µs) of a no-op call to `pid`, and pipelined calls per second. */
async function calls(pid: number): Promise<{ p50: number; p99: number; perSecond: number }> {
  const noop = (): void => undefined;
  for (let k = 0; k < 200; k++) await remotecallFetch(noop, pid);
  const rts: number[] = [];
  for (let k = 0; k < 2000; k++) {
    const t0 = performance.now();
    await remotecallFetch(noop, pid);
    rts.push((performance.now() - t0) * 1000);
  }
  const n = 20_000;
  const window = 200;
  const t0 = performance.now();
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (sent < n) {
      sent++;
      await remotecallFetch(noop, pid);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { p50: median(rts), p99: pct(rts, 0.99), perSecond: n / ((performance.now() - t0) / 1000) };
}

const four: number[] = [];
const two: number[] = [];
for (let r = 0; r < rounds; r++) {
  const [t4, ws4] = await timed(() => addprocs([['hostB', 2], ['hostC', 2]], { sshflags }));
  four.push(t4);
  await rmprocs(ws4);
  const [t2, ws2] = await timed(() => addprocs([['hostB', 1], ['hostC', 1]], { sshflags }));
  two.push(t2);
  await rmprocs(ws2);
}

const [local] = await addprocs(1);
const [tcp] = await addprocs(['hostB'], { sshflags });
const [tunnel] = await addprocs(['hostC'], { sshflags, tunnel: true });
const callFigures = { local: await calls(local!), tcp: await calls(tcp!), tunnel: await calls(tunnel!) };
await rmprocs([local!, tcp!, tunnel!]);

(globalThis as { gc?: () => void }).gc?.();
const rssBefore = process.memoryUsage().rss;
const [t16, ws16] = await timed(() => addprocs([['hostB', 4], ['hostC', 4], ['hostD', 4], ['hostE', 4]], { sshflags, lazy: false }));
(globalThis as { gc?: () => void }).gc?.();
const masterRssPerWorkerKiB = (process.memoryUsage().rss - rssBefore) / 1024 / 16;
const [tSum, sum] = await timed(() => distributed(range(0, 16_000_000), () => 1, (a: number, b: number) => a + b));
const perWorker = await Promise.all(ws16.map((w) => remotecallFetch(() => ({ rss: process.memoryUsage().rss }), w)));
const connections = { master: connectedPids().length };
await rmprocs(ws16);

console.log(
  JSON.stringify({
    addprocs: { fourWorkersTwoHostsMs: median(four), twoWorkersTwoHostsMs: median(two), perExtraWorkerMs: (median(four) - median(two)) / 2, rounds },
    calls: callFigures,
    sixteen: { addprocsMs: t16, distributedSumMs: tSum, sumOk: sum === 16_000_000, workerRssMiB: median(perWorker.map((p) => p.rss / 2 ** 20)), masterRssPerWorkerKiB, connections },
  }),
);
