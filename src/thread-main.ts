/**
 * The entry point of a pool thread of `threads.for` (started by src/threads/pool.ts). Like the
 * worker entry (src/worker.ts) it builds the runtime, so that bodies compiled here see the
 * package's exports; it sits above the package for that reason, as an executable does. It takes
 * the process's identity (myid() is the process's pid, threadid() its own), then runs one chunk
 * per message, in order, replying to each. Threads do not join the cluster: they have no
 * connections of their own, and mirror the process's table of workers as of each call.
 */
import { parentPort, workerData } from 'node:worker_threads';
import './runtime.js';
import { errorShape } from './core/errors.js';
import { setPoolThread } from './core/identity.js';
import { type PeerInfo, removeWorker, setWorker, workerPids } from './core/process-table.js';
import { releaseChunkHolds } from './threads/barrier-holders.js';
import { loadBodyModule } from './threads/body.js';
import { runChunk } from './threads/chunk.js';
import type { ChunkReply, RunChunk, ThreadSetup } from './threads/messages.js';
import { setNthreads } from './threads/nthreads.js';
import { setThreadid } from './threads/threadid.js';
import { bodyFromThread, valueFromThread } from './threads/transfer.js';

const port = parentPort;
if (port === null) throw new Error('thread-main.js is the entry point of a threads.for pool thread; it does not run on its own');
const setup = workerData as ThreadSetup;
setPoolThread(setup.pid);
setThreadid(setup.threadid);
setNthreads(setup.nthreads);

/** The process's workers as of this call, so that workers(), nprocs() and procs() answer as there. */
function mirrorWorkers(peers: readonly PeerInfo[]): void {
  const now = new Set(peers.map((p) => p.pid));
  for (const pid of workerPids()) if (!now.has(pid)) removeWorker(pid);
  for (const p of peers) setWorker(p);
}

async function run(m: RunChunk): Promise<void> {
  if (m.peers) mirrorWorkers(m.peers);
  for (const url of m.modules) await loadBodyModule(url);
  const body = bodyFromThread(m.body, m.records);
  await runChunk(body, m.chunk.kind === 'range' ? m.chunk : { kind: 'items', items: valueFromThread(m.chunk.items, m.records) });
}

// One chunk at a time, in the order they were posted: a body that awaits must not let the next
// chunk start in between.
let queue = Promise.resolve();
port.on('message', (m: RunChunk) => {
  queue = queue.then(async () => {
    let reply: ChunkReply;
    try {
      await run(m);
      reply = { kind: 'done', job: m.job };
    } catch (e) {
      reply = { kind: 'failed', job: m.job, error: errorShape(e) };
    } finally {
      // The chunk is over: this thread no longer holds the barriers it received for it.
      releaseChunkHolds();
    }
    port.postMessage(reply);
  });
});
