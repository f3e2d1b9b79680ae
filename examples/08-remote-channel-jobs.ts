/**
 * Seed: "Channels and RemoteChannels", the jobs/results example on 4 workers.
 *
 *     julia> addprocs(4); # add worker processes
 *     julia> const jobs = RemoteChannel(()->Channel{Int}(32));
 *     julia> const results = RemoteChannel(()->Channel{Tuple}(32));
 *     julia> @everywhere function do_work(jobs, results) # define work function everywhere
 *                while true
 *                    job_id = take!(jobs)
 *                    exec_time = rand()
 *                    sleep(exec_time) # simulates elapsed time doing actual work
 *                    put!(results, (job_id, exec_time, myid()))
 *                end
 *            end
 *     julia> function make_jobs(n)
 *                for i in 1:n
 *                    put!(jobs, i)
 *                end
 *            end;
 *     julia> n = 12;
 *     julia> @async make_jobs(n); # feed the jobs channel with "n" jobs
 *     julia> for p in workers() # start tasks on the workers to process requests in parallel
 *                remote_do(do_work, p, jobs, results)
 *            end
 *     julia> @elapsed while n > 0 # print out results
 *                job_id, exec_time, where = take!(results)
 *                println("$job_id finished in $(round(exec_time; digits=2)) seconds on worker $where")
 *                global n = n - 1
 *            end
 *     1 finished in 0.18 seconds on worker 4
 *     ...
 *
 * The work loops never return, as in the seed: rmprocs ends them with their workers.
 *
 *   node dist/examples/08-remote-channel-jobs.js
 */
import { addprocs, Channel, everywhere, myid, put, remoteDo, RemoteChannel, rmprocs, take, workers } from '../src/index.js';

type Result = [jobId: number, execTime: number, where: number];
type DoWork = (jobs: RemoteChannel<number>, results: RemoteChannel<Result>) => Promise<void>;

await addprocs(4); // add worker processes

const jobs = await RemoteChannel.create(() => new Channel<number>(32));
const results = await RemoteChannel.create(() => new Channel<Result>(32));

// @everywhere function do_work(jobs, results): define the work function on every process.
await everywhere(() => {
  (globalThis as { doWork?: DoWork }).doWork = async (jobs, results) => {
    while (true) {
      const jobId = await take(jobs);
      const execTime = Math.random();
      await new Promise((resolve) => setTimeout(resolve, execTime * 1000)); // simulates elapsed time doing actual work
      await put(results, [jobId, execTime, myid()]);
    }
  };
});
const doWork = (globalThis as { doWork?: DoWork }).doWork as DoWork;

async function makeJobs(n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await put(jobs, i);
}

let n = 12;
void makeJobs(n); // @async: feed the jobs channel with "n" jobs

for (const p of workers()) remoteDo(doWork, p, jobs, results); // start tasks on the workers

const t0 = performance.now();
while (n > 0) {
  // print out results
  const [jobId, execTime, where] = await take(results);
  console.log(`${jobId} finished in ${execTime.toFixed(2)} seconds on worker ${where}`);
  n = n - 1;
}
console.log(`${((performance.now() - t0) / 1000).toFixed(6)} seconds elapsed`);

await rmprocs(workers());
