/**
 *   rostersync logs [--follow] [--since WHEN] [--level LEVEL] [--json]
 * The agent's log (<home>/logs/rostersync.log and its rotated files), oldest first: human lines,
 * or the JSON records themselves with --json (one per line, for jq or a log collector).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { homeLayout, resolveHome } from '../../home/layout.js';
import { followLog, logPosition, readLog } from '../../log/log-reader.js';
import { formatLogLine, isLogLevel, LOG_LEVELS, type LogLevel, type LogRecord } from '../../log/logger.js';
import { untilStopSignal, type CliKit } from '../cli-kit.js';

const AGO = /^(\d+)\s*(m|min|h|d)$/;
const AGO_MS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** `--since`: `30m`, `2h`, `7d` ago; a date (midnight, this machine's time zone); or an ISO date-time. */
export function parseSince(text: string, now = new Date()): Date {
  const ago = AGO.exec(text.trim());
  if (ago) return new Date(now.getTime() - Number(ago[1]) * AGO_MS[ago[2]!]!);
  const day = LOCAL_DATE.exec(text);
  if (day) {
    const at = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (at.getFullYear() === Number(day[1]) && at.getMonth() === Number(day[2]) - 1 && at.getDate() === Number(day[3])) return at;
  } else if (DATE_TIME.test(text) && !Number.isNaN(Date.parse(text))) {
    return new Date(text);
  }
  throw new InvalidArgumentError(`--since takes a time ago (30m, 2h, 7d), a date (YYYY-MM-DD, this machine's midnight) or a date-time (YYYY-MM-DDTHH:MM, with Z or an offset for other than local time); got "${text}".`);
}

function parseLevel(text: string): LogLevel {
  if (!isLogLevel(text)) throw new InvalidArgumentError(`--level is one of ${LOG_LEVELS.join(', ')}; got "${text}".`);
  return text;
}

export function registerLogsCommands(program: Command, kit: CliKit): void {
  const { action, globals, io } = kit;
  program
    .command('logs')
    .description("the agent's log, oldest first (runs started and finished, stages, incidents, alerts, arrivals, retries)")
    .option('-f, --follow', 'keep printing new lines until Ctrl+C')
    .option('--since <when>', 'only lines from this time: 30m, 2h, 7d ago, a date (YYYY-MM-DD) or a date-time', (t) => parseSince(t))
    .option('--level <level>', `only lines at this level or above (${LOG_LEVELS.join(', ')})`, parseLevel)
    .action(
      action(async (cmd) => {
        const opts = globals(cmd);
        const o = cmd.opts<{ follow?: boolean; since?: Date; level?: LogLevel }>();
        const { logFile } = homeLayout(resolveHome(opts.home));
        // listening for Ctrl+C before the first line, so a stop while the old lines print ends the command cleanly
        const stop = new AbortController();
        const stopped = o.follow ? untilStopSignal().then(() => stop.abort()) : undefined;
        const print = (record: LogRecord): void => io.out(opts.json ? JSON.stringify(record) : formatLogLine(record));
        const filter = { since: o.since, level: o.level };
        // Following: the old lines up to where the file ends now, then every line after it (another process may write meanwhile).
        const from = o.follow ? logPosition(logFile) : undefined;
        let shown = 0;
        for await (const record of readLog(logFile, filter, (bad) => io.err(`rostersync: ${bad.file} line ${bad.line} is not a log record; left out.`), from)) {
          if (stop.signal.aborted) return 0;
          print(record);
          shown++;
        }
        if (!o.follow) {
          if (!shown && !opts.json) io.err(existsSync(logFile) ? 'No log lines match.' : `No log yet (${logFile}): the agent and the commands that run syncs write it.`);
          return 0;
        }
        await followLog(logFile, filter, print, stop.signal, undefined, from);
        await stopped;
        return 0;
      }),
    );
}
