/**
 * Stage "write": one generated file, streamed through csv-stringify in the file's dialect into
 * `<name>.partial` beside its final name, hashed and counted on the way, renamed into place only
 * when complete. A failed run never leaves a half-written file under a final name.
 */
import { stringify, type Stringifier } from 'csv-stringify';
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

export class CsvFileWriter {
  private readonly stringifier: Stringifier;
  private readonly out: WriteStream;
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private rowCount = 0;
  private readonly partialPath: string;
  private failed: Error | undefined;
  private readonly done: Promise<void>;

  constructor(
    readonly name: string,
    readonly path: string,
    header: readonly string[],
    dialect: Dialect,
  ) {
    this.partialPath = `${path}.partial`;
    this.out = createWriteStream(this.partialPath);
    this.stringifier = stringify({
      delimiter: dialect.delimiter,
      record_delimiter: dialect.lineEnding === '\r\n' ? 'windows' : 'unix',
      quoted: dialect.quoting === 'always',
      quoted_empty: false,
      bom: dialect.bom,
      eof: true,
    });
    this.stringifier.on('data', (chunk: Buffer) => {
      this.hash.update(chunk);
      this.bytes += chunk.length;
      if (!this.out.write(chunk)) this.stringifier.pause();
    });
    this.out.on('drain', () => this.stringifier.resume());
    const onError = (err: Error): void => {
      this.failed ??= err;
    };
    this.stringifier.on('error', onError);
    this.out.on('error', onError);
    this.done = new Promise((resolve, reject) => {
      this.stringifier.on('end', () => this.out.end());
      this.out.on('close', () => (this.failed ? reject(this.failed) : resolve()));
      this.out.on('error', reject);
      this.stringifier.on('error', reject);
    });
    this.done.catch(() => undefined);
    if (dialect.header) this.stringifier.write([...header]);
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Resolves when the stringifier can take more (backpressure from the disk). */
  async write(values: readonly string[]): Promise<void> {
    if (this.failed) throw this.failed;
    this.rowCount++;
    if (!this.stringifier.write(values)) await once(this.stringifier, 'drain');
  }

  async finish(): Promise<WrittenFile> {
    this.stringifier.end();
    await this.done;
    renameSync(this.partialPath, this.path);
    return { name: this.name, path: this.path, rows: this.rowCount, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Abandons the file: the partial is removed and nothing appears under the final name. */
  async abort(): Promise<void> {
    this.stringifier.destroy();
    this.out.destroy();
    rmSync(this.partialPath, { force: true });
  }
}
