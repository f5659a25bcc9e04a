/**
 * SFTP failures in admin words. Raw errors from ssh2 / ssh2-sftp-client / sockets are translated
 * here, once, into a `SftpFailure` (code + message + whether a retry can help); the driver turns
 * that into the contract's `DeliveryError`. Every message passes `redactSecrets` on the way out.
 */
import { DeliveryError } from '../types.js';
import type { DeliveredFile } from '../types.js';
import type { Secrets } from '../../sources/types.js';

export type DeliveryErrorCode = DeliveryError['code'];

/** SFTP status codes (draft-ietf-secsh-filexfer-02, what OpenSSH speaks). */
export const SFTP_STATUS = {
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

export class SftpFailure extends Error {
  constructor(
    message: string,
    readonly code: DeliveryErrorCode,
    /** A later attempt (new connection) may succeed: connection loss, timeouts, unreachable server. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SftpFailure';
  }
}

interface RawError {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly level?: unknown;
}

function raw(err: unknown): RawError {
  return typeof err === 'object' && err !== null ? (err as RawError) : { message: String(err) };
}

function rawMessage(err: unknown): string {
  const m = raw(err).message;
  return typeof m === 'string' ? m : String(err);
}

const SOCKET_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: nothing listens on that port, or a firewall rejects it',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'host name lookup failed temporarily (DNS)',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
};

/** Messages of the connection itself dropping (server stopped, network gone). */
export function isConnectionLoss(err: unknown): boolean {
  const r = raw(err);
  if (err instanceof SftpFailure) return err.retryable && err.code === 'io';
  const code = r.code;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === SFTP_STATUS.CONNECTION_LOST || code === SFTP_STATUS.NO_CONNECTION) return true;
  const m = rawMessage(err);
  return /unexpected (close|end) event|no response from server|connection lost|not connected|no sftp connection|channel (closed|not open)|socket (closed|hang up)|ECONNRESET|EPIPE|keepalive timeout/i.test(m);
}

export type AuthMethod = 'password' | 'key';

export interface ConnectErrorContext {
  /** `sftp.vendor.com:22` */
  readonly where: string;
  readonly username: string;
  readonly authMethod: AuthMethod;
  readonly connectTimeoutMs: number;
}

/** Translate an error raised while connecting / logging in. Host-key refusals are handled by the caller. */
export function translateConnectError(err: unknown, ctx: ConnectErrorContext): SftpFailure {
  if (err instanceof SftpFailure) return err;
  const r = raw(err);
  const m = rawMessage(err);
  const code = typeof r.code === 'string' ? r.code : undefined;
  if (r.level === 'client-authentication' || /authentication methods failed|permission denied|auth(entication)? failed/i.test(m)) {
    const what =
      ctx.authMethod === 'password'
        ? 'the server rejected the password'
        : "the server rejected the private key (is its public key in the account's authorized_keys?)";
    return new SftpFailure(`Login failed for user "${ctx.username}" on ${ctx.where}: ${what}.`, 'auth', false);
  }
  if (r.level === 'client-timeout' || /timed out while waiting for handshake/i.test(m)) {
    return new SftpFailure(
      `No answer from the SFTP server ${ctx.where} within ${Math.round(ctx.connectTimeoutMs / 100) / 10} s (connect and login; setting connectTimeoutMs).`,
      'timeout',
      true,
    );
  }
  if (code && SOCKET_REASONS[code]) {
    const retryable = code !== 'ENOTFOUND';
    return new SftpFailure(`Cannot reach the SFTP server ${ctx.where}: ${SOCKET_REASONS[code]}. Check the host name, the port and that this server may connect out to it.`, code === 'ETIMEDOUT' ? 'timeout' : 'unreachable', retryable);
  }
  if (r.level === 'client-dns') {
    return new SftpFailure(`Cannot reach the SFTP server ${ctx.where}: host name not found (DNS).`, 'unreachable', false);
  }
  if (/handshake failed|no matching|kex|key exchange/i.test(m)) {
    return new SftpFailure(`The SFTP server ${ctx.where} and RosterSync found no common encryption method: ${m.replace(/^[A-Za-z]+: /, '')}.`, 'unreachable', false);
  }
  if (/subsystem|sftp/i.test(m) && /unable|fail|denied/i.test(m)) {
    return new SftpFailure(`The server ${ctx.where} accepted the login but did not start SFTP: ${m}.`, 'permission', false);
  }
  if (isConnectionLoss(err)) {
    return new SftpFailure(`The SFTP server ${ctx.where} closed the connection during login.`, 'unreachable', true);
  }
  return new SftpFailure(`Cannot connect to the SFTP server ${ctx.where}: ${m}.`, 'unreachable', true);
}

/** What a private key problem means for the admin (from ssh2's parseKey). */
export function translateKeyParseError(err: Error, hasPassphrase: boolean): SftpFailure {
  const m = err.message;
  if (/no passphrase given/i.test(m)) {
    return new SftpFailure('The private key is protected by a passphrase: enter the passphrase for this destination.', 'auth', false);
  }
  if (/bad passphrase|integrity check failed|bad decrypt|decrypt/i.test(m) && hasPassphrase) {
    return new SftpFailure('The passphrase for the private key is wrong.', 'auth', false);
  }
  if (/unsupported/i.test(m)) {
    return new SftpFailure(`The private key uses a format or cipher RosterSync cannot read (${m}). Use an OpenSSH or PEM key.`, 'config', false);
  }
  return new SftpFailure(
    hasPassphrase
      ? 'The private key could not be read: either the passphrase is wrong or the text is not an OpenSSH or PEM private key.'
      : 'The private key could not be read: paste the whole OpenSSH or PEM private key, including its BEGIN and END lines.',
    hasPassphrase ? 'auth' : 'config',
    false,
  );
}

export interface OpErrorContext {
  /** `sftp.vendor.com:22` */
  readonly where: string;
  readonly username: string;
  /** `uploading students.csv`, `renaming …` */
  readonly action: string;
  /** Remote path the operation touched. */
  readonly path: string;
  /** Folder as the admin configured it, for "missing folder" and "no permission" wording. */
  readonly folder: string;
}

/** Translate an error from an SFTP request (open, write, stat, rename, remove). */
export function translateOpError(err: unknown, ctx: OpErrorContext): SftpFailure {
  if (err instanceof SftpFailure) return err;
  const r = raw(err);
  const m = rawMessage(err);
  if (isConnectionLoss(err)) {
    return new SftpFailure(`The connection to ${ctx.where} was lost while ${ctx.action}.`, 'io', true);
  }
  if (r.code === SFTP_STATUS.PERMISSION_DENIED || /permission denied/i.test(m)) {
    return new SftpFailure(`No permission on ${ctx.where} while ${ctx.action}: user "${ctx.username}" may not write to ${ctx.folder}.`, 'permission', false);
  }
  if (r.code === SFTP_STATUS.NO_SUCH_FILE || /no such file/i.test(m)) {
    return new SftpFailure(`${ctx.folder} does not exist on ${ctx.where} (seen while ${ctx.action}). Check the remote folder setting; names are case-sensitive.`, 'missing-folder', false);
  }
  if (r.code === SFTP_STATUS.OP_UNSUPPORTED) {
    return new SftpFailure(`The SFTP server ${ctx.where} does not support an operation needed while ${ctx.action}.`, 'io', false);
  }
  return new SftpFailure(`The SFTP server ${ctx.where} reported an error while ${ctx.action} (${ctx.path}): ${m.replace(/^[_A-Za-z]+(->[_A-Za-z]+)?: /, '')}.`, 'io', false);
}

/** Values of secrets that must never appear in text: each secret, and each substantial line of a key. */
export function secretNeedles(secrets: Secrets): string[] {
  const needles = new Set<string>();
  for (const value of Object.values(secrets)) {
    if (typeof value !== 'string' || value.length === 0) continue;
    if (value.length >= 3) needles.add(value);
    for (const line of value.split(/\r?\n/)) {
      const t = line.trim();
      if (t.length >= 16 && !/^-----(BEGIN|END) /.test(t) && !/^(Proc-Type|DEK-Info):/.test(t)) needles.add(t);
    }
  }
  return [...needles].sort((a, b) => b.length - a.length);
}

export function redactSecrets(text: string, needles: readonly string[]): string {
  let out = text;
  for (const n of needles) if (out.includes(n)) out = out.split(n).join('[secret]');
  return out;
}

export function toDeliveryError(err: unknown, needles: readonly string[], delivered: readonly DeliveredFile[] = []): DeliveryError {
  if (err instanceof DeliveryError) {
    return new DeliveryError(redactSecrets(err.message, needles), err.code, delivered.length ? delivered : err.delivered);
  }
  if (err instanceof SftpFailure) return new DeliveryError(redactSecrets(err.message, needles), err.code, delivered);
  return new DeliveryError(redactSecrets(`SFTP delivery failed: ${rawMessage(err)}`, needles), 'io', delivered);
}
