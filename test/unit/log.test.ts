/** The agent's log (src/log/): records with levels, masking, the rotating file, reading back and following across a rotation. */
import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { fileSink, formatLogLine, Logger, type LogRecord } from '../../src/log/logger.js';
import { logFilesOldestFirst, RotatingFile } from '../../src/log/rotating-file.js';
import { followLog, logPosition, readLog } from '../../src/log/log-reader.js';
import { maskLogText } from '../../src/log/mask.js';
import { parseSince } from '../../src/cli/commands/logs.js';
import { until } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'rs-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `case-${++n}`, 'rostersync.log');

const records = (path: string): LogRecord[] =>
  logFilesOldestFirst(path).flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogRecord),
  );

async function readAll(path: string, filter = {}): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of readLog(path, filter, () => undefined)) out.push(r);
  return out;
}

describe('Logger', () => {
  it('writes one JSON record per line with time, level, event, fields and pid, creating the folder', () => {
    const path = freshPath();
    const log = new Logger([fileSink(path)], {}, () => new Date('2026-12-02T05:00:00.000Z'));
    log.with({ destination: 'vendor', runId: 7 }).info('run.started', 'Run of vendor started (cli).', { stage: 'plan' });
    log.error('agent', 'Something broke.');
    expect(records(path)).toEqual([
      { time: '2026-12-02T05:00:00.000Z', level: 'info', event: 'run.started', destination: 'vendor', runId: 7, stage: 'plan', message: 'Run of vendor started (cli).', pid: process.pid },
      { time: '2026-12-02T05:00:00.000Z', level: 'error', event: 'agent', message: 'Something broke.', pid: process.pid },
    ]);
  });

  it('masks personal values in messages but keeps the agent’s own times', () => {
    const path = freshPath();
    const log = new Logger([fileSink(path)]);
    log.warn('run.stage', 'students.csv row 4 phone "(555) 010-4477" is not valid; write to ana.rodriguez@mail.test or call +1 555 010 4477');
    log.info('schedule', 'vendor: scheduled nightly at 02:00; next 2026-12-03 02:00 CET (last delivery 2026-12-02T01:00:03.120Z).');
    const [masked, times] = records(path).map((r) => r.message);
    expect(masked).toBe('students.csv row 4 phone "[value hidden]" is not valid; write to [value hidden] or call [value hidden]');
    expect(masked).not.toMatch(/\d{3}/);
    expect(times).toBe('vendor: scheduled nightly at 02:00; next 2026-12-03 02:00 CET (last delivery 2026-12-02T01:00:03.120Z).');
    expect(maskLogText('birthDate "2011-04-05 10:00" is in the future')).toBe('birthDate "[value hidden]" is in the future');
  });

  it('a sink that cannot write does not throw to the caller', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const log = new Logger([fileSink(join(blocker, 'logs', 'rostersync.log'))]);
    expect(() => log.error('agent', 'first')).not.toThrow();
    expect(() => log.error('agent', 'second')).not.toThrow();
  });

  it('formats a record for a terminal: local time with its offset, level, where, message', () => {
    const line = formatLogLine({ time: '2026-12-02T05:00:00.000Z', level: 'warn', event: 'run.stage', destination: 'vendor', runId: 3, stage: 'guard', message: 'Held.', pid: 1 });
    expect(line).toMatch(/^2026-12-0[12] \d{2}:\d{2}:00 [+-]\d{2}:\d{2} WARN {2}\[vendor run 3 guard\] Held\.$/);
  });
});

describe('RotatingFile', () => {
  it('rotates before a line would pass maxBytes and keeps only `keep` old files, never splitting a line', () => {
    const path = freshPath();
    const file = new RotatingFile(path, { maxBytes: 100, keep: 2 });
    for (let i = 0; i < 10; i++) file.append(`${JSON.stringify({ i, pad: 'x'.repeat(20) })}\n`); // 38 bytes a line: 2 per file
    expect(logFilesOldestFirst(path, 2)).toEqual([`${path}.2`, `${path}.1`, path]);
    const lines = logFilesOldestFirst(path, 2).map((f) => readFileSync(f, 'utf8'));
    for (const text of lines) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(100);
    expect(lines.join('').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('a line longer than maxBytes still goes in whole (into a file of its own)', () => {
    const path = freshPath();
    const file = new RotatingFile(path, { maxBytes: 10, keep: 3 });
    file.append('short\n');
    file.append(`${'y'.repeat(50)}\n`);
    expect(readFileSync(path, 'utf8')).toBe(`${'y'.repeat(50)}\n`);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('short\n');
  });
});

describe('reading the log back', () => {
  it('reads rotated files oldest first, filters by level and time, and reports damaged lines', async () => {
    const path = freshPath();
    let at = Date.parse('2026-12-01T00:00:00Z');
    const log = new Logger([fileSink(path, { maxBytes: 400, keep: 5 })], {}, () => new Date((at += 3_600_000)));
    for (let i = 1; i <= 8; i++) log.log(i % 3 === 0 ? 'error' : i % 2 === 0 ? 'warn' : 'info', 'agent', `line ${i}`);
    expect(logFilesOldestFirst(path).length).toBeGreaterThan(1);
    expect((await readAll(path)).map((r) => r.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7', 'line 8']);
    expect((await readAll(path, { level: 'warn' })).map((r) => r.message)).toEqual(['line 2', 'line 3', 'line 4', 'line 6', 'line 8']);
    expect((await readAll(path, { level: 'error', since: new Date('2026-12-01T04:00:00Z') })).map((r) => r.message)).toEqual(['line 6']);

    appendFileSync(path, 'not json\n');
    const damaged: string[] = [];
    for await (const r of readLog(path, {}, (d) => damaged.push(`${d.file}:${d.line}`))) void r;
    expect(damaged).toHaveLength(1);
    expect(damaged[0]).toMatch(/rostersync\.log:\d+$/);
  });

  it('follows new lines, also across a rotation, until stopped', async () => {
    const path = freshPath();
    const log = new Logger([fileSink(path, { maxBytes: 300, keep: 3 })]);
    log.info('agent', 'before following');
    const seen: string[] = [];
    const stop = new AbortController();
    const following = followLog(path, {}, (r) => seen.push(r.message), stop.signal, 20);
    for (let i = 1; i <= 6; i++) log.info('agent', `new line ${i}`);
    await until('the followed lines', () => seen.length >= 6, 30_000);
    stop.abort();
    await following;
    expect(logFilesOldestFirst(path, 3).length).toBeGreaterThan(1);
    expect(seen).toEqual(['new line 1', 'new line 2', 'new line 3', 'new line 4', 'new line 5', 'new line 6']);
  });
});

describe('logs --follow from where the history read stopped', () => {
  it('loses no line and shows none twice when another process writes between reading the history and following', async () => {
    const path = freshPath();
    const log = new Logger([fileSink(path)]);
    log.info('agent', 'old 1');
    log.info('agent', 'old 2');
    const from = logPosition(path);
    // written after the position was taken, while the history is still being read
    log.info('agent', 'during the history read');
    const history: string[] = [];
    for await (const r of readLog(path, {}, () => undefined, from)) history.push(r.message);
    log.info('agent', 'after the history read');
    const seen: string[] = [];
    const stop = new AbortController();
    const following = followLog(path, {}, (r) => seen.push(r.message), stop.signal, 20, from);
    await until('the followed lines', () => seen.length >= 2, 30_000);
    stop.abort();
    await following;
    expect(history).toEqual(['old 1', 'old 2']);
    expect(seen).toEqual(['during the history read', 'after the history read']);
  });
});

describe('logs --since', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  it('takes a time ago, a local date or a date-time', () => {
    expect(parseSince('30m', now).toISOString()).toBe('2026-12-02T11:30:00.000Z');
    expect(parseSince('2h', now).toISOString()).toBe('2026-12-02T10:00:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-11-25T12:00:00.000Z');
    expect(parseSince('2026-12-01', now).getTime()).toBe(new Date(2026, 11, 1).getTime());
    expect(parseSince('2026-12-01T08:30Z', now).toISOString()).toBe('2026-12-01T08:30:00.000Z');
  });
  it('refuses anything else, saying what it takes', () => {
    for (const bad of ['yesterday', '2026-02-30', '5 weeks', '2026-12-01 08:30', '']) expect(() => parseSince(bad, now)).toThrow(/--since takes a time ago \(30m, 2h, 7d\).*got "/);
  });
});
