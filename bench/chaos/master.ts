/**
 * A master the chaos bench kills with SIGKILL at a random moment (bench/chaos/master-kill.ts): it
 * starts workers and then works them without pause, touching every kind of resource the runtime
 * owns: shared-memory segments made here and on a worker, calls in flight, pmap, a channel on a
 * worker, a worker stuck in a loop and interrupted (its lifeline carries the record), a worker
 * added and removed. It prints `worker <ospid>` for each worker as soon as it has joined, and
 * `round <n>` after each round of work.
 *
 *   node dist/bench/chaos/master.js   (run by the bench, with SHAREDARRAYS_CHAOS set)
 */
import { addprocs, Channel, interrupt, myid, pmap, put, RemoteChannel, remoteDo, remotecallFetch, rmprocs, SharedArray, take } from '../../src/index.js';

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const pidOf = (w: number): Promise<number> => remotecallFetch(() => process.pid, w);

const ws = (await addprocs(2)) as [number, number];
for (const w of ws) say(`worker ${await pidOf(w)}`);
say('ready');
for (let round = 0; ; round++) {
  const S = await SharedArray.create('float64', 1 << 16);
  await remotecallFetch((A: SharedArray<'float64'>) => A.data.fill(myid()).length, ws[0], S);
  await remotecallFetch(async () => {
    const T = await SharedArray.create('int32', 1 << 12);
    T.data.fill(1);
    await T.close();
  }, ws[1]);
  await pmap((x: number) => x * 2, Array.from({ length: 40 }, (_, i) => i));
  const c = await RemoteChannel.create(() => new Channel<number>(4), ws[1]);
  await put(c, round);
  await take(c);
  c.finalize();
  const busy = ws[round % 2]!;
  remoteDo(() => {
    for (;;);
  }, busy);
  await interrupt(busy);
  if (round % 4 === 3) {
    const [extra] = (await addprocs(1)) as [number];
    say(`worker ${await pidOf(extra)}`);
    await rmprocs(extra);
  }
  await S.close();
  say(`round ${round}`);
}
