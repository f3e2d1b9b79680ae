import { coded } from '../core/errors.js';
import { DArray } from '../darray/darray.js';
import { buildPlan } from './build.js';
import { reduceDArray } from './darray.js';
import { runParallel } from './parallel.js';
import type { OpName } from './plan.js';
import type { ReductionOp } from './reductions.js';

/** The last argument of every operation, optional. */
export interface OpsOptions {
  /**
   * Split the work over the participants of the (output) array by `localindices`, each running
   * its share natively over the shared memory; the operation then returns a Promise.
   */
  parallel?: boolean;
}

// Each operation's arguments (without the options) and how many it takes.
const signatures: Record<OpName, [text: string, min: number, max: number]> = {
  fill: ['(x, v)', 2, 2],
  copyTo: ['(dst, src)', 2, 2],
  add: ['(out, a, b)', 3, 3],
  sub: ['(out, a, b)', 3, 3],
  mul: ['(out, a, b)', 3, 3],
  div: ['(out, a, b)', 3, 3],
  axpy: ['(alpha, x, y)', 3, 3],
  map: ['(f, out, x) or (f, x)', 2, 3],
  sum: ['(x)', 1, 1],
  min: ['(x)', 1, 1],
  max: ['(x)', 1, 1],
  mean: ['(x)', 1, 1],
  norm: ['(x)', 1, 1],
  dot: ['(a, b)', 2, 2],
};

/**
 * Run operation `op` as called with `args`: serially here (returning its result), or with a
 * trailing `{ parallel: true }` over the participants (returning a Promise of it).
 */
export function execute(op: OpName, args: readonly unknown[]): unknown {
  const [signature, min, max] = signatures[op];
  const last = args[args.length - 1];
  const hasOptions = args.length > min && isPlainObject(last);
  const operands = hasOptions ? args.slice(0, -1) : args;
  if (operands.length < min || operands.length > max) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `${op} expects ${signature}, optionally followed by { parallel }; got ${args.length} argument${args.length === 1 ? '' : 's'}`);
  }
  const parallel = hasOptions && parallelOption(op, last as Record<string, unknown>);
  // A DArray lives on its owners: its reductions run there (with or without { parallel }).
  if (operands[0] instanceof DArray && isReduction(op)) return reduceDArray(op, operands);
  if (parallel) return runParallel(op, operands);
  const plan = buildPlan(op, operands, { parallel: false });
  return plan.finish([plan.run(0, plan.length)]);
}

function parallelOption(op: string, opts: Record<string, unknown>): boolean {
  for (const key of Object.keys(opts)) {
    if (key !== 'parallel') throw coded(TypeError, 'ERR_INVALID_ARG', `${op}: unknown option ${JSON.stringify(key)}; the options are { parallel?: boolean }`);
  }
  const p = opts.parallel;
  if (p !== undefined && typeof p !== 'boolean') throw coded(TypeError, 'ERR_INVALID_ARG', `${op}: parallel must be true or false, got ${typeof p}`);
  return p === true;
}

function isReduction(op: OpName): op is ReductionOp {
  return op === 'sum' || op === 'min' || op === 'max' || op === 'mean' || op === 'norm' || op === 'dot';
}

function isPlainObject(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
