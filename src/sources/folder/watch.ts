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

export interface WatchOptions {
  /** Do not report a set that is already complete when watching starts (only new arrivals). */
  readonly ignoreExisting?: boolean;
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
    if (!initialDone && options.ignoreExisting) return;
    await onReady({ folder: status.folder, files: status.files, signature });
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
      if (options.ignoreExisting) {
        // settle the existing set's signature without reporting it
        evaluating = evaluating
          .then(evaluate)
          .catch(report)
          .finally(() => {
            initialDone = true;
          });
        void evaluating.then(() => resolve());
      } else {
        initialDone = true;
        resolve();
      }
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
