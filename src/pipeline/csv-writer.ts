/**
 * Stage "write": one generated file, encoded in the file's dialect (csv-stringify's quoting rules,
 * byte for byte) into `<name>.partial` beside its final name, hashed and counted on the way,
 * renamed into place only when complete. A failed run never leaves a half-written file under a
 * final name. Rows are joined into 64 KiB chunks by hand: csv-stringify's per-record Transform
 * machinery cost ~3.5 µs per row (3.5 s of a 1 M-row run).
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Dialect } from '../shared/format.js';

export interface WrittenFile {
  readonly name: string;
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** Text collected before it is encoded, hashed and handed to the file stream. */
const CHUNK_CHARS = 64 * 1024;

/**
 * One CSV field as csv-stringify 6 (the writer used before) writes a string: quoted when `always`
 * asks for it (empty values stay empty) or when it contains the delimiter, a quote, CR or LF;
 * quotes doubled inside quotes. (csv-stringify, as configured before, quoted only the file's own
 * line ending, so a bare LF in a CRLF file went out unquoted and split the record for parsers.)
 */
export function csvField(value: string, delimiter: string, always: boolean): string {
  if (value === '') return '';
  const needsQuotes =
    always ||
    value.indexOf('"') !== -1 ||
    value.indexOf('\n') !== -1 ||
    value.indexOf('\r') !== -1 ||
    (delimiter.length !== 0 && (value.indexOf(delimiter) !== -1 || (delimiter.length > 1 && (value + delimiter).indexOf(delimiter) < value.length)));
  if (!needsQuotes) return value;
  return `"${value.indexOf('"') === -1 ? value : value.replaceAll('"', '""')}"`;
}

export class CsvFileWriter {
  private readonly out: WriteStream;
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private rowCount = 0;
  private readonly partialPath: string;
  private failed: Error | undefined;
  private readonly delimiter: string;
  private readonly always: boolean;
  private readonly lineEnding: string;
  private pendingBom: boolean;
  private text = '';

  constructor(
    readonly name: string,
    readonly path: string,
    header: readonly string[],
    dialect: Dialect,
  ) {
    this.partialPath = `${path}.partial`;
    this.out = createWriteStream(this.partialPath);
    this.out.on('error', (err: Error) => {
      this.failed ??= err;
    });
    this.delimiter = dialect.delimiter;
    this.always = dialect.quoting === 'always';
    this.lineEnding = dialect.lineEnding === '\r\n' ? '\r\n' : '\n';
    // Like csv-stringify: the BOM goes in front of the first record (none at all for an empty headerless file).
    this.pendingBom = dialect.bom;
    if (dialect.header) this.append(header);
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Resolves when the file stream can take more (backpressure from the disk). */
  async write(values: readonly string[]): Promise<void> {
    if (this.failed) throw this.failed;
    this.rowCount++;
    this.append(values);
    if (this.text.length >= CHUNK_CHARS && !this.flush()) await this.drained();
  }

  async finish(): Promise<WrittenFile> {
    if (this.failed) throw this.failed;
    this.flush();
    const closed = once(this.out, 'close');
    this.out.end();
    await closed;
    if (this.failed) throw this.failed;
    renameSync(this.partialPath, this.path);
    return { name: this.name, path: this.path, rows: this.rowCount, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Abandons the file: the partial is removed and nothing appears under the final name. */
  async abort(): Promise<void> {
    this.out.destroy();
    rmSync(this.partialPath, { force: true });
  }

  private append(values: readonly string[]): void {
    let line = '';
    const n = values.length;
    for (let i = 0; i < n; i++) {
      if (i > 0) line += this.delimiter;
      line += csvField(values[i]!, this.delimiter, this.always);
    }
    this.text += line + this.lineEnding;
  }

  /** Encodes the collected text, hashes it and writes it; false when the stream asks to wait. */
  private flush(): boolean {
    if (this.text === '') return true;
    let chunk = Buffer.from(this.text, 'utf8');
    this.text = '';
    if (this.pendingBom) {
      chunk = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), chunk]);
      this.pendingBom = false;
    }
    this.hash.update(chunk);
    this.bytes += chunk.length;
    return this.out.write(chunk);
  }

  private async drained(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.out.off('error', onError);
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
