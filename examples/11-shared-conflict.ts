/**
 * Seed: "Shared Arrays", the conflict example.
 *
 *     @sync begin
 *         for p in procs(S)
 *             @async begin
 *                 remotecall_wait(fill!, p, S, p)
 *             end
 *         end
 *     end
 *
 * "would result in undefined behavior. Because each process fills the *entire* array with its own
 * `pid`, whichever process is the last to execute (for any particular element of `S`) will have
 * its `pid` retained." It runs without error; which pid each element keeps is up to timing.
 *
 *   node dist/examples/11-shared-conflict.js [--n 2000000]
 */
import { parseArgs } from 'node:util';
import { addprocs, procs, remotecallWait, rmprocs, SharedArray, workers } from '../src/index.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '2000000' } } });
const n = Number(values.n);

await addprocs(3);

const fill = (S: SharedArray<'int32'>, v: number) => void S.data.fill(v);

for (const dims of [[3, 4], [n]]) {
  const S = await SharedArray.create('int32', dims);
  // @sync begin for p in procs(S) @async remotecall_wait(fill!, p, S, p) end end
  await Promise.all(procs(S).map((p) => remotecallWait(fill, p, S, p)));
  if (dims.length === 2) console.log(S);
  const kept = new Map<number, number>();
  for (const x of S.data) kept.set(x, (kept.get(x) ?? 0) + 1);
  for (const [p, count] of [...kept].sort((a, b) => a[0] - b[0])) console.log(`${S.length} elements: pid ${p} retained in ${count}`);
  console.log('every element holds one of procs(S):', S.data.every((x) => procs(S).includes(x)));
  await S.close();
}

await rmprocs(workers());
