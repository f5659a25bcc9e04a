import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../src/sources/folder/delimited.js';
import { detectEncoding, Utf8Scanner } from '../../src/sources/folder/encoding.js';
import { matchHeaders, normaliseHeader } from '../../src/sources/folder/headers.js';
import { archiveStamp } from '../../src/sources/folder/archive.js';
import { globToRegExp } from '../../src/sources/folder/readiness.js';
import { cellText } from '../../src/sources/folder/xlsx.js';

describe('normaliseHeader', () => {
  it.each([
    ['\uFEFFStudent ID', 'student_id'],
    ['  First Name  ', 'first_name'],
    ['firstName', 'first_name'],
    ['FIRST_NAME', 'first_name'],
    ['Last-Name', 'last_name'],
    ['SSID', 'ssid'],
    ['StudentSSID', 'student_ssid'],
    ['E-mail (school)', 'e_mail_school'],
    ['', ''],
  ])('%j → %j', (raw, expected) => {
    expect(normaliseHeader(raw)).toBe(expected);
  });
});

describe('matchHeaders', () => {
  const expected = ['student_id', 'first_name', 'email', 'birth_date'];
  it('maps spellings to the expected names', () => {
    expect(matchHeaders(['StudentID', 'First Name', 'E-mail', 'BIRTHDATE', 'Homeroom'], expected)).toEqual([
      'student_id',
      'first_name',
      'email',
      'birth_date',
      'homeroom',
    ]);
  });
  it('names empty and repeated headers so no value is lost', () => {
    expect(matchHeaders(['Phone', '', 'phone'])).toEqual(['phone', 'column_2', 'phone_2']);
  });
});

describe('detectEncoding', () => {
  const text = 'student_id,first_name\r\n1,Zoë\r\n';
  it.each([
    ['utf-8', Buffer.from(text, 'utf8'), 'utf-8', false],
    ['utf-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'utf-8', true],
    ['utf-16le BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf16le')]), 'utf-16le', true],
    ['utf-16be BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, 'utf16be')]), 'utf-16be', true],
    ['utf-16le', iconv.encode(text, 'utf16le'), 'utf-16le', false],
    ['utf-16be', iconv.encode(text, 'utf16be'), 'utf-16be', false],
    // Without a BOM anything that is not UTF-16 is read as strict UTF-8: Windows-1252 is never guessed.
    ['windows-1252 bytes', iconv.encode(text, 'win1252'), 'utf-8', false],
  ])('%s', (_label, bytes, encoding, bom) => {
    expect(detectEncoding(bytes)).toEqual({ encoding, bom });
  });
  it('lets the configured encoding win', () => {
    expect(detectEncoding(Buffer.from(text), 'windows-1252').encoding).toBe('windows-1252');
  });
});

describe('Utf8Scanner', () => {
  const scan = (...chunks: Buffer[]) => {
    const scanner = new Utf8Scanner();
    for (const c of chunks) scanner.push(c);
    return scanner.end();
  };

  it('accepts a character split between chunks and counts it as valid', () => {
    const zoe = Buffer.from('Zoë\nJosé', 'utf8');
    expect(scan(zoe.subarray(0, 3), zoe.subarray(3))).toEqual({ invalid: 0, validMultiByte: 2, faults: [] });
  });

  it('names line and byte offset of each bad sequence (LF, CRLF and lone CR line ends)', () => {
    const bytes = Buffer.concat([Buffer.from('a\r\nb\rc\n'), Buffer.from([0x52, 0xe9, 0x7a]), Buffer.from('\nx'), Buffer.from([0xc3])]);
    const report = scan(bytes.subarray(0, 5), bytes.subarray(5));
    expect(report.invalid).toBe(2);
    expect(report.faults).toEqual([
      { offset: 8, line: 4, bytes: [0xe9] },
      { offset: 12, line: 5, bytes: [0xc3] },
    ]);
  });

  it('is strict: overlong forms, surrogates and code points above U+10FFFF are faults', () => {
    for (const bad of [[0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]]) {
      expect(scan(Buffer.from(bad)).invalid, bad.join(' ')).toBeGreaterThan(0);
    }
    expect(scan(Buffer.from('€𝄞', 'utf8'))).toMatchObject({ invalid: 0, validMultiByte: 2 });
  });
});

describe('detectDelimiter', () => {
  it.each([
    ['a,b,c', ','],
    ['a\tb\tc', '\t'],
    ['a|b|c', '|'],
    ['a;b;c', ';'],
    ['"last, first";id;grade', ';'],
    ['single', ','],
  ])('%j', (line, expected) => {
    expect(detectDelimiter(line)).toBe(expected);
  });
  it('prefers tab for .tsv files with one column', () => {
    expect(detectDelimiter('student_id', 'x.tsv')).toBe('\t');
  });
});

describe('globToRegExp', () => {
  it('matches file names case-insensitively with * and ?', () => {
    const re = globToRegExp('students_*.csv');
    expect(re.test('Students_20250101.CSV')).toBe(true);
    expect(re.test('students.csv')).toBe(false);
    expect(globToRegExp('term?.csv').test('term1.csv')).toBe(true);
    expect(globToRegExp('a.b(1).csv').test('a.b(1).csv')).toBe(true);
    expect(globToRegExp('a.b(1).csv').test('aXb(1).csv')).toBe(false);
  });
});

describe('cellText', () => {
  it('turns Excel cell values into text', () => {
    expect(cellText(42, '00000')).toBe('00042');
    expect(cellText(42, 'General')).toBe('42');
    expect(cellText(1.25)).toBe('1.25');
    expect(cellText(new Date(Date.UTC(2012, 2, 7)))).toBe('2012-03-07');
    expect(cellText({ richText: [{ text: 'a' }, { text: 'b' }] })).toBe('ab');
    expect(cellText({ formula: 'A1', result: 7 }, '000')).toBe('007');
    expect(cellText({ text: 'link', hyperlink: 'http://x' })).toBe('link');
    expect(cellText({ error: '#N/A' })).toBe('#N/A');
    expect(cellText(true)).toBe('true');
    expect(cellText(null)).toBe('');
  });
});

describe('archiveStamp', () => {
  it('is sortable and has no colons', () => {
    expect(archiveStamp(new Date('2025-09-02T02:00:05.123Z'))).toBe('2025-09-02T020005Z');
  });
});
