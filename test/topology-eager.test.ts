// addprocs(n, { lazy: false }): every pair of workers is connected at once, not on first use.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { connectedPids } from '../dist/src/transport/connections.js';
import { waitFor } from './helpers/wait.js';

const { addprocs, workers, everywhere, remotecallFetch } = sa;
const peersModule = fileURLToPath(new URL('../dist/src/transport/connections.js', import.meta.url));

afterAll(removeAllWorkers);

describe('lazy: false', () => {
  it('connects every worker to every other without any call between them', async () => {
    const ws = await addprocs(3, { lazy: false });
    await everywhere(peersModule, { procs: ws });
    for (const w of ws) {
      const others = [1, ...ws.filter((p) => p !== w)];
      await waitFor(async () => JSON.stringify(await remotecallFetch(connectedPids, w)) === JSON.stringify(others), {
        what: `worker ${w} to be connected to ${others.join(', ')}`,
      });
    }
    expect(connectedPids()).toEqual(ws);
  });

  it('keeps connecting eagerly when more workers join', async () => {
    const [late] = await addprocs(1, { lazy: false });
    await everywhere(peersModule, { procs: [late!] });
    const all = workers();
    await waitFor(async () => JSON.stringify(await remotecallFetch(connectedPids, late!)) === JSON.stringify([1, ...all.filter((p) => p !== late)]), {
      what: `the late worker ${late} to be connected to every other`,
    });
  });
});
