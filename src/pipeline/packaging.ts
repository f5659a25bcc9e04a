/**
 * After writing: a OneRoster manifest.csv where the format asks for one, and an optional flat zip
 * of every file (streamed with yazl), hashed like any generated file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import yazl from 'yazl';
import { stringify } from 'csv-stringify/sync';
import { writeFileSync } from 'node:fs';
import type { WrittenFile } from './csv-writer.js';
import { ONEROSTER_FILES } from '../formats/oneroster-1.1.js';

export function writeOneRosterManifest(dir: string, written: readonly WrittenFile[], systemName: string, mode: 'bulk' | 'delta'): WrittenFile {
  const present = new Set(written.map((f) => f.name.replace(/\.csv$/, '')));
  const rows: string[][] = [
    ['propertyName', 'value'],
    ['manifest.version', '1.0'],
    ['oneroster.version', '1.1'],
    ...ONEROSTER_FILES.map((f) => [`file.${f}`, present.has(f) ? mode : 'absent']),
    ['source.systemName', systemName],
    ['source.systemCode', 'rostersync'],
  ];
  const text = stringify(rows, { record_delimiter: 'windows' });
  const path = join(dir, 'manifest.csv');
  writeFileSync(`${path}.partial`, text, { mode: 0o600 });
  renameSync(`${path}.partial`, path);
  return {
    name: 'manifest.csv',
    path,
    rows: rows.length - 1,
    bytes: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
    filled: {},
  };
}

export async function zipFiles(dir: string, zipName: string, files: readonly WrittenFile[]): Promise<WrittenFile> {
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addReadStream(createReadStream(f.path), f.name, { mtime: new Date(statSync(f.path).mtimeMs) });
  zip.end();
  const path = join(dir, zipName);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(zip.outputStream, tap, createWriteStream(`${path}.partial`, { mode: 0o600 }));
  } catch (err) {
    rmSync(`${path}.partial`, { force: true });
    throw err;
  }
  renameSync(`${path}.partial`, path);
  // The ledger of a zip names its inner files' columns as `file:column`.
  const filled = Object.fromEntries(files.flatMap((f) => Object.entries(f.filled).map(([column, n]) => [`${f.name}:${column}`, n])));
  return { name: zipName, path, rows: files.filter((f) => f.name !== 'manifest.csv').reduce((n, f) => n + f.rows, 0), bytes, sha256: hash.digest('hex'), filled };
}
