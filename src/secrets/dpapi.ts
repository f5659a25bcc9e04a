/**
 * Windows: the machine key protected with DPAPI in machine scope (`ProtectedData.Protect(…,
 * LocalMachine)`), so a copy of `machine.key` opens on no other machine. The platform call is one
 * PowerShell child process per protect/unprotect (built into every supported Windows; no native npm
 * module, whose prebuilt binaries and install scripts could be neither built nor tested here).
 *
 * - The script is passed as `-EncodedCommand` (UTF-16LE base64: no quoting rules to get wrong) and
 *   holds no secret; the key or blob travels over standard input, never the command line (which
 *   any user can read in the process list).
 * - The file is text: a header line saying what it is, then `dpapi-localmachine:v1:<base64 blob>`.
 * - A blob written on another machine fails with a CryptographicException: the script exits
 *   with REFUSED_EXIT and the reason, and the caller says what to do.
 *
 * Verified here: the command, the script text, the file format, the error mapping (unit tests
 * with a stand-in runner). Not verified: the PowerShell call on a real Windows machine.
 */
import { spawnSync } from 'node:child_process';

/** First line of a protected key file: for a person who opens it. */
export const DPAPI_KEY_HEADER = 'RosterSync machine key, protected with Windows DPAPI (LocalMachine scope): it opens only on the machine that wrote it.';
/** The line holding the protected key. */
export const DPAPI_KEY_TAG = 'dpapi-localmachine:v1:';
/** Extra entropy given to DPAPI: another program calling Unprotect on the blob without it gets nothing. */
export const DPAPI_ENTROPY = 'rostersync-machine-key';
/** The script's exit code when DPAPI refuses the blob (written on another machine, or damaged). */
export const REFUSED_EXIT = 3;
const TIMEOUT_MS = 60_000;

export class DpapiError extends Error {
  override name = 'DpapiError';
}

/** DPAPI would not unprotect the blob: it was protected on another machine (or is damaged). */
export class DpapiRefused extends DpapiError {
  override name = 'DpapiRefused';
}

/** What a PowerShell run returned. */
export interface ProcessOutcome {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the process could not be started (powershell.exe missing: ENOENT). */
  readonly error?: NodeJS.ErrnoException;
}

export type PowerShellRunner = (command: string, args: readonly string[], stdin: string) => ProcessOutcome;

export interface PowerShellCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** The script, as encoded in args (for tests and messages). */
  readonly script: string;
}

const SCOPE = '[System.Security.Cryptography.DataProtectionScope]::LocalMachine';

/** The PowerShell invocation that protects (or unprotects) base64 data read from standard input and writes base64 to standard output. */
export function dpapiCommand(operation: 'protect' | 'unprotect'): PowerShellCommand {
  const call = operation === 'protect' ? 'Protect' : 'Unprotect';
  const script = [
    "$ErrorActionPreference = 'Stop'",
    'Add-Type -AssemblyName System.Security',
    '$data = [Convert]::FromBase64String([Console]::In.ReadToEnd().Trim())',
    `$entropy = [Text.Encoding]::UTF8.GetBytes('${DPAPI_ENTROPY}')`,
    'try {',
    `  $out = [System.Security.Cryptography.ProtectedData]::${call}($data, $entropy, ${SCOPE})`,
    '} catch [System.Security.Cryptography.CryptographicException] {',
    `  [Console]::Error.Write($_.Exception.Message); exit ${REFUSED_EXIT}`,
    '}',
    '[Console]::Out.Write([Convert]::ToBase64String($out))',
  ].join('\n');
  return {
    command: 'powershell.exe',
    args: ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')],
    script,
  };
}

export const runPowerShell: PowerShellRunner = (command, args, stdin) => {
  const result = spawnSync(command, args, { input: stdin, encoding: 'utf8', windowsHide: true, timeout: TIMEOUT_MS });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', error: result.error as NodeJS.ErrnoException | undefined };
};

function run(operation: 'protect' | 'unprotect', data: Buffer, runner: PowerShellRunner): Buffer {
  const { command, args } = dpapiCommand(operation);
  const outcome = runner(command, args, data.toString('base64'));
  if (outcome.error) {
    throw new DpapiError(
      outcome.error.code === 'ENOENT'
        ? `Windows DPAPI could not be reached: ${command} was not found on the PATH.`
        : `Windows DPAPI could not be reached through ${command}: ${outcome.error.message}.`,
    );
  }
  if (outcome.status === REFUSED_EXIT) throw new DpapiRefused(outcome.stderr.trim() || 'DPAPI refused the data.');
  if (outcome.status !== 0) throw new DpapiError(`${command} (DPAPI ${operation}) exited with ${outcome.status ?? 'a signal'}: ${outcome.stderr.trim() || 'no message'}.`);
  const out = Buffer.from(outcome.stdout.trim(), 'base64');
  if (!out.length) throw new DpapiError(`${command} (DPAPI ${operation}) returned nothing.`);
  return out;
}

/** The machine-scope protection as the vault uses it; `runner` is the platform call (PowerShell unless a test passes another). */
export interface KeyProtector {
  protect(key: Buffer): Buffer;
  unprotect(blob: Buffer): Buffer;
}

export function dpapiProtector(runner: PowerShellRunner = runPowerShell): KeyProtector {
  return {
    protect: (key) => run('protect', key, runner),
    unprotect: (blob) => run('unprotect', blob, runner),
  };
}

/** The key file's text for a protected key. */
export function protectedKeyFile(blob: Buffer): string {
  return `${DPAPI_KEY_HEADER}\n${DPAPI_KEY_TAG}${blob.toString('base64')}\n`;
}

/**
 * The protected blob in a key file's text; undefined for a plain key file. A file with the tag but
 * no complete blob yet (another process is writing it) gives an empty buffer.
 */
export function protectedBlobOf(text: string): Buffer | undefined {
  if (!text.includes(DPAPI_KEY_TAG)) return undefined;
  const line = text.split(/\r?\n/).find((l) => l.startsWith(DPAPI_KEY_TAG));
  if (!line || !text.endsWith('\n')) return Buffer.alloc(0);
  return Buffer.from(line.slice(DPAPI_KEY_TAG.length), 'base64');
}
