import { existsSync } from 'node:fs';

// The suite tests the built package; say so plainly if it has not been built.
export default function setup(): void {
  const entry = new URL('../../dist/src/index.js', import.meta.url);
  if (!existsSync(entry)) {
    throw new Error('dist/ is missing: run `npm install` (or `npm run build`) before `npm test`.');
  }
}
