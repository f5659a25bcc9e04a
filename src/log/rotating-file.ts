/**
 * An append-only log file that rotates by size: `rostersync.log` → `rostersync.log.1` → … →
 * `rostersync.log.<keep>` (the oldest is dropped).
 *
 * Hand-written rather than pino + a rotating transport: those run the file writer in a worker
 * thread, which a Windows service must then flush and join on every stop, and their rotation
 * renames a file the worker keeps open (refused on Windows while another process holds it). Here
 * every line is one open-append-close, so the agent, a CLI command and `rostersync logs --follow`
 * can share the file and rotation never fights an open handle. The agent writes a few lines a
 * minute; the cost of opening the file per line does not matter at that rate.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface RotationOptions {
  /** Rotate before a line would take the file past this size (default 5 MiB). */
  readonly maxBytes?: number;
  /** Rotated files kept beside the current one (default 5). */
  readonly keep?: number;
}

export const DEFAULT_MAX_LOG_BYTES = 5 * 1024 * 1024;
export const DEFAULT_KEPT_LOG_FILES = 5;

/** The rotated files and the current one that exist, oldest first. */
export function logFilesOldestFirst(path: string, keep = DEFAULT_KEPT_LOG_FILES): string[] {
  const files: string[] = [];
  for (let i = keep; i >= 1; i--) if (existsSync(`${path}.${i}`)) files.push(`${path}.${i}`);
  if (existsSync(path)) files.push(path);
  return files;
}

export class RotatingFile {
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(
    readonly path: string,
    options: RotationOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.keep = options.keep ?? DEFAULT_KEPT_LOG_FILES;
    if (!Number.isInteger(this.keep) || this.keep < 1) throw new Error(`A rotating log keeps 1 or more old files; got ${this.keep}.`);
  }

  /** Appends `text` (one or more whole lines), rotating first when it would not fit. */
  append(text: string): void {
    const bytes = Buffer.byteLength(text);
    const size = this.currentSize();
    if (size === undefined) mkdirSync(dirname(this.path), { recursive: true, mode: 0o750 });
    else if (size > 0 && size + bytes > this.maxBytes) this.rotate();
    appendFileSync(this.path, text, { mode: 0o640 });
  }

  private currentSize(): number | undefined {
    try {
      return statSync(this.path).size;
    } catch {
      return undefined;
    }
  }

  private rotate(): void {
    rmSync(`${this.path}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    try {
      renameSync(this.path, `${this.path}.1`);
    } catch (err) {
      // another process rotated it a moment ago: append to the new current file
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
