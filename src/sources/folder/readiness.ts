/**
 * When is an export ready? A file is complete when its size and modification time stay the same
 * for the quiet period and it can be opened; a set is ready when every expected file is there
 * (and the trigger file, when one is configured). Files are named by a pattern (`students*.csv`):
 * the newest match wins, so dated nightly names work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError } from '../types.js';
import { relativePathProblem } from '../../shared/relative-path.js';
import type { FolderSettings } from './settings.js';

export interface ExportFile {
  readonly pattern: string;
  readonly path: string;
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface ExportSetStatus {
  readonly folder: string;
  readonly files: readonly ExportFile[];
  /** Patterns with no matching file. */
  readonly missing: readonly string[];
  /** `undefined` when no trigger file is configured. */
  readonly triggerPresent?: boolean;
}

/** `students*.csv` → a case-insensitive regular expression over one file name. */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (const ch of pattern) {
    if (ch === '*') out += '[^/\\\\]*';
    else if (ch === '?') out += '[^/\\\\]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'i');
}

export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

async function listFolder(folder: string): Promise<fs.Dirent[]> {
  try {
    return await fs.promises.readdir(folder, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SourceError(`The export folder ${folder} does not exist. Check the folder path (for a network share use \\\\server\\share\\folder).`, 'missing-file');
    }
    throw new SourceError(`The export folder ${folder} cannot be read (${code ?? (error as Error).message}). Give the agent's account read access to it.`, 'missing-file');
  }
}

/** The newest file in the folder matching `pattern` (a name or a glob, optionally in a sub-folder), or undefined. */
export async function findExportFile(folder: string, pattern: string): Promise<ExportFile | undefined> {
  // The configuration door refuses such names; this also stops one stored before it did, since the archive step moves what was read.
  const escape = relativePathProblem(pattern);
  if (escape) throw new SourceError(`Export file ${escape}. Name files inside the export folder ${folder}.`, 'config');
  const dir = path.resolve(folder, path.dirname(pattern));
  const re = globToRegExp(path.basename(pattern));
  const entries = await listFolder(dir);
  let best: ExportFile | undefined;
  for (const entry of entries) {
    if (!entry.isFile() || !re.test(entry.name)) continue;
    const full = path.join(dir, entry.name);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(full);
    } catch {
      continue; // vanished between listing and stat
    }
    if (!best || stat.mtimeMs > best.mtimeMs) best = { pattern, path: full, name: entry.name, size: stat.size, mtimeMs: stat.mtimeMs };
  }
  return best;
}

/** What is in the folder now, without waiting. */
export async function inspectExportSet(settings: Pick<FolderSettings, 'path' | 'triggerFile'>, patterns: readonly string[]): Promise<ExportSetStatus> {
  const folder = path.resolve(settings.path);
  await listFolder(folder);
  const files: ExportFile[] = [];
  const missing: string[] = [];
  for (const pattern of patterns) {
    const file = await findExportFile(folder, pattern);
    if (file) files.push(file);
    else missing.push(pattern);
  }
  const triggerPresent = settings.triggerFile ? (await findExportFile(folder, settings.triggerFile)) !== undefined : undefined;
  return { folder, files, missing, triggerPresent };
}

/** Throws `missing-file` naming every missing expected file (and the trigger file) and the folder. */
export function assertSetPresent(status: ExportSetStatus, triggerFile?: string): void {
  if (status.missing.length > 0) {
    const list = status.missing.map((m) => `"${m}"`).join(', ');
    throw new SourceError(
      `The export folder ${status.folder} has no file matching ${list}. ` +
        `The run did not start: every expected file must be there (${status.missing.length === 1 ? 'it is' : 'they are'} missing). Check the SIS export job or the file names in the source settings.`,
      'missing-file',
    );
  }
  if (status.triggerPresent === false) {
    throw new SourceError(
      `The trigger file "${triggerFile}" is not in ${status.folder}: the SIS has not finished its export. The run did not start.`,
      'missing-file',
    );
  }
}

function isLockError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EBUSY' || code === 'EPERM' || code === 'EACCES';
}

/** Can the file be opened for reading now? (A writer on Windows often holds it exclusively.) */
async function canOpen(file: string): Promise<boolean> {
  try {
    const handle = await fs.promises.open(file, 'r');
    await handle.close();
    return true;
  } catch (error) {
    if (isLockError(error)) return false;
    throw error;
  }
}

export interface WaitOptions {
  readonly quietMs: number;
  readonly maxWaitMs: number;
  readonly signal?: AbortSignal;
  /** How often to look again (default: a quarter of the quiet period, between 50 ms and 2 s). */
  readonly pollMs?: number;
  /** Told why the file is not complete yet: when the wait starts, every 10 s while its size keeps changing, and when it stays locked. */
  readonly onWaiting?: (why: string) => void;
}

const megabytes = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;
/** How often a file that keeps growing is reported again. */
const WAITING_REPORT_MS = 10_000;

/**
 * Resolves once `file` has kept the same size and modification time for `quietMs` and can be opened.
 * A file last modified longer ago than the quiet period only needs one confirming look.
 */
export async function waitUntilComplete(file: string, options: WaitOptions): Promise<fs.Stats> {
  const name = path.basename(file);
  const pollMs = options.pollMs ?? Math.min(2000, Math.max(50, options.quietMs / 4));
  const started = Date.now();
  let last = await fs.promises.stat(file);
  let stableSince = Date.now();
  // The writer's clock may differ from ours (network shares): the file's age alone is only a shortcut
  // when it is confirmed by a second look.
  let oldAlready = Date.now() - last.mtimeMs >= options.quietMs;
  let reported: { why: 'new' | 'growing' | 'locked'; at: number } | undefined;
  const report = (why: 'new' | 'growing' | 'locked', text: string): void => {
    if (!options.onWaiting || (reported?.why === why && (why !== 'growing' || Date.now() - reported.at < WAITING_REPORT_MS))) return;
    reported = { why, at: Date.now() };
    options.onWaiting(text);
  };
  for (;;) {
    if (options.signal?.aborted) throw new SourceError('The wait for export files was cancelled.', 'timeout');
    const quietEnough = Date.now() - stableSince >= options.quietMs;
    if (quietEnough && (await canOpen(file))) return last;
    if (quietEnough) report('locked', `locked by the program writing it (${megabytes(last.size)})`);
    else if (!oldAlready && !reported) report('new', `written moments ago; waiting until it has not changed for ${Math.round(options.quietMs / 1000)} s (${megabytes(last.size)})`);
    if (Date.now() - started > options.maxWaitMs) {
      throw new SourceError(
        `${name} is still being written (its size kept changing or it stayed locked) after ${Math.round(options.maxWaitMs / 1000)} s. ` +
          'The run did not read it; it will be picked up once the SIS finishes writing.',
        'timeout',
      );
    }
    await sleep(oldAlready ? Math.min(pollMs, 250) : pollMs);
    const now = await fs.promises.stat(file);
    if (now.size !== last.size || now.mtimeMs !== last.mtimeMs) {
      stableSince = Date.now();
      last = now;
      oldAlready = false;
      report('growing', `size still changing (${megabytes(now.size)})`);
    } else if (oldAlready && now.size === last.size) {
      // second look confirmed an old, unchanged file
      stableSince = Math.min(stableSince, Date.now() - options.quietMs);
    }
  }
}
