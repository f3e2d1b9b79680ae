/**
 * sharedarrays: Julia's Distributed and SharedArrays for Node.js.
 *
 * The package entry: the public names (api.ts), and the composition of this process's runtime
 * (runtime.ts), which is built when the package is loaded.
 */
export * from './api.js';
import './runtime.js';
