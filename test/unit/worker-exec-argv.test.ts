// What a worker inherits of its master's Node options: loaders and runtime flags, never what the
// master itself runs (`-e`, `--test`, ...) or how it is debugged.
import { describe, expect, it } from 'vitest';
import { inheritedExecArgv } from '../../src/cluster/worker-exec-argv.js';

describe('inherited execArgv', () => {
  it('keeps loaders and runtime flags', () => {
    const keep = ['--import', 'tsx', '--require', './setup.cjs', '--expose-gc', '--max-old-space-size=200', '--experimental-vm-modules', '--enable-source-maps'];
    expect(inheritedExecArgv(keep)).toEqual(keep);
  });

  it("drops the master's own program and debugging", () => {
    expect(inheritedExecArgv(['--input-type=module', '-e', 'await main()', '--expose-gc'])).toEqual(['--expose-gc']);
    expect(inheritedExecArgv(['--eval', 'x', '-p', 'y', '--print=1', '--test', '--test-only', '--watch', '--inspect-brk=9229', '--inspect', '-i'])).toEqual([]);
    expect(inheritedExecArgv(['--input-type', 'module', '--test-reporter', 'tap', '--watch-path', 'src', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
  });
});
