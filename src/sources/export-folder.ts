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
import { checkAborted, parseSettings, sampleThroughSession } from './common.js';
import { readDelimited, readDelimitedHeader } from './folder/delimited.js';
import { assertSetPresent, findExportFile, inspectExportSet, waitUntilComplete } from './folder/readiness.js';
import { archiveProcessed } from './folder/archive.js';
import { folderSettingsSchema, type FolderSettings } from './folder/settings.js';
import { readXlsx } from './folder/xlsx.js';
import type { CheckResult, EntityRequest, ReadOptions, SampleResult, SourceDriver, SourcedRow, SourceSession, TableInfo } from './types.js';
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

class FolderSession implements SourceSession {
  constructor(private readonly settings: FolderSettings) {}

  private waitOptions(options?: ReadOptions) {
    return { quietMs: this.settings.quietPeriodSeconds * 1000, maxWaitMs: this.settings.maxWaitSeconds * 1000, signal: options?.signal };
  }

  async preflight(requests: readonly EntityRequest[], options?: ReadOptions): Promise<void> {
    const patterns = requests.map(requireFile);
    const status = await inspectExportSet(this.settings, patterns);
    assertSetPresent(status, this.settings.triggerFile);
    for (const file of status.files) await waitUntilComplete(file.path, this.waitOptions(options));
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
    await waitUntilComplete(found.path, this.waitOptions(options));
    yield* readerFor(found.path, this.settings, expectedFields(String(request.entity)), options?.signal);
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

export const folderDriver: SourceDriver<FolderSettings> = {
  id: 'folder',
  displayName: 'Export folder',
  settingsSchema: folderSettingsSchema,
  secretFields: [],
  capabilities: ['files', 'watch'],

  async check(rawSettings): Promise<CheckResult> {
    const settings = parseSettings(folderSettingsSchema, rawSettings, NAME);
    const started = Date.now();
    const files = await listDataFiles(settings.path);
    return {
      ok: true,
      message: `The export folder ${path.resolve(settings.path)} is readable: ${files.length} data file${files.length === 1 ? '' : 's'}${files.length ? ` (${files.slice(0, 8).join(', ')}${files.length > 8 ? ', …' : ''})` : ''}.`,
      latencyMs: Date.now() - started,
    };
  },

  async discover(rawSettings): Promise<readonly TableInfo[]> {
    const settings = parseSettings(folderSettingsSchema, rawSettings, NAME);
    const folder = path.resolve(settings.path);
    const out: TableInfo[] = [];
    for (const name of await listDataFiles(folder)) {
      const file = path.join(folder, name);
      let columns: string[];
      try {
        if (/\.xlsx?m?$/i.test(name)) {
          const it = readXlsx(file, settings.sheet, []);
          const first = await it.next();
          await it.return(undefined);
          columns = first.done ? [] : Object.keys(first.value.row);
        } else {
          columns = await readDelimitedHeader(file, settings, []);
        }
      } catch {
        columns = []; // unreadable files are still listed; reading them reports the problem
      }
      out.push({ name, kind: 'file', columns: columns.map((c) => ({ name: c, type: 'text', nullable: true })) });
    }
    return out;
  },

  async afterDelivery(rawSettings, requests, now): Promise<string | undefined> {
    const settings = parseSettings(folderSettingsSchema, rawSettings, NAME);
    const patterns = requests.flatMap((r) => (r.file ? [r.file] : []));
    const { files } = await inspectExportSet(settings, patterns);
    const result = await archiveProcessed(settings, files.map((f) => f.path), now);
    if (!result.moved.length && !result.pruned.length) return undefined;
    return `Archived ${result.moved.length} export file(s)${result.moved.length ? ` to ${path.dirname(result.moved[0]!.to)}` : ''}; pruned ${result.pruned.length} old archive folder(s).`;
  },

  async sample(rawSettings, secrets, request, limit): Promise<SampleResult> {
    const settings = parseSettings(folderSettingsSchema, rawSettings, NAME);
    const req: EntityRequest = 'table' in request ? { entity: request.table, file: request.table } : request;
    return sampleThroughSession(new FolderSession(settings), req, limit);
  },

  async open(rawSettings): Promise<SourceSession> {
    const settings = parseSettings(folderSettingsSchema, rawSettings, NAME);
    await inspectExportSet(settings, []); // the folder must exist and be readable
    return new FolderSession(settings);
  },
};
