/**
 * The local or UNC folder destination ("outbox"), published all-or-nothing:
 *
 * 1. the whole set is copied into a hidden staging folder inside the target folder
 *    (`.rostersync-staging-XXXXXXXX`: the same filesystem, so the renames below cannot turn into
 *    copies, and the same permissions), each file flushed to disk (fsync) and its size checked;
 * 2. the plan is journaled (DeliveryContext.journal), then run by publish-plan.ts: the previous
 *    manifest withdrawn, data files renamed into place, files of the previous set the new one lacks
 *    removed, the manifest renamed last, the folder's entries synced; the staging folder is deleted.
 *
 * Why per-file renames rather than swapping the whole folder (a directory rename or a symlink flip):
 * the target is a folder the vendor's pick-up, a share or a watcher points at, often with its own ACLs
 * and other files in it; replacing the directory breaks those, fails on Windows while any reader holds
 * a handle in it, and an atomic exchange of two directories (renameat2 RENAME_EXCHANGE) is neither
 * portable nor reachable from Node. The manifest-last order gives a reader the same guarantee: while a
 * set is being replaced there is no manifest, and when one is there the folder holds exactly its set.
 * A disk that fills up fails step 1, before anything under a final name changed.
 */
import { z } from 'zod';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, accessSync, constants, writeFileSync, copyFileSync, openSync, fsyncSync, closeSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { DeliveryError, type DeliveredFile, type DeliveryContext, type DestinationDriver, type PreviousFile, type PublishPlan, type PublishStep, type StagedFile } from '../types.js';
import { publishOrder, recoverPlan, runPlan, type PublishOps } from '../publish-plan.js';
import { pauseForTest } from '../test-pause.js';

export const folderSettingsSchema = z
  .object({
    /** Absolute local path or UNC path (\\server\share\folder). */
    path: z.string().min(1, 'the folder path is required'),
    /** Create the folder when it does not exist. */
    create: z.boolean().default(true),
  })
  .strict();
export type FolderSettings = z.infer<typeof folderSettingsSchema>;

const STAGING_PREFIX = '.rostersync-staging-';
/** Temporaries of the per-file copies earlier versions made: swept like staging folders. */
const OLD_TEMP = /^\..+\.rostersync-tmp-[0-9a-f]{8}$/;

function explain(err: unknown, path: string): DeliveryError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return new DeliveryError(`No permission to write in ${path}: give the agent's account write access.`, 'permission');
  if (code === 'ENOENT') return new DeliveryError(`The folder ${path} does not exist.`, 'missing-folder');
  if (code === 'ENOSPC' || code === 'EDQUOT') return new DeliveryError(`The disk holding ${path} is full (or the account's quota is used up): nothing new was published.`, 'io');
  return new DeliveryError(`Cannot write in ${path}: ${(err as Error).message}`, 'io');
}

/** Writes a file's data and then its directory entry to disk, so a power loss after a rename finds whole files. */
function fsyncPath(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch (err) {
    // Windows cannot open a directory for fsync; its renames are durable on NTFS's own terms.
    if (!['EISDIR', 'EPERM', 'EACCES'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const folderOps = (folder: string): PublishOps => ({
  async holds(path, step) {
    try {
      return statSync(path).size === step.bytes && (!step.sha256 || (await sha256Of(path)) === step.sha256);
    } catch {
      return false;
    }
  },
  exists: async (path) => existsSync(path),
  replace: async (from, to) => renameSync(from, to),
  remove: async (path) => rmSync(path, { force: true }),
  settle: async () => fsyncPath(folder),
});

/** Staging folders and temporaries of runs that died before this one (the caller holds the destination's lock). */
function sweepLeftovers(folder: string, context: DeliveryContext): void {
  for (const name of readdirSync(folder)) {
    if (!name.startsWith(STAGING_PREFIX) && !OLD_TEMP.test(name)) continue;
    rmSync(join(folder, name), { recursive: true, force: true });
    context.log('info', `Removed ${name}, left in ${folder} by an earlier run that stopped.`);
  }
}

/** Copies the set into `workDir`, each file synced and its size checked. */
async function copyAll(files: readonly StagedFile[], workDir: string, delivered: DeliveredFile[]): Promise<void> {
  for (const [index, file] of files.entries()) {
    const target = join(workDir, file.name);
    if (!existsSync(file.localPath)) throw new DeliveryError(`${file.name}: the generated file ${file.localPath} is missing; nothing was published.`, 'io', delivered);
    copyFileSync(file.localPath, target);
    fsyncPath(target);
    const size = statSync(target).size;
    if (size !== file.bytes) throw new DeliveryError(`${file.name}: wrote ${size} bytes, expected ${file.bytes}; nothing was published.`, 'verify', delivered);
    await pauseForTest(`copy:${index + 1}`);
  }
}

function planFor(folder: string, workDir: string, files: readonly StagedFile[], previousSet: readonly PreviousFile[]): PublishPlan {
  const step = (f: StagedFile): PublishStep => ({ name: f.name, temp: join(workDir, f.name), final: join(folder, f.name), bytes: f.bytes, sha256: f.sha256 });
  const { data, markers } = publishOrder(files);
  const names = new Set(files.map((f) => f.name));
  // Only files of the previous set, and only in this folder: anything else an admin keeps there is left alone.
  const stale = previousSet.filter((p) => !names.has(p.name) && dirname(p.path) === folder && existsSync(p.path)).map((p) => p.path);
  return { withdraw: markers.map((m) => join(folder, m.name)).filter((p) => existsSync(p)), data: data.map(step), stale, markers: markers.map(step), workDir };
}

export const folderDestination: DestinationDriver<FolderSettings> = {
  id: 'folder',
  displayName: 'Local or network folder',
  capabilities: ['atomicSwap', 'remoteListing', 'localFolder'],
  settingsSchema: folderSettingsSchema,
  secretFields: [],
  localWritePaths: (settings) => [settings.path],

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
      const error = explain(err, settings.path);
      return { ok: false, message: error.message, code: error.code };
    }
  },

  async deliver(raw, _secrets, files, context) {
    const settings = folderSettingsSchema.parse(raw);
    const folder = settings.path;
    const started = Date.now();
    try {
      if (settings.create) mkdirSync(folder, { recursive: true });
      statSync(folder);
      sweepLeftovers(folder, context);
    } catch (err) {
      throw explain(err, folder);
    }
    if (context.signal?.aborted) throw new DeliveryError('Delivery stopped: the agent is shutting down.', 'io');
    const workDir = join(folder, `${STAGING_PREFIX}${randomBytes(4).toString('hex')}`);
    const ordered = [...publishOrder(files).data, ...publishOrder(files).markers];
    try {
      context.journal?.staging(workDir);
      mkdirSync(workDir);
      await copyAll(ordered, workDir, []);
      fsyncPath(workDir);
    } catch (err) {
      rmSync(workDir, { recursive: true, force: true });
      if (err instanceof DeliveryError) throw err;
      const explained = explain(err, folder);
      throw new DeliveryError(`${explained.message}`, explained.code);
    }
    if (context.signal?.aborted) {
      rmSync(workDir, { recursive: true, force: true });
      throw new DeliveryError('Delivery stopped: the agent is shutting down; nothing was published.', 'io');
    }
    const plan = planFor(folder, workDir, files, context.previousSet ?? []);
    context.journal?.publishing(plan);
    try {
      await runPlan(folderOps(folder), plan);
    } catch (err) {
      // The journal stays open: the caller rolls the plan forward or back (publish-journal.ts).
      const explained = explain(err, folder);
      throw new DeliveryError(`Publishing stopped part-way: ${explained.message}`, explained.code);
    }
    rmSync(workDir, { recursive: true, force: true });
    const durationMs = Date.now() - started;
    const delivered: DeliveredFile[] = ordered.map((f) => ({ name: f.name, remotePath: join(folder, f.name), bytes: f.bytes, durationMs, attempts: 1 }));
    for (const f of delivered) context.log('info', `Published ${f.name} (${f.bytes} bytes) as ${f.remotePath}.`);
    for (const path of plan.stale) context.log('info', `Removed ${basename(path)}: the previous set had it, this one does not.`);
    return { files: delivered, message: `${delivered.length} file(s) published to ${folder}${plan.stale.length ? `; ${plan.stale.length} file(s) of the previous set removed` : ''}.` };
  },

  async recover(raw, _secrets, plan) {
    const settings = folderSettingsSchema.parse(raw);
    const result = await recoverPlan(folderOps(settings.path), plan);
    if (plan.workDir) rmSync(plan.workDir, { recursive: true, force: true });
    return result;
  },
};
