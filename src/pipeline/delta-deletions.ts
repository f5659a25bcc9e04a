/**
 * Delta deliveries that tell the vendor about removed records (FormatDef.deltaDeletions, OneRoster's
 * `tobedeleted`): after a file's own rows, one row per record the last good delivery held and this
 * run did not write — blank but for its key, the deleted status and the run's start. Only keys are
 * needed, and the fingerprint store keeps nothing else of a record (its key and a hash of its row).
 *
 * A record whose row this run left out for errors is not deleted: the vendor keeps what it has, and
 * the record keeps its last delivered fingerprint (FingerprintDb.keepFromPrevious).
 */
import type { CsvFileWriter } from './csv-writer.js';
import type { FingerprintDb } from './fingerprints.js';
import type { FilePlan } from './plan.js';

/** Removed records' rows written between waits for the file stream. */
const ROWS_PER_WAIT = 512;

/** Writes the removed records' rows of `file` (its plan has `deletions`); returns how many. */
export async function writeDeletionRows(file: FilePlan, fp: FingerprintDb, writer: CsvFileWriter, withheld: ReadonlySet<string>): Promise<number> {
  const deletions = file.deletions;
  if (!deletions) return 0;
  const values = new Array<string>(file.columns.length).fill('');
  values[deletions.statusIndex] = deletions.status;
  values[deletions.modifiedIndex] = deletions.modified;
  let written = 0;
  for await (const key of fp.removedKeys(file.def.name)) {
    if (withheld.has(key)) continue;
    const parts = file.keyIndexes.length === 1 ? [key] : key.split('\u001f');
    file.keyIndexes.forEach((column, i) => (values[column] = parts[i] ?? ''));
    writer.add(values);
    if (++written % ROWS_PER_WAIT === 0) await writer.ready();
  }
  return written;
}
