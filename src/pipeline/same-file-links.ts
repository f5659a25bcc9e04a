/**
 * References inside one file (OneRoster's agentSourcedIds: a student lists guardians written after
 * it in users.csv). Such a row is written before its target exists, so it cannot be checked — or
 * left out — when it is written. Every same-file link is kept as hashes in typed arrays (21 bytes a
 * link, no strings), and when the file is complete `resolve` decides which rows must go: links to
 * keys that never came, or to a person of the wrong role, and then, repeatedly, links to rows just
 * left out (a guardian whose only student was left out), so nothing points at a missing row.
 * `rewriteWithout` then writes the file again without those rows; it is read back with csv-parse
 * in the file's dialect and re-encoded by the same writer, so the kept rows are byte-identical.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { Dialect } from '../shared/format.js';
import { CsvFileWriter, type WrittenFile } from './csv-writer.js';
import type { KeyHash } from './key-filter.js';

/** Why a row's link failed: its target is not in the file (never was, or was left out), or is a person of another role. */
export interface LinkFailure {
  /** Index of the referring column in the file. */
  readonly column: number;
  readonly target: KeyHash;
  readonly cause: 'missing' | 'role';
  /** The target's role code when `cause` is 'role'. */
  readonly actualRole: number;
  readonly expectedRole: number;
}

/** The file's key filter, as `resolve` needs it. */
export interface LinkTargets {
  /** Role code of a hashed key (0 without roles), -1 when the file does not hold it. */
  roleOf(hash: KeyHash): number;
  /** Takes a left-out row's key out of the file's keys. */
  remove(hash: KeyHash): void;
}

const INITIAL = 1024;

export class SameFileLinks {
  private count = 0;
  private rows = new Uint32Array(INITIAL);
  /** Per link: the referring row's key hash, then the target's (a, b each). */
  private hashes = new Uint32Array(INITIAL * 4);
  private expected = new Uint8Array(INITIAL);
  private columns = new Uint8Array(INITIAL);

  get size(): number {
    return this.count;
  }

  /** A link of written row `row` (key hash `source`) to `target` through column `column`; `expectedRole` 0 for any role. */
  add(row: number, source: KeyHash, target: KeyHash, expectedRole: number, column: number): void {
    this.addPairs(row, source.a, source.b, target.a, target.b, expectedRole, column);
  }

  /** add() with both key hashes as their halves (the row path keeps hashes in numbers, not objects). */
  addPairs(row: number, sourceA: number, sourceB: number, targetA: number, targetB: number, expectedRole: number, column: number): void {
    if (this.count === this.rows.length) this.grow();
    const i = this.count++;
    this.rows[i] = row;
    const h = this.hashes;
    h[i * 4] = sourceA;
    h[i * 4 + 1] = sourceB;
    h[i * 4 + 2] = targetA;
    h[i * 4 + 3] = targetB;
    this.expected[i] = expectedRole;
    this.columns[i] = column;
  }

  /** The rows to leave out (row number → the first link that failed), removing their keys from `targets` as it goes. */
  resolve(targets: LinkTargets): Map<number, LinkFailure> {
    const dropped = new Map<number, LinkFailure>();
    for (let changed = true; changed; ) {
      changed = false;
      for (let i = 0; i < this.count; i++) {
        const row = this.rows[i]!;
        if (dropped.has(row)) continue;
        const target = { a: this.hashes[i * 4 + 2]!, b: this.hashes[i * 4 + 3]! };
        const role = targets.roleOf(target);
        const expectedRole = this.expected[i]!;
        const wrongRole = role > 0 && expectedRole > 0 && role !== expectedRole;
        if (role >= 0 && !wrongRole) continue;
        dropped.set(row, { column: this.columns[i]!, target, cause: role < 0 ? 'missing' : 'role', actualRole: role, expectedRole });
        targets.remove({ a: this.hashes[i * 4]!, b: this.hashes[i * 4 + 1]! });
        changed = true;
      }
    }
    return dropped;
  }

  private grow(): void {
    const size = this.rows.length * 2;
    const grow = <T extends Uint32Array | Uint8Array>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(size * per);
      next.set(old);
      return next;
    };
    this.rows = grow(this.rows, (n) => new Uint32Array(n));
    this.hashes = grow(this.hashes, (n) => new Uint32Array(n), 4);
    this.expected = grow(this.expected, (n) => new Uint8Array(n));
    this.columns = grow(this.columns, (n) => new Uint8Array(n));
  }
}

/**
 * Writes `file` again without the rows numbered in `drop` (1-based data rows), handing each left-out
 * row's values to `onDropped`. Returns the new file's record.
 */
export async function rewriteWithout(
  file: WrittenFile,
  header: readonly string[],
  dialect: Dialect,
  drop: ReadonlySet<number>,
  onDropped: (row: number, values: readonly string[]) => void,
): Promise<WrittenFile> {
  const writer = new CsvFileWriter(file.name, file.path, header, dialect);
  const records = createReadStream(file.path).pipe(
    parse({
      delimiter: dialect.delimiter,
      bom: dialect.bom,
      // A no-quotes dialect writes quote characters as they are.
      quote: dialect.quoting === 'never' ? false : '"',
      relax_column_count: true,
      from_line: dialect.header ? 2 : 1,
    }),
  );
  let row = 0;
  try {
    for await (const values of records as AsyncIterable<string[]>) {
      row++;
      if (drop.has(row)) onDropped(row, values);
      else writer.add(values);
      await writer.ready();
    }
    return await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
