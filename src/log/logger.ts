/**
 * The agent's log: one structured record per line, with a level and an event name, written to a
 * rotating file in the data folder (JSON lines, read back by `rostersync logs`) and, for the
 * agent, to standard output (human-readable, or JSON lines with `agent --log-json`).
 *
 * Every message passes maskLogText: no personal value reaches a log line, even when a run's
 * message quotes one. Fields are a closed set of names that are never personal (destination, run
 * ID, stage…); anything else goes in the message. Secrets are never passed to the logger.
 *
 * Writing a log line never throws: a full disk or a removed folder must not stop a run. The first
 * failure is reported once on standard error.
 */
import { maskLogText } from './mask.js';
import { RotatingFile, type RotationOptions } from './rotating-file.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const isLogLevel = (text: string): text is LogLevel => (LOG_LEVELS as readonly string[]).includes(text);
export const levelRank = (level: LogLevel): number => LOG_LEVELS.indexOf(level);

/** What a log line may say besides its message: names and numbers of the agent's own things, never data. */
export interface LogFields {
  readonly destination?: string;
  readonly runId?: number;
  readonly trigger?: string;
  readonly stage?: string;
  readonly status?: string;
  /** A file of an export set or a delivery (a file name, not its content). */
  readonly file?: string;
  readonly channel?: string;
}

export interface LogRecord extends LogFields {
  /** ISO time (UTC). */
  readonly time: string;
  readonly level: LogLevel;
  /** What happened, dotted: `agent.started`, `run.started`, `run.stage`, `run.finished`, `incident.opened`, `notify.failed`, `arrival.waiting`… */
  readonly event: string;
  readonly message: string;
  readonly pid: number;
}

export interface LogSink {
  write(record: LogRecord): void;
}

/** `2026-12-02 06:40:08 +01:00`: the machine's local time with its offset. */
export function localTimestamp(at: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const offset = -at.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** One record as a terminal line: local time, level, where (destination and run), message. */
export function formatLogLine(record: LogRecord): string {
  const where = [record.destination, record.runId !== undefined ? `run ${record.runId}` : undefined, record.stage].filter(Boolean).join(' ');
  return `${localTimestamp(new Date(record.time))} ${record.level.toUpperCase().padEnd(5)} ${where ? `[${where}] ` : ''}${record.message}`;
}

export class Logger {
  constructor(
    private readonly sinks: LogSink[] = [],
    private readonly fields: LogFields = {},
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** A logger that adds `fields` to every line (e.g. the destination and run) and writes to the same places. */
  with(fields: LogFields): Logger {
    return new Logger(this.sinks, { ...this.fields, ...fields }, this.clock);
  }

  /** Also write to `sink` (the agent's console); returns the function that stops it. */
  addSink(sink: LogSink): () => void {
    this.sinks.push(sink);
    return () => {
      const i = this.sinks.indexOf(sink);
      if (i >= 0) this.sinks.splice(i, 1);
    };
  }

  log(level: LogLevel, event: string, message: string, fields: LogFields = {}): void {
    const record: LogRecord = { time: this.clock().toISOString(), level, event, ...this.fields, ...fields, message: maskLogText(message), pid: process.pid };
    for (const sink of this.sinks) sink.write(record);
  }

  debug(event: string, message: string, fields?: LogFields): void {
    this.log('debug', event, message, fields);
  }
  info(event: string, message: string, fields?: LogFields): void {
    this.log('info', event, message, fields);
  }
  warn(event: string, message: string, fields?: LogFields): void {
    this.log('warn', event, message, fields);
  }
  error(event: string, message: string, fields?: LogFields): void {
    this.log('error', event, message, fields);
  }
}

/** A sink that must not break the caller: the first error is reported on standard error, later ones are dropped quietly. */
function guarded(name: string, write: (record: LogRecord) => void): LogSink {
  let reported = false;
  return {
    write(record) {
      try {
        write(record);
      } catch (err) {
        if (reported) return;
        reported = true;
        process.stderr.write(`rostersync: cannot write the log (${name}): ${(err as Error).message}. Later log lines may be lost.\n`);
      }
    },
  };
}

/** JSON lines in a rotating file: what `rostersync logs` reads. */
export function fileSink(path: string, rotation?: RotationOptions): LogSink {
  const file = new RotatingFile(path, rotation);
  return guarded(path, (record) => file.append(`${JSON.stringify(record)}\n`));
}

/** Lines for a console or a service manager's journal: human-readable, or JSON lines. */
export function streamSink(stream: { write(text: string): unknown }, format: 'human' | 'json'): LogSink {
  return guarded('standard output', (record) => stream.write(`${format === 'json' ? JSON.stringify(record) : formatLogLine(record)}\n`));
}
