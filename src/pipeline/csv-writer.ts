/**
 * Stage "write": one generated file, encoded in the file's dialect into `<name>.partial` beside its
 * final name, hashed and counted on the way, renamed into place only when complete. A failed run
 * never leaves a half-written file under a final name.
 *
 * The row path encodes straight into a reusable output Buffer (`RowEncoder`): one byte scan per
 * value both writes its UTF-8 bytes and decides its quoting. In a quote-when-needed dialect with a
 * one-character ASCII delimiter, a value with no delimiter, quote, CR or LF is written as it is, and
 * one whose only special character is the delimiter is written in quotes as it is (a multi-valued
 * OneRoster field, "G1,G2") — nearly all roster rows. A row with a quote or a line break in a value,
 * every row of an always-quoted dialect and every row of a dialect with a longer or non-ASCII
 * delimiter go through csv-stringify, which decides the hard quoting questions.
 * test/unit/csv-writer.test.ts proves the output byte-identical to csv-stringify alone over the
 * hostile-values corpus and random strings. sha256 runs over the encoded chunks.
 */
import { stringify, type Options as StringifyOptions } from 'csv-stringify/sync';
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Dialect } from '../shared/format.js';
import { formulaTrigger, neutraliseFormula } from './hostile-values.js';

export interface WrittenFile {
  readonly name: string;
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
  /** Per counted column (the personal-data ones): how many rows held a non-blank value in it. */
  readonly filled: Readonly<Record<string, number>>;
}

/** Encoded bytes collected before they are hashed and handed to the file stream. */
const CHUNK_BYTES = 64 * 1024;

export interface CsvWriterOptions {
  /**
   * Prefix data values a spreadsheet would run as a formula with `'` (hostile-values.ts). Done here,
   * at write time, after every transform, so no trim step can remove the neutraliser again.
   */
  readonly neutraliseFormulas?: boolean;
  /** Columns whose non-blank values are counted (the audit ledger lists only personal columns that held a value). */
  readonly counted?: readonly string[];
}

export class CsvFileWriter {
  private readonly out: WriteStream;
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private rowCount = 0;
  private readonly partialPath: string;
  private failed: Error | undefined;
  private readonly options: StringifyOptions;
  private pendingBom: boolean;
  /** Encoded rows not yet hashed and written. */
  private readonly encoder: RowEncoder;
  /** The file stream asked to wait (disk backpressure) until 'drain'. */
  private full = false;
  private readonly neutraliseFormulas: boolean;
  /** Positions of the counted columns, and their non-blank values so far. */
  private readonly countedAt: readonly number[];
  private readonly filledCounts: Uint32Array;

  constructor(
    readonly name: string,
    readonly path: string,
    private readonly header: readonly string[],
    dialect: Dialect,
    options: CsvWriterOptions = {},
  ) {
    this.neutraliseFormulas = options.neutraliseFormulas ?? false;
    this.countedAt = (options.counted ?? []).map((c) => header.indexOf(c)).filter((i) => i >= 0);
    this.filledCounts = new Uint32Array(this.countedAt.length);
    this.partialPath = `${path}.partial`;
    // Owner-only: a generated file holds student data (its run folder is 0700 too, src/pipeline/retention.ts).
    this.out = createWriteStream(this.partialPath, { mode: 0o600 });
    this.out.on('error', (err: Error) => {
      this.failed ??= err;
    });
    this.options = {
      delimiter: dialect.delimiter,
      record_delimiter: dialect.lineEnding === '\r\n' ? 'windows' : 'unix',
      quoted: dialect.quoting === 'always',
      quoted_empty: false,
      // A bare CR or LF inside a value is quoted whatever the file's own line ending, so no parser splits the record.
      quoted_match: /[\r\n]/,
      eof: true,
    };
    this.encoder = new RowEncoder(dialect, this.options);
    // Like csv-stringify: the BOM goes in front of the first record (none at all for an empty headerless file).
    this.pendingBom = dialect.bom;
    if (dialect.header) this.encode(header);
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Adds a data row (encoded at once: the caller may reuse `values`); whenever the output buffer is full its bytes are hashed and handed to the file stream. */
  add(values: readonly string[]): void {
    if (this.failed) throw this.failed;
    this.rowCount++;
    for (let i = 0; i < this.countedAt.length; i++) if (values[this.countedAt[i]!]!.trim() !== '') this.filledCounts[i]!++;
    this.encode(this.neutraliseFormulas && values.some((v) => formulaTrigger(v) !== undefined) ? values.map(neutraliseFormula) : values);
  }

  /** Resolves once the file stream can take more (disk backpressure): await it between batches of rows. */
  async ready(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.full) await this.drained();
  }

  async finish(): Promise<WrittenFile> {
    if (this.failed) throw this.failed;
    this.flush();
    const closed = once(this.out, 'close');
    this.out.end();
    await closed;
    if (this.failed) throw this.failed;
    renameSync(this.partialPath, this.path);
    const filled: Record<string, number> = {};
    this.countedAt.forEach((at, i) => (filled[this.header[at]!] = this.filledCounts[i]!));
    return { name: this.name, path: this.path, rows: this.rowCount, bytes: this.bytes, sha256: this.hash.digest('hex'), filled };
  }

  /** Abandons the file: the partial is removed and nothing appears under the final name. */
  async abort(): Promise<void> {
    // The stream opens its file asynchronously: removed before the open completed, the partial would reappear.
    if (!this.out.closed) await new Promise<void>((resolve) => this.out.once('close', () => resolve()).destroy());
    rmSync(this.partialPath, { force: true });
  }

  private encode(values: readonly string[]): void {
    const most = this.encoder.mostBytes(values);
    if (most > this.encoder.free) {
      this.flush();
      this.encoder.reserve(most);
    }
    this.encoder.row(values);
  }

  /** Hashes the encoded rows and hands them to the file stream. */
  private flush(): void {
    let chunk = this.encoder.take();
    if (!chunk) return;
    if (this.pendingBom) {
      chunk = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), chunk]);
      this.pendingBom = false;
    }
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) this.full = true;
  }

  private async drained(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.out.off('error', onError);
        this.full = false;
        resolve();
      };
      const onError = (err: Error): void => {
        this.out.off('drain', onDrain);
        reject(err);
      };
      this.out.once('drain', onDrain);
      this.out.once('error', onError);
    });
  }
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Rows of one dialect encoded into an output Buffer of CHUNK_BYTES (a bigger one for a row that
 * does not fit), handed over by `take()` and then refilled from the start. The fast path writes each
 * value's UTF-8 bytes while scanning them for the delimiter, quote, CR and LF — the same UTF-8 as
 * Buffer.from (a lone surrogate becomes U+FFFD) — and leaves any row it cannot prove plain to
 * csv-stringify.
 */
export class RowEncoder {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private at = 0;
  /** The delimiter's byte when the fast path applies; -1 when csv-stringify encodes every row. */
  private readonly delimiter: number;
  private readonly eol: readonly number[];
  /** Per value, besides its own bytes: two quotes and the delimiter. */
  private readonly delimiterBytes: number;

  constructor(
    dialect: Dialect,
    private readonly options: StringifyOptions,
  ) {
    const d = dialect.delimiter.charCodeAt(0);
    const plainDelimiter = dialect.delimiter.length === 1 && d < 0x80 && d !== QUOTE && d !== CR && d !== LF;
    this.delimiter = dialect.quoting !== 'always' && plainDelimiter ? d : -1;
    this.eol = dialect.lineEnding === '\r\n' ? [CR, LF] : [LF];
    this.delimiterBytes = 2 + Buffer.byteLength(dialect.delimiter);
  }

  /** Bytes left in the output buffer. */
  get free(): number {
    return this.buffer.length - this.at;
  }

  /** The most bytes `values` can take as a row: 3 per UTF-16 unit (a doubled quote takes 2), quotes and a delimiter per value, the line end. */
  mostBytes(values: readonly string[]): number {
    let most = 2;
    for (let i = 0; i < values.length; i++) most += values[i]!.length * 3 + this.delimiterBytes;
    return most;
  }

  /** An empty buffer holds at least `bytes` (a row bigger than a chunk). */
  reserve(bytes: number): void {
    if (this.at === 0 && this.buffer.length < bytes) this.buffer = Buffer.allocUnsafe(bytes);
  }

  /** Encodes one row; the caller made room for mostBytes(values). */
  row(values: readonly string[]): void {
    if (this.delimiter < 0 || !this.plainRow(values)) {
      const text = stringify([values as string[]], this.options);
      this.at += this.buffer.write(text, this.at, 'utf8');
    }
  }

  /** The encoded bytes so far (a Buffer the caller keeps), or undefined when there are none. */
  take(): Buffer | undefined {
    if (this.at === 0) return undefined;
    const chunk = this.buffer.subarray(0, this.at);
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    this.at = 0;
    return chunk;
  }

  /** The fast path: false (and nothing written) when a value holds a quote, CR or LF. */
  private plainRow(values: readonly string[]): boolean {
    const b = this.buffer;
    const delimiter = this.delimiter;
    const rowStart = this.at;
    let at = rowStart;
    for (let v = 0; v < values.length; v++) {
      if (v > 0) b[at++] = delimiter;
      const s = values[v]!;
      const valueStart = at;
      let quote = false;
      for (let i = 0, n = s.length; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80) {
          if (c === delimiter) quote = true;
          else if (c === QUOTE || c === CR || c === LF) return false;
          b[at++] = c;
        } else if (c < 0x800) {
          b[at++] = 0xc0 | (c >> 6);
          b[at++] = 0x80 | (c & 0x3f);
        } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
          b[at++] = 0xf0 | (cp >> 18);
          b[at++] = 0x80 | ((cp >> 12) & 0x3f);
          b[at++] = 0x80 | ((cp >> 6) & 0x3f);
          b[at++] = 0x80 | (cp & 0x3f);
        } else {
          // A lone surrogate is written as U+FFFD, as Buffer.from writes it.
          const u = c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
          b[at++] = 0xe0 | (u >> 12);
          b[at++] = 0x80 | ((u >> 6) & 0x3f);
          b[at++] = 0x80 | (u & 0x3f);
        }
      }
      if (quote) {
        // Only the delimiter: the value goes in quotes as it is.
        b.copyWithin(valueStart + 1, valueStart, at);
        b[valueStart] = QUOTE;
        at += 1;
        b[at++] = QUOTE;
      }
    }
    for (const e of this.eol) b[at++] = e;
    this.at = at;
    return true;
  }
}
