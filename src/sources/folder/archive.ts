/**
 * After a successful run: move the processed export files into a dated folder of the archive
 * (or leave them, per setting), then delete archived sets older than the retention.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseSettings } from '../common.js';
import { SourceError } from '../types.js';
import { folderSettingsSchema, type FolderSettings } from './settings.js';

export interface ArchiveResult {
  readonly moved: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  /** Archive folders deleted because they were older than `archiveKeepDays`. */
  readonly pruned: readonly string[];
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-\d+)?$/;

/** `2025-09-02T020000Z`: sortable, and valid on Windows (no colons). */
export function archiveStamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '');
}

function stampTime(name: string): number | undefined {
  const m = STAMP.exec(name);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

export function archiveFolderOf(settings: Pick<FolderSettings, 'path' | 'archivePath'>): string {
  return settings.archivePath ? path.resolve(settings.archivePath) : path.join(path.resolve(settings.path), 'archive');
}

async function move(from: string, to: string): Promise<void> {
  try {
    await fs.promises.rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    // archive on another volume
    await fs.promises.copyFile(from, to);
    await fs.promises.unlink(from);
  }
}

/**
 * Moves `files` (paths, e.g. the ones a run read) into `<archive>/<stamp>/` when the source is set to
 * archive, plus the trigger file if any; then prunes old archive folders. With `leave`, nothing moves.
 * `settings` may be the source's raw settings object.
 */
export async function archiveProcessed(
  rawSettings: FolderSettings | Readonly<Record<string, unknown>>,
  files: readonly string[],
  now: Date = new Date(),
): Promise<ArchiveResult> {
  const settings = parseSettings(folderSettingsSchema, rawSettings, 'export folder');
  if (settings.afterProcessing === 'leave') return { moved: [], pruned: [] };
  const archive = archiveFolderOf(settings);
  const moved: { from: string; to: string }[] = [];
  const toMove = [...new Set(files.map((f) => path.resolve(f)))];
  if (settings.triggerFile) {
    const trigger = path.resolve(settings.path, settings.triggerFile);
    if (fs.existsSync(trigger) && !toMove.includes(trigger)) toMove.push(trigger);
  }
  if (toMove.length > 0) {
    let target = path.join(archive, archiveStamp(now));
    for (let k = 2; fs.existsSync(target); k++) target = path.join(archive, `${archiveStamp(now)}-${k}`);
    try {
      await fs.promises.mkdir(target, { recursive: true });
      for (const from of toMove) {
        if (!fs.existsSync(from)) continue;
        const to = path.join(target, path.basename(from));
        await move(from, to);
        moved.push({ from, to });
      }
    } catch (error) {
      throw new SourceError(
        `Processed export files could not be moved to the archive ${target}: ${(error as Error).message}. Give the agent's account write access to the export folder, or set "leave in place".`,
        'bad-file',
      );
    }
  }
  return { moved, pruned: await pruneArchive(archive, settings.archiveKeepDays, now) };
}

/** Deletes archive folders (named by `archiveStamp`) older than `keepDays`; other entries are never touched. */
export async function pruneArchive(archive: string, keepDays: number, now: Date = new Date()): Promise<string[]> {
  if (keepDays <= 0 || !fs.existsSync(archive)) return [];
  const limit = now.getTime() - keepDays * 86_400_000;
  const pruned: string[] = [];
  for (const entry of await fs.promises.readdir(archive, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const time = stampTime(entry.name);
    if (time === undefined || time >= limit) continue;
    const full = path.join(archive, entry.name);
    await fs.promises.rm(full, { recursive: true, force: true });
    pruned.push(full);
  }
  return pruned;
}
