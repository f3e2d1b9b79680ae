// What the master and a host agent say to each other (src/cluster/host-agent-protocol.ts): every
// command survives its line, an interrupt carries the id whose record the agent writes into the
// worker's lifeline, and lines that are not commands are ignored rather than misread.
import { describe, expect, it } from 'vitest';
import { type AgentCommand, formatCommand, parseCommand, parseReport } from '../../src/cluster/host-agent-protocol.js';
import { interruptIdOf, interruptRecord } from '../../src/cluster/interrupt-record.js';

describe('agent commands', () => {
  const every: AgentCommand[] = [
    { kind: 'interrupt', worker: 0, id: 1 },
    { kind: 'interrupt', worker: 7, id: 0xffff_ffff },
    { kind: 'signal', worker: 3, signal: 'SIGKILL' },
    { kind: 'signal', worker: 0, signal: 'SIGTERM' },
  ];

  it.each(every.map((c) => [formatCommand(c).trim(), c] as const))('%s round trips as one line', (_line, c) => {
    const line = formatCommand(c);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(parseCommand(line)).toEqual(c);
  });

  it('an interrupt names the interrupt: I <worker> <id>', () => {
    expect(formatCommand({ kind: 'interrupt', worker: 2, id: 4242 })).toBe('I 2 4242\n');
    expect(parseCommand('I 2 4242')).toEqual({ kind: 'interrupt', worker: 2, id: 4242 });
  });

  it('ignores lines that are not commands, an interrupt without its id included', () => {
    for (const line of ['', 'I', 'I 2', 'I 2 x', 'I -1 5', 'I 2 5 6', `I 2 ${2 ** 32}`, 'K 2', 'K 2 KILL', 'X 1 2', 'i 2 3']) {
      expect(parseCommand(line)).toBeNull();
    }
  });
});

describe('agent reports', () => {
  it('tell a start, a worker line and an exit apart', () => {
    expect(parseReport('agent 123 4')).toEqual({ kind: 'started', ospid: 123, count: 4 });
    expect(parseReport('2 exit SIGKILL')).toEqual({ kind: 'exit', worker: 2, how: 'SIGKILL' });
    expect(parseReport('1 hello world')).toEqual({ kind: 'line', worker: 1, line: 'hello world' });
    expect(parseReport('nothing')).toBeNull();
  });
});

describe('interrupt records', () => {
  it('are I and the id as a little-endian u32, and give their id back', () => {
    expect([...interruptRecord(0x01020304)]).toEqual([0x49, 4, 3, 2, 1]);
    for (const id of [0, 1, 4242, 0xffff_ffff]) expect(interruptIdOf(interruptRecord(id))).toBe(id);
  });

  it('refuse ids that are not u32 and bytes that are not a record', () => {
    for (const id of [-1, 2 ** 32, 1.5, Number.NaN]) expect(() => interruptRecord(id)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    for (const bytes of [Buffer.from('I'), Buffer.from([0x4a, 0, 0, 0, 0]), Buffer.alloc(6, 0x49)]) {
      expect(() => interruptIdOf(bytes)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    }
  });
});
