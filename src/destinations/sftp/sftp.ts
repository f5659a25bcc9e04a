/**
 * The SFTP destination: delivers a run's files to a vendor's SFTP folder, unattended.
 *
 * - The server must present the host key the admin trusted (`rostersync destination trust NAME`).
 * - Each file is uploaded to `.NAME.rostersync-tmp-XXXXXXXX` in the target folder, its size checked,
 *   then renamed over NAME (posix-rename@openssh.com when offered, else delete + rename), so the
 *   vendor never sees half a file under its final name.
 * - Connection loss and timeouts are retried with exponential backoff, bounded per file (`retries`)
 *   and in total time (`retryMaxTotalMs`); login, host-key, permission and folder errors are not.
 */
import { hostPart } from '../../secrets/binding.js';
import { randomBytes } from 'node:crypto';
import { stat as localStat } from 'node:fs/promises';
import { DeliveryError, HOST_KEY_SEEN_STATE } from '../types.js';
import type { CheckOptions, DeliveredFile, HostKeyCheck, DeliveryContext, DeliveryReceipt, DestinationDriver, DriverCheck, PublishPlan, PublishStep, RecoveryResult, StagedFile, StagingDelivery } from '../types.js';
import type { Secrets } from '../../sources/types.js';
import {
  SFTP_SECRET_FIELDS,
  backoffDelay,
  deliveryOrder,
  describeRemoteDir,
  formatBytes,
  formatMs,
  mayRetry,
  normalizeRemoteDir,
  remoteFileName,
  remoteJoin,
  remoteNameProblem,
  sftpSettingsSchema,
  tempName,
  tempOwner,
} from './sftp-settings.js';
import type { SftpSettings } from './sftp-settings.js';
import { SftpFailure, redactSecrets, secretNeedles, toDeliveryError } from './sftp-errors.js';
import { SftpSession, probeHostKeyWith, resolveAuth, where } from './sftp-session.js';
import { publishOrder, recoverPlan, runPlan, type PublishOps } from '../publish-plan.js';
import type { SftpAuth } from './sftp-session.js';
import { decideHostKey, keyTypeLabel } from './sftp-host-key.js';
import { normalizeFingerprint } from '../../shared/fingerprint.js';
import type { HostKeyInfo } from './sftp-host-key.js';

export { sftpSettingsSchema } from './sftp-settings.js';
export type { SftpSettings, SftpSettingsInput } from './sftp-settings.js';
export type { HostKeyInfo } from './sftp-host-key.js';

/** Optional context for `check` (the destination's name, for the trust command in messages). */
export interface SftpCheckOptions extends CheckOptions {
  /** Probe size for the throughput figure (default 256 KiB). */
  readonly probeBytes?: number;
}

/** What the server presented against what is pinned, for a screen that offers trusting it in place. */
function hostKeyCheck(trustedFingerprint: string | undefined, presented: HostKeyInfo): HostKeyCheck {
  const decision = decideHostKey(trustedFingerprint ?? '', presented);
  const base = { presented: presented.fingerprint, keyType: keyTypeLabel(presented.keyType) };
  switch (decision.kind) {
    case 'trusted':
      return { ...base, status: 'trusted' };
    case 'unknown':
      return { ...base, status: 'unknown' };
    case 'mismatch':
      return { ...base, status: 'changed', trusted: decision.trusted };
    default: {
      const unreachable: never = decision;
      return unreachable;
    }
  }
}

const PROGRESS_EVERY_MS = 10_000;

function parseSettings(settings: unknown): SftpSettings {
  const parsed = sftpSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ');
    throw new SftpFailure(`The SFTP settings are not valid: ${detail}.`, 'config', false);
  }
  return parsed.data;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new SftpFailure('Delivery cancelled.', 'io', false));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new SftpFailure('Delivery cancelled.', 'io', false));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface PlannedFile {
  readonly file: StagedFile;
  readonly remoteName: string;
  readonly remotePath: string;
}

/** Remote names for every file, in delivery order; refuses bad or colliding names before connecting. */
export function planDelivery(settings: SftpSettings, files: readonly StagedFile[], now: Date): PlannedFile[] {
  const seen = new Map<string, string>();
  return deliveryOrder(files).map((file) => {
    const remoteName = remoteFileName(settings, file.name, now);
    const problem = remoteNameProblem(remoteName);
    if (problem) throw new SftpFailure(`The remote name "${remoteName}" for ${file.name} is not usable: ${problem}.`, 'config', false);
    const other = seen.get(remoteName);
    if (other !== undefined) {
      throw new SftpFailure(`${other} and ${file.name} would both be uploaded as "${remoteName}": make the file name patterns differ.`, 'config', false);
    }
    seen.set(remoteName, file.name);
    return { file, remoteName, remotePath: remoteJoin(settings.remoteDir, remoteName) };
  });
}

/**
 * Move the uploaded temporary over the final name. posix-rename@openssh.com replaces atomically;
 * plain SFTP rename refuses an existing target on most servers (OpenSSH included), so the old
 * file is removed first — the final name is then briefly absent, but never half-written.
 */
export async function replaceRemote(session: SftpSession, from: string, to: string, preferPosix = true): Promise<'posix-rename' | 'rename' | 'delete-and-rename'> {
  if (preferPosix && session.hasPosixRename) {
    await session.posixRename(from, to);
    return 'posix-rename';
  }
  try {
    await session.rename(from, to);
    return 'rename';
  } catch (err) {
    // OpenSSH answers a rename onto an existing file with a plain FAILURE; permission errors are not retried this way.
    if (err instanceof SftpFailure && !err.retryable && err.code === 'io') {
      const existing = await session.stat(to, 'checking the existing file');
      if (existing && !existing.isDirectory) {
        await session.remove(to);
        await session.rename(from, to);
        return 'delete-and-rename';
      }
    }
    throw err;
  }
}

interface RunState {
  readonly settings: SftpSettings;
  readonly auth: SftpAuth;
  readonly context: DeliveryContext;
  /** Secret values to redact from messages. */
  readonly needles: readonly string[];
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
  session: SftpSession | undefined;
  /** Temporaries that may still exist on the server (an attempt failed with the connection). */
  readonly pendingTemps: Set<string>;
  /** Whether leftovers of earlier runs were swept (once per delivery). */
  cleanedStale: boolean;
  /** This run's own staged temporaries: never swept as leftovers. */
  keepTemps?: ReadonlySet<string>;
}

async function ensureSession(state: RunState, destinationName: string | undefined, planned: readonly PlannedFile[]): Promise<SftpSession> {
  if (!state.session || state.session.broken) await openSession(state, destinationName);
  const session = state.session!;
  // Once per delivery, when its files are known (staging uploads connect before that).
  if (!state.cleanedStale && planned.length) {
    state.cleanedStale = true;
    await sweepLeftovers(state, session, planned);
  }
  return session;
}

async function openSession(state: RunState, destinationName: string | undefined): Promise<void> {
  if (state.session) await state.session.close();
  state.session = undefined;
  const { settings, context } = state;
  const session = await SftpSession.open({
    settings,
    auth: state.auth,
    trustAdvice: { via: 'command', destinationName, homeArgs: context.homeArgs },
    signal: context.signal,
    onHostKey: (info) => context.remember?.(HOST_KEY_SEEN_STATE, info.fingerprint),
  });
  state.session = session;
  const dir = normalizeRemoteDir(settings.remoteDir);
  if (dir !== '') {
    const s = await session.stat(dir, `opening ${describeRemoteDir(dir)}`);
    if (!s) {
      throw new SftpFailure(`The remote ${describeRemoteDir(dir)} does not exist on ${session.where} (user "${settings.username}"). Check the remoteDir setting; names are case-sensitive.`, 'missing-folder', false);
    }
    if (!s.isDirectory) throw new SftpFailure(`The remote path "${dir}" on ${session.where} is a file, not a folder.`, 'missing-folder', false);
  }
  // Temporaries of an attempt that lost its connection.
  for (const temp of [...state.pendingTemps]) {
    if (await session.removeQuietly(temp)) state.pendingTemps.delete(temp);
  }
}

/** Leftover temporaries of earlier crashed runs for these files (not this run's own staged ones). */
async function sweepLeftovers(state: RunState, session: SftpSession, planned: readonly PlannedFile[]): Promise<void> {
  const dir = normalizeRemoteDir(state.settings.remoteDir);
  try {
    const ours = new Set(planned.map((p) => p.remoteName));
    for (const name of await session.list(dir)) {
      const owner = tempOwner(name);
      const path = remoteJoin(dir, name);
      if (owner !== undefined && ours.has(owner) && !state.keepTemps?.has(path)) {
        if (await session.removeQuietly(path)) state.log('info', `Removed a leftover temporary upload ${name}`);
      }
    }
  } catch (err) {
    if (!(err instanceof SftpFailure) || err.retryable) throw err;
    // A server that refuses listing can still accept uploads.
  }
}

/** Checks that `path` on the server holds exactly the file's bytes (a retryable failure otherwise). */
async function verifyRemote(session: SftpSession, path: string, plan: PlannedFile): Promise<void> {
  const s = await session.stat(path, `checking the size of ${plan.remoteName}`);
  const size = s?.size ?? -1;
  if (size !== plan.file.bytes) {
    throw new SftpFailure(
      `The uploaded ${plan.remoteName} on ${session.where} has ${size < 0 ? 'disappeared' : `${size} bytes`}, expected ${plan.file.bytes}: the upload was not accepted completely.`,
      'verify',
      true,
    );
  }
}

function progressLogger(state: RunState, file: StagedFile): (transferred: number, total: number) => void {
  let lastProgress = Date.now();
  return (transferred, total) => {
    const now = Date.now();
    if (now - lastProgress >= PROGRESS_EVERY_MS && total > 0) {
      lastProgress = now;
      state.log('info', `${file.name}: ${Math.floor((transferred / total) * 100)}% (${formatBytes(transferred)} of ${formatBytes(total)})`);
    }
  };
}

/** Uploads the file to a new temporary name beside its final name and checks its size; returns the temporary's path. */
async function uploadToTemp(state: RunState, session: SftpSession, plan: PlannedFile): Promise<string> {
  const temp = remoteJoin(normalizeRemoteDir(state.settings.remoteDir), tempName(plan.remoteName, randomBytes(4).toString('hex')));
  state.pendingTemps.add(temp);
  try {
    await session.upload(plan.file.localPath, temp, `uploading ${plan.file.name}`, progressLogger(state, plan.file));
    await verifyRemote(session, temp, plan);
    return temp;
  } catch (err) {
    if (await session.removeQuietly(temp)) state.pendingTemps.delete(temp);
    throw err;
  }
}

/**
 * A complete temporary of the file on the server: the one staged earlier when it is still whole,
 * else a fresh upload.
 */
async function ensureTemp(state: RunState, session: SftpSession, plan: PlannedFile, staged: Map<string, string>): Promise<string> {
  const { file } = plan;
  const earlier = staged.get(file.name);
  staged.delete(file.name);
  if (earlier !== undefined) {
    const s = await session.stat(earlier).catch(() => undefined);
    if (s?.size === file.bytes) return earlier;
    await session.removeQuietly(earlier);
    state.pendingTemps.delete(earlier);
  }
  return uploadToTemp(state, session, plan);
}

/** Without atomicRename: the file straight to its final name (a broken-off upload is removed when the connection still allows). */
async function uploadDirect(state: RunState, session: SftpSession, plan: PlannedFile): Promise<void> {
  const { file, remotePath } = plan;
  try {
    await session.upload(file.localPath, remotePath, `uploading ${file.name}`, progressLogger(state, file));
    await verifyRemote(session, remotePath, plan);
  } catch (err) {
    if (!session.broken) {
      const s = await session.stat(remotePath).catch(() => undefined);
      if (s && s.size !== file.bytes) await session.removeQuietly(remotePath);
    }
    throw err;
  }
}

/**
 * Runs `work` on a connected session, reconnecting and retrying with backoff on connection loss and
 * timeouts (bounded by `retries` and `retryMaxTotalMs`); other failures are thrown at once.
 */
async function withRetries<T>(state: RunState, planned: readonly PlannedFile[], label: string, work: (session: SftpSession, attempt: number) => Promise<T>): Promise<{ value: T; attempts: number }> {
  const { settings, context, log } = state;
  let attempts = 0;
  let firstFailureAt: number | undefined;
  for (;;) {
    attempts += 1;
    try {
      const session = await ensureSession(state, context.destinationName, planned);
      return { value: await work(session, attempts), attempts };
    } catch (err) {
      const failure = err instanceof SftpFailure ? err : new SftpFailure(`${label} failed: ${err instanceof Error ? err.message : String(err)}`, 'io', false);
      if (state.session?.broken) {
        await state.session.close();
        state.session = undefined;
      }
      firstFailureAt ??= Date.now();
      const delayMs = backoffDelay(attempts, settings.retryBaseDelayMs);
      const retry =
        failure.retryable &&
        !context.signal?.aborted &&
        mayRetry({ attemptsSoFar: attempts, retries: settings.retries, sinceFirstFailureMs: Date.now() - firstFailureAt, delayMs, retryMaxTotalMs: settings.retryMaxTotalMs });
      if (!retry) {
        const tail = failure.retryable && attempts > 1 ? ` Gave up after ${attempts} attempts.` : '';
        throw new SftpFailure(`${failure.message}${tail}`, failure.code, failure.retryable);
      }
      log('warn', `${label}: ${failure.message} Retry ${attempts} of ${settings.retries} in ${formatMs(delayMs)}.`);
      await sleep(delayMs, context.signal);
    }
  }
}

/** The publish plan's file operations on the server, each retried over a new connection when one drops. */
function remoteOps(state: RunState, planned: readonly PlannedFile[]): PublishOps {
  const retried = async <T>(label: string, work: (session: SftpSession) => Promise<T>): Promise<T> => (await withRetries(state, planned, label, work)).value;
  const byName = new Map(planned.map((p) => [p.file.name, p]));
  return {
    holds: (path, step) => retried(`checking ${step.name}`, async (s) => (await s.stat(path))?.size === step.bytes),
    exists: (path) => retried(`checking ${path}`, async (s) => (await s.stat(path)) !== undefined),
    // A rename the server did just before the connection dropped leaves no temporary to rename again.
    replace: (from, to) => retried(`renaming into ${to}`, async (s) => void ((await s.stat(from)) && (await replaceRemote(s, from, to)))),
    remove: (path) => retried(`removing ${path}`, async (s) => void ((await s.stat(path)) && (await s.remove(path)))),
    put: byName.size ? (step) => retried(`uploading ${step.name}`, (s) => uploadDirect(state, s, byName.get(step.name)!)) : undefined,
  };
}

async function checkLocal(file: StagedFile): Promise<void> {
  let size: number;
  try {
    size = (await localStat(file.localPath)).size;
  } catch {
    throw new SftpFailure(`The generated file ${file.name} is missing at ${file.localPath}: nothing to upload.`, 'io', false);
  }
  if (size !== file.bytes) {
    throw new SftpFailure(`The generated file ${file.name} at ${file.localPath} has ${size} bytes, expected ${file.bytes}: it changed after it was written.`, 'verify', false);
  }
}

function newRunState(settingsIn: SftpSettings, secrets: Secrets, context: DeliveryContext): RunState {
  const needles = secretNeedles(secrets);
  const settings = parseSettings(settingsIn);
  return {
    settings,
    auth: resolveAuth(settings.authMethod, secrets), // key/passphrase problems before any connection
    context,
    needles,
    log: (level, message) => context.log(level, redactSecrets(message, needles)),
    session: undefined,
    pendingTemps: new Set(),
    cleanedStale: false,
  };
}

/** The files of the previous set in this folder whose names the new set does not have, and still on the server. */
async function staleOf(state: RunState, ops: PublishOps, planned: readonly PlannedFile[]): Promise<string[]> {
  const dir = normalizeRemoteDir(state.settings.remoteDir);
  const names = new Set(planned.map((p) => p.file.name));
  const finals = new Set(planned.map((p) => p.remotePath));
  const stale: string[] = [];
  for (const { name, path } of state.context.previousSet ?? []) {
    if (names.has(name) || finals.has(path) || remoteJoin(dir, path.slice(path.lastIndexOf('/') + 1)) !== path) continue;
    if (await ops.exists(path)) stale.push(path);
  }
  return stale;
}

/**
 * Publishes the set in two phases: every file to a complete, size-checked temporary (staged ones
 * reused), then — journaled first — the plan of publish-plan.ts: previous marker withdrawn, data
 * renamed, stale files removed, marker last. A failure before the journal removes the temporaries
 * (nothing was published); after it they stay for the caller's roll forward or back.
 */
async function deliverPlanned(state: RunState, files: readonly StagedFile[], staged: Map<string, string>): Promise<DeliveryReceipt> {
  const { settings, context, log } = state;
  let journaled = false;
  try {
    const planned = planDelivery(settings, files, context.now);
    const started = Date.now();
    const temps = new Map<string, string>();
    const attempts = new Map<string, number>();
    for (const plan of planned) {
      await checkLocal(plan.file);
      if (!settings.atomicRename) continue;
      const reused = staged.has(plan.file.name);
      const placed = await withRetries(state, planned, plan.file.name, async (session, attempt) => {
        if (attempt === 1) log('info', `${reused ? 'Placing' : 'Uploading'} ${plan.file.name} (${formatBytes(plan.file.bytes)}) to ${session.where} for ${plan.remotePath}`);
        return ensureTemp(state, session, plan, staged);
      });
      temps.set(plan.file.name, placed.value);
      attempts.set(plan.file.name, placed.attempts);
    }
    const ops = remoteOps(state, planned);
    const order = publishOrder(planned.map((p) => p.file));
    const step = (file: StagedFile): PublishStep => {
      const final = planned.find((p) => p.file === file)!.remotePath;
      return { name: file.name, temp: temps.get(file.name) ?? final, final, bytes: file.bytes, sha256: file.sha256 };
    };
    const markers = order.markers.map(step);
    const withdraw: string[] = [];
    for (const m of markers) if (await ops.exists(m.final)) withdraw.push(m.final);
    const plan: PublishPlan = { withdraw, data: order.data.map(step), stale: await staleOf(state, ops, planned), markers };
    context.journal?.publishing(plan);
    journaled = true;
    for (const temp of temps.values()) state.pendingTemps.delete(temp);
    await runPlan(ops, plan);
    const durationMs = Date.now() - started;
    const delivered: DeliveredFile[] = [...order.data, ...order.markers].map((file) => ({
      name: file.name,
      remotePath: step(file).final,
      bytes: file.bytes,
      durationMs,
      attempts: attempts.get(file.name) ?? 1,
    }));
    for (const f of delivered) log('info', `Delivered ${f.remotePath} (${formatBytes(f.bytes)})`);
    for (const path of plan.stale) log('info', `Removed ${path}: the previous set had it, this one does not.`);
    const total = delivered.reduce((sum, f) => sum + f.bytes, 0);
    return {
      files: delivered,
      message: `Delivered ${delivered.length} file${delivered.length === 1 ? '' : 's'} (${formatBytes(total)}) to ${where(settings)} ${describeRemoteDir(settings.remoteDir)} in ${formatMs(durationMs)}${plan.stale.length ? `; removed ${plan.stale.length} file(s) of the previous set` : ''}.`,
    };
  } catch (err) {
    // Nothing was published: the temporaries go (a cancelled run leaves them to the next run's sweep).
    if (!journaled && !context.signal?.aborted) await removeTemps(state);
    const error = toDeliveryError(err, state.needles, []);
    log('error', journaled ? `Publishing stopped part-way: ${error.message}` : error.message);
    throw journaled ? new DeliveryError(`Publishing stopped part-way: ${error.message}`, error.code) : error;
  }
}

async function deliver(settingsIn: SftpSettings, secrets: Secrets, files: readonly StagedFile[], context: DeliveryContext): Promise<DeliveryReceipt> {
  let state: RunState;
  try {
    state = newRunState(settingsIn, secrets, context);
  } catch (err) {
    const needles = secretNeedles(secrets);
    const error = toDeliveryError(err, needles, []);
    context.log('error', redactSecrets(error.message, needles));
    throw error;
  }
  try {
    return await deliverPlanned(state, files, new Map());
  } finally {
    if (state.session) await state.session.close();
  }
}

/**
 * Upload while reading (settings.uploadWhileReading, with atomicRename): each file goes to its
 * temporary name as soon as the run has written it, one after another on one connection; `publish`
 * renames them into place (uploading again any that failed or went missing), `discard` deletes them.
 */
function openStaging(settingsIn: SftpSettings, secrets: Secrets, context: DeliveryContext): StagingDelivery | undefined {
  const state = newRunState(settingsIn, secrets, context);
  if (!state.settings.atomicRename || !state.settings.uploadWhileReading) return undefined;
  const staged = new Map<string, string>();
  let queue: Promise<void> = Promise.resolve();
  let closed = false;
  /** publish or discard ran: the temporaries are placed or gone. */
  let settled = false;

  /** A staging upload failed: the files not staged yet wait for publish (one failed connection, not one per file). */
  let gaveUp = false;

  const stageOne = async (file: StagedFile): Promise<void> => {
    if (closed || gaveUp || context.signal?.aborted) return;
    try {
      const [plan] = planDelivery(state.settings, [file], context.now);
      await checkLocal(file);
      // No sweep of leftover temporaries yet (no files given): publish sweeps, knowing every file of the delivery.
      const session = await ensureSession(state, context.destinationName, []);
      const started = Date.now();
      const temp = await uploadToTemp(state, session, plan!);
      staged.set(file.name, temp);
      state.log('info', `Uploaded ${file.name} (${formatBytes(file.bytes)}) to the temporary ${temp} in ${formatMs(Date.now() - started)}; it is put in place once the run passes its checks.`);
    } catch (err) {
      if (closed) return;
      gaveUp = true;
      const error = toDeliveryError(err, state.needles, []);
      state.log('warn', `${file.name} could not be uploaded while reading (${error.message}); it and the files after it are uploaded at delivery instead.`);
      if (state.session?.broken) {
        await state.session.close();
        state.session = undefined;
      }
    }
  };

  const close = async (): Promise<void> => {
    closed = true;
    await queue;
    if (state.session) await state.session.close();
    state.session = undefined;
  };

  return {
    stage(file) {
      queue = queue.then(() => stageOne(file));
      return queue;
    },
    async publish(files) {
      if (settled) throw new Error('This staged delivery was already published or discarded.');
      settled = true;
      await queue;
      // Leftovers of earlier crashed runs for these names are swept, but not this run's own temporaries.
      state.keepTemps = new Set(staged.values());
      try {
        return await deliverPlanned(state, files, staged);
      } finally {
        // What a publish that stopped part-way left behind.
        for (const temp of staged.values()) state.pendingTemps.add(temp);
        await removeTemps(state);
        await close();
      }
    },
    async discard() {
      if (settled) return;
      settled = true;
      closed = true;
      // An upload still running is cut off: its temporary goes with the others.
      if (state.session) await state.session.close();
      state.session = undefined;
      await queue;
      for (const temp of staged.values()) state.pendingTemps.add(temp);
      staged.clear();
      await removeTemps(state);
      await close();
    },
  };
}

/** Deletes the temporaries that may still be on the server (never throws): a discarded staging, a publish that stopped. */
async function removeTemps(state: RunState): Promise<void> {
  if (!state.pendingTemps.size) return;
  try {
    const session = await ensureSession(state, state.context.destinationName, []);
    for (const temp of [...state.pendingTemps]) {
      if (await session.removeQuietly(temp)) state.pendingTemps.delete(temp);
    }
  } catch (err) {
    state.log('warn', `Temporary uploads could not be removed (${toDeliveryError(err, state.needles, []).message}); the next run removes them.`);
  }
}

/** A publish whose process died: finished or undone on the server (publish-plan.ts), over one connection with the usual retries. */
async function recover(settingsIn: SftpSettings, secrets: Secrets, plan: PublishPlan, context: DeliveryContext): Promise<RecoveryResult> {
  const state = newRunState(settingsIn, secrets, context);
  try {
    return await recoverPlan(remoteOps(state, []), plan);
  } catch (err) {
    throw toDeliveryError(err, state.needles, []);
  } finally {
    if (state.session) await state.session.close();
  }
}

async function check(settingsIn: SftpSettings, secrets: Secrets, options: SftpCheckOptions = {}): Promise<DriverCheck> {
  const needles = secretNeedles(secrets);
  let seen: HostKeyInfo | undefined;
  let session: SftpSession | undefined;
  try {
    const settings = parseSettings(settingsIn);
    const auth = resolveAuth(settings.authMethod, secrets);
    const t0 = Date.now();
    const trustAdvice = options.trustInPlace ? ({ via: 'in-place' } as const) : ({ via: 'command', destinationName: options.destinationName, homeArgs: options.homeArgs } as const);
    session = await SftpSession.open({ settings, auth, trustAdvice, signal: options.signal, onHostKey: (info) => (seen = info) });
    const connectMs = Date.now() - t0;
    const dir = normalizeRemoteDir(settings.remoteDir);
    const t1 = Date.now();
    const s = dir === '' ? { size: 0, isDirectory: true } : await session.stat(dir, `opening ${describeRemoteDir(dir)}`);
    const latencyMs = Date.now() - t1;
    if (!s) {
      throw new SftpFailure(`The remote ${describeRemoteDir(dir)} does not exist on ${session.where} (user "${settings.username}"). Check the remoteDir setting; names are case-sensitive.`, 'missing-folder', false);
    }
    if (!s.isDirectory) throw new SftpFailure(`The remote path "${dir}" on ${session.where} is a file, not a folder.`, 'missing-folder', false);
    const probeBytes = options.probeBytes ?? 256 * 1024;
    const probe = remoteJoin(dir, `.rostersync-probe-${randomBytes(4).toString('hex')}`);
    const t2 = Date.now();
    try {
      await session.putBuffer(randomBytes(probeBytes), probe, `writing a test file into ${describeRemoteDir(dir)}`);
      const written = await session.stat(probe, 'checking the test file');
      if (written?.size !== probeBytes) {
        throw new SftpFailure(`The test file in ${describeRemoteDir(dir)} on ${session.where} has ${written?.size ?? 0} bytes, expected ${probeBytes}.`, 'verify', false);
      }
    } finally {
      await session.removeQuietly(probe);
    }
    const uploadMs = Math.max(1, Date.now() - t2);
    const throughputBytesPerSec = Math.round((probeBytes / uploadMs) * 1000);
    const fingerprint = session.hostKey.fingerprint;
    return {
      ok: true,
      message:
        `Connected to ${session.where} as ${settings.username} in ${formatMs(connectMs)}; ${describeRemoteDir(dir)} exists and is writable. ` +
        `Host key ${fingerprint}. Round trip ${formatMs(latencyMs)}, upload ${formatBytes(throughputBytesPerSec)}/s.`,
      fingerprint,
      hostKey: hostKeyCheck(settingsIn.trustedFingerprint, session.hostKey),
      latencyMs,
      throughputBytesPerSec,
    };
  } catch (err) {
    const error = toDeliveryError(err, needles);
    const failed: DriverCheck = { ok: false, message: error.message, code: error.code };
    return seen ? { ...failed, fingerprint: seen.fingerprint, hostKey: hostKeyCheck(settingsIn.trustedFingerprint, seen) } : failed;
  } finally {
    if (session) await session.close();
  }
}

/**
 * Connect just far enough to read the server's host key, for `rostersync destination trust NAME`
 * and the GUI's "Trust" button. No login is attempted.
 */
export async function probeHostKey(settingsIn: Pick<SftpSettings, 'host'> & Partial<SftpSettings>): Promise<HostKeyInfo> {
  try {
    const settings = sftpSettingsSchema.pick({ host: true, port: true, username: true, connectTimeoutMs: true }).parse({
      host: settingsIn.host,
      port: settingsIn.port,
      username: settingsIn.username || 'rostersync',
      connectTimeoutMs: settingsIn.connectTimeoutMs,
    });
    return await probeHostKeyWith(settings);
  } catch (err) {
    if (err instanceof SftpFailure) throw new DeliveryError(err.message, err.code);
    if (err instanceof DeliveryError) throw err;
    throw new DeliveryError(`Cannot read the host key: ${err instanceof Error ? err.message : String(err)}`, 'config');
  }
}

export const sftpDestination: DestinationDriver<SftpSettings> = {
  id: 'sftp',
  displayName: 'SFTP',
  capabilities: ['hostKey', 'staging', 'atomicSwap', 'remoteListing'],
  settingsSchema: sftpSettingsSchema,
  secretFields: SFTP_SECRET_FIELDS,
  authMethods: {
    setting: 'authMethod',
    methods: [
      { value: 'password', title: 'Password', secretFields: ['password'] },
      { value: 'key', title: 'Private key', secretFields: ['privateKey', 'passphrase'] },
    ],
  },
  // A password or key belongs to one account on one server.
  connectionIdentity: (s) => ({ label: `${s.username}@${s.host}:${s.port}`, parts: [hostPart(s.host), s.port, s.username] }),
  identityFields: ['host', 'port', 'username'],
  check,
  deliver,
  openStaging,
  recover,
  hostKey: {
    probe: (settings) => probeHostKey({ ...settings, host: settings.host ?? '' }),
    setting: 'trustedFingerprint',
    pinned: (settings) => normalizeFingerprint(settings.trustedFingerprint),
    pin: (settings, fingerprint) => ({ ...settings, trustedFingerprint: normalizeFingerprint(fingerprint) }),
  },
  keptOnReimport: ['trustedFingerprint'],
};
