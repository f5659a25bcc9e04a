/**
 * Branches that once read an error's message text now test its class: a stop request and a stopped
 * run (src/pipeline/stop.ts), a delimited file without a header line (src/sources/folder/delimited.ts).
 * Messages stay byte-identical to what runs and findings have always recorded.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStopRequest, RunStoppedError, stoppedMessage, stopReason } from '../../src/pipeline/stop.js';
import { RunFailure } from '../../src/pipeline/findings.js';
import { RunCancelledError } from '../../src/agent/runner.js';
import { NoHeaderLineError, readDelimited, readDelimitedHeader } from '../../src/sources/folder/delimited.js';
import { SourceError } from '../../src/sources/types.js';

describe('stopping a run', () => {
  it('takes the reason from a RunStopRequest, and says "cancelled" for a bare abort or any other reason', () => {
    const shutdown = new AbortController();
    shutdown.abort(new RunStopRequest('agent shutting down'));
    expect(stopReason(shutdown.signal)).toBe('agent shutting down');
    const cancel = new AbortController();
    cancel.abort(new RunCancelledError());
    expect(cancel.signal.reason).toBeInstanceOf(RunStopRequest);
    expect(stopReason(cancel.signal)).toBe('cancelled by an administrator');
    const bare = new AbortController();
    bare.abort();
    expect(stopReason(bare.signal)).toBe('cancelled');
    const plain = new AbortController();
    plain.abort(new Error('some library gave up'));
    expect(stopReason(plain.signal)).toBe('cancelled');
  });

  it('fails a run as RunStoppedError: a RunFailure with its stage, reason and code, message "Stopped: <reason>."', () => {
    const err = new RunStoppedError('agent shutting down', 'deliver');
    expect(err).toBeInstanceOf(RunFailure);
    expect(err).toMatchObject({ name: 'RunStoppedError', code: 'run-stopped', stage: 'deliver', reason: 'agent shutting down' });
    expect(err.message).toBe('Stopped: agent shutting down.');
    expect(stoppedMessage('cancelled')).toBe('Stopped: cancelled.');
  });
});

describe('a delimited file without a header line', () => {
  const settings = { encoding: 'auto', delimiter: 'auto', maxFieldLength: 65_536 } as const;
  const dir = mkdtempSync(join(tmpdir(), 'rs-noheader-'));

  it('is refused as NoHeaderLineError (a SourceError, code bad-file) naming the file', async () => {
    const file = join(dir, 'students.csv');
    writeFileSync(file, '');
    const rows = readDelimited(file, settings, ['student_id']);
    const err = await rows.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NoHeaderLineError);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ code: 'bad-file', file: 'students.csv', message: 'students.csv is empty: it has no header line. Expected a header with the column names.' });
  });

  it('reads an empty file as one blank header, while a header-only file has its own and other refusals still reach the caller', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expect(await readDelimitedHeader(empty, settings, ['student_id'])).toEqual(['column_1']); // the blank first line, named as a blank header is
    const headerOnly = join(dir, 'header-only.csv');
    writeFileSync(headerOnly, 'student_id,first_name\n');
    expect(await readDelimitedHeader(headerOnly, settings, ['student_id', 'first_name'])).toEqual(['student_id', 'first_name']);
    const tabbed = join(dir, 'tabbed.csv');
    writeFileSync(tabbed, 'student_id\tfirst_name\nS1\tAda\n');
    await expect(readDelimitedHeader(tabbed, { ...settings, delimiter: ',' }, ['student_id'])).rejects.toThrow(/the file looks tab-delimited/);
  });
});
