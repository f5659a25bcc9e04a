/**
 * The local or UNC folder destination ("outbox"): each file is copied to a temporary name in the
 * target folder and renamed over its final name, so a reader never sees half a file.
 */
import { z } from 'zod';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync, accessSync, constants, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DeliveryError, type DeliveredFile, type DestinationDriver } from './types.js';

export const folderSettingsSchema = z
  .object({
    /** Absolute local path or UNC path (\\server\share\folder). */
    path: z.string().min(1, 'the folder path is required'),
    /** Create the folder when it does not exist. */
    create: z.boolean().default(true),
  })
  .strict();
export type FolderSettings = z.infer<typeof folderSettingsSchema>;

function explain(err: unknown, path: string): DeliveryError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return new DeliveryError(`No permission to write in ${path}: give the agent's account write access.`, 'permission');
  if (code === 'ENOENT') return new DeliveryError(`The folder ${path} does not exist.`, 'missing-folder');
  if (code === 'ENOSPC') return new DeliveryError(`The disk holding ${path} is full.`, 'io');
  return new DeliveryError(`Cannot write in ${path}: ${(err as Error).message}`, 'io');
}

export const folderDestination: DestinationDriver<FolderSettings> = {
  id: 'folder',
  displayName: 'Local or network folder',
  settingsSchema: folderSettingsSchema,
  secretFields: [],

  async check(raw) {
    const settings = folderSettingsSchema.parse(raw);
    const started = Date.now();
    try {
      if (settings.create) mkdirSync(settings.path, { recursive: true });
      accessSync(settings.path, constants.W_OK);
      const probe = join(settings.path, `.rostersync-probe-${randomBytes(4).toString('hex')}`);
      writeFileSync(probe, 'probe');
      rmSync(probe);
      return { ok: true, message: `${settings.path} exists and is writable.`, latencyMs: Date.now() - started };
    } catch (err) {
      return { ok: false, message: explain(err, settings.path).message };
    }
  },

  async deliver(raw, _secrets, files, context) {
    const settings = folderSettingsSchema.parse(raw);
    const delivered: DeliveredFile[] = [];
    try {
      if (settings.create) mkdirSync(settings.path, { recursive: true });
      statSync(settings.path);
    } catch (err) {
      throw explain(err, settings.path);
    }
    for (const file of [...files].sort((a, b) => a.order - b.order)) {
      if (context.signal?.aborted) throw new DeliveryError('Delivery stopped: the agent is shutting down.', 'io', delivered);
      const started = Date.now();
      const finalPath = join(settings.path, file.name);
      const tmp = join(settings.path, `.${file.name}.rostersync-tmp-${randomBytes(4).toString('hex')}`);
      try {
        if (!existsSync(file.localPath)) throw new DeliveryError(`${file.name}: the generated file ${file.localPath} is missing; nothing was written under its name.`, 'io', delivered);
        copyFileSync(file.localPath, tmp);
        const size = statSync(tmp).size;
        if (size !== file.bytes) throw new DeliveryError(`${file.name}: wrote ${size} bytes, expected ${file.bytes}.`, 'verify', delivered);
        renameSync(tmp, finalPath);
      } catch (err) {
        rmSync(tmp, { force: true });
        if (err instanceof DeliveryError) throw err;
        const explained = explain(err, settings.path);
        throw new DeliveryError(`${file.name}: ${explained.message}`, explained.code, delivered);
      }
      delivered.push({ name: file.name, remotePath: finalPath, bytes: file.bytes, durationMs: Date.now() - started, attempts: 1 });
      context.log('info', `Wrote ${file.name} (${file.bytes} bytes) to ${finalPath}.`);
    }
    return { files: delivered, message: `${delivered.length} file(s) written to ${settings.path}.` };
  },
};
