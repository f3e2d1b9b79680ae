import { Script } from 'node:vm';
import { coded } from '../core/errors.js';
import { packageScope } from './function-names.js';

/**
 * Functions that travel as source text: reading a function's source as an expression on the
 * sending side, and compiling it on the receiving side in the package's scope plus the names a
 * `capture` env gives it. Both directions cache by text: a loop that creates its function anew
 * each time (a closure literal inside the loop) has the same text.
 */
const sources = new WeakMap<Function, string>();
const expressions = new Map<string, string>();
const MAX_EXPRESSIONS = 1024;

/**
 * Does `expr` compile as an expression? Checked in strict mode, as compileMaker compiles it in the
 * receiving process: source that only sloppy mode accepts (an octal literal such as 010, `with`,
 * duplicate parameter names) must be refused here, before it is sent. Compiled, never run: `new
 * Function` would run a nameless script to make its function, and an interrupt landing there on a
 * worker takes it for the user's code and stops this runtime work half-way (a pool's call left
 * unsent, its worker never given back).
 */
function compiles(expr: string): boolean {
  try {
    new Script(`'use strict';\n(${expr}\n);`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The function's source as an expression, or a TypeError saying why it cannot travel; remembered
 * per function, as a function called many times (remoteDo in a loop) asks each time.
 */
export function sourceOf(f: Function): string {
  let expr = sources.get(f);
  if (expr === undefined) {
    expr = sourceText(f);
    sources.set(f, expr);
  }
  return expr;
}

/**
 * sourceOf without remembering it per function: for a function whose source its caller keeps
 * (a `capture`'s function, whose record holds it), which a loop may make anew at every step.
 */
export function sourceText(f: Function): string {
  const src = Function.prototype.toString.call(f);
  // Text that compiled before: neither native nor unshippable.
  let expr = expressions.get(src);
  if (expr !== undefined) return expr;
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
    const name = (f.name || 'f').replace(/^bound /, '');
    throw coded(
      TypeError,
      'ERR_UNSHIPPABLE_FUNCTION',
      `cannot send ${f.name ? `the function ${f.name}` : 'this function'} to another process: it is built-in or bound, so it has no source to ship; ` +
        `wrap it in a function with source, e.g. (...args) => ${/^[A-Za-z_$][\w$.]*$/.test(name) ? name : 'g'}(...args), and load what it needs with everywhere()`,
    );
  }
  // Method shorthand (`name() {}`) is not an expression on its own: wrap it in an object literal.
  const wrapped = `Object.values({ ${src} })[0]`;
  if (compiles(src)) expr = src;
  else if (compiles(wrapped)) expr = wrapped;
  else {
    throw coded(
      TypeError,
      'ERR_UNSHIPPABLE_FUNCTION',
      `cannot send ${f.name || 'this function'} to another process: its source text does not compile on its own in strict mode, as the receiving process compiles it; ` +
        'write it without sloppy-mode syntax (octal literals such as 010, `with`, duplicate parameter names) or define it in a module loaded with everywhere()',
    );
  }
  if (expressions.size >= MAX_EXPRESSIONS) expressions.delete(expressions.keys().next().value as string);
  expressions.set(src, expr);
  return expr;
}

/** A `capture` env as it is compiled: its names, their values, and the source of the functions among them. */
export interface CompiledEnv {
  names: readonly string[];
  /** One per name; `undefined` where the value is a function given by source. */
  values: readonly unknown[];
  /** One per name: the function's source, or null for a plain value. */
  sources: readonly (string | null)[];
}

/**
 * Builds the compiled function from its env's values (one per name of the env it was compiled
 * for; `undefined` where the name's value is a function given by source). Calling it costs one
 * closure: the parse, and the binding of the package scope, happened once, when it was compiled.
 */
export type Maker = (values: readonly unknown[]) => Function;

const makers = new Map<string, Maker>();
let makersScope: object | null = null;
const MAX_MAKERS = 1024;
const ENV_PARAM = '__sharedarrays_env__';

/**
 * Compile `src` in strict mode with the package's exports in scope and, when an env is given, one
 * scope holding every name of the env: the env's functions are compiled inside that scope too, so
 * they see the other captured names (and each other), as they did where they were written.
 * Strict, as the ES modules most functions come from are: an assignment to a name the receiver
 * lacks then fails (ReferenceError) instead of silently creating a global there. Cached by text.
 */
export function compileMaker(src: string, names: readonly string[] = [], sources: readonly (string | null)[] = []): Maker {
  const sc = packageScope();
  if (makersScope !== sc) {
    makers.clear();
    makersScope = sc;
  }
  const key = `${names.join(',')}\n${sources.map((s) => s ?? '').join('\n\0')}\n${src}`;
  let make = makers.get(key);
  if (!make) {
    const shadowed = new Set(names);
    const keep = sc.names.map((n) => !shadowed.has(n));
    let body = '';
    if (names.length > 0) {
      body += `let ${names.join(', ')};\n[${names.join(', ')}] = ${ENV_PARAM};\n`;
      sources.forEach((s, i) => {
        if (s !== null) body += `${names[i]} = (${s}\n);\n`;
      });
    }
    body += `return (${src}\n);`;
    const outer = new Function(...sc.names.filter((_, i) => keep[i]), `'use strict';\nreturn function (${ENV_PARAM}) {\n${body}\n};`);
    const build = outer(...sc.values.filter((_, i) => keep[i])) as Maker;
    const code = { src };
    make = (values) => {
      const f = build(values);
      (f as unknown as Record<symbol, unknown>)[CODE] = code;
      return f;
    };
    if (makers.size >= MAX_MAKERS) makers.delete(makers.keys().next().value as string);
    makers.set(key, make);
  }
  return make;
}

/**
 * Can `name` name a `capture` env variable, declared with `let` in the function compileMaker
 * builds? Not a reserved word in strict mode (`package`, `let`, `yield`, `eval`, `default`, ...),
 * nor the name of that function's parameter. `name` must be an identifier already (capture.ts).
 */
export function declarable(name: string): boolean {
  try {
    new Script(`'use strict';\n(function (${ENV_PARAM}) {\nlet ${name};\n});`);
    return true;
  } catch {
    return false;
  }
}

const CODE = Symbol('sharedarrays.code');

/**
 * One object per compiled text, the same for every function built from it (a new one per time
 * step has the same code): code that specialises itself per function body keys on it instead of
 * reading the body's source text each time (parallel/chunk-runner.ts). Undefined for functions
 * not compiled here.
 */
export function codeOf(f: Function): object | undefined {
  return (f as unknown as Record<symbol, object | undefined>)[CODE];
}

/** Compile `src` (see compileMaker) and build it with the env's values. */
export function compileFunction(src: string, env?: CompiledEnv): Function {
  if (!env || env.names.length === 0) return compileMaker(src)([]);
  return compileMaker(src, env.names, env.sources)(env.values);
}
