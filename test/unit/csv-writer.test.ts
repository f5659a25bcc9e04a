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
