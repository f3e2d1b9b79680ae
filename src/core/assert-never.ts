/**
 * The end of an exhaustive `switch`: TypeScript rejects the call when a case is missing, and at
 * run time a value the union does not allow (data from another process) is reported, not ignored.
 */
export function assertNever(x: never, what: string): never {
  throw new TypeError(`unexpected ${what}: ${JSON.stringify(x) ?? String(x)}`);
}
