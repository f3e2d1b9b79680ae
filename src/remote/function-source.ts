import { coded } from '../core/errors.js';
import { packageScope } from './function-names.js';

/**
 * Functions that travel as source text: reading a function's source as an expression on the
 * sending side, and compiling it on the receiving side in the package's scope plus the names a
 * `capture` env gives it. Both directions cache by text: a loop that creates its function anew
 * each time (a closure literal inside the loop) would otherwise re-parse the same text per call.
 */
const sources = new WeakMap<Function, string>();
const expressions = new Map<string, string>();
const MAX_EXPRESSIONS = 1024;

function compiles(expr: string): boolean {
  try {
    new Function(`return (${expr}\n);`);
    return true;
  } catch {
    return false;
  }
}

/** The function's source as an expression, or a TypeError saying why it cannot travel. */
export function sourceOf(f: Function): string {
  const known = sources.get(f);
  if (known !== undefined) return known;
  const src = Function.prototype.toString.call(f);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
    const name = (f.name || 'f').replace(/^bound /, '');
    throw coded(
      TypeError,
      'ERR_UNSHIPPABLE_FUNCTION',
      `cannot send ${f.name ? `the function ${f.name}` : 'this function'} to another process: it is built-in or bound, so it has no source to ship; ` +
        `wrap it in a function with source, e.g. (...args) => ${/^[A-Za-z_$][\w$.]*$/.test(name) ? name : 'g'}(...args), and load what it needs with everywhere()`,
    );
  }
  let expr = expressions.get(src);
  if (expr === undefined) {
    // Method shorthand (`name() {}`) is not an expression on its own: wrap it in an object literal.
    const wrapped = `Object.values({ ${src} })[0]`;
    if (compiles(src)) expr = src;
    else if (compiles(wrapped)) expr = wrapped;
    else {
      throw coded(TypeError, 'ERR_UNSHIPPABLE_FUNCTION', `cannot send ${f.name || 'this function'} to another process: its source text does not compile on its own`);
    }
    if (expressions.size >= MAX_EXPRESSIONS) expressions.delete(expressions.keys().next().value as string);
    expressions.set(src, expr);
  }
  sources.set(f, expr);
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

const NO_ENV: CompiledEnv = { names: [], values: [], sources: [] };
const compiled = new Map<string, Function>();
const COMPILE_CACHE = 1024;
const ENV_PARAM = '__sharedarrays_env__';

/**
 * Compile `src` in strict mode with the package's exports in scope and, when given, one scope
 * holding every name of the env: the env's functions are compiled inside that scope too, so they
 * see the other captured names (and each other), as they did where they were written. Strict, as
 * the ES modules most functions come from are: an assignment to a name the receiver lacks then
 * fails (ReferenceError) instead of silently creating a global there.
 */
export function compileFunction(src: string, env: CompiledEnv = NO_ENV): Function {
  const sc = packageScope();
  const shadowed = new Set(env.names);
  const key = `${env.names.join(',')}\n${env.sources.map((s) => s ?? '').join('\n\0')}\n${src}`;
  let factory = compiled.get(key);
  if (!factory) {
    const names = sc.names.filter((n) => !shadowed.has(n));
    let body = `'use strict';\n`;
    if (env.names.length > 0) {
      body += `let ${env.names.join(', ')};\n[${env.names.join(', ')}] = ${ENV_PARAM};\n`;
      env.sources.forEach((s, i) => {
        if (s !== null) body += `${env.names[i]} = (${s}\n);\n`;
      });
    }
    body += `return (${src}\n);`;
    factory = new Function(...names, ENV_PARAM, body);
    if (compiled.size >= COMPILE_CACHE) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, factory);
  }
  const values = sc.values.filter((_, i) => !shadowed.has(sc.names[i]!));
  return factory(...values, env.values) as Function;
}
