import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot, needsRoot } from './helpers/root.js';

const fixture = fileURLToPath(new URL('./fixtures/file-nospace.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sa-file-nospace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A private mount namespace with a 16 MiB tmpfs on a fresh directory: a small filesystem without
// touching the machine's. Needs root (true on the CI machine), as test/shared-nospace.test.ts.
describe.skipIf(!isRoot)(needsRoot('SharedArray.fromFile on a filesystem without room'), () => {
  it('fails at open with ENOSPC and a message naming the fix, never a SIGBUS, and leaves files as they were', () => {
    const out = execFileSync(
      'unshare',
      ['-m', 'sh', '-c', 'mount -t tmpfs -o size=16m tmpfs "$2" && exec "$0" "$1" "$2"', process.execPath, fixture, dir],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(out.trim().split('\n').pop() as string);
    expect(r.tooBig).toEqual({
      ok: false,
      code: 'ENOSPC',
      message: expect.stringMatching(
        new RegExp(`^not enough space for ${dir}/big\\.bin: the array needs 32 MiB at byte 0, its filesystem has 16 MiB free; free some space or put the file where the filesystem has room$`),
      ),
    });
    expect(r.bigNeeded).toBe(32 * 1024 * 1024);
    expect(r.bigLeft).toBe(false); // made by the failed open: removed
    expect(r.smallOk).toBe(true);
    expect(r.second).toMatchObject({ ok: false, code: 'ENOSPC', message: expect.stringMatching(/needs 10 MiB at byte 0, its filesystem has 6 MiB free/) });
    expect(r.secondLeft).toBe(false);
    expect(r.sparse).toMatchObject({ ok: false, code: 'ENOSPC' });
    expect(r.sparseAfter).toEqual({ size: 32 * 1024 * 1024, head: 'header' }); // untouched
    expect(r.grow).toMatchObject({ ok: false, code: 'ENOSPC' });
    expect(r.growAfter).toEqual({ size: 1024 * 1024, intact: true }); // its old size and data
    expect(r.smallIntact).toBe(true);
    expect(r.thirdOk).toBe(true);
    // The tmpfs lived in the namespace only: nothing was written to the directory itself.
    expect(readdirSync(dir)).toEqual([]);
  });
});
