/**
 * PostgreSQL's COPY text format (`COPY (query) TO STDOUT`) parsed into rows of text values (arrays in
 * the query's column order).
 *
 * The server formats every value with the same output functions as a normal query, so the text
 * is what the cursor path would give; rows are separated by `\n`, fields by `\t`, NULL is `\N`
 * and `\`, tab, newline and the other control characters are backslash-escaped
 * (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"). Reading COPY instead of
 * a cursor spares the per-row protocol messages, the round trip per batch and the object the
 * driver builds per row: the server streams while the pipeline maps.
 *
 * Chunks may split a row (or a UTF-8 character) anywhere: only whole lines are decoded, the rest
 * waits for the next chunk. `\n` never occurs inside a multi-byte UTF-8 sequence, so cutting at
 * the last newline byte is safe.
 *
 * Lines of ASCII bytes are decoded as Latin-1 (exact for ASCII) and only lines holding a non-ASCII
 * byte as UTF-8: V8 makes a string two-byte (twice the memory, slower to decode, slice, hash and
 * encode) as soon as one character is outside Latin-1, so decoding a whole chunk as UTF-8 would
 * make every value of every row in it two-byte for one accented name. Cutting at line ends gives the
 * very same characters as decoding the chunk at once (a UTF-8 decoder restarts at every ASCII byte).
 */
import { isAscii } from 'node:buffer';
import { DEFAULT_MAX_FIELD_LENGTH, fieldTooLong, recordByteLimit } from './common.js';
import type { RowValues } from './types.js';
import { SourceError } from './types.js';

/** Per-column conversion of the server's text (booleans as true/false, bytea as plain hex); undefined keeps it. */
export type ColumnConverter = ((value: string) => string) | undefined;

const NEWLINE = 0x0a;

export class CopyTextParser {
  private carry: Buffer | undefined;
  private rowNumber = 0;

  constructor(
    private readonly columns: readonly string[],
    private readonly converters: readonly ColumnConverter[],
    /** For error messages: "students". */
    private readonly label: string,
    /** Longest value (characters); a longer one, or a line that outgrows recordByteLimit before it ends, is a `field-length` SourceDataError. */
    private readonly maxFieldLength = DEFAULT_MAX_FIELD_LENGTH,
  ) {}

  /** Rows read so far. */
  get rows(): number {
    return this.rowNumber;
  }

  /** Parses every complete line of `chunk` (plus what was carried over) into `out`. */
  push(chunk: Buffer, out: RowValues[]): void {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      // One row still without its end: held only up to the limit, so a giant value cannot fill memory.
      const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
      if (data.length > recordByteLimit(this.maxFieldLength)) throw this.tooLong(this.rowNumber + 1, this.lineColumn(data), { moreThanBytes: recordByteLimit(this.maxFieldLength) });
      this.carry = data;
      return;
    }
    const carried = this.carry;
    this.carry = last < chunk.length - 1 ? Buffer.from(chunk.subarray(last + 1)) : undefined;
    let from = 0;
    if (carried) {
      // Only the carried row is joined with its end, not the whole chunk.
      from = chunk.indexOf(NEWLINE) + 1;
      const head = Buffer.concat([carried, chunk.subarray(0, from)]);
      this.decodeLines(head, 0, head.length, out);
    }
    if (from <= last) this.decodeLines(chunk, from, last + 1, out);
  }

  /** The stream ended: a partial line left over means the data was cut off. */
  end(): void {
    if (this.carry?.length) {
      throw new SourceError(`The ${this.label} data ended in the middle of row ${this.rowNumber + 1} (the connection was cut).`, 'query-failed');
    }
  }

  /** Parses the whole lines `data[from, end)` (`data[end - 1]` is a newline): ASCII runs of lines decoded as Latin-1, lines with other bytes as UTF-8. */
  private decodeLines(data: Buffer, from: number, end: number, out: RowValues[]): void {
    if (isAscii(from === 0 && end === data.length ? data : data.subarray(from, end))) {
      this.parseLines(data.toString('latin1', from, end), out);
      return;
    }
    const scan = new AsciiScan(data, end);
    let at = from;
    while (at < end) {
      const other = scan.next(at);
      if (other === end) {
        this.parseLines(data.toString('latin1', at, end), out);
        return;
      }
      const lineStart = data.lastIndexOf(NEWLINE, other) + 1;
      if (lineStart > at) this.parseLines(data.toString('latin1', at, lineStart), out);
      // The line on its own: V8 keeps it one-byte when every character is Latin-1 (é, ñ, ü…), and a
      // character beyond that (ả, Đ) makes only this row's values two-byte.
      const lineEnd = data.indexOf(NEWLINE, other) + 1;
      this.parseLines(data.toString('utf8', lineStart, lineEnd), out);
      at = lineEnd;
    }
  }

  private parseLines(text: string, out: RowValues[]): void {
    const columns = this.columns;
    const converters = this.converters;
    const width = columns.length;
    let start = 0;
    const end = text.length;
    // The next backslash (NULL or an escape) at or after the current field: one scan for the text, not one per field.
    let backslash = text.indexOf('\\');
    if (backslash === -1) backslash = end;
    while (start < end) {
      const lineEnd = text.indexOf('\n', start);
      this.rowNumber++;
      const row = new Array<string | null>(width);
      let fieldStart = start;
      for (let k = 0; k < width; k++) {
        const tab = text.indexOf('\t', fieldStart);
        const inLine = tab !== -1 && tab < lineEnd;
        if (k < width - 1 ? !inLine : inLine) throw this.shape(text.slice(start, lineEnd).split('\t').length);
        const fieldEnd = k < width - 1 ? tab : lineEnd;
        let value: string | null = text.slice(fieldStart, fieldEnd);
        if (backslash < fieldEnd) {
          if (fieldEnd - fieldStart === 2 && value === '\\N') value = null;
          else value = unescapeCopyText(value);
          backslash = text.indexOf('\\', fieldEnd);
          if (backslash === -1) backslash = end;
        }
        if (value !== null) {
          const convert = converters[k];
          if (convert) value = convert(value);
          if (value.length > this.maxFieldLength) throw this.tooLong(this.rowNumber, columns[k]!, value.length);
        }
        row[k] = value;
        fieldStart = fieldEnd + 1;
      }
      out.push(row);
      start = lineEnd + 1;
    }
  }

  private tooLong(row: number, column: string, length: number | { readonly moreThanBytes: number }): SourceError {
    return fieldTooLong(`${this.label} row ${row}`, column, length, this.maxFieldLength);
  }

  /** The column an unfinished line has reached (its tab count). */
  private lineColumn(data: Buffer): string {
    let tabs = 0;
    for (let i = data.indexOf(0x09); i !== -1 && tabs < this.columns.length - 1; i = data.indexOf(0x09, i + 1)) tabs++;
    return this.columns[tabs] ?? this.columns[this.columns.length - 1] ?? '';
  }

  private shape(found: number): SourceError {
    return new SourceError(`Row ${this.rowNumber} of ${this.label} came with ${found} value(s) where the query has ${this.columns.length} column(s).`, 'query-failed');
  }
}

/**
 * Finds the next byte ≥ 0x80 in `data[0, end)`, four bytes at a time (a plain byte loop costs as
 * much as the UTF-8 decode it is meant to spare).
 */
export class AsciiScan {
  private readonly words: Uint32Array;
  /** data[i] is words[(offset + i) >> 2]'s byte. */
  private readonly offset: number;

  constructor(
    private readonly data: Buffer,
    private readonly end: number,
  ) {
    const first = data.byteOffset & ~3;
    this.offset = data.byteOffset - first;
    this.words = new Uint32Array(data.buffer, first, (this.offset + end) >> 2);
  }

  /** The index of the first non-ASCII byte at or after `from`, or `end` when there is none. */
  next(from: number): number {
    const data = this.data;
    const end = this.end;
    const words = this.words;
    let i = from;
    // Up to the next whole word, byte by byte.
    while (i < end && ((this.offset + i) & 3) !== 0) {
      if (data[i]! >= 0x80) return i;
      i++;
    }
    let w = (this.offset + i) >> 2;
    const wordsEnd = words.length;
    while (w < wordsEnd && (words[w]! & 0x80808080) === 0) w++;
    i = Math.max(i, (w << 2) - this.offset);
    while (i < end && data[i]! < 0x80) i++;
    return i;
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Undoes COPY text escaping: `\\`, `\b \f \n \r \t \v`, octal `\NNN` and hex `\xHH`; any other escaped character stands for itself. */
export function unescapeCopyText(value: string): string {
  let out = '';
  let from = 0;
  let i = value.indexOf('\\');
  while (i !== -1) {
    out += value.slice(from, i);
    const next = value[i + 1];
    if (next === undefined) {
      out += '\\';
      from = i + 1;
      break;
    }
    let consumed = 2;
    if (next >= '0' && next <= '7') {
      let digits = 1;
      while (digits < 3 && value[i + 1 + digits]! >= '0' && value[i + 1 + digits]! <= '7') digits++;
      out += String.fromCharCode(parseInt(value.slice(i + 1, i + 1 + digits), 8));
      consumed = 1 + digits;
    } else if (next === 'x' && /^[0-9a-fA-F]/.test(value[i + 2] ?? '')) {
      const digits = /^[0-9a-fA-F]{1,2}/.exec(value.slice(i + 2))![0];
      out += String.fromCharCode(parseInt(digits, 16));
      consumed = 2 + digits.length;
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
    from = i + consumed;
    i = value.indexOf('\\', from);
  }
  return out + value.slice(from);
}
