// Julia's machine specs and machine files.
import { describe, expect, it } from 'vitest';
import { parseMachineFile, parseMachines, parseSpec } from '../../src/cluster/machine-spec.js';

describe('machine specs', () => {
  it.each([
    ['hostB', { host: 'hostB', count: 1 }],
    ['ann@hostB', { host: 'hostB', user: 'ann', count: 1 }],
    ['ann@hostB:2222', { host: 'hostB', user: 'ann', sshPort: 2222, count: 1 }],
    ['hostB 10.0.0.2', { host: 'hostB', bindAddr: '10.0.0.2', count: 1 }],
    ['hostB 10.0.0.2:9000', { host: 'hostB', bindAddr: '10.0.0.2', bindPort: 9000, count: 1 }],
    ['[::1]:22 [fe80::1]:9000', { host: '::1', sshPort: 22, bindAddr: 'fe80::1', bindPort: 9000, count: 1 }],
  ])('%s', (spec, want) => {
    expect(parseSpec(spec)).toEqual(want);
  });

  it('with counts, and bad input named', () => {
    expect(parseMachines(['a', ['b', 3], ['c', 'auto']]).map((m) => m.count)).toEqual([1, 3, 'auto']);
    expect(() => parseSpec('a b c')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => parseSpec('a:99999')).toThrow(/port 99999/);
    expect(() => parseMachines([['a', 0]])).toThrow(/positive integer or 'auto'/);
    expect(() => parseMachines([])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });
});

describe('machine files', () => {
  it("read Julia's syntax, skipping comments and blank lines", () => {
    const ms = parseMachineFile('# the cluster\n2*hostB\n\nann@hostC:2222 10.0.0.3:9000  # fast one\nauto*hostD\n');
    expect(ms).toEqual([
      { host: 'hostB', count: 2 },
      { host: 'hostC', user: 'ann', sshPort: 2222, bindAddr: '10.0.0.3', bindPort: 9000, count: 1 },
      { host: 'hostD', count: 'auto' },
    ]);
  });

  it('name the line of an error', () => {
    expect(() => parseMachineFile('hostB\n0*hostC\n', 'machines.txt')).toThrow(/machines.txt, line 2/);
  });
});
