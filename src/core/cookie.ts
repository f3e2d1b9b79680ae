import { randomBytes } from 'node:crypto';
import { coded } from './errors.js';

/**
 * The cluster cookie: a shared secret every connection proves it knows (transport/handshake.ts)
 * without ever sending it. Random on the master; workers receive it on their standard input.
 * Any string of at most 256 characters is a cookie, the empty string included (as in Julia).
 */
let cookie = randomBytes(12).toString('base64url');

/** `clusterCookie()` returns the cookie; `clusterCookie(c)` sets it and returns the new one. */
export function clusterCookie(newCookie?: string): string {
  if (newCookie !== undefined) {
    if (typeof newCookie !== 'string' || newCookie.length > 256) {
      throw coded(TypeError, 'ERR_INVALID_ARG', 'clusterCookie(cookie): cookie must be a string of at most 256 characters');
    }
    cookie = newCookie;
  }
  return cookie;
}
