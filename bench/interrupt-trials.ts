/**
 * Does `interrupt(w)` cancel exactly the calls in flight on w when it is issued, whatever they are
 * doing, and never a later call? The trials of bench/interrupt/trials.ts (timings a-e), each run
 * `--trials` times against one worker.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/interrupt-trials.js [--trials 100] [--only a,b]
 * Prints successes per timing, the median time from interrupt() to the last rejection, and the
 * worker's counters (native/process.cc): calls refused on arrival (their interrupt's pipe record
 * came first) and code stopped while running or resuming.
 */
import { parseArgs } from 'node:util';
import { interruptTrials } from './interrupt/trials.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '100' },
    only: { type: 'string', default: 'a,b,c,d,e' },
    'deadline-ms': { type: 'string', default: '15000' },
  },
});
const rows = await interruptTrials({
  trials: Number(values.trials),
  only: values.only.split(','),
  deadlineMs: Number(values['deadline-ms']),
  log: (line) => console.log(line),
});
console.table(
  rows.map((r) => ({
    timing: r.timing,
    successes: `${r.ok}/${r.trials}`,
    'median ms': r.medianMs.toFixed(1),
    refused: r.refused ?? '-',
    stopped: r.stopped ?? '-',
    'first failure': r.firstFailure,
  })),
);
