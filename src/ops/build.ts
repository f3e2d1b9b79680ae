import { coded } from '../core/errors.js';
import { elementwisePlans } from './elementwise.js';
import type { OpName, Plan, PlanBuilder, PlanContext } from './plan.js';
import { reductionPlans } from './reductions.js';

/** Every operation's plan builder, by name. */
const builders: Partial<Record<OpName, PlanBuilder>> = { ...elementwisePlans, ...reductionPlans };

/** The checked plan of operation `op` over `args` (its arguments without the options). */
export function buildPlan(op: OpName, args: readonly unknown[], ctx: PlanContext): Plan {
  const build = builders[op];
  if (!build) throw coded(TypeError, 'ERR_INVALID_ARG', `there is no array operation named ${JSON.stringify(op)}`);
  return build(args, ctx);
}
