/**
 * SFTP destination settings (zod) and the pure helpers around them: remote file names from
 * patterns with date tokens, remote paths, delivery order, retry backoff.
 */
import { z } from 'zod';
import { durationSetting } from '../../shared/duration.schema.js';
import { portSchema } from '../../shared/config.schema.js';
import type { StagedFile } from '../types.js';

export const FILE_NAME_TOKENS = ['name', 'stem', 'ext', 'yyyy', 'MM', 'dd', 'HH', 'mm'] as const;
export type FileNameToken = (typeof FILE_NAME_TOKENS)[number];

const TOKEN_RE = /\{([^{}]*)\}/g;

/** Why a file-name pattern is unusable, or undefined when it is fine. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'the pattern is empty';
  if (pattern === '.' || pattern === '..') return 'a file name cannot be "." or ".." (the folder is set in remoteDir)';
  for (const match of pattern.matchAll(TOKEN_RE)) {
    const token = match[1] ?? '';
    if (!(FILE_NAME_TOKENS as readonly string[]).includes(token)) {
      return `unknown token {${token}}; use ${FILE_NAME_TOKENS.map((t) => `{${t}}`).join(' ')}`;
    }
  }
  const literal = pattern.replace(TOKEN_RE, '');
  if (/[/\\]/.test(literal)) return 'a file name cannot contain / or \\ (the folder is set in remoteDir)';
  return undefined;
}

const patternSchema = z.string().superRefine((value, ctx) => {
  const problem = patternProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `file name pattern "${value}": ${problem}` });
});

export const sftpSettingsSchema = z
  .object({
    host: z.string().trim().min(1, 'host name or IP address of the SFTP server'),
    port: portSchema().default(22),
    username: z.string().min(1, 'user name of the SFTP account'),
    /** Folder the files go into, relative to the login folder (`Upload`) or absolute (`/Upload`). Empty = login folder. */
    remoteDir: z
      .string()
      .refine((dir) => !dir.split(/[/\\]/).includes('..'), { error: (issue) => `"${String(issue.input)}" steps out of its folder with ".."; name the folder itself` })
      .default(''),
    /** Remote name pattern for every file, e.g. `{stem}_{yyyy}{MM}{dd}.{ext}`. Default: the file's own name. */
    fileNamePattern: patternSchema.optional(),
    /** Remote name pattern per generated file name (wins over fileNamePattern), e.g. `{ "students.csv": "students_{yyyy}{MM}{dd}.csv" }`. */
    fileNamePatterns: z.record(z.string(), patternSchema).default({}),
    authMethod: z.enum(['password', 'key']).default('password'),
    /** The server's host-key fingerprint the admin confirmed (`SHA256:…` as `ssh-keygen -l` prints it). Empty = not trusted yet. */
    trustedFingerprint: z.string().trim().default(''),
    /** Upload to a temporary name and rename it over the final name. Off only for servers that forbid rename. */
    atomicRename: z.boolean().default(true),
    /**
     * With atomicRename: upload each file to its temporary name as soon as it is written, while the
     * run still reads later files; the temporaries are renamed into place only after validation and
     * the safety guard pass, and deleted otherwise.
     */
    uploadWhileReading: z.boolean().default(true),
    /** TCP connect + SSH handshake + login. */
    connectTimeoutMs: durationSetting('ms', { min: 100, max: 600_000 }, 20_000),
    /** No progress on an upload (or no answer to a request) for this long = timeout. */
    idleTimeoutMs: durationSetting('ms', { min: 100, max: 3_600_000 }, 60_000),
    /** Retries per file after a connection loss or timeout (0 = no retry). */
    retries: z.number().int().min(0).max(50).default(3),
    /** First retry waits this long; every further retry waits twice as long (capped at 60 s). */
    retryBaseDelayMs: durationSetting('ms', { min: 0, max: 600_000 }, 2_000),
    /** No retry starts later than this after the delivery's first failure. */
    retryMaxTotalMs: durationSetting('ms', { min: 0, max: 86_400_000 }, 600_000),
    /** SSH keep-alive interval on long uploads (0 = off). */
    keepaliveIntervalMs: durationSetting('ms', { min: 0, max: 600_000 }, 15_000),
  })
  .strict();

export type SftpSettings = z.infer<typeof sftpSettingsSchema>;
export type SftpSettingsInput = z.input<typeof sftpSettingsSchema>;

export const SFTP_SECRET_FIELDS = ['password', 'privateKey', 'passphrase'] as const;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `students.csv` → stem `students`, ext `csv`; `README` → stem `README`, ext ``. */
export function splitName(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext: name.slice(dot + 1) };
}

/** Render a file-name pattern for one file at the run time `now` (agent's local time). */
export function renderFileName(pattern: string, name: string, now: Date): string {
  const { stem, ext } = splitName(name);
  const values: Record<FileNameToken, string> = {
    name,
    stem,
    ext,
    yyyy: pad(now.getFullYear(), 4),
    MM: pad(now.getMonth() + 1),
    dd: pad(now.getDate()),
    HH: pad(now.getHours()),
    mm: pad(now.getMinutes()),
  };
  const rendered = pattern.replace(TOKEN_RE, (whole, token: string) =>
    (FILE_NAME_TOKENS as readonly string[]).includes(token) ? values[token as FileNameToken] : whole,
  );
  // `{stem}.{ext}` for a file without extension would end in a dot.
  return rendered.endsWith('.') && ext === '' ? rendered.slice(0, -1) : rendered;
}

/** Why a remote file name is unusable, or undefined. */
export function remoteNameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return 'empty or a folder reference';
  if (/[/\\]/.test(name)) return 'contains / or \\';
  if ([...name].some((c) => c.charCodeAt(0) < 0x20)) return 'contains a control character';
  return undefined;
}

export function remoteFileName(settings: Pick<SftpSettings, 'fileNamePattern' | 'fileNamePatterns'>, name: string, now: Date): string {
  const pattern = settings.fileNamePatterns[name] ?? settings.fileNamePattern ?? '{name}';
  return renderFileName(pattern, name, now);
}

/** Remote folder as used in paths: `` (login folder), `Upload`, `/Upload`; no trailing slash. */
export function normalizeRemoteDir(dir: string): string {
  const trimmed = dir.trim().replace(/\\/g, '/');
  if (trimmed === '' || trimmed === '.' || trimmed === './') return '';
  if (/^\/+$/.test(trimmed)) return '/';
  return trimmed.replace(/\/+$/, '').replace(/\/{2,}/g, '/');
}

export function remoteJoin(dir: string, name: string): string {
  const d = normalizeRemoteDir(dir);
  if (d === '') return name;
  if (d === '/') return `/${name}`;
  return `${d}/${name}`;
}

/** Folder as shown to an admin. */
export function describeRemoteDir(dir: string): string {
  const d = normalizeRemoteDir(dir);
  return d === '' ? 'the login folder' : `folder "${d}"`;
}

/** Files in delivery order: `order` ascending, ties keep their given order. */
export function deliveryOrder<T extends Pick<StagedFile, 'order'>>(files: readonly T[]): T[] {
  return files
    .map((file, index) => ({ file, index }))
    .sort((a, b) => a.file.order - b.file.order || a.index - b.index)
    .map((x) => x.file);
}

export const TEMP_MARKER = '.rostersync-tmp-';

/** `.students.csv.rostersync-tmp-1a2b3c4d` */
export function tempName(finalName: string, random: string): string {
  return `.${finalName}${TEMP_MARKER}${random}`;
}

/** The final name a temporary belongs to, or undefined when `name` is not one of ours. */
export function tempOwner(name: string): string | undefined {
  const m = /^\.(.+)\.rostersync-tmp-[0-9a-f]{8}$/.exec(name);
  return m ? m[1] : undefined;
}

export const MAX_BACKOFF_MS = 60_000;

/** Wait before retry number `retry` (1-based): base, 2×base, 4×base … capped. */
export function backoffDelay(retry: number, baseMs: number, maxMs = MAX_BACKOFF_MS): number {
  if (retry < 1) return 0;
  return Math.min(maxMs, baseMs * 2 ** (retry - 1));
}

/**
 * Whether another attempt may start: at most `retries` retries per file, and none that would start
 * later than `retryMaxTotalMs` after the delivery's first failure.
 */
export function mayRetry(input: {
  readonly attemptsSoFar: number;
  readonly retries: number;
  readonly sinceFirstFailureMs: number;
  readonly delayMs: number;
  readonly retryMaxTotalMs: number;
}): boolean {
  if (input.attemptsSoFar > input.retries) return false;
  return input.sinceFirstFailureMs + input.delayMs <= input.retryMaxTotalMs;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
