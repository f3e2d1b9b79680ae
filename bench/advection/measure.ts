/**
 * Time several versions of one multi-second task fairly on a shared, noisy machine: every version
 * runs once untimed (warm-up: JIT, first touch of pages, thread start), then the timed runs are
 * interleaved in rounds (one run of each version per round, the order rotating), so a burst of
 * load from elsewhere hits all versions rather than one. Each round is a tinybench Bench with one
 * iteration per task.
 */
import { Bench } from 'tinybench';
import type { Row } from '../report.js';

export interface Version {
  name: string;
  /** One full run; may return a promise. */
  run: () => unknown;
}

export async function measure(versions: Version[], runs: number, log: (line: string) => void = console.log): Promise<Row[]> {
  if (!Number.isSafeInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, got ${runs}`);
  const samples = new Map<string, number[]>(versions.map((v) => [v.name, []]));
  for (let round = 0; round < runs; round++) {
    const bench = new Bench({
      iterations: 1,
      time: 0,
      warmup: round === 0,
      warmupIterations: 1,
      warmupTime: 0,
      retainSamples: true,
      throws: true,
      timestampProvider: 'hrtimeNow',
    });
    const order = versions.map((_, k) => versions[(k + round) % versions.length] as Version);
    // An async function is known to be async without a probe call (tinybench calls a plain
    // function once to find out, which would start an extra, overlapping run).
    for (const v of order) bench.add(v.name, async () => void (await v.run()));
    await bench.run();
    const line: string[] = [];
    for (const v of order) {
      const result = bench.getTask(v.name)?.result;
      if (result?.state !== 'completed' || result.latency.samples === undefined) throw new Error(`${v.name} did not complete`);
      samples.get(v.name)?.push(...result.latency.samples);
      line.push(`${v.name} ${result.latency.samples.map((s) => s.toFixed(1)).join('/')} ms`);
    }
    log(`  round ${round + 1}/${runs}: ${line.join(', ')}`);
  }
  return versions.map((v) => ({ name: v.name, samples: samples.get(v.name) ?? [] }));
}
