/**
 * `rostersync source test` output: the connection result and, for a SQL source whose login can
 * write, the warning with its reasons and the statements for a read-only login — in red on a
 * terminal (NO_COLOR respected), plain when piped.
 */
import type { CheckResult } from '../sources/types.js';

const RED = '\x1b[31m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined;
}

export function formatSourceCheck(result: CheckResult, color: boolean): string {
  const lines = [`${result.ok ? 'OK' : 'FAILED'}: ${result.message}${result.latencyMs !== undefined ? ` (${result.latencyMs} ms)` : ''}`];
  const rights = result.loginRights;
  if (!rights?.canWrite) return lines[0]!;
  const paint = (text: string, style = RED): string => (color ? `${style}${text}${RESET}` : text);
  lines.push(
    paint('WARNING: this login can write to the SIS:', `${BOLD}${RED}`),
    ...rights.reasons.map((reason) => paint(`  - ${reason}`)),
    paint(
      result.readOnlyLoginRequired
        ? 'Runs from this source are refused until it uses a read-only login (requireReadOnlyLogin is on).'
        : 'Runs still read with this login, because requireReadOnlyLogin is off for this source.',
    ),
    'Create a read-only login (run as a database administrator):',
    ...rights.readOnlyLoginSql.split('\n').map((line) => `  ${line}`),
  );
  return lines.join('\n');
}

/** Exit status of `source test`: 1 when the connection failed or a run would be refused for a writable login. */
export function sourceCheckExitCode(result: CheckResult): number {
  return !result.ok || (result.loginRights?.canWrite && result.readOnlyLoginRequired) ? 1 : 0;
}
