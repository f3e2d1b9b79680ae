import { coded } from '../core/errors.js';
import { dtypeInfo } from '../shared/dtype.js';
import { codeOf, kernels, type Scalar, type TypedArray } from './kernels.js';
import { arrayOperand, checkSameDtype, checkWritable, operandOrScalar, type ArrayOperand, type Operand } from './operand.js';
import { readableInput, writingPlan, type OpName, type PlanBuilder, type PlanContext } from './plan.js';
import { checkScalar } from './scalar.js';
import { commonShape, layoutOf } from './shape.js';

/**
 * The elementwise operations' plans: fill, copyTo, add, sub, mul, div, axpy and map. Each writes
 * its output in place and returns it. Integer results wrap modulo 2^bits as in Julia and numpy
 * (uint8clamped clamps to 0..255 instead, like storing into a Uint8ClampedArray); integer
 * division truncates toward zero and refuses a zero divisor before writing anything.
 */

/**
 * The name of a built-in element function of `map`: 'neg', 'abs', 'sign' and 'square' take every
 * dtype, the others float64 and float32 only ('round' rounds ties to even).
 */
export type MapOp = 'neg' | 'abs' | 'sign' | 'square' | 'sqrt' | 'exp' | 'log' | 'sin' | 'cos' | 'tan' | 'tanh' | 'floor' | 'ceil' | 'round' | 'trunc';

// Every MapOp, for the check of `map`'s first argument (the Record makes the compiler hold the two to the same names).
const MAP_OPS = Object.keys({
  neg: 0, abs: 0, sign: 0, square: 0, sqrt: 0, exp: 0, log: 0, sin: 0, cos: 0, tan: 0, tanh: 0, floor: 0, ceil: 0, round: 0, trunc: 0,
} satisfies Record<MapOp, 0>) as MapOp[];

/** fill(x, v): every element of x becomes v. */
const fillPlan: PlanBuilder = ([xArg, v], ctx) => {
  const x = arrayOperand(xArg, 'x', 'fill', ctx);
  checkWritable(x, 'fill');
  const value = checkScalar(x.dtype, scalarArg(v, 'v', 'fill'), 'v', 'fill');
  const dims = commonShape('fill', [x]);
  const slots = [x, null];
  const code = codeOf('unary', 'copy');
  return writingPlan('fill', x, [x], dims, (lo, hi) => kernels().opsUnary(code, x.data, value, layoutOf(dims, slots), lo, hi));
};

/** copyTo(dst, src): dst's elements become src's (an overlapping src is read as a copy, like memmove). */
const copyToPlan: PlanBuilder = ([dstArg, srcArg], ctx) => {
  const dst = arrayOperand(dstArg, 'dst', 'copyTo', ctx);
  const src0 = arrayOperand(srcArg, 'src', 'copyTo', ctx);
  checkWritable(dst, 'copyTo');
  checkSameDtype('copyTo', [dst, src0]);
  const dims = commonShape('copyTo', [dst, src0]);
  const src = readableInput('copyTo', dst, src0, dims, ctx);
  const slots = [dst, src];
  const code = codeOf('unary', 'copy');
  return writingPlan('copyTo', dst, [dst, src0], dims, (lo, hi) => kernels().opsUnary(code, dst.data, src.data, layoutOf(dims, slots), lo, hi));
};

/** add, sub, mul, div(out, a, b): out = a ∘ b, elementwise; a or b may be a scalar. */
function binaryPlan(op: 'add' | 'sub' | 'mul' | 'div'): PlanBuilder {
  return ([outArg, aArg, bArg], ctx) => {
    const out = arrayOperand(outArg, 'out', op, ctx);
    checkWritable(out, op);
    const given = [operandOrScalar(aArg, 'a', op, ctx), operandOrScalar(bArg, 'b', op, ctx)] as const;
    const arrays = [out, ...given.filter((o): o is ArrayOperand => o.kind === 'array')];
    checkSameDtype(op, arrays);
    const dims = commonShape(op, arrays);
    const a = inputOf(op, out, given[0], dims, ctx);
    const b = inputOf(op, out, given[1], dims, ctx);
    const integerDiv = op === 'div' && !dtypeInfo(out.dtype).float;
    if (integerDiv && (b.arg === 0 || b.arg === 0n)) {
      throw coded(RangeError, 'ERR_DIVIDE_BY_ZERO', `div: integer division by zero (b is ${String(b.arg)}${typeof b.arg === 'bigint' ? 'n' : ''}); nothing was written`);
    }
    const slots = [out, a.array, b.array];
    const code = codeOf('binary', op);
    const plan = writingPlan(op, out, arrays, dims, (lo, hi) => {
      const zero = kernels().opsBinary(code, out.data, a.arg, b.arg, layoutOf(dims, slots), lo, hi);
      return zero < 0 ? -1 : lo + zero;
    });
    if (!integerDiv) return plan;
    return {
      ...plan,
      finish(partials) {
        const at = partials.find((p) => typeof p === 'number' && p >= 0);
        if (at === undefined) return out.source;
        throw coded(
          RangeError,
          'ERR_DIVIDE_BY_ZERO',
          `div: integer division by zero: element ${String(at)} (column-major) of b is 0; ` +
            (ctx.parallel ? 'that participant wrote nothing, the others wrote their parts' : 'nothing was written'),
        );
      },
    };
  };
}


/** axpy(alpha, x, y): y = alpha * x + y (BLAS's axpy, Julia's axpy!). */
const axpyPlan: PlanBuilder = ([alphaArg, xArg, yArg], ctx) => {
  const y = arrayOperand(yArg, 'y', 'axpy', ctx);
  const x0 = arrayOperand(xArg, 'x', 'axpy', ctx);
  checkWritable(y, 'axpy');
  checkSameDtype('axpy', [y, x0]);
  const alpha = checkScalar(y.dtype, scalarArg(alphaArg, 'alpha', 'axpy'), 'alpha', 'axpy');
  const dims = commonShape('axpy', [y, x0]);
  const x = readableInput('axpy', y, x0, dims, ctx);
  const slots = [y, x, y];
  return writingPlan('axpy', y, [y, x0], dims, (lo, hi) => kernels().opsAxpy(alpha, x.data, y.data, layoutOf(dims, slots), lo, hi));
};

/** map(f, out, x) or map(f, x) in place: out = f(x) for a built-in f (see MAP_OPS). */
const mapPlan: PlanBuilder = (args, ctx) => {
  const [f, outArg, xArg] = args.length === 2 ? [args[0], args[1], args[1]] : args;
  if (typeof f !== 'string' || !(MAP_OPS as readonly string[]).includes(f)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `map: the function must be one of ${MAP_OPS.map((n) => `'${n}'`).join(', ')}; got ${typeof f === 'string' ? JSON.stringify(f) : typeof f}`);
  }
  const out = arrayOperand(outArg, 'out', 'map', ctx);
  checkWritable(out, 'map');
  const given = operandOrScalar(xArg, 'x', 'map', ctx);
  const arrays = given.kind === 'array' ? [out, given] : [out];
  checkSameDtype('map', arrays);
  const code = codeOf('unary', f);
  if (code >= kernels().opsCodes.firstFloatOnly && !dtypeInfo(out.dtype).float) {
    throw coded(TypeError, 'ERR_INVALID_DTYPE', `map: '${f}' needs a float64 or float32 array, got ${out.dtype}`);
  }
  const dims = commonShape('map', arrays);
  const x = inputOf('map', out, given, dims, ctx);
  const slots = [out, x.array];
  return writingPlan('map', out, arrays, dims, (lo, hi) => kernels().opsUnary(code, out.data, x.arg, layoutOf(dims, slots), lo, hi));
};

/** The elementwise plans by operation name. */
export const elementwisePlans: Partial<Record<OpName, PlanBuilder>> = {
  fill: fillPlan,
  copyTo: copyToPlan,
  add: binaryPlan('add'),
  sub: binaryPlan('sub'),
  mul: binaryPlan('mul'),
  div: binaryPlan('div'),
  axpy: axpyPlan,
  map: mapPlan,
};

/** An input as the loops take it: an array (or its private copy, see readableInput) or a checked scalar. */
interface Input {
  array: ArrayOperand | null;
  arg: TypedArray | Scalar;
}

function inputOf(op: string, out: ArrayOperand, o: Operand, dims: readonly number[], ctx: PlanContext): Input {
  if (o.kind === 'scalar') return { array: null, arg: checkScalar(out.dtype, o.value, o.name, op) };
  const array = readableInput(op, out, o, dims, ctx);
  return { array, arg: array.data };
}

function scalarArg(v: unknown, name: string, op: string): Scalar {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  throw coded(TypeError, 'ERR_INVALID_VALUE', `${op}: ${name} must be a number (a bigint for 64-bit integer arrays), got ${typeof v}`);
}
