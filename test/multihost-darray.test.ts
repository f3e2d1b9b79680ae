// A DArray over workers on two simulated hosts (test/multihost/): its blocks live on different
// machines, the master gathers them over TCP, and a block made on one host reads its halo from
// the block on the other, worker to worker.
import { expect, it } from 'vitest';
import { fixture } from './helpers/child.js';
import { describeMultihost, useHosts } from './helpers/multihost.js';

describeMultihost('DArray across hosts', () => {
  const hosts = useHosts(3);

  it('spreads blocks over two hosts, reads them from a third, and halos cross hosts', async () => {
    const args = [hosts().sshConfig, 'hostB', 'hostC'];
    const master = hosts().node('hostA', fixture('darray-multihost-master.mjs'), args);
    expect(await master.line()).toBe('workers on hostB hostC');
    expect(await master.line()).toBe('toArray across hosts ok');
    expect(await master.line()).toBe('halo across hosts ok');
    // Sum of 100 i + j over i < 6, j < 8: 8 * 100 * 15 + 6 * 28.
    expect(await master.line()).toBe(`sum ${8 * 100 * 15 + 6 * 28} on 2 hosts`);
    expect(await master.line()).toBe('done');
    expect(await master.exited).toEqual([0, null]);
  });
});
