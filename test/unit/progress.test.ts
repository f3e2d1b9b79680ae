// pmap's progress report: a bar redrawn in place on a terminal, with worker lines printed above
// it; plain lines every few seconds elsewhere; the last state and a newline when the map ends.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ANNOUNCE, readWorkerOutput } from '../../src/cluster/worker-output.js';
import { progressSink, progressText } from '../../src/parallel/progress.js';
import { PassThrough } from 'node:stream';

function stream(isTTY: boolean): { isTTY: boolean; columns: number; out: string[]; write(s: string): boolean } {
  const out: string[] = [];
  return { isTTY, columns: 100, out, write: (s: string) => out.push(s) > 0 };
}

afterEach(() => vi.restoreAllMocks());

describe('progress', () => {
  it('formats a bar and a plain line', () => {
    expect(progressText('pmap', 45, 100, 1000, 10)).toMatch(/^pmap █████░░░░░ \| 45% \| 45\/100 \| 45\/s \| ETA 1\.2 s$/);
    expect(progressText('pmap', 45, 100, 1000)).toBe('pmap: 45% 45/100 45/s ETA 1.2 s');
    expect(progressText('pmap', 7, undefined, 1000)).toBe('pmap: 7 7/s');
  });

  it('on a terminal: redraws in place, and a worker line goes above the bar', async () => {
    const s = stream(true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const p = progressSink(undefined, true, 'pmap', s);
    p.update(1, 10);
    // A worker's output, as the master forwards it, while the bar is shown.
    const io = new PassThrough();
    const w = readWorkerOutput(io, undefined, 1000, 'worker 2');
    io.write(`${ANNOUNCE}x\n`);
    await w.address;
    w.forwardAs(2);
    io.write('batch 40 done\n');
    await new Promise((r) => setImmediate(r));
    p.stop();
    expect(stdout.mock.calls.map((c) => String(c[0]))).toEqual(['      From worker 2:\tbatch 40 done\n']);
    expect(s.out[0]!.startsWith('\r\x1b[2Kpmap █')).toBe(true);
    expect(s.out[1]).toBe('\r\x1b[2K'); // cleared for the worker's line
    expect(s.out[2]).toMatch(/^pmap █/); // and drawn again
    expect(s.out.at(-1)).toMatch(/\n$/); // the last state ends its line
  });

  it('elsewhere: plain lines, a final summary, and nothing at all unless asked', () => {
    const s = stream(false);
    const p = progressSink(undefined, true, 'pmap', s);
    p.update(5, 10);
    p.update(6, 10); // within the interval: not printed
    p.stop();
    expect(s.out).toEqual([expect.stringMatching(/^pmap: 50% 5\/10/), expect.stringMatching(/^pmap: 6\/10 done in \d/)]);
    const quiet = stream(false);
    const seen: number[] = [];
    const q = progressSink((d) => seen.push(d), false, 'pmap', quiet);
    q.update(1, 2);
    q.stop();
    expect(quiet.out).toEqual([]);
    expect(seen).toEqual([1]);
  });
});
