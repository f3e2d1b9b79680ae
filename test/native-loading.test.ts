// Where the addon comes from (src/native.ts): SHAREDARRAYS_ADDON first, then node-gyp-build from
// the package root (build/Release, then prebuilds/<platform>-<arch>). Each case runs in a fresh
// Node process, since a process loads the addon once; package roots without a build are copies
// of dist/ in a temporary directory.
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// The addon this run uses: the sanitizer run points SHAREDARRAYS_ADDON at its own build.
const builtAddon = process.env.SHAREDARRAYS_ADDON || join(root, 'build/Release/sharedarrays.node');
const scratch = mkdtempSync(join(tmpdir(), 'sharedarrays-loading-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let programs = 0;

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
  cause?: string;
  workerMaps?: string[];
}

/**
 * Run, in a new process with `env`, a program that imports the package at `entry`, creates a
 * SharedArray (the first use of the addon) and, with `workers`, also on two workers, and reports
 * what each worker has mapped from `mapped`. Resolves with what happened.
 */
function run(entry: string, env: Record<string, string | undefined>, opts: { workers?: boolean; mapped?: string } = {}): Promise<Outcome> {
  const program = `
    import { readFileSync } from 'node:fs';
    import { addprocs, remotecallFetch, rmprocs, SharedArray, workers } from ${JSON.stringify(entry)};
    try {
      const pids = ${opts.workers ? 'await addprocs(2)' : '[]'};
      const S = await SharedArray.create('int32', [8], { init: (S) => S.data.fill(7) });
      if (S.data.reduce((a, b) => a + b) !== 56) throw new Error('the array does not hold what init wrote');
      await S.close();
      const workerMaps = [];
      for (const p of pids) {
        const ospid = await remotecallFetch(() => process.pid, p);
        workerMaps.push(readFileSync('/proc/' + ospid + '/maps', 'utf8').includes(${JSON.stringify(opts.mapped ?? '')}) ? 'mapped' : 'not mapped');
      }
      await rmprocs(workers());
      console.log(JSON.stringify({ ok: true, workerMaps }));
    } catch (e) {
      await rmprocs(workers());
      console.log(JSON.stringify({ ok: false, code: e.code, message: e.message, cause: String(e.cause?.message ?? '') }));
    }`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  // A script file, as a user's program is, rather than `node -e`.
  const script = join(scratch, `program-${++programs}.mjs`);
  writeFileSync(script, program);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script], { env: childEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`child failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Outcome);
    });
  });
}

/** A package root with the compiled package and its dependencies but no build/ (and `extra`). */
function packageRootWithoutBuild(name: string, extra?: (dir: string) => void): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  cpSync(join(root, 'dist/src'), join(dir, 'dist/src'), { recursive: true });
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  extra?.(dir);
  return join(dir, 'dist/src/index.js');
}

const distEntry = join(root, 'dist/src/index.js');

describe('SHAREDARRAYS_ADDON', () => {
  it('loads the given file, in the master and in every worker (they inherit the environment)', async () => {
    const copy = join(scratch, 'copy-of-the-addon.node');
    copyFileSync(builtAddon, copy);
    const out = await run(distEntry, { SHAREDARRAYS_ADDON: copy }, { workers: true, mapped: copy });
    expect(out).toEqual({ ok: true, workerMaps: ['mapped', 'mapped'] });
  });

  it('must be an absolute path: a relative one fails with ERR_NATIVE_MISSING naming the variable', async () => {
    const out = await run(distEntry, { SHAREDARRAYS_ADDON: 'build/Release/sharedarrays.node' });
    expect(out.ok).toBe(false);
    expect(out.code).toBe('ERR_NATIVE_MISSING');
    expect(out.message).toMatch(/SHAREDARRAYS_ADDON must be an absolute path .*"build\/Release\/sharedarrays.node"/);
  });

  it('a file that does not load fails with ERR_NATIVE_MISSING, the fix and the loader error as cause', async () => {
    const notAnAddon = join(scratch, 'not-an-addon.node');
    copyFileSync(join(root, 'package.json'), notAnAddon);
    const out = await run(distEntry, { SHAREDARRAYS_ADDON: notAnAddon });
    expect(out.code).toBe('ERR_NATIVE_MISSING');
    expect(out.message).toContain(`SHAREDARRAYS_ADDON=${notAnAddon} could not be loaded: point it at a built sharedarrays.node, or unset it`);
    expect(out.cause).toMatch(/invalid ELF header|not an ELF|too short/i);
  });

  it('an empty value counts as unset', async () => {
    expect(await run(distEntry, { SHAREDARRAYS_ADDON: '' })).toEqual({ ok: true, workerMaps: [] });
  });
});

describe('without the override: node-gyp-build from the package root', () => {
  it('uses prebuilds/<platform>-<arch> when there is no build/Release', async () => {
    const entry = packageRootWithoutBuild('prebuilt', (dir) => {
      mkdirSync(join(dir, `prebuilds/${process.platform}-${process.arch}`), { recursive: true });
      copyFileSync(builtAddon, join(dir, `prebuilds/${process.platform}-${process.arch}/sharedarrays.glibc.node`));
    });
    const prebuild = join(entry, '../../../prebuilds');
    expect(await run(entry, { SHAREDARRAYS_ADDON: undefined }, { workers: true, mapped: prebuild })).toEqual({
      ok: true,
      workerMaps: ['mapped', 'mapped'],
    });
  });

  it('with neither, fails with ERR_NATIVE_MISSING saying how to build it', async () => {
    const entry = packageRootWithoutBuild('nothing');
    const out = await run(entry, { SHAREDARRAYS_ADDON: undefined });
    expect(out.code).toBe('ERR_NATIVE_MISSING');
    expect(out.message).toContain(`no usable sharedarrays native addon in ${join(scratch, 'nothing')}`);
    expect(out.message).toContain('npm rebuild sharedarrays');
    expect(out.cause).toContain('No native build was found');
  });
});

