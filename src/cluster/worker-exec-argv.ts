/**
 * The Node options a worker inherits from its master (so that a master run under a TypeScript
 * loader gives its workers the same loader), without the options that say what the master
 * process itself runs or how it is debugged: a worker started with the master's `-e <script>`
 * would run the master's script again, and start workers of its own, and so on.
 */
const dropWithValue = new Set(['-e', '--eval', '-p', '--print', '--input-type', '--test-name-pattern', '--test-reporter', '--test-reporter-destination', '--watch-path', '--inspect-port', '--debug-port']);
const dropAlone = new Set(['-i', '--interactive', '-c', '--check', '--test', '--test-only', '--watch', '--watch-preserve-output', '-']);
const dropPrefixes = ['--inspect', '--debug', '--input-type=', '--test-', '--watch-', '--eval=', '--print='];

export function inheritedExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (dropWithValue.has(a)) {
      i++;
      continue;
    }
    if (dropAlone.has(a) || dropPrefixes.some((p) => a.startsWith(p))) continue;
    out.push(a);
  }
  return out;
}
