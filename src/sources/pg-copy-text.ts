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
 */
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
    let data = chunk;
    if (this.carry) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    const last = data.lastIndexOf(NEWLINE);
    if (last === -1) {
      // One row still without its end: held only up to the limit, so a giant value cannot fill memory.
      if (data.length > recordByteLimit(this.maxFieldLength)) throw this.tooLong(this.rowNumber + 1, this.lineColumn(data), { moreThanBytes: recordByteLimit(this.maxFieldLength) });
      this.carry = data;
      return;
    }
    if (last < data.length - 1) this.carry = Buffer.from(data.subarray(last + 1));
    this.parseLines(data.toString('utf8', 0, last + 1), out);
  }

  /** The stream ended: a partial line left over means the data was cut off. */
  end(): void {
    if (this.carry?.length) {
      throw new SourceError(`The ${this.label} data ended in the middle of row ${this.rowNumber + 1} (the connection was cut).`, 'query-failed');
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
