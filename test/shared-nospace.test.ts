import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isRoot, needsRoot } from './helpers/root.js';

const fixture = fileURLToPath(new URL('./fixtures/shared-nospace.mjs', import.meta.url));

// A private mount namespace with a 16 MiB tmpfs on /dev/shm, as in a small container; the
// machine's own /dev/shm is not touched. Needs root (true on the CI machine).
describe.skipIf(!isRoot)(needsRoot('too little shared memory'), () => {
  it('rejects at create with ERR_SHM_NOSPACE and an actionable message, never a SIGBUS', () => {
    const out = execFileSync(
      'unshare',
      ['-m', 'sh', '-c', 'mount -t tmpfs -o size=16m tmpfs /dev/shm && exec "$0" "$1"', process.execPath, fixture],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(out.trim().split('\n').pop() as string);
    expect(r.tooBig).toEqual({
      ok: false,
      name: 'Error',
      code: 'ERR_SHM_NOSPACE',
      message:
        'not enough shared memory: /dev/shm has 16 MiB free, 64 MiB needed (raise it, e.g. docker --shm-size, or use SharedArray.fromFile)',
    });
    expect(r.leftAfterFailure).toEqual([]);
    expect(r.smallOk).toBe(true);
    expect(r.second).toEqual({
      ok: false,
      code: 'ERR_SHM_NOSPACE',
      message: expect.stringMatching(/^not enough shared memory: \/dev\/shm has 6 MiB free, 10 MiB needed \(raise it/),
    });
    expect(r.smallIntact).toBe(true);
    expect(r.thirdOk).toBe(true);
    expect(r.leftAtEnd).toEqual([]);
  });
});
