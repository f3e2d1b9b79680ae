/**
 * Seed (older versions of the manual): "Channels", in one process.
 *
 *     julia> c = Channel(2);
 *     julia> put!(c, 1) # `put!` on an open channel succeeds
 *     julia> close(c);
 *     julia> put!(c, 2) # `put!` on a closed channel throws an exception.
 *     ERROR: InvalidStateException("Channel is closed.",:closed)
 *     julia> fetch(c) # Any number of `fetch` calls succeed.
 *     1
 *     julia> fetch(c)
 *     1
 *     julia> take!(c) # The first `take!` removes the value.
 *     1
 *     julia> take!(c) # No more data available on a closed channel.
 *     ERROR: InvalidStateException("Channel is closed.",:closed)
 *
 *     c=Channel{Int}(10)
 *     foreach(i->put!(c, i), 1:3)    # add a few entries
 *     data = [i for i in c]          # waits for more data
 *     ...
 *     julia> close(c);               # `for` loops can exit
 *     julia> data = [i for i in c]
 *     3-element Array{Int64,1}: 1 2 3
 *
 *     const jobs = Channel{Int}(32)
 *     const results = Channel{Tuple}(32)
 *     function do_work()
 *         for job_id in jobs
 *             exec_time = rand()
 *             sleep(exec_time)
 *             put!(results, (job_id, exec_time))
 *         end
 *     end
 *     function make_jobs(n) for i in 1:n put!(jobs, i) end end
 *     n = 12
 *     @schedule make_jobs(n)              # feed the jobs channel with "n" jobs
 *     for i in 1:4 @schedule do_work() end # start 4 tasks to process requests in parallel
 *     @elapsed while n > 0                # print out results
 *         job_id, exec_time = take!(results)
 *         println("$job_id finished in $(round(exec_time,2)) seconds")
 *         n = n - 1
 *     end
 *
 * Julia's tasks are async functions here; `for i in c` is `for await (const i of c)`.
 *
 *   node dist/examples/13-channels.js
 */
import { Channel, close, fetch, type InvalidStateException, isready, put, take } from '../src/index.js';

const c = new Channel<number>(2);
await put(c, 1); // put on an open channel succeeds
console.log('put(c, 1) succeeded; isready(c):', isready(c));
close(c);
try {
  await put(c, 2); // put on a closed channel throws an exception.
} catch (e) {
  const err = e as InstanceType<typeof InvalidStateException>;
  console.log(`put(c, 2): ERROR: ${err.name}("${err.message}", :${err.state})`);
}
console.log('fetch(c) =', await fetch(c)); // any number of fetch calls succeed
console.log('fetch(c) =', await fetch(c));
console.log('take(c) =', await take(c)); // the first take removes the value
try {
  await take(c); // no more data available on a closed channel
} catch (e) {
  const err = e as InstanceType<typeof InvalidStateException>;
  console.log(`take(c): ERROR: ${err.name}("${err.message}", :${err.state})`);
}

// Iterating an open channel waits for more data...
const c2 = new Channel<number>(10);
for (const i of [1, 2, 3]) await put(c2, i); // add a few entries
const collect = async (ch: Channel<number>) => {
  const data: number[] = [];
  for await (const i of ch) data.push(i);
  return data;
};
const pending = collect(c2);
const winner = await Promise.race([pending.then(() => 'finished'), new Promise((r) => setTimeout(() => r('still waiting'), 100))]);
console.log('iterating an open channel, after 100 ms:', winner);
close(c2); // ...closing it lets the loop exit once it is empty
console.log('after close(c): data =', await pending);

// Four tasks process a single jobs channel.
const jobs = new Channel<number>(32);
const results = new Channel<[number, number]>(32);
async function doWork(): Promise<void> {
  for await (const jobId of jobs) {
    const execTime = Math.random();
    await new Promise((r) => setTimeout(r, execTime * 1000)); // simulates elapsed time doing actual work
    await put(results, [jobId, execTime]);
  }
}
async function makeJobs(n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await put(jobs, i);
}
let n = 12;
void makeJobs(n); // feed the jobs channel with "n" jobs
const tasks = Array.from({ length: 4 }, () => doWork()); // start 4 tasks to process requests in parallel
const t0 = performance.now();
while (n > 0) {
  const [jobId, execTime] = await take(results);
  console.log(`${jobId} finished in ${execTime.toFixed(2)} seconds`);
  n = n - 1;
}
console.log(`${((performance.now() - t0) / 1000).toFixed(6)} seconds elapsed`);
close(jobs); // the tasks' loops end
await Promise.all(tasks);
