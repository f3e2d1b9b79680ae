import { opsPart } from './parallel.js';

/**
 * The array operations' internal functions: every process has them, so they travel by name (a
 * parallel operation's parts). The composition root registers each under its key.
 */
export const opsInternals = { opsPart } as const;
