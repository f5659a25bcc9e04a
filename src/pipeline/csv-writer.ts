/**
 * Stage "write": one generated file, encoded by csv-stringify in the file's dialect into
 * `<name>.partial` beside its final name, hashed and counted on the way, renamed into place only
 * when complete. A failed run never leaves a half-written file under a final name.
 *
 * csv-stringify decides the hard quoting questions. In a quote-when-needed dialect a value with no
 * delimiter, quote, CR or LF is written as it is, and one whose only special character is the
 * delimiter is written in quotes as it is (a multi-valued OneRoster field, "G1,G2"): rows made
 * only of such values (nearly all roster rows) are joined directly; a row with a quote or a line
 * break in a value — and every row of an always-quoted dialect — goes through csv-stringify.
 * test/unit/csv-writer.test.ts proves the output byte-identical to csv-stringify alone. Per row,
 * csv-stringify's sync API costs ~3 µs (its stream API ~3.5 µs); the direct join ~0.3 µs.
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

/** Rows stringified, hashed and handed to the file stream at once. */
const BATCH_ROWS = 512;

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
  /** Encoded rows not yet written, and how many. */
  private pending = '';
  private pendingRows = 0;
  /** The file stream asked to wait (disk backpressure) until 'drain'. */
  private full = false;
  /** Matches a value csv-stringify would quote in this dialect; undefined when it quotes every value. */
  private readonly needsQuoting: RegExp | undefined;
  private readonly delimiter: string;
  private readonly eol: string;
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
    this.delimiter = dialect.delimiter;
    this.eol = dialect.lineEnding === '\r\n' ? '\r\n' : '\n';
    this.needsQuoting = dialect.quoting === 'always' ? undefined : new RegExp(`[${escapeForCharacterClass(dialect.delimiter)}"\\r\\n]`);
    // Like csv-stringify: the BOM goes in front of the first record (none at all for an empty headerless file).
    this.pendingBom = dialect.bom;
    if (dialect.header) this.encode(header);
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Adds a data row (encoded at once: the caller may reuse `values`); every BATCH_ROWS rows the batch is hashed and handed to the file stream. */
  add(values: readonly string[]): void {
    if (this.failed) throw this.failed;
    this.rowCount++;
    for (let i = 0; i < this.countedAt.length; i++) if (values[this.countedAt[i]!]!.trim() !== '') this.filledCounts[i]!++;
    this.encode(this.neutraliseFormulas && values.some((v) => formulaTrigger(v) !== undefined) ? values.map(neutraliseFormula) : values);
    if (this.pendingRows >= BATCH_ROWS) this.flush();
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
    this.out.destroy();
    rmSync(this.partialPath, { force: true });
  }

  private encode(values: readonly string[]): void {
    this.pendingRows++;
    const needsQuoting = this.needsQuoting;
    if (needsQuoting) {
      let line = '';
      for (let i = 0; i < values.length; i++) {
        let value = values[i]!;
        if (needsQuoting.test(value)) {
          // Only the delimiter: csv-stringify puts the value in quotes as it is. A quote or a line break: csv-stringify encodes the row.
          if (value.includes('"') || value.includes('\r') || value.includes('\n')) {
            this.pending += stringify([values as string[]], this.options);
            return;
          }
          value = `"${value}"`;
        }
        line += i === 0 ? value : this.delimiter + value;
      }
      this.pending += line + this.eol;
      return;
    }
    this.pending += stringify([values as string[]], this.options);
  }

  /** Hashes the pending rows and hands them to the file stream. */
  private flush(): void {
    if (!this.pendingRows) return;
    let chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.pendingRows = 0;
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

function escapeForCharacterClass(text: string): string {
  return text.replace(/[\\\]^-]/g, '\\$&');
}
