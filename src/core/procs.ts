import { allProcs } from './process-table.js';

/**
 * `procs()`: every pid, master first. `procs(S)`: the processes participating in SharedArray S.
 */
export function procs(): number[];
export function procs(S: { readonly pids: readonly number[] }): number[];
export function procs(S?: { readonly pids: readonly number[] }): number[] {
  return S === undefined ? allProcs() : [...S.pids];
}
