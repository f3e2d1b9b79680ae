/**
 * The seed's `DummyModule.jl` ("Code Availability and Loading Packages"):
 *
 *     module DummyModule
 *     export MyType, f
 *     mutable struct MyType
 *         a::Int
 *     end
 *     f(x) = x^2+1
 *     println("loaded")
 *     end
 *
 * `MyType` is a plain record with a constructor function of the same name, so that `MyType(7)`
 * reads as in Julia and its values travel between processes (a class instance would not: only
 * structured-cloneable values travel, and a prototype does not survive the trip).
 */
import { myid } from '../../src/index.js';

export interface MyType {
  a: number;
}

export function MyType(a: number): MyType {
  return { a };
}

export function f(x: number): number {
  return x ** 2 + 1;
}

/** Where a call runs, to show that a module function travels by reference. */
export function whereAmI(): number {
  return myid();
}

console.log('loaded');
