/**
 * The COPY text parser (src/sources/pg-copy-text.ts): rows split across chunks anywhere (even
 * inside a UTF-8 character) come out whole, escapes are undone, and cut-off or misshapen data is
 * an error naming the row.
 */
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { AsciiScan, CopyTextParser, unescapeCopyText } from '../../src/sources/pg-copy-text.js';
import type { RowValues } from '../../src/sources/types.js';

const DATA = Buffer.from('1\tZoë\t\\N\n2\ttab\\there\tnew\\nline\n3\t東京 😀\t\\\\N\n4\t\tt\n', 'utf8');
/** Values in the column order id, name, note. */
const EXPECTED: RowValues[] = [
  ['1', 'Zoë', null],
  ['2', 'tab\there', 'new\nline'],
  ['3', '東京 😀', '\\N'],
  ['4', '', 'true'],
];
const toBool = (v: string): string => (v === 't' ? 'true' : v === 'f' ? 'false' : v);

describe('CopyTextParser', () => {
  it('parses the same rows however the data is cut into chunks', () => {
    for (let cut = 1; cut < DATA.length; cut++) {
      for (const size of [cut, 3]) {
        const parser = new CopyTextParser(['id', 'name', 'note'], [undefined, undefined, (v) => (v === 't' ? toBool(v) : v)], 'people');
        const out: RowValues[] = [];
        for (let at = 0; at < DATA.length; at += size) parser.push(DATA.subarray(at, Math.min(at + size, DATA.length)), out);
        parser.end();
        expect(out).toEqual(EXPECTED);
        expect(parser.rows).toBe(4);
      }
    }
  });

  it('says when the data stops in the middle of a row', () => {
    const parser = new CopyTextParser(['id', 'name'], [undefined, undefined], 'people');
    const out: RowValues[] = [];
    parser.push(Buffer.from('1\ta\n2\tb'), out);
    expect(out).toEqual([['1', 'a']]);
    expect(() => parser.end()).toThrow(/people data ended in the middle of row 2/);
  });

  it('names the row with too few or too many values', () => {
    const parser = new CopyTextParser(['id', 'name'], [undefined, undefined], 'people');
    expect(() => parser.push(Buffer.from('1\ta\n2\n'), [])).toThrow(/Row 2 of people came with 1 value\(s\) where the query has 2/);
    const wide = new CopyTextParser(['id', 'name'], [undefined, undefined], 'people');
    expect(() => wide.push(Buffer.from('1\ta\tb\n'), [])).toThrow(/Row 1 of people came with 3 value\(s\)/);
  });
});

describe('CopyTextParser: maxFieldLength', () => {
  it('refuses a value over the limit, naming row, column, length and limit', () => {
    const parser = new CopyTextParser(['id', 'notes'], [undefined, undefined], 'students', 100);
    expect(() => parser.push(Buffer.from(`1\tok\n2\t${'x'.repeat(101)}\n`), [])).toThrow(
      /^students row 2, column notes: the value is 101 characters long; the limit is 100 characters/,
    );
  });

  it('stops holding a row that has not ended at the byte limit, so a giant value never fills memory', () => {
    const parser = new CopyTextParser(['id', 'name', 'notes'], [undefined, undefined, undefined], 'students', 100);
    const out: RowValues[] = [];
    parser.push(Buffer.from('1\ta\tb\n2\tb\t'), out);
    const chunk = Buffer.alloc(256 * 1024, 0x78);
    let error: unknown;
    let pushed = 0;
    try {
      for (; pushed < 64; pushed++) parser.push(chunk, out);
    } catch (e) {
      error = e;
    }
    expect(out).toHaveLength(1);
    expect(pushed).toBe(3); // the fourth 256 KiB chunk takes the row (its first bytes came before) over 1 MiB
    expect(String(error)).toMatch(/students row 2, column notes: the value is longer than 1,048,576 bytes \(reading stopped there\); the limit is 100 characters/);
  });
});

describe('unescapeCopyText', () => {
  it('undoes every escape COPY text may contain', () => {
    expect(unescapeCopyText('a\\\\b\\tc\\nd\\re\\bf\\fg\\vh')).toBe('a\\b\tc\nd\re\bf\fg\vh');
    expect(unescapeCopyText('\\101\\x42\\7')).toBe('AB\u0007');
    expect(unescapeCopyText('\\q')).toBe('q');
    expect(unescapeCopyText('end\\')).toBe('end\\');
  });
});

/** V8's serialization tags a one-byte string '"' and a two-byte string 'c' (after the 0xFF, version header). */
const isOneByte = (s: string): boolean => serialize(s)[2] === 0x22;

describe('CopyTextParser: decoding', () => {
  // ASCII rows around rows with Latin-1 characters (é), characters beyond Latin-1 (ả, 東, 😀) and bytes that are not UTF-8.
  const LINES = ['1\tplain\tx', '2\tRodríguez\ty', '3\tNguyễn Đức\tz', '4\tascii again\t\\N', '5\t東京 😀\tw', '6\tbad \xff byte\tv', '7\tcut \xe6\x9d\tu', '8\tlast\tt'];
  const data = Buffer.concat(
    LINES.map((line) => {
      // \xNN in the two "bad" lines stand for raw bytes; everything else is UTF-8 text.
      const raw = line.startsWith('6') || line.startsWith('7') ? Buffer.from(line, 'latin1') : Buffer.from(line, 'utf8');
      return Buffer.concat([raw, Buffer.from('\n')]);
    }),
  );
  /** What decoding every chunk at once as UTF-8 gives (the parser before one-byte decoding). */
  const expected: RowValues[] = data
    .toString('utf8')
    .split('\n')
    .slice(0, -1)
    .map((line) => line.split('\t').map((v) => (v === '\\N' ? null : v)));

  it('gives the same characters as decoding the whole data as UTF-8, however it is cut and wherever it lies in its buffer', () => {
    expect(expected[5]![1]).toBe('bad \ufffd byte');
    expect(expected[6]![1]).toBe('cut \ufffd');
    for (const offset of [0, 1, 2, 3]) {
      for (let size = 1; size <= data.length; size++) {
        const parser = new CopyTextParser(['id', 'name', 'note'], [undefined, undefined, undefined], 'people');
        const out: RowValues[] = [];
        for (let at = 0; at < data.length; at += size) {
          const piece = data.subarray(at, Math.min(at + size, data.length));
          const copy = Buffer.alloc(piece.length + offset).subarray(offset);
          piece.copy(copy);
          parser.push(copy, out);
        }
        parser.end();
        expect(out).toEqual(expected);
      }
    }
  });

  it('keeps the values of ASCII and Latin-1 rows one-byte strings when another row in the chunk needs two bytes', () => {
    const parser = new CopyTextParser(['id', 'name', 'note'], [undefined, undefined, undefined], 'people');
    const out: RowValues[] = [];
    parser.push(Buffer.from(data), out);
    const oneByte = out.map((row) => row.every((v) => v === null || isOneByte(v)));
    expect(oneByte).toEqual([true, true, false, true, false, false, false, true]);
  });
});

describe('AsciiScan', () => {
  it('finds the first byte of 0x80 or more at or after a position, whatever the buffer alignment', () => {
    for (const offset of [0, 1, 2, 3, 5]) {
      for (const length of [0, 1, 3, 4, 7, 8, 9, 31]) {
        for (let high = -1; high < length; high++) {
          const data = Buffer.alloc(length + offset, 0x41).subarray(offset);
          if (high >= 0) data[high] = high % 2 ? 0x80 : 0xff;
          const scan = new AsciiScan(data, length);
          for (let from = 0; from <= length; from++) expect(scan.next(from)).toBe(high >= from ? high : length);
        }
      }
    }
  });

  it('looks no further than its end', () => {
    const data = Buffer.from('abcdefgh\xe9', 'latin1');
    expect(new AsciiScan(data, 8).next(0)).toBe(8);
    expect(new AsciiScan(data, 9).next(0)).toBe(8);
  });
});
