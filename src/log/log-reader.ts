/**
 * Reading the agent's log back (`rostersync logs`): the rotated files and the current one, oldest
 * first, one record per line, filtered by time and level; `follow` keeps reading new lines, also
 * across a rotation, until stopped.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { isLogLevel, levelRank, type LogLevel, type LogRecord } from './logger.js';
import { logFilesOldestFirst } from './rotating-file.js';

export interface LogFilter {
  /** Only records at or after this time. */
  readonly since?: Date;
  /** Only records at this level or above. */
  readonly level?: LogLevel;
}

/** A line that is not a log record (a damaged or hand-edited file) is reported, never shown as one. */
export interface DamagedLine {
  readonly file: string;
  readonly line: number;
}

function parseRecord(line: string): LogRecord | undefined {
  try {
    const value = JSON.parse(line) as Partial<LogRecord>;
    if (typeof value?.time !== 'string' || typeof value.message !== 'string' || typeof value.event !== 'string' || typeof value.level !== 'string' || !isLogLevel(value.level)) return undefined;
    return value as LogRecord;
  } catch {
    return undefined;
  }
}

export function matches(record: LogRecord, filter: LogFilter): boolean {
  if (filter.level && levelRank(record.level) < levelRank(filter.level)) return false;
  if (filter.since && new Date(record.time).getTime() < filter.since.getTime()) return false;
  return true;
}

/**
 * Every record in the log files, oldest first, streamed. With `upTo` (logPosition taken before), the
 * file it names is read only up to that offset, so `followLog` from the same position continues with
 * exactly the next line: nothing written meanwhile by another process is lost or shown twice.
 */
export async function* readLog(path: string, filter: LogFilter, onDamaged: (where: DamagedLine) => void, upTo?: LogPosition): AsyncGenerator<LogRecord> {
  for (const file of logFilesOldestFirst(path)) {
    const stopAt = upTo && sizeAndIno(file)?.ino === upTo.ino ? upTo.offset : undefined;
    if (stopAt === 0) continue;
    const input = createReadStream(file, { encoding: 'utf8', ...(stopAt !== undefined ? { end: stopAt - 1 } : {}) });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      const record = parseRecord(line);
      if (!record) onDamaged({ file, line: n });
      else if (matches(record, filter)) yield record;
    }
  }
}

/** Where reading the current log file got to: its inode (a rotation makes a new one) and a byte offset. */
export interface LogPosition {
  readonly ino: number;
  readonly offset: number;
}

/** The end of the current log file now, or undefined when there is none yet. */
export function logPosition(path: string): LogPosition | undefined {
  const now = sizeAndIno(path);
  return now && { ino: now.ino, offset: now.size };
}

interface Position {
  ino: number;
  offset: number;
}

function sizeAndIno(file: string): { size: number; ino: number } | undefined {
  try {
    const s = statSync(file);
    return { size: s.size, ino: s.ino };
  } catch {
    return undefined;
  }
}

/** The bytes of `file` from `offset` to its end, whole lines only; returns the text and the new offset. */
function readFrom(file: string, offset: number): { text: string; offset: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { text: '', offset };
  }
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(64 * 1024);
    let at = offset;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, at);
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      at += n;
    }
    const all = Buffer.concat(chunks);
    const lastNewline = all.lastIndexOf(0x0a);
    if (lastNewline < 0) return { text: '', offset };
    return { text: all.subarray(0, lastNewline + 1).toString('utf8'), offset: offset + lastNewline + 1 };
  } finally {
    closeSync(fd);
  }
}

/**
 * New records as they are written, until `signal` aborts: polls the current file; when it was
 * rotated (another file under its name), reads what is left of the rotated one first. Starts at
 * `from` (where readLog stopped), else at the current end of the file.
 */
export async function followLog(path: string, filter: LogFilter, emit: (record: LogRecord) => void, signal: AbortSignal, pollMs = 500, from?: LogPosition): Promise<void> {
  const start = from ?? logPosition(path);
  let position: Position | undefined = start && { ino: start.ino, offset: start.offset };
  const emitText = (text: string): void => {
    for (const line of text.split('\n')) {
      const record = line.trim() ? parseRecord(line) : undefined;
      if (record && matches(record, filter)) emit(record);
    }
  };
  while (!signal.aborted) {
    const now = sizeAndIno(path);
    if (now && position && now.ino !== position.ino) {
      // rotated since the last look (maybe more than once): the rest of the file we were reading, then every newer one
      const was = position;
      const rotated = logFilesOldestFirst(path).slice(0, -1);
      const from = rotated.findIndex((f) => sizeAndIno(f)?.ino === was.ino);
      if (from >= 0) rotated.slice(from).forEach((f, i) => emitText(readFrom(f, i === 0 ? was.offset : 0).text));
      position = { ino: now.ino, offset: 0 };
    }
    if (now) {
      position ??= { ino: now.ino, offset: 0 };
      if (now.size < position.offset) position.offset = 0; // truncated by hand
      const read = readFrom(path, position.offset);
      position.offset = read.offset;
      emitText(read.text);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
