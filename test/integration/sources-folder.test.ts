/**
 * Export-folder source against the real file system (and real chokidar): encodings, delimiters,
 * Excel, header matching, line numbers, completeness, missing files, watching and archiving.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveProcessed, folderDriver, watchExportFolder, type ReadySet } from '../../src/sources/export-folder.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import type { EntityRequest, Row, SourcedRow } from '../../src/sources/types.js';
import { SourceDataError, SourceError } from '../../src/sources/types.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-folder-'));
let dir: string;
let counter = 0;

beforeEach(() => {
  dir = path.join(root, `case-${++counter}`);
  fs.mkdirSync(dir, { recursive: true });
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ path: dir, quietPeriodSeconds: 0, ...extra });

async function readAll(request: EntityRequest, settings = base()): Promise<SourcedRow[]> {
  const session = await getSourceDriver('folder').open(settings, {});
  const out: SourcedRow[] = [];
  try {
    for await (const r of session.read(request)) out.push(r);
  } finally {
    await session.close();
  }
  return out;
}

async function refusal(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(SourceError);
    return error as SourceError;
  }
  throw new Error('expected a SourceError');
}

const rows = (list: SourcedRow[]): Row[] => list.map((r) => r.row);

describe('export folder: encodings and delimiters', () => {
  it('reads UTF-8 with a BOM, normalising the headers', async () => {
    fs.writeFileSync(path.join(dir, 'students.csv'), '\uFEFF Student ID ,First Name,LAST_NAME\r\n00042,Zoë,Dupré\r\n00043,"Núñez, José",O\'Neil\r\n');
    const got = await readAll({ entity: 'students', file: 'students.csv' });
    expect(rows(got)).toEqual([
      { student_id: '00042', first_name: 'Zoë', last_name: 'Dupré' },
      { student_id: '00043', first_name: 'Núñez, José', last_name: "O'Neil" },
    ]);
    expect(got.map((r) => r.origin)).toEqual(['students.csv line 2', 'students.csv line 3']);
  });

  it('refuses a Windows-1252 file read as auto, naming the line and offset, and says to set windows-1252', async () => {
    const filler = Array.from({ length: 5000 }, (_, i) => `${String(i).padStart(5, '0')}|Ann|Lee`).join('\r\n');
    const text = `student_id|first_name|last_name\r\n${filler}\r\n99999|Zoë|Dupré-Müller\r\n`;
    const bytes = iconv.encode(text, 'win1252');
    fs.writeFileSync(path.join(dir, 'students.txt'), bytes);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const error = await refusal(readAll({ entity: 'students', file: 'students.txt' }));
    expect(error).toBeInstanceOf(SourceDataError);
    const offset = bytes.indexOf(0xeb);
    expect(error.message).toContain(`students.txt line 5002, byte offset ${offset}: byte 0xEB is not valid UTF-8`);
    expect(error.message).toContain('2 more invalid sequences follow');
    expect(error.message).toContain("set this source's encoding to windows-1252");
    expect((error as SourceDataError).where).toEqual({ origin: 'students.txt line 5002', rule: 'encoding', value: '0xEB' });
    // The same file with the encoding set reads every name right.
    const got = await readAll({ entity: 'students', file: 'students.txt' }, base({ encoding: 'windows-1252' }));
    expect(got[5000].row).toEqual({ student_id: '99999', first_name: 'Zoë', last_name: 'Dupré-Müller' });
  });

  it('refuses a UTF-8 export with one stray Windows-1252 byte instead of garbling every name', async () => {
    const good = Buffer.from('student_id,first_name,last_name\n001,Ana,Rodríguez\n002,José,Núñez\n', 'utf8');
    const bytes = Buffer.concat([good, Buffer.from('003,Ren'), Buffer.from([0xe9]), Buffer.from(',Lee\n004,Zoë,Rodríguez\n')]);
    fs.writeFileSync(path.join(dir, 'students.csv'), bytes);
    const error = await refusal(readAll({ entity: 'students', file: 'students.csv' }));
    expect(error.message).toContain(`students.csv line 4, byte offset ${good.length + 7}: byte 0xE9 is not valid UTF-8 ("003,Ren\uFFFD,Lee"`);
    expect(error.message).toContain('would be "é" in Windows-1252');
    expect(error.message).toContain('The rest of the file is UTF-8 (6 accented or non-Latin characters read correctly)');
    expect(error.message).not.toContain('more invalid');
    expect(error.message).not.toMatch(/RodrÃ/);
  });

  it('refuses a value over maxFieldLength with file, line, column, length and limit', async () => {
    fs.writeFileSync(path.join(dir, 'students.csv'), `student_id,first_name,notes\n1,Ann,short\n2,Bo,"${'x'.repeat(70_000)}"\n`);
    const error = await refusal(readAll({ entity: 'students', file: 'students.csv' }));
    expect(error.message).toMatch(/^students\.csv line 3, column notes: the value is 70,000 characters long; the limit is 65,536 characters \(the source's maxFieldLength\)/);
    expect((error as SourceDataError).where).toEqual({ origin: 'students.csv line 3', column: 'notes', value: '70,000 characters', rule: 'field-length' });
  });

  it('stops building a giant record at the parser limit instead of holding it', async () => {
    const file = path.join(dir, 'students.csv');
    fs.writeFileSync(file, `student_id,first_name\n1,Ann\n2,"${'\u202E'.repeat(1_000_000)}"\n`);
    const error = await refusal(readAll({ entity: 'students', file: 'students.csv' }, base({ maxFieldLength: 1000 })));
    expect(error.message).toMatch(/^students\.csv line 3, column first_name: the value is longer than 1,048,576 bytes \(reading stopped there\); the limit is 1,000 characters/);
  });

  it('reads Windows-1252 when configured', async () => {
    fs.writeFileSync(path.join(dir, 'teachers.csv'), iconv.encode('teacher_id,first_name\n0007,Hélène\n', 'win1252'));
    expect(rows(await readAll({ entity: 'teachers', file: 'teachers.csv' }, base({ encoding: 'windows-1252' })))).toEqual([{ teacher_id: '0007', first_name: 'Hélène' }]);
  });

  it.each([
    ['UTF-16 LE with BOM', (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(t, 'utf16le')])],
    ['UTF-16 BE with BOM', (t: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(t, 'utf16be')])],
    ['UTF-16 LE without BOM', (t: string) => iconv.encode(t, 'utf16le')],
  ])('reads %s (tab-delimited)', async (_label, encode) => {
    fs.writeFileSync(path.join(dir, 'students.tsv'), encode('Student ID\tFirst Name\r\n00042\tZoë\r\n00043\tJosé\r\n'));
    const got = await readAll({ entity: 'students', file: 'students.tsv' });
    expect(rows(got)).toEqual([
      { student_id: '00042', first_name: 'Zoë' },
      { student_id: '00043', first_name: 'José' },
    ]);
    expect(got[1].origin).toBe('students.tsv line 3');
  });

  it('detects pipe and semicolon delimiters, or uses the configured one', async () => {
    fs.writeFileSync(path.join(dir, 'a.csv'), 'school_code|name\n001|North High\n');
    fs.writeFileSync(path.join(dir, 'b.csv'), 'school_code;name\n002;South, Middle\n');
    expect(rows(await readAll({ entity: 'schools', file: 'a.csv' }))).toEqual([{ school_code: '001', name: 'North High' }]);
    expect(rows(await readAll({ entity: 'schools', file: 'b.csv' }))).toEqual([{ school_code: '002', name: 'South, Middle' }]);
    expect(rows(await readAll({ entity: 'schools', file: 'b.csv' }, base({ delimiter: ';' })))).toEqual([{ school_code: '002', name: 'South, Middle' }]);
  });

  it('matches headers spelled differently to the expected names', async () => {
    fs.writeFileSync(path.join(dir, 'students.csv'), 'StudentID,firstName, Last-Name ,Grade Level,Birth Date\n1,A,B,09,2011-03-07\n');
    const [r] = await readAll({ entity: 'students', file: 'students.csv' });
    expect(r.row).toEqual({ student_id: '1', first_name: 'A', last_name: 'B', grade_level: '09', birth_date: '2011-03-07' });
  });

  it('keeps true line numbers across blank lines and quoted line breaks', async () => {
    fs.writeFileSync(path.join(dir, 'classes.csv'), 'class_id,title\r\n\r\nC1,"Algebra\r\nI"\r\nC2,Biology\r\n\r\nC3,Chemistry');
    const got = await readAll({ entity: 'classes', file: 'classes.csv' });
    expect(got.map((r) => [r.row.class_id, r.origin])).toEqual([
      ['C1', 'classes.csv line 3'],
      ['C2', 'classes.csv line 5'],
      ['C3', 'classes.csv line 7'],
    ]);
    expect(got[0].row.title).toBe('Algebra\r\nI');
  });

  it('points at the line of a row with the wrong number of fields', async () => {
    fs.writeFileSync(path.join(dir, 'students.csv'), 'student_id,first_name,last_name\n1,A,B\n2,C\n');
    const error = await refusal(readAll({ entity: 'students', file: 'students.csv' }));
    expect(error.code).toBe('bad-file');
    expect(error.message).toMatch(/students\.csv line 3: 2 fields, but the header has 3/);
  });

  it('picks the newest file matching a glob', async () => {
    fs.writeFileSync(path.join(dir, 'students_20250101.csv'), 'student_id\nold\n');
    fs.utimesSync(path.join(dir, 'students_20250101.csv'), new Date('2025-01-01'), new Date('2025-01-01'));
    fs.writeFileSync(path.join(dir, 'students_20250102.csv'), 'student_id\nnew\n');
    const got = await readAll({ entity: 'students', file: 'students_*.csv' });
    expect(got.map((r) => [r.row.student_id, r.origin])).toEqual([['new', 'students_20250102.csv line 2']]);
  });
});

describe('export folder: Excel', () => {
  it('streams an .xlsx sheet as text with zero-padded IDs and ISO dates', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Students');
    ws.addRow(['Student ID', 'First Name', 'Birth Date', 'Grade', 'Note']);
    ws.addRow(['00042', 'Zoë', new Date(Date.UTC(2011, 2, 7)), 9, { richText: [{ text: 'bold ' }, { text: 'text' }] }]);
    const r3 = ws.addRow([43, 'José', new Date(Date.UTC(2010, 10, 30)), 10, { formula: '1+1', result: 2 }]);
    r3.getCell(1).numFmt = '00000';
    ws.addRow([]);
    ws.addRow(['00044', 'Ann', null, 11, '']);
    await wb.xlsx.writeFile(path.join(dir, 'students.xlsx'));

    const got = await readAll({ entity: 'students', file: 'students.xlsx' });
    expect(rows(got)).toEqual([
      { student_id: '00042', first_name: 'Zoë', birth_date: '2011-03-07', grade: '9', note: 'bold text' },
      { student_id: '00043', first_name: 'José', birth_date: '2010-11-30', grade: '10', note: '2' },
      { student_id: '00044', first_name: 'Ann', birth_date: '', grade: '11', note: '' },
    ]);
    expect(got.map((r) => r.origin)).toEqual(['students.xlsx row 2', 'students.xlsx row 3', 'students.xlsx row 5']);
  });

  it('reads a named worksheet and says which sheets exist when it is missing', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Notes').addRow(['ignore me']);
    const ws = wb.addWorksheet('Teachers');
    ws.addRow(['teacher_id', 'email']);
    ws.addRow(['T1', 't1@example.org']);
    await wb.xlsx.writeFile(path.join(dir, 'staff.xlsx'));
    expect(rows(await readAll({ entity: 'teachers', file: 'staff.xlsx' }, base({ sheet: 'teachers' })))).toEqual([{ teacher_id: 'T1', email: 't1@example.org' }]);
    const error = await refusal(readAll({ entity: 'teachers', file: 'staff.xlsx' }, base({ sheet: 'Staff' })));
    expect(error.message).toMatch(/no worksheet named "Staff" \(it has: Notes, Teachers\)/);
  });
});

describe('export folder: readiness', () => {
  it('refuses to start when an expected file is missing, naming the file and the folder', async () => {
    fs.writeFileSync(path.join(dir, 'students.csv'), 'student_id\n1\n');
    const session = await getSourceDriver('folder').open(base(), {});
    const requests = [
      { entity: 'students', file: 'students.csv' },
      { entity: 'teachers', file: 'teachers.csv' },
      { entity: 'classes', file: 'classes*.csv' },
    ];
    const error = await refusal(session.preflight!(requests));
    expect(error.code).toBe('missing-file');
    expect(error.message).toContain('"teachers.csv"');
    expect(error.message).toContain('"classes*.csv"');
    expect(error.message).not.toContain('"students.csv"');
    expect(error.message).toContain(dir);
    const direct = await refusal(readAll({ entity: 'teachers', file: 'teachers.csv' }));
    expect(direct.code).toBe('missing-file');
    expect(direct.message).toContain('teachers.csv');
  });

  it('waits for the trigger file when one is configured', async () => {
    fs.writeFileSync(path.join(dir, 'students.csv'), 'student_id\n1\n');
    const session = await getSourceDriver('folder').open(base({ triggerFile: 'done.flag' }), {});
    const error = await refusal(session.preflight!([{ entity: 'students', file: 'students.csv' }]));
    expect(error.message).toMatch(/trigger file "done\.flag"/);
    fs.writeFileSync(path.join(dir, 'done.flag'), '');
    await session.preflight!([{ entity: 'students', file: 'students.csv' }]);
  });

  it('does not read a file that is still being written until it is complete', async () => {
    const file = path.join(dir, 'enrollments.csv');
    fs.writeFileSync(file, 'enrollment_id,class_id\n');
    let written = 0;
    const writer = (async () => {
      for (let i = 1; i <= 8; i++) {
        fs.appendFileSync(file, `E${i},C${i}\n`);
        written = i;
        await sleep(120);
      }
    })();
    await sleep(30);
    const got = await readAll({ entity: 'enrollments', file: 'enrollments.csv' }, base({ quietPeriodSeconds: 0.5 }));
    await writer;
    expect(written).toBe(8);
    // all eight rows: the reader waited for the writer to go quiet
    expect(got.map((r) => r.row.enrollment_id)).toEqual(['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'E8']);
  });

  it('gives up on a file that never stops changing, with a clear message', async () => {
    const file = path.join(dir, 'students.csv');
    fs.writeFileSync(file, 'student_id\n');
    const interval = setInterval(() => fs.appendFileSync(file, '1\n'), 50);
    try {
      const error = await refusal(readAll({ entity: 'students', file: 'students.csv' }, base({ quietPeriodSeconds: 0.4, maxWaitSeconds: 1 })));
      expect(error.code).toBe('timeout');
      expect(error.message).toMatch(/students\.csv is still being written/);
    } finally {
      clearInterval(interval);
    }
  });
});

describe('export folder: watching', () => {
  // generous bound: two CI cores may be busy with other test files (this bounds a wait, it times nothing)
  const waitFor = async (predicate: () => boolean, ms = 20_000): Promise<void> => {
    const until = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > until) throw new Error('condition not met in time');
      await sleep(25);
    }
  };

  it.each([
    ['file-system events', false],
    ['polling (network shares)', true],
  ])('reports a new complete set once, after every file has finished (%s)', async (_label, usePolling) => {
    const settings = folderDriver.settingsSchema.parse({ path: dir, quietPeriodSeconds: 1, debounceSeconds: 0.2, usePolling, pollIntervalSeconds: 0.05 });
    const sets: ReadySet[] = [];
    const errors: unknown[] = [];
    const watcher = watchExportFolder(settings, ['students.csv', 'classes.csv'], (s) => void sets.push(s), { onError: (e) => errors.push(e) });
    try {
      await watcher.ready;
      // Polling compares each stat with the previous one: let the first poll of the folder take its
      // baseline, or a file written before it is part of the baseline and never reported as new.
      if (usePolling) await sleep(500);
      fs.writeFileSync(path.join(dir, 'students.csv'), 'student_id\n1\n');
      // classes.csv arrives slowly, in pieces
      const classes = path.join(dir, 'classes.csv');
      fs.writeFileSync(classes, 'class_id\n');
      for (let i = 0; i < 6; i++) {
        await sleep(100);
        expect(sets).toHaveLength(0);
        fs.appendFileSync(classes, `C${i}\n`);
      }
      await waitFor(() => sets.length === 1);
      expect(sets[0].files.map((f) => f.name).sort()).toEqual(['classes.csv', 'students.csv']);
      expect(sets[0].files.find((f) => f.name === 'classes.csv')?.size).toBe(fs.statSync(classes).size);
      // nothing new: no second report
      await sleep(700);
      expect(sets).toHaveLength(1);
      // the next night's export is a new set
      fs.writeFileSync(path.join(dir, 'students.csv'), 'student_id\n1\n2\n');
      await waitFor(() => sets.length === 2);
      expect(sets[1].signature).not.toBe(sets[0].signature);
      expect(errors).toEqual([]);
    } finally {
      await watcher.close();
    }
  });

  it('waits for the trigger file and can ignore a set that was already there', async () => {
    fs.writeFileSync(path.join(dir, 'students.csv'), 'student_id\n1\n');
    // raw source settings (as stored in the config) are accepted and defaulted
    const settings = { path: dir, quietPeriodSeconds: 0.2, debounceSeconds: 0.1, triggerFile: 'done.flag' };
    const sets: ReadySet[] = [];
    const watcher = watchExportFolder(settings, ['students.csv'], (s) => void sets.push(s), { alreadyHandled: () => true });
    try {
      await watcher.ready;
      await sleep(500);
      expect(sets).toHaveLength(0);
      fs.writeFileSync(path.join(dir, 'done.flag'), '');
      await waitFor(() => sets.length === 1);
    } finally {
      await watcher.close();
    }
  });
});

describe('export folder: archive', () => {
  it('moves processed files (and the trigger) into a dated archive folder and prunes old ones', async () => {
    for (const name of ['students.csv', 'classes.csv', 'done.flag']) fs.writeFileSync(path.join(dir, name), 'x\n');
    const archive = path.join(dir, 'archive');
    fs.mkdirSync(path.join(archive, '2025-01-01T020000Z'), { recursive: true });
    fs.writeFileSync(path.join(archive, '2025-01-01T020000Z', 'students.csv'), 'old\n');
    fs.mkdirSync(path.join(archive, 'keep-me'), { recursive: true });
    const settings = folderDriver.settingsSchema.parse({ path: dir, afterProcessing: 'archive', archiveKeepDays: 30, triggerFile: 'done.flag' });
    const now = new Date('2025-03-01T02:00:00Z');
    const result = await archiveProcessed(settings, [path.join(dir, 'students.csv'), path.join(dir, 'classes.csv')], now);
    expect(result.moved.map((m) => path.relative(dir, m.to)).sort()).toEqual(
      ['archive/2025-03-01T020000Z/classes.csv', 'archive/2025-03-01T020000Z/done.flag', 'archive/2025-03-01T020000Z/students.csv'].map((p) => p.split('/').join(path.sep)),
    );
    expect(fs.existsSync(path.join(dir, 'students.csv'))).toBe(false);
    expect(result.pruned).toEqual([path.join(archive, '2025-01-01T020000Z')]);
    expect(fs.existsSync(path.join(archive, 'keep-me'))).toBe(true);
    // a second run in the same second gets its own folder
    fs.writeFileSync(path.join(dir, 'students.csv'), 'y\n');
    const again = await archiveProcessed(settings, [path.join(dir, 'students.csv')], now);
    expect(path.basename(path.dirname(again.moved[0].to))).toBe('2025-03-01T020000Z-2');
  });

  it('leaves files in place when set to', async () => {
    fs.writeFileSync(path.join(dir, 'students.csv'), 'x\n');
    const settings = folderDriver.settingsSchema.parse({ path: dir, afterProcessing: 'leave' });
    expect(await archiveProcessed(settings, [path.join(dir, 'students.csv')])).toEqual({ moved: [], pruned: [] });
    expect(fs.existsSync(path.join(dir, 'students.csv'))).toBe(true);
  });
});

describe('export folder: driver', () => {
  it('checks, discovers and samples', async () => {
    fs.writeFileSync(path.join(dir, 'students.csv'), 'Student ID,First Name\n1,A\n2,B\n3,C\n');
    fs.writeFileSync(path.join(dir, 'readme.md'), 'not data');
    const driver = getSourceDriver('folder');
    const check = await driver.check(base(), {});
    expect(check.ok).toBe(true);
    expect(check.message).toMatch(/1 data file \(students\.csv\)/);
    expect(await driver.discover(base(), {})).toEqual([
      { name: 'students.csv', kind: 'file', columns: [{ name: 'student_id', type: 'text', nullable: true }, { name: 'first_name', type: 'text', nullable: true }] },
    ]);
    const sample = await driver.sample(base(), {}, { table: 'students.csv' }, 2);
    expect(sample).toEqual({ columns: ['student_id', 'first_name'], rows: [{ student_id: '1', first_name: 'A' }, { student_id: '2', first_name: 'B' }] });
  });

  it('reports a missing folder and a missing file setting in admin words', async () => {
    const driver = getSourceDriver('folder');
    const missing = await refusal(driver.check({ path: path.join(dir, 'nope') }, {}));
    expect(missing.code).toBe('missing-file');
    expect(missing.message).toMatch(/export folder .*nope does not exist/);
    const noFile = await refusal(readAll({ entity: 'students' }));
    expect(noFile.code).toBe('config');
    expect(noFile.message).toMatch(/No file is set for students/);
  });
});
