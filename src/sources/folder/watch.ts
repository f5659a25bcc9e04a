/**
 * Watches an export folder and reports each new complete set once (debounced): every expected
 * file present and finished writing (chokidar's `awaitWriteFinish` with the quiet period), plus
 * the trigger file when one is configured. Polling is available for network shares, where
 * file-system events are unreliable.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { parseSettings } from '../common.js';
import { inspectExportSet, type ExportFile } from './readiness.js';
import { folderSettingsSchema, type FolderSettings } from './settings.js';

export interface ReadySet {
  readonly folder: string;
  readonly files: readonly ExportFile[];
  /** Names, sizes and modification times: the same set reported twice has the same signature. */
  readonly signature: string;
}

/** A set that will not complete by itself: the trigger file is there but files are missing, or files have been missing too long. */
export interface IncompleteSet {
  readonly folder: string;
  readonly present: readonly ExportFile[];
  /** Patterns with no matching file. */
  readonly missing: readonly string[];
  readonly reason: 'trigger' | 'timeout';
  /** Names, sizes and modification times of what is there: the same incomplete set is reported once. */
  readonly signature: string;
}

export interface WatchOptions {
  /**
   * For a set that is already complete when watching starts (it arrived while the agent was not
   * running): true when it was processed already, so it is not reported again. Absent: it is reported.
   */
  readonly alreadyHandled?: (set: ReadySet) => boolean;
  /** A set that will not complete by itself (see IncompleteSet); reported once per signature. */
  readonly onIncomplete?: (set: IncompleteSet) => void | Promise<void>;
  /** Errors of the watcher or of `onReady` (the watcher keeps running). */
  readonly onError?: (error: unknown) => void;
}

export interface ExportFolderWatcher {
  /** Resolves once the initial scan is done. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function setSignature(files: readonly ExportFile[]): string {
  return files
    .map((f) => `${f.name}:${f.size}:${Math.round(f.mtimeMs)}`)
    .sort()
    .join('|');
}

/** `settings` may be the source's raw settings object: it is validated (and defaulted) here. */
export function watchExportFolder(
  rawSettings: FolderSettings | Readonly<Record<string, unknown>>,
  expectedFiles: readonly string[],
  onReady: (set: ReadySet) => void | Promise<void>,
  options: WatchOptions = {},
): ExportFolderWatcher {
  const settings = parseSettings(folderSettingsSchema, rawSettings, 'export folder');
  const folder = path.resolve(settings.path);
  const quietMs = settings.quietPeriodSeconds * 1000;
  /** Files chokidar reported as finished writing. */
  const finished = new Set<string>();
  let lastSignature: string | undefined;
  let lastIncomplete: string | undefined;
  /** When the current incomplete set was first seen (for incompleteAfterMinutes). */
  let incompleteSince: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let initialDone = false;
  let evaluating = Promise.resolve();
  const report = (error: unknown): void => options.onError?.(error);

  const watcher: FSWatcher = watch(folder, {
    depth: 0,
    ignoreInitial: false,
    usePolling: settings.usePolling,
    interval: settings.pollIntervalSeconds * 1000,
    binaryInterval: settings.pollIntervalSeconds * 1000,
    awaitWriteFinish: quietMs > 0 ? { stabilityThreshold: quietMs, pollInterval: Math.max(20, Math.min(1000, quietMs / 4)) } : false,
    ignored: (p: string) => {
      const archive = settings.archivePath ? path.resolve(settings.archivePath) : path.join(folder, 'archive');
      return p === archive || p.startsWith(archive + path.sep);
    },
  });

  const evaluate = async (): Promise<void> => {
    if (closed) return;
    const status = await inspectExportSet(settings, expectedFiles);
    if (status.missing.length > 0 && status.files.length > 0) {
      await incomplete(status.folder, status.files, status.missing, status.triggerPresent === true);
      return;
    }
    incompleteSince = undefined;
    if (status.missing.length > 0 || status.triggerPresent === false) return;
    // Every file must be one chokidar saw finish, and quiet for the quiet period now. (Comparing
    // chokidar's event stats with a fresh stat is not reliable under polling: the event may carry
    // an earlier stat, and no further event would come to correct it.)
    for (const f of status.files) {
      if (!finished.has(f.path)) return;
      const age = Date.now() - f.mtimeMs;
      if (age < quietMs) {
        schedule(quietMs - age + 50);
        return;
      }
    }
    const signature = setSignature(status.files);
    if (signature === lastSignature) return;
    lastSignature = signature;
    const set = { folder: status.folder, files: status.files, signature };
    if (!initialDone && options.alreadyHandled?.(set)) return;
    await onReady(set);
  };

  /** Some expected files are there and others are not: report it when a trigger says the export is done, or when it lasts too long. */
  const incomplete = async (folderPath: string, present: readonly ExportFile[], missing: readonly string[], triggered: boolean): Promise<void> => {
    if (!options.onIncomplete) return;
    const limitMs = settings.incompleteAfterMinutes * 60_000;
    const now = Date.now();
    incompleteSince ??= Math.min(now, ...present.map((f) => f.mtimeMs));
    const overdue = limitMs > 0 && now - incompleteSince >= limitMs;
    if (!triggered && !overdue) {
      if (limitMs > 0) schedule(incompleteSince + limitMs - now + 50);
      return;
    }
    const signature = `${setSignature(present)}|missing:${missing.join(',')}`;
    if (signature === lastIncomplete) return;
    lastIncomplete = signature;
    await options.onIncomplete({ folder: folderPath, present, missing, reason: triggered ? 'trigger' : 'timeout', signature });
  };

  const schedule = (delayMs = settings.debounceSeconds * 1000): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      evaluating = evaluating.then(evaluate).catch(report);
    }, delayMs);
  };

  const remember = (p: string): void => {
    finished.add(path.resolve(p));
    schedule();
  };

  watcher.on('add', remember);
  watcher.on('change', remember);
  watcher.on('unlink', (p: string) => {
    finished.delete(path.resolve(p));
    schedule();
  });
  watcher.on('error', report);

  const ready = new Promise<void>((resolve) => {
    watcher.once('ready', () => {
      // the set already there: reported unless alreadyHandled says it was processed
      evaluating = evaluating
        .then(evaluate)
        .catch(report)
        .finally(() => {
          initialDone = true;
        });
      void evaluating.then(() => resolve());
    });
  });

  return {
    ready,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await watcher.close();
      await evaluating;
    },
  };
}
