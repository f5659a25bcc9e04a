/**
 * Export-folder source: for districts that cannot give database access, the SIS writes files
 * (CSV, TSV, pipe-delimited or .xlsx) into a folder every night. Each entity names its file
 * (a glob is allowed: the newest match is read). A file is read only once complete; rows keep
 * their file name and line ("students.csv line 14"). Watching, readiness and archiving live in
 * ./folder/ and are re-exported here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CANONICAL_FIELDS } from '../shared/entities.js';
import type { Entity } from '../shared/format.js';
import { checkAborted, sampleThroughSession, defineSourceDriver } from './common.js';
import { readDelimited, readDelimitedHeader } from './folder/delimited.js';
import { assertSetPresent, findExportFile, inspectExportSet, waitUntilComplete } from './folder/readiness.js';
import { archiveProcessed } from './folder/archive.js';
import { folderSettingsSchema, type FolderSettings } from './folder/settings.js';
import { readXlsx } from './folder/xlsx.js';
import type { CheckResult, EntityRequest, ReadOptions, SampleResult, SourcedRow, SourceSession, TableInfo } from './types.js';
import { SourceError } from './types.js';

export { archiveProcessed, pruneArchive, archiveFolderOf, type ArchiveResult } from './folder/archive.js';
export { inspectExportSet, assertSetPresent, waitUntilComplete, type ExportFile, type ExportSetStatus } from './folder/readiness.js';
export { watchExportFolder, type ExportFolderWatcher, type IncompleteSet, type ReadySet, type WatchOptions } from './folder/watch.js';
export { normaliseHeader, matchHeaders } from './folder/headers.js';
export { folderSettingsSchema, type FolderSettings } from './folder/settings.js';

const NAME = 'export folder';
const TEXT_EXTENSIONS = ['.csv', '.tsv', '.txt', '.psv', '.tab', '.dat'];

function expectedFields(entity: string): readonly string[] {
  return (CANONICAL_FIELDS as Record<string, readonly string[] | undefined>)[entity as Entity] ?? [];
}

function requireFile(request: EntityRequest): string {
  if (!request.file || request.file.trim() === '') {
    throw new SourceError(
      `No file is set for ${request.entity} in this export-folder source. Enter the file name (for example ${request.entity}.csv) in the source's entity settings.`,
      'config',
    );
  }
  return request.file;
}

function readerFor(file: string, settings: FolderSettings, expected: readonly string[], signal?: AbortSignal): AsyncGenerator<SourcedRow> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.xlsx' || ext === '.xlsm') return readXlsx(file, settings.sheet, expected, signal, settings.maxFieldLength);
  if (ext === '.xls') {
    throw new SourceError(`${path.basename(file)} is an old Excel 97–2003 workbook. Have the SIS export .xlsx or CSV instead.`, 'bad-file');
  }
  return readDelimited(file, settings, expected, signal);
}

/** The header names of an export file as its rows will be keyed (matched against `expected`). */
async function headerOf(file: string, settings: FolderSettings, expected: readonly string[]): Promise<string[]> {
  if (/\.xls[xm]$/i.test(file)) {
    const it = readXlsx(file, settings.sheet, expected);
    try {
      const first = await it.next();
      return first.done ? [] : Object.keys(first.value.row);
    } finally {
      await it.return(undefined);
    }
  }
  return readDelimitedHeader(file, settings, expected);
}

/**
 * A profile's header map applied to an export: every row comes out under the canonical names only
 * (`columns`: canonical field → the export's header), codes translated by `values`, `constants` added. A header the
 * profile expects and the file lacks stops the read before the first row, naming file, header and profile.
 */
async function* underProfileColumns(
  file: string,
  request: EntityRequest & { readonly columns: Readonly<Record<string, string>> },
  settings: FolderSettings,
  signal?: AbortSignal,
): AsyncGenerator<SourcedRow> {
  const headers = Object.values(request.columns);
  const found = new Set(await headerOf(file, settings, headers));
  // A workbook's header is known only from its first data row: one without rows has nothing to map.
  const known = found.size > 0 || !/\.xls[xm]$/i.test(file);
  const missing = Object.entries(request.columns).filter(([, header]) => known && !found.has(header));
  if (missing.length) {
    const who = request.profile ? `The ${request.profile} profile` : 'The SIS profile';
    throw new SourceError(
      `${path.basename(file)} has no column ${missing.map(([field, header]) => `"${header}" (for ${field})`).join(', ')}. ` +
        `${who} expects ${missing.length === 1 ? 'it' : 'them'} in the ${request.entity} export; the columns found are: ${[...found].join(', ') || 'none'}.`,
      'bad-file',
    );
  }
  const constants = Object.entries(request.constants ?? {});
  const fields = Object.entries(request.columns).map(([field, header]) => ({ field, header, codes: request.values?.[field] }));
  for await (const { row, origin } of readerFor(file, settings, headers, signal)) {
    const out: Record<string, string | null> = {};
    for (const { field, header, codes } of fields) {
      const value = row[header] ?? null;
      out[field] = value !== null && codes ? (codes[value] ?? codes[value.trim()] ?? value) : value;
    }
    for (const [field, value] of constants) out[field] = value;
    yield { row: out, origin };
  }
}

class FolderSession implements SourceSession {
  constructor(private readonly settings: FolderSettings) {}

  private waitOptions(options?: ReadOptions) {
    return { quietMs: this.settings.quietPeriodSeconds * 1000, maxWaitMs: this.settings.maxWaitSeconds * 1000, signal: options?.signal };
  }

  private waitFor(file: string, options?: ReadOptions): Promise<fs.Stats> {
    const name = path.basename(file);
    return waitUntilComplete(file, { ...this.waitOptions(options), onWaiting: options?.onWaiting && ((why) => options.onWaiting!(name, why)) });
  }

  async preflight(requests: readonly EntityRequest[], options?: ReadOptions): Promise<void> {
    const patterns = requests.map(requireFile);
    const status = await inspectExportSet(this.settings, patterns);
    assertSetPresent(status, this.settings.triggerFile);
    for (const file of status.files) await this.waitFor(file.path, options);
  }

  async *read(request: EntityRequest, options?: ReadOptions): AsyncGenerator<SourcedRow> {
    const pattern = requireFile(request);
    checkAborted(options?.signal);
    const folder = path.resolve(this.settings.path);
    const found = await findExportFile(folder, pattern);
    if (!found) {
      assertSetPresent({ folder, files: [], missing: [pattern] });
      return;
    }
    await this.waitFor(found.path, options);
    const { columns } = request;
    if (columns) yield* underProfileColumns(found.path, { ...request, columns }, this.settings, options?.signal);
    else yield* readerFor(found.path, this.settings, expectedFields(String(request.entity)), options?.signal);
  }

  async close(): Promise<void> {
    // files are opened per read and closed when the read ends
  }
}

async function listDataFiles(folder: string): Promise<string[]> {
  const status = await inspectExportSet({ path: folder }, []);
  const entries = await fs.promises.readdir(status.folder, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && [...TEXT_EXTENSIONS, '.xlsx', '.xlsm'].includes(path.extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort();
}

export const folderDriver = defineSourceDriver<FolderSettings>(NAME, {
  id: 'folder',
  displayName: 'Export folder',
  settingsSchema: folderSettingsSchema,
  secretFields: [],
  capabilities: ['files', 'watch'],
  localWritePaths: (settings) =>
    settings.afterProcessing === 'archive' ? [path.resolve(settings.path), ...(settings.archivePath ? [path.resolve(settings.path, settings.archivePath)] : [])] : [],

  async check(settings): Promise<CheckResult> {
    const started = Date.now();
    const files = await listDataFiles(settings.path);
    return {
      ok: true,
      message: `The export folder ${path.resolve(settings.path)} is readable: ${files.length} data file${files.length === 1 ? '' : 's'}${files.length ? ` (${files.slice(0, 8).join(', ')}${files.length > 8 ? ', …' : ''})` : ''}.`,
      latencyMs: Date.now() - started,
    };
  },

  async discover(settings): Promise<readonly TableInfo[]> {
    const folder = path.resolve(settings.path);
    const out: TableInfo[] = [];
    for (const name of await listDataFiles(folder)) {
      const file = path.join(folder, name);
      let columns: string[];
      try {
        columns = await headerOf(file, settings, []);
      } catch {
        columns = []; // unreadable files are still listed; reading them reports the problem
      }
      out.push({ name, kind: 'file', columns: columns.map((c) => ({ name: c, type: 'text', nullable: true })) });
    }
    return out;
  },

  async afterDelivery(settings, requests, now): Promise<string | undefined> {
    const patterns = requests.flatMap((r) => (r.file ? [r.file] : []));
    const { files } = await inspectExportSet(settings, patterns);
    const result = await archiveProcessed(settings, files.map((f) => f.path), now);
    if (!result.moved.length && !result.pruned.length) return undefined;
    return `Archived ${result.moved.length} export file(s)${result.moved.length ? ` to ${path.dirname(result.moved[0]!.to)}` : ''}; pruned ${result.pruned.length} old archive folder(s).`;
  },

  async sample(settings, secrets, request, limit): Promise<SampleResult> {
    const req: EntityRequest = 'table' in request ? { entity: request.table, file: request.table } : request;
    return sampleThroughSession(new FolderSession(settings), req, limit);
  },

  async open(settings): Promise<SourceSession> {
    await inspectExportSet(settings, []); // the folder must exist and be readable
    return new FolderSession(settings);
  },
});
