// The multi-host harness (test/multihost/, test/helpers/multihost.ts) does what the cluster
// managers' tests need: separate "machines" (hostname, PID namespace, boot id, /dev/shm, /tmp,
// network) reachable by real ssh, the checkout and node at the same path everywhere, TCP between
// hosts, ssh multiplexing; and it leaves nothing behind: after teardown, after a failed start,
// after kill -9 of the process that owns the hosts. Up and down times are printed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fixture, startFixture } from './helpers/child.js';
import { instanceLeftovers as leftovers, instanceProcesses as processesOf, instancesDir, shq } from './helpers/machines.js';
import { bringUp, checkoutDir, harnessDir, type InstanceInfo } from './helpers/machines-up.mjs';
import { describeMultihost, Hosts, startHosts, useHosts } from './helpers/multihost.js';
import { gone, waitFor } from './helpers/wait.js';

/** A process's command line, arguments separated by NUL; '' once it has exited. */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** The pid recorded as "pid start" in a state file. */
const recordedPid = (file: string): number => Number(readFileSync(file, 'utf8').split(' ')[0]);

describeMultihost('multi-host harness: three simulated hosts with sshd', () => {
  const hosts = useHosts(3);

  it('comes up; ssh from hostA runs commands on hostB and hostC, which have their own hostnames', async () => {
    console.log(`3 hosts up in ${hosts().upMs} ms (hosts-up.sh)`);
    expect(hosts().names).toEqual(['hostA', 'hostB', 'hostC']);
    expect(await hosts().run('hostA', 'hostname')).toBe('hostA');
    for (const to of ['hostB', 'hostC']) {
      expect(await hosts().run('hostA', `${hosts().sshTo(to)} hostname`)).toBe(to);
      // Names resolve on every host (its /etc/hosts), to the address ssh uses.
      expect(await hosts().run('hostA', `getent hosts ${to}`)).toMatch(new RegExp(`^${hosts().address(to).replace(/\./g, '\\.')}\\s+${to}$`));
    }
    // The test process reaches them too, through the root namespace's port on the bridge.
    expect(execFileSync('ssh', ['-F', hosts().sshConfig, 'hostC', 'hostname'], { encoding: 'utf8' }).trim()).toBe('hostC');
  });

  it('gives each host its own PID namespace, boot id and root home', async () => {
    const own = `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()} ${execFileSync('readlink', ['/proc/self/ns/pid'], { encoding: 'utf8' }).trim()}`;
    const facts = [own];
    for (const h of hosts().names) {
      const [bootId, pidns, init, home] = (
        await hosts().run('hostA', `${hosts().sshTo(h)} 'cat /proc/sys/kernel/random/boot_id; readlink /proc/self/ns/pid; tr "\\0" " " < /proc/1/cmdline; echo; ls -A /root | wc -l'`)
      ).split('\n');
      facts.push(`${bootId} ${pidns}`);
      // Its /proc shows its own pid 1 (the harness's init for that host), not the real machine's.
      expect(init).toContain(`machine-init.sh ${hosts().state}/${h} ${h}`);
      expect(home).toBe('0');
    }
    expect(new Set(facts.map((f) => f.split(' ')[0])).size).toBe(4); // boot ids
    expect(new Set(facts.map((f) => f.split(' ')[1])).size).toBe(4); // PID namespaces
  });

  it('keeps /dev/shm and /tmp private to each host', async () => {
    const mark = `sa-mh-probe-${process.pid}`;
    await hosts().run('hostB', `echo hostB > /dev/shm/${mark}; echo hostB > /tmp/${mark}`);
    expect(await hosts().run('hostB', `cat /dev/shm/${mark} /tmp/${mark}`)).toBe('hostB\nhostB');
    for (const h of ['hostA', 'hostC']) {
      expect(await hosts().run(h, `ls /dev/shm/${mark} /tmp/${mark} 2>/dev/null | wc -l`)).toBe('0');
    }
    expect(existsSync(`/dev/shm/${mark}`) || existsSync(`/tmp/${mark}`)).toBe(false);
    // And the root namespace's /tmp is not theirs either.
    const dir = mkdtempSync(join(tmpdir(), 'sa-mh-probe-'));
    try {
      expect(await hosts().run('hostC', `test -e ${dir} && echo seen || echo unseen`)).toBe('unseen');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('runs node on hostB from the checkout, at the same path, and it imports the built package', async () => {
    const probe = `import(${JSON.stringify(`${checkoutDir}/dist/src/index.js`)}).then((m) => console.log(typeof m.addprocs, process.cwd(), require('node:os').hostname()))`;
    const out = await hosts().run('hostA', `${hosts().sshTo('hostB')} ${shq(`cd ${checkoutDir} && ${process.execPath} -e ${shq(probe)}`)}`);
    expect(out).toBe(`function ${checkoutDir} hostB`);
  });

  it('connects hostA to a TCP listener on hostB at hostB\'s address; loopbacks stay separate', async () => {
    const server = `const s = require('node:net').createServer((c) => c.end(require('node:os').hostname())).listen(0, '0.0.0.0', () => console.log(s.address().port));`;
    const listener = hosts().node('hostB', '-e', [server]);
    try {
      const port = Number(await listener.line());
      const client = (addr: string): string =>
        `${process.execPath} -e ${shq(`require('node:net').connect(${port}, '${addr}').setEncoding('utf8').on('data', (d) => console.log(d)).on('error', (e) => console.log(e.code))`)}`;
      expect(await hosts().run('hostA', client(hosts().address('hostB')))).toBe('hostB');
      expect(await hosts().run('hostA', client('127.0.0.1'))).toBe('ECONNREFUSED');
      expect(await hosts().run('hostB', client('127.0.0.1'))).toBe('hostB');
      // From the test process, through the root namespace's port.
      const got = await new Promise<string>((resolve, reject) => {
        let data = '';
        connect(port, hosts().address('hostB')).setEncoding('utf8').on('data', (d: string) => (data += d)).on('end', () => resolve(data)).on('error', reject);
      });
      expect(got).toBe('hostB');
    } finally {
      process.kill(await listener.ospid(), 'SIGKILL');
      await listener.exited;
    }
  });

  it('runs a master on hostA that starts workers on hostB and hostC over ssh, cookie on stdin, back over TCP', async () => {
    const master = hosts().node('hostA', fixture('multihost-master.mjs'), [hosts().sshConfig, 'hostB', 'hostC']);
    expect(await master.line()).toBe(`master hostA ${hosts().address('hostA')}:${/:(\d+)$/.exec(master.lines[0]!)![1]}`);
    const reports = [await master.line(), await master.line()].sort();
    expect(reports).toEqual(['worker hostB cookie ok', 'worker hostC cookie ok']);
    expect(await master.exited).toEqual([0, null]);
  });

  it('multiplexes ssh sessions over one connection (ControlMaster); prints fresh vs multiplexed latency', async () => {
    // Inside hostA, as a master would: 5 fresh logins, then 5 through one master connection.
    // SSH_CONNECTION names the TCP connection: it differs between fresh logins and is one
    // and the same for every multiplexed session.
    const ssh = hosts().sshTo('hostB');
    const mux = `-o ControlPath=/tmp/cm-%C`;
    const script = `
      t0=$(date +%s%N); for i in 1 2 3 4 5; do ${ssh} true; done; t1=$(date +%s%N)
      ${ssh} -o ControlMaster=yes ${mux} -o ControlPersist=60 -fN
      t2=$(date +%s%N); for i in 1 2 3 4 5; do ${ssh} ${mux} true; done; t3=$(date +%s%N)
      echo $(( (t1 - t0) / 5000 )) $(( (t3 - t2) / 5000 ))
      ${ssh} 'echo $SSH_CONNECTION'; ${ssh} 'echo $SSH_CONNECTION'
      ${ssh} ${mux} 'echo $SSH_CONNECTION'; ${ssh} ${mux} 'echo $SSH_CONNECTION'
      ${ssh} ${mux} -O check 2>&1`;
    const [times, fresh1, fresh2, mux1, mux2, check] = (await hosts().run('hostA', script)).split('\n');
    const [freshUs, muxUs] = times!.split(' ').map(Number);
    console.log(`ssh hostA -> hostB \`true\`: fresh ${(freshUs! / 1000).toFixed(1)} ms, multiplexed ${(muxUs! / 1000).toFixed(1)} ms (mean of 5)`);
    expect(fresh1).not.toBe(fresh2);
    expect(mux1).toBe(mux2);
    expect(check).toMatch(/^Master running \(pid=\d+\)/);
  });

  it('gives up on a command that hangs, killing it; names the hosts when asked for another', async () => {
    const mark = `sa-mh-hang-${process.pid}`;
    const hang = hosts().exec('hostB', `exec -a ${mark} sleep 1000`, { timeoutMs: 300 });
    await expect(hang).rejects.toThrow(/hostB: `exec -a sa-mh-hang-\d+ sleep 1000` did not finish within 300 ms/);
    await waitFor(() => hosts().processes('hostB').every((pid) => !cmdline(pid).startsWith(mark)), {
      what: 'the hung command to be killed',
    });
    expect(() => hosts().spawn('hostD', 'true')).toThrow('no machine named hostD: this instance has hostA, hostB, hostC');
  });

  it('tears down everything: every process on the hosts (daemons too), namespaces, links, state', async () => {
    const h = hosts();
    // A daemon on hostB that escaped its ssh session, and an ssh master in the root namespace.
    await h.run('hostA', `${h.sshTo('hostB')} 'setsid sleep 1000 </dev/null >/dev/null 2>&1 &'`);
    // The ssh session may return before the daemon has exec'd: wait for it to show.
    let daemon: number | undefined;
    await waitFor(() => (daemon = h.processes('hostB').find((pid) => cmdline(pid) === 'sleep\x001000\x00')) !== undefined, {
      what: 'the escaped daemon to run on hostB',
    });
    const cm = mkdtempSync(join(tmpdir(), 'sa-mh-cm-'));
    const mux = ['-F', h.sshConfig, '-o', `ControlPath=${cm}/%C`];
    execFileSync('ssh', [...mux, '-o', 'ControlMaster=yes', '-o', 'ControlPersist=60', '-fN', 'hostC']);
    const check = spawnSync('ssh', [...mux, '-O', 'check', 'hostC'], { encoding: 'utf8' }).stderr; // "Master running (pid=N)"
    const muxPid = Number(/pid=(\d+)/.exec(check)?.[1]);
    expect(gone(muxPid)).toBe(false);
    const inside = processesOf(h.slot);
    expect(inside).toContain(daemon);
    expect(inside.length).toBeGreaterThanOrEqual(7); // 3 inits, 3 sshd listeners, the daemon
    // 4 namespaces (3 hosts, the switch), each listed and mounted in /run/netns; the root namespace's veth.
    expect(leftovers(h.slot).length).toBe(9);
    const reaper = recordedPid(join(h.state, 'reaper'));
    expect(gone(reaper)).toBe(false);

    const ms = await h.down();
    console.log(`3 hosts down in ${ms.toFixed(0)} ms (hosts-down.sh, as seen by the test)`);
    expect(inside.filter((pid) => !gone(pid))).toEqual([]);
    expect(h.initPids().filter((pid) => !gone(pid))).toEqual([]);
    expect(gone(reaper)).toBe(true);
    expect(leftovers(h.slot)).toEqual([]);
    expect(existsSync(h.state)).toBe(false);
    // The root namespace's ssh master loses its connection with hostC's sshd and exits.
    await waitFor(() => gone(muxPid), { what: 'the ssh master to hostC to exit' });
    rmSync(cm, { recursive: true, force: true });
    // Idempotent: a second teardown finds nothing to do.
    await h.down();
    expect(() => h.spawn('hostA', 'true')).toThrow(/hostA is not running/);
  });
});

describeMultihost('multi-host harness: teardown when things go wrong', () => {
  it('a failed start tears down what it built and says why', async () => {
    const failure = await bringUp('hosts-up.sh', ['2'], { SA_MH_SHARED: '/nonexistent-sa-mh' }).then(
      () => new Error('expected the start to fail'),
      (e: Error) => e,
    );
    expect(failure.message).toMatch(/hostA did not start/);
    expect(failure.message).toMatch(/shared path '\/nonexistent-sa-mh' is not a directory/);
    const [, slot, id] = /tearing down instance (\d+) \(id ([\w-]+)\)/.exec(failure.message) ?? [];
    expect(failure.message).toMatch(new RegExp(`instance ${slot} down`));
    // The slot is free again, or already someone else's (another test file may start hosts now).
    const state = join(instancesDir, slot!);
    if (existsSync(state)) expect(readFileSync(join(state, 'id'), 'utf8').trim()).not.toBe(id);
    else expect(leftovers(Number(slot))).toEqual([]);
  });

  it('rejects a bad number of hosts before building anything', async () => {
    await expect(bringUp('hosts-up.sh', ['27'])).rejects.toThrow(/the number of hosts must be 1\.\.26, got '27'/);
  });

  it('when the process owning the hosts is killed with SIGKILL, its reaper takes them down', async () => {
    const owner = startFixture('multihost-owner.mjs', ['2'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const info = JSON.parse(await owner.line()) as InstanceInfo;
    expect(existsSync(info.state)).toBe(true);
    const inside = processesOf(info.slot);
    owner.proc.kill('SIGKILL');
    await owner.exited;
    await waitFor(() => !existsSync(info.state), { what: 'the reaper to tear the hosts down' });
    expect(leftovers(info.slot)).toEqual([]);
    expect(inside.filter((pid) => !gone(pid))).toEqual([]);
  });

  it('hosts whose owner and reaper were both killed are swept by the next start, and only those', async () => {
    const owner = startFixture('multihost-owner.mjs', ['1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const orphan = JSON.parse(await owner.line()) as InstanceInfo;
    process.kill(recordedPid(join(orphan.state, 'reaper')), 'SIGKILL');
    owner.proc.kill('SIGKILL');
    await owner.exited;
    // Nobody is left to tear it down: it stays up (this is what a killed test run leaves).
    expect(existsSync(orphan.state)).toBe(true);
    const inside = processesOf(orphan.slot);
    expect(inside.filter((pid) => !gone(pid)).length).toBeGreaterThanOrEqual(2); // init and sshd

    const live = await startHosts(1); // runs sweep.sh first
    try {
      expect(inside.filter((pid) => !gone(pid))).toEqual([]);
      // Its slot is free, or already reused: by `live`, or by another test file starting hosts.
      if (existsSync(orphan.state)) expect(readFileSync(join(orphan.state, 'id'), 'utf8').trim()).not.toBe(orphan.id);
      expect(await live.run('hostA', 'hostname')).toBe('hostA');
      // A sweep leaves an instance whose owner (this process) lives.
      execFileSync(join(harnessDir, 'sweep.sh'));
      expect(await live.run('hostA', 'hostname')).toBe('hostA');
    } finally {
      await live.down();
    }
  });

  it('keeps a shared path under a private directory visible on every host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-mh-shared-'));
    writeFileSync(join(dir, 'marker'), 'shared\n');
    const { info, hold } = await bringUp('hosts-up.sh', ['1'], { SA_MH_SHARED: `${checkoutDir}:${dir}` });
    const hosts = new Hosts(info, hold, info.hosts!);
    try {
      expect(await hosts.run('hostA', `cat ${dir}/marker; ls -A /tmp | wc -l`)).toBe(`shared\n1`);
    } finally {
      await hosts.down();
      rmSync(dir, { recursive: true });
    }
  });
});
